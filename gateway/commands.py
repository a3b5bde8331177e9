"""Commands to devices, the gateway's half: a per-process registry of the live
device sessions and the delivery loop (the queue lives in storage/commands.py).

- A session registers when its device logs in (``seen``, called from
  session.handle_decoded, no await): device id -> the sans-IO connection (the
  session's identity and the facts commands need: Suntech's dialect, the
  watch's manufacturer ...), its ``send`` and ``is_open``. A closed session
  is dropped when next looked at; the registry is a bounded LRU.
- ``LISTEN uvis_commands``: a newly queued command of a device registered
  here is delivered at once; a login delivers what waits (queued, or sent to
  an earlier session and not answered: at least once). ``claim`` is a
  compare-and-swap, so two processes never send one command at the same time.
- Answers (``Decoded.answers``) are matched in the database by serial (or to
  the oldest sent command when the protocol's answers carry none).
- Every ``sweep_interval`` seconds: expire commands past their TTL, reload the
  set of devices with open commands and deliver what a missed notification
  left queued.

All database work runs in one task fed by a bounded queue (jobs beyond its
bound are dropped: the sweep finds the commands again).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from datetime import datetime, timezone
from itertools import count
from typing import Any, Callable

import asyncpg

from protocols import Decoded
from protocols._commands import Command, CommandError
from protocols.registry import answer_serial, encode_command
from storage import commands as store

__all__ = ["CommandRouter", "LiveSession", "session_facts"]

log = logging.getLogger("uvis.gateway.commands")

#: jobs waiting for the delivery task
MAX_JOBS = 10_000
_ids = count(1)


def session_facts(conn: Any, transport: str) -> dict[str, Any]:
    """What a protocol's encoder needs from the session (protocols' ``encode_typed_command``)."""
    facts: dict[str, Any] = {"transport": "udp" if transport == "udp" else "tcp"}
    if getattr(conn, "universal", False):
        facts["universal"] = True
    manufacturer = getattr(conn, "manufacturer", None)
    if manufacturer:
        facts["manufacturer"] = manufacturer
        facts["indexed"] = getattr(conn, "index", None) is not None
    return facts


class LiveSession:
    __slots__ = ("device_id", "protocol", "transport", "conn", "send", "is_open", "key")

    def __init__(self, device_id: str, protocol: str, transport: str, conn: Any,
                 send: Callable[[bytes], None], is_open: Callable[[], bool], key: str) -> None:
        self.device_id, self.protocol, self.transport = device_id, protocol, transport
        self.conn, self.send, self.is_open, self.key = conn, send, is_open, key


class CommandRouter:
    def __init__(self, pool: Any, dsn: str, *, sweep_interval: float = 5.0,
                 max_sessions: int = 1_000_000) -> None:
        self.pool, self.dsn = pool, dsn
        self.sweep_interval = sweep_interval
        self.max_sessions = max_sessions
        self.sessions: OrderedDict[str, LiveSession] = OrderedDict()
        #: devices with queued or sent commands (a hint: a login of another device costs nothing)
        self.open_devices: set[str] = set()
        self._prefix = f"{os.uname().nodename}:{os.getpid()}:{id(self):x}"
        self._jobs: asyncio.Queue | None = None
        self._tasks: list[asyncio.Task] = []
        self._listener: asyncpg.Connection | None = None
        self.sent = 0
        self.answered = 0

    # -- called from the listeners (no await) --------------------------------
    def seen(self, decoded: Decoded, conn: Any, metrics: Any, send: Callable[[bytes], None],
             is_open: Callable[[], bool]) -> None:
        device_id = decoded.login or getattr(conn, "device_id", None)
        if not device_id:
            return
        live = self.sessions.get(device_id)
        if decoded.login is not None:
            if live is None or live.conn is not conn:
                protocol, transport = metrics._labels  # the listener's (protocol, transport)
                live = LiveSession(device_id, protocol, transport, conn, send, is_open,
                                   f"{self._prefix}:{next(_ids)}")
                self.sessions[device_id] = live
                self.sessions.move_to_end(device_id)
                while len(self.sessions) > self.max_sessions:
                    self.sessions.popitem(last=False)
                if device_id in self.open_devices:
                    self._job(("deliver", device_id))
            else:
                live.send = send  # UDP: the newest source address
        for answer in decoded.answers:
            self._job(("answer", answer.device_id or device_id, answer))

    def _job(self, job: tuple) -> None:
        if self._jobs is None:
            return
        try:
            self._jobs.put_nowait(job)
        except asyncio.QueueFull:
            log.warning("command jobs queue full: %s for %s dropped (the sweep retries deliveries)",
                        job[0], job[1])

    # -- lifecycle -----------------------------------------------------------
    async def start(self) -> None:
        self._jobs = asyncio.Queue(MAX_JOBS)
        self.open_devices = await store.open_devices(self.pool)
        await self._listen()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._work()), loop.create_task(self._sweep())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None:
            await self._listener.close()

    async def _listen(self) -> None:
        try:
            self._listener = await asyncpg.connect(self.dsn)
            await self._listener.add_listener(store.CHANNEL, self._notified)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("commands: LISTEN failed (%r); the sweep delivers meanwhile", exc)
            self._listener = None

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        state, _, rest = payload.partition(" ")
        _, _, device_id = rest.partition(" ")
        if state == "queued" and device_id:
            self.open_devices.add(device_id)
            if device_id in self.sessions:
                self._job(("deliver", device_id))

    # -- the delivery task ---------------------------------------------------
    async def _work(self) -> None:
        assert self._jobs is not None
        while True:
            job = await self._jobs.get()
            try:
                if job[0] == "deliver":
                    await self.deliver(job[1])
                else:
                    await self._answer(job[1], job[2])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: the sweep retries
                log.warning("commands: %s for %s failed (%r)", job[0], job[1], exc)

    def _live(self, device_id: str) -> LiveSession | None:
        live = self.sessions.get(device_id)
        if live is not None and not live.is_open():
            del self.sessions[device_id]
            return None
        return live

    async def deliver(self, device_id: str) -> int:
        """Send what waits for ``device_id`` if its session is here; how many were sent."""
        live = self._live(device_id)
        if live is None:
            return 0
        sent = 0
        rows = await store.pending(self.pool, device_id, live.key)
        for row in rows:
            facts = session_facts(live.conn, live.transport)
            now = datetime.now(timezone.utc)
            command = Command(type=row.type, params=row.params, id=row.id)
            try:
                data = encode_command(live.protocol, command, device_id, now=now, **facts)
                serial = answer_serial(live.protocol, command, now=now, **facts)
            except CommandError as exc:
                await store.fail(self.pool, row.id, str(exc), live.key)
                continue
            if await store.claim(self.pool, row, live.key, data, serial) is None:
                continue  # another process took it
            if live.is_open():
                live.send(data)
                sent += 1
                self.sent += 1
        return sent

    async def _answer(self, device_id: str, answer: Any) -> None:
        row = await store.answer(self.pool, device_id, answer.serial, ok=answer.ok, text=answer.text,
                                 hex=answer.hex, meaning=answer.meaning)
        if row is None:
            log.info("commands: an answer of %s matches no sent command (serial %r): a repeat",
                     device_id, answer.serial)
        else:
            self.answered += 1

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                await store.expire(self.pool)
                self.open_devices = await store.open_devices(self.pool)
                for device_id in [d for d in self.open_devices if d in self.sessions]:
                    self._job(("deliver", device_id))
                if self._listener is None or self._listener.is_closed():
                    await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("commands: sweep failed (%r); will retry", exc)
