"""The live feed: one reader per API process follows the ingest log
(storage/ingest_log.py's order and horizon: committed records in commit-safe
order; api/live_reader.py has PostgreSQL build each message's JSON), woken by
``LISTEN uvis_ingest`` and polled as a fallback, and fans every record out to
the subscribers whose filter it passes (looked up by device when they filter
by devices).

Each subscriber has a bounded queue; one that falls ``live_queue`` messages
behind is dropped with a reason (the reader never waits for it, so neither
ingest nor the other subscribers slow down). Every message carries the
record's ingest-log cursor as its id: SSE's ``Last-Event-ID`` (or
``?after=``) replays from the store up to where the live queue starts, so a
reconnecting client sees no gap and no repeat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, AsyncIterator, Sequence

import asyncpg
import msgspec

from storage import ingest_log
from storage.ingest_log import Cursor

from . import live_reader
from .live_reader import LiveRecord

from .auth import Principal

__all__ = ["LiveHub", "LiveFilter", "Subscription", "Dropped"]

log = logging.getLogger("uvis.api.live")

READ_BATCH = 5000
POLL_SECONDS = 0.5
GROUP_TTL = 10.0
MAX_GROUP_CACHE = 200_000


class Dropped(Exception):
    """The subscription was closed by the hub; the message says why."""


class LiveFilter(msgspec.Struct, frozen=True, kw_only=True):
    devices: frozenset[str] | None = None
    #: the caller's own group limit (token/JWT) and the groups asked for
    groups: frozenset[str] | None = None
    allowed_groups: frozenset[str] | None = None
    bbox: tuple[float, float, float, float] | None = None
    #: "position" and/or "event"
    kinds: frozenset[str] = frozenset({"position", "event"})
    #: event types (None: every type)
    types: frozenset[str] | None = None

    @property
    def needs_groups(self) -> bool:
        return self.groups is not None or self.allowed_groups is not None

    def matches(self, rec: LiveRecord, group: str | None) -> bool:
        if rec.kind not in self.kinds:
            return False
        if self.devices is not None and rec.device_id not in self.devices:
            return False
        if self.allowed_groups is not None and group not in self.allowed_groups:
            return False
        if self.groups is not None and group not in self.groups:
            return False
        if rec.kind == "event":
            return self.types is None or rec.type in self.types
        if self.bbox is not None:
            west, south, east, north = self.bbox
            return west <= rec.lon <= east and south <= rec.lat <= north
        return True


class Subscription:
    def __init__(self, hub: "LiveHub", flt: LiveFilter, size: int, principal: Principal) -> None:
        self.hub, self.filter, self.principal = hub, flt, principal
        self.queue: asyncio.Queue[tuple[Cursor, bytes]] = asyncio.Queue(size)
        self.closed: str | None = None
        #: called once when the hub closes it (a WebSocket cancels its blocked send)
        self.on_close: Any = None
        #: the hub's cursor when this subscription started: the queue holds what comes after
        self.start = hub.cursor
        #: the last message handed out; True while replaying from the store
        self.last = Cursor.ZERO
        self.replaying = False

    def offer(self, cursor: Cursor, data: bytes) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait((cursor, data))
        except asyncio.QueueFull:
            self.close(f"slow consumer: {self.queue.maxsize} messages waiting")
            self.hub.dropped += 1

    def close(self, reason: str) -> None:
        if self.closed is None:
            self.closed = reason
            self.hub._remove(self)
            if self.on_close is not None:
                self.on_close()
            try:  # wake the reader so it sees the reason
                self.queue.put_nowait((Cursor.ZERO, b""))
            except asyncio.QueueFull:
                pass

    async def messages(self, resume: Cursor | None, keepalive: float | None = None
                       ) -> AsyncIterator[tuple[Cursor, bytes] | None]:
        """Replay from the store after ``resume`` (up to where the queue
        starts), then the live queue; None after ``keepalive`` seconds without
        a message; raises Dropped when closed by the hub."""
        if resume is not None:
            self.last = resume
            self.replaying = True
            async for cursor, data in self.hub.replay(self.filter, resume, self.start):
                self.last = cursor
                yield cursor, data
        self.replaying = False
        queue = self.queue
        while True:
            if not queue.empty():
                item = self.ready()
                if item is None:
                    continue
                yield item
                continue
            try:
                cursor, data = await (queue.get() if keepalive is None
                                      else asyncio.wait_for(queue.get(), keepalive))
            except asyncio.TimeoutError:
                yield None
                continue
            if self.closed is not None:
                raise Dropped(self.closed)
            if cursor > self.last:
                self.last = cursor
                yield cursor, data

    def ready(self) -> tuple[Cursor, bytes] | None:
        """The next queued message without waiting (None: empty, or a repeat
        skipped); only once the replay is done. Raises Dropped when closed."""
        if self.replaying or self.queue.empty():
            return None
        cursor, data = self.queue.get_nowait()
        if self.closed is not None:
            raise Dropped(self.closed)
        if cursor <= self.last:
            return None
        self.last = cursor
        return cursor, data


class LiveHub:
    def __init__(self, pool: asyncpg.Pool, dsn: str, *, queue_size: int = 1000,
                 max_subscribers: int = 1000) -> None:
        self.pool, self.dsn = pool, dsn
        self.queue_size, self.max_subscribers = queue_size, max_subscribers
        self.subscribers: set[Subscription] = set()
        #: dispatch index: subscribers filtered by devices, by device; the others
        self._by_device: dict[str, set[Subscription]] = {}
        self._generic: set[Subscription] = set()
        self.cursor = Cursor.ZERO
        self.delivered = 0
        self.dropped = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._listener: asyncpg.Connection | None = None
        self._groups: dict[str, tuple[str | None, float]] = {}

    async def start(self) -> None:
        self.cursor = await ingest_log.head(self.pool)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        for sub in list(self.subscribers):
            sub.close("the server is shutting down")
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._listener is not None:
            await self._listener.close()

    def subscribe(self, flt: LiveFilter, principal: Principal) -> Subscription:
        if len(self.subscribers) >= self.max_subscribers:
            raise Dropped(f"too many live subscribers on this server ({self.max_subscribers})")
        sub = Subscription(self, flt, self.queue_size, principal)
        self.subscribers.add(sub)
        if flt.devices is None:
            self._generic.add(sub)
        else:
            for device in flt.devices:
                self._by_device.setdefault(device, set()).add(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        self.subscribers.discard(sub)
        self._generic.discard(sub)
        for device in sub.filter.devices or ():
            subs = self._by_device.get(device)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._by_device[device]

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = await asyncpg.connect(self.dsn, server_settings={"application_name": "uvis-api-live"})
        await self._listener.add_listener(ingest_log.NOTIFY_CHANNEL, lambda *_: self._wake.set())

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
                while True:
                    self._wake.clear()
                    while await self._pump():
                        await asyncio.sleep(0)  # subscribers drain their queues between batches
                    try:
                        await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
                    except asyncio.TimeoutError:
                        pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: retry, subscribers stay
                log.warning("live feed: reading the ingest log failed (%r); retrying", exc)
                if self._listener is not None:
                    self._listener.terminate()
                    self._listener = None
                await asyncio.sleep(1.0)

    async def _pump(self) -> bool:
        """Deliver one batch; True when there may be more."""
        # a batch at most half a queue: a subscriber that keeps up never overflows
        batch = max(1, min(READ_BATCH, self.queue_size // 2))
        records = await live_reader.read_after(self.pool, self.cursor, limit=batch)
        if not records:
            return False
        groups: dict[str, str | None] = {}
        while not groups and any(s.filter.needs_groups for s in self.subscribers):
            groups = await self._group_map(records)  # again if one joined while we waited
        # no await from here on: a subscriber added before this point has its start
        # at the previous batch and gets this one; one added later starts after it
        generic = list(self._generic)
        by_device = self._by_device
        for rec in records:
            device = rec.device_id
            group = groups.get(device)
            targets = by_device.get(device)
            for sub in (generic if not targets else [*generic, *targets]):
                if sub.filter.matches(rec, group):
                    sub.offer(rec.cursor, rec.data)
                    self.delivered += 1
        self.cursor = records[-1].cursor
        return len(records) == batch

    async def _group_map(self, records: Sequence[LiveRecord]) -> dict[str, str | None]:
        now = time.monotonic()
        wanted = {r.device_id for r in records}
        stale = [d for d in wanted if now - self._groups.get(d, (None, -GROUP_TTL))[1] >= GROUP_TTL]
        if stale:
            rows = await self.pool.fetch(
                "SELECT device_id, group_name FROM devices WHERE device_id = ANY($1::text[])", stale)
            found = {r[0]: r[1] for r in rows}
            if len(self._groups) + len(stale) > MAX_GROUP_CACHE:
                self._groups.clear()
            for device in stale:
                self._groups[device] = (found.get(device), now)
        return {d: self._groups[d][0] for d in wanted}

    async def replay(self, flt: LiveFilter, after: Cursor, until: Cursor) -> AsyncIterator[tuple[Cursor, bytes]]:
        """Records in (after, until] from the store that pass ``flt``."""
        cursor = after
        devices = sorted(flt.devices) if flt.devices is not None else None
        while cursor < until:
            records = await live_reader.read_after(self.pool, cursor, limit=1000, devices=devices)
            records = [r for r in records if r.cursor <= until]
            if not records:
                return
            groups = await self._group_map(records) if flt.needs_groups else {}
            for rec in records:
                if flt.matches(rec, groups.get(rec.device_id)):
                    yield rec.cursor, rec.data
            cursor = records[-1].cursor
