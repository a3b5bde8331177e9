"""The forwarding loop of one destination, and the service running them all.

Per destination, across every worker and gateway, one loop forwards: it
holds a PostgreSQL session advisory lock (keyed by the destination's name)
on its own connection, and the others retry every ``lease_retry`` seconds;
when the holder dies its connection closes, the lock is free and a standby
takes over from the durable cursor.

The loop reads the ingest log (storage/ingest_log.py) after the cursor,
filters, sends, retries what failed with jittered exponential backoff and,
when a message exceeds ``max_attempts`` or ``max_age``, moves it to the dead
letters. Only then, in one transaction on the lock's connection, the cursor
advances past the batch: nothing is skipped, a crash repeats at most the
batch in flight (same message ids). LISTEN uvis_ingest wakes it after each
commit; it also polls every ``poll_interval``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from storage import forward_store, ingest_log
from storage.ingest_log import Cursor, IngestRecord

from .destinations import Destination, make_destination
from .messages import Message, build_message
from .metrics import ForwardMetrics
from .settings import ForwardDestinationSettings, ForwardSettings

__all__ = ["ForwardService", "Forwarder", "backoff_delay", "lock_key"]

log = logging.getLogger("uvis.forward")

_GROUP_CACHE_MAX = 100_000
_GROUP_CACHE_TTL = 60.0


def lock_key(name: str) -> int:
    """The advisory lock of a destination (a signed 64-bit key)."""
    digest = hashlib.blake2b(b"uvis-forward:" + name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def backoff_delay(attempt: int, initial: float, cap: float, rng: random.Random = random) -> float:
    """Equal jitter: half the exponential delay plus a random half."""
    delay = min(cap, initial * 2 ** max(0, attempt - 1))
    return delay / 2 + rng.uniform(0, delay / 2)


class Forwarder:
    """One destination in one process."""

    def __init__(self, settings: ForwardDestinationSettings, forward: ForwardSettings, dsn: str,
                 metrics: ForwardMetrics,
                 factory: Callable[[ForwardDestinationSettings], Destination] = make_destination
                 ) -> None:
        self.s = settings
        self.forward = forward
        self.dsn = dsn
        self.factory = factory
        self.name = settings.name
        self.active = False
        self._wake = asyncio.Event()
        self._groups: dict[str, str | None] = {}
        self._groups_at = 0.0
        self._has_groups: bool | None = None
        m = metrics
        self.m_active = m.active.labels(self.name)
        self.m_delivered = m.delivered.labels(self.name)
        self.m_retried = m.retried.labels(self.name)
        self.m_dead = m.dead_lettered.labels(self.name)
        self.m_active.set(0)

    # -- the lease -----------------------------------------------------------------------
    async def run(self) -> None:
        """Hold the destination and forward; on any failure start over."""
        while True:
            try:
                await self._hold_and_forward()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - database gone, destination refused ...
                log.warning("forward %s: %s: %s; starting over", self.name, type(exc).__name__, exc)
            self.active = False
            self.m_active.set(0)
            await asyncio.sleep(backoff_delay(1, self.forward.lease_retry, self.forward.lease_retry))

    async def _hold_and_forward(self) -> None:
        from storage.postgres import (
            init_connection,  # the store's codecs (jsonb, float4)
        )

        conn = await asyncpg.connect(self.dsn, server_settings={
            "application_name": f"uvis-forward pid={os.getpid()}"})
        try:
            await init_connection(conn)
            # reals as PostgreSQL prints them (shortest exact form: 12.3 stays 12.3), at a
            # fraction of the binary codec's cost per value
            await conn.set_type_codec("float4", schema="pg_catalog", format="text",
                                      encoder=str, decoder=float)
            key = lock_key(self.name)
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                await asyncio.sleep(backoff_delay(1, self.forward.lease_retry,
                                                  self.forward.lease_retry))
            self.active = True
            self.m_active.set(1)
            log.info("forward %s: this process forwards", self.name)
            await conn.add_listener(ingest_log.NOTIFY_CHANNEL, self._notified)
            cursor = await forward_store.load_cursor(conn, self.name)
            if cursor is None:
                start = (Cursor.ZERO if self.s.start == "earliest"
                         else await ingest_log.head(conn, self.s.kinds))
                cursor = await forward_store.init_cursor(conn, self.name, start)
            destination = await self._open()
            try:
                await self._forward(conn, destination, cursor)
            finally:
                try:  # bounded: a broker that does not answer must not hold the stop
                    await asyncio.wait_for(destination.close(), 5)
                except Exception as exc:  # noqa: BLE001
                    log.info("forward %s: closing the destination: %r", self.name, exc)
        finally:
            self.active = False
            self.m_active.set(0)
            await _close(conn)

    def _notified(self, *args: Any) -> None:
        self._wake.set()

    async def _open(self) -> Destination:
        attempt = 0
        while True:
            destination = self.factory(self.s)
            try:
                await asyncio.wait_for(destination.open(), self.s.timeout)
                return destination
            except Exception as exc:  # noqa: BLE001
                attempt += 1
                await destination.close()
                delay = backoff_delay(attempt, self.s.backoff_initial, self.s.backoff_max)
                log.warning("forward %s: cannot connect (%s: %s); retry in %.1f s", self.name,
                            type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)

    # -- the loop ------------------------------------------------------------------------
    async def _forward(self, conn, destination: Destination, cursor: Cursor) -> None:
        s = self.s
        devices = list(s.devices) or None
        while True:
            self._wake.clear()
            records = await ingest_log.read_after(conn, cursor, limit=s.batch_max_records,
                                                  kinds=s.kinds, devices=devices)
            if not records:
                await self._sleep(self.forward.poll_interval)
                continue
            if len(records) < s.batch_max_records:
                age = time.time() - records[0].received_at.timestamp()
                if age < s.batch_max_age:
                    await self._sleep(s.batch_max_age - age)
                    continue  # read again: the batch may have grown
            messages = await self._messages(conn, records)
            await self._deliver(conn, destination, messages, records[-1].cursor)
            cursor = records[-1].cursor

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    async def _messages(self, conn, records: Sequence[IngestRecord]) -> list[Message]:
        s = self.s
        types = set(s.event_types)
        groups = await self._group_of(conn, {r.device_id for r in records})
        wanted = set(s.groups)
        out = []
        for r in records:
            if r.kind == "event" and types and r.record.type not in types:
                continue
            group = groups.get(r.device_id)
            if wanted and group not in wanted:
                continue
            out.append(build_message(r, group))
        return out

    async def _group_of(self, conn, devices: set[str]) -> dict[str, str | None]:
        if self._has_groups is None:
            self._has_groups = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name ="
                " 'devices' AND column_name = 'group_name' AND table_schema = current_schema())")
        if not self._has_groups:
            return {}
        now = time.monotonic()
        if now - self._groups_at > _GROUP_CACHE_TTL or len(self._groups) > _GROUP_CACHE_MAX:
            self._groups, self._groups_at = {}, now
        missing = [d for d in devices if d not in self._groups]
        if missing:
            rows = await conn.fetch("SELECT device_id, group_name FROM devices"
                                    " WHERE device_id = ANY($1::text[])", missing)
            found = {r[0]: r[1] for r in rows}
            for d in missing:
                self._groups[d] = found.get(d)
        return self._groups

    async def _deliver(self, conn, destination: Destination, messages: list[Message],
                       end: Cursor) -> None:
        """Send until acknowledged or dead-lettered, then advance the cursor to ``end``."""
        s = self.s
        first_try = datetime.now(UTC)
        started = time.monotonic()
        pending, attempts, dead = messages, 0, []
        while pending:
            try:
                failures = await destination.send(pending)
            except Exception as exc:  # noqa: BLE001
                reason = f"{type(exc).__name__}: {exc}"[:500]
                failures = [(m, reason) for m in pending]
            self.m_delivered.inc(len(pending) - len(failures))
            if not failures:
                break
            attempts += 1
            if ((s.max_attempts and attempts >= s.max_attempts)
                    or time.monotonic() - started >= s.max_age):
                dead = failures
                break
            delay = backoff_delay(attempts, s.backoff_initial, s.backoff_max)
            log.warning("forward %s: %d of %d messages failed (%s); attempt %d, retry in %.1f s",
                        self.name, len(failures), len(pending), failures[0][1], attempts, delay)
            self.m_retried.inc(len(failures))
            pending = [m for m, _ in failures]
            await asyncio.sleep(delay)
        async with conn.transaction():
            if dead:
                await forward_store.add_dead_letters(conn, self.name, [
                    (m.id, m.kind, m.device_id, m.payload, reason, attempts, first_try)
                    for m, reason in dead])
            await forward_store.save_cursor(conn, self.name, end)
        if dead:
            self.m_dead.inc(len(dead))
            log.error("forward %s: %d messages moved to the dead letters after %d attempts (%s)",
                      self.name, len(dead), attempts, dead[0][1])


async def _close(conn) -> None:
    try:
        await asyncio.wait_for(conn.close(), 5)
    except Exception:  # noqa: BLE001
        conn.terminate()


class ForwardService:
    """Every configured destination's loop, and the lag metrics."""

    def __init__(self, forward: ForwardSettings, dsn: str, pool: Any, metrics: ForwardMetrics,
                 factory: Callable[[ForwardDestinationSettings], Destination] = make_destination
                 ) -> None:
        self.forward = forward
        self.pool = pool
        self.metrics = metrics
        self.forwarders = [Forwarder(d, forward, dsn, metrics, factory)
                           for d in forward.destinations]
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        try:  # the lag metrics exist from the start
            await self.refresh_lag()
        except Exception as exc:  # noqa: BLE001
            log.info("forward: lag metrics failed (%r)", exc)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(f.run(), name=f"uvis-forward {f.name}")
                       for f in self.forwarders]
        self._tasks.append(loop.create_task(self._lag_loop(), name="uvis-forward lag"))

    async def stop(self, timeout: float = 10.0) -> None:
        """Cancel the loops (what is in flight is sent again by the next holder)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=timeout)
            for task in pending:
                log.warning("forward: %s did not stop within %.0f s", task.get_name(), timeout)
        self._tasks = []

    async def refresh_lag(self) -> None:
        m = self.metrics
        for f in self.forwarders:
            cursor = await forward_store.load_cursor(self.pool, f.name)
            if cursor is None:  # never started: nothing owed yet
                m.lag_records.labels(f.name).set(0)
                m.lag_seconds.labels(f.name).set(0)
                continue
            count, oldest = await ingest_log.behind(self.pool, cursor, cap=100_000,
                                                    kinds=f.s.kinds)
            m.lag_records.labels(f.name).set(count)
            m.lag_seconds.labels(f.name).set(
                0 if oldest is None else max(0.0, time.time() - oldest.timestamp()))
        open_letters = await forward_store.open_dead_letters(self.pool)
        for f in self.forwarders:
            m.dead_letters.labels(f.name).set(open_letters.get(f.name, 0))

    async def _lag_loop(self) -> None:
        while True:
            try:
                await self.refresh_lag()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                log.info("forward: lag metrics failed (%r)", exc)
            await asyncio.sleep(self.forward.metrics_interval)
