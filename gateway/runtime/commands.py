"""Commands to devices, the gateway's half: a per-process registry of the live
device sessions and the delivery loop (the queue lives in storage/commands.py).

- A session registers when its device logs in (``seen``, called from
  ingest.handle_decoded, no await): device id -> the sans-IO connection (the
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
- Metrics (gateway/runtime/metrics.py), by the command's protocol: sent,
  answered, failed (device, encode), expired; the queued and sent commands in
  the database as a gauge, read at each sweep.

All database work runs in one task fed by a bounded queue (jobs beyond its
bound are dropped: the sweep finds the commands again).
"""

from __future__ import annotations

import asyncio
import json
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
#: protocols whose commands carry the device's password: the device attribute
#: ``devicePassword`` (Traccar's key; PATCH /api/v1/devices/{id}), else the encoder's default
PASSWORD_PROTOCOLS = frozenset({"gl200", "ruptela"})
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


def _published(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("commands: an MQTT publish failed (%r); resent at the next session",
                    future.exception())


class LiveSession:
    __slots__ = ("device_id", "protocol", "transport", "conn", "send", "is_open", "key")

    def __init__(self, device_id: str, protocol: str, transport: str, conn: Any,
                 send: Callable[[bytes], None], is_open: Callable[[], bool], key: str) -> None:
        self.device_id, self.protocol, self.transport = device_id, protocol, transport
        self.conn, self.send, self.is_open, self.key = conn, send, is_open, key


class CommandRouter:
    def __init__(self, pool: Any, dsn: str, *, sweep_interval: float = 5.0,
                 max_sessions: int = 1_000_000, mqtt_topic: str = "devices/{device}/commands",
                 mqtt_answer_filter: str = "devices/+/commands/answer", metrics: Any = None) -> None:
        from ..mqtt.config import parse_filter

        self.pool, self.dsn = pool, dsn
        self.mqtt_topic = mqtt_topic
        self.mqtt_answer_filter = mqtt_answer_filter
        self._answer_levels = parse_filter(mqtt_answer_filter)
        #: the topic level naming the device in an answer's topic (the filter's first '+')
        self._answer_device = (self._answer_levels.index("+") if "+" in self._answer_levels
                               else None)
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
        #: gateway/runtime/metrics.py Metrics (None: not counted)
        self.metrics = metrics

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
                self._register(LiveSession(device_id, protocol, transport, conn, send, is_open,
                                           f"{self._prefix}:{next(_ids)}"))
            else:
                live.send = send  # UDP: the newest source address
        for answer in decoded.answers:
            self._job(("answer", answer.device_id or device_id, answer))

    def _register(self, live: LiveSession) -> None:
        device_id = live.device_id
        self.sessions[device_id] = live
        self.sessions.move_to_end(device_id)
        while len(self.sessions) > self.max_sessions:
            self.sessions.popitem(last=False)
        if device_id in self.open_devices:
            self._job(("deliver", device_id, True))  # a new session: resend what was sent

    # -- MQTT devices (gateway/mqtt/ingest.py) -------------------------------------
    def mqtt_subscriptions(self) -> list[tuple[str, int]]:
        """What a broker's client subscribes to besides the configured subscriptions."""
        return [(self.mqtt_answer_filter, 1)]

    def mqtt_seen(self, client: Any, records: Any) -> None:
        """Devices whose records came through ``client``'s broker: commands for them are
        published to ``mqtt_topic`` at QoS 1 on that broker."""
        for device_id in {r.device_id for r in records}:
            live = self.sessions.get(device_id)
            if live is not None and live.conn is client:
                continue
            topic = self.mqtt_topic.format(device=device_id)

            def publish(data: bytes, topic: str = topic) -> None:
                client.publish(topic, data, 1).add_done_callback(_published)

            self._register(LiveSession(device_id, "mqtt", "mqtt", client, publish,
                                       lambda: True, f"{self._prefix}:{next(_ids)}"))

    def mqtt_answer(self, topic: str | None, payload: bytes) -> bool:
        """True when ``topic`` is the answer topic (the message is an answer and is taken
        here): ``{"id": <command id>, "ok": true|false, "result": "...", "meaning": "..."}``."""
        from ..mqtt.config import topic_matches

        if topic is None or not topic_matches(self._answer_levels, topic):
            return False
        try:
            body = json.loads(payload)
            command_id = body["id"]
            if not isinstance(command_id, int) or isinstance(command_id, bool):
                raise ValueError("id: not an integer")
            ok = body.get("ok")
            result, meaning = body.get("result"), body.get("meaning")
            device_id = (topic.split("/")[self._answer_device] if self._answer_device is not None
                         else str(body["device_id"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.info("commands: a malformed MQTT answer on %r (%s)", topic[:200], exc)
            return True
        from protocols._commands import CommandAnswer

        self._job(("answer", device_id, CommandAnswer(
            protocol="mqtt", device_id=device_id, serial=command_id,
            ok=ok if isinstance(ok, bool) else None,
            text=None if result is None else str(result)[:store.MAX_ANSWER],
            meaning=None if meaning is None else str(meaning)[:store.MAX_ANSWER])))
        return True

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
        try:
            self.open_devices = await store.open_devices(self.pool)
            await self._gauge()
        except (OSError, asyncpg.PostgresError) as exc:  # the sweep loads them later
            log.warning("commands: the open commands could not be read (%r); retrying", exc)
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
                self._job(("deliver", device_id, False))

    # -- the delivery task ---------------------------------------------------
    async def _work(self) -> None:
        assert self._jobs is not None
        while True:
            job = await self._jobs.get()
            try:
                if job[0] == "deliver":
                    await self.deliver(job[1], resend=job[2])
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

    async def deliver(self, device_id: str, *, resend: bool = False) -> int:
        """Send what waits for ``device_id`` if its session is here (``resend``: also what
        was sent to an earlier session and not answered); how many were sent."""
        live = self._live(device_id)
        if live is None:
            return 0
        sent = 0
        rows = await store.pending(self.pool, device_id, live.key, resend=resend)
        password = None
        if rows and live.protocol in PASSWORD_PROTOCOLS:
            password = await self.pool.fetchval(
                "SELECT attributes->>'devicePassword' FROM devices WHERE device_id = $1", device_id)
        for row in rows:
            try:
                data, serial = self._encode(live, row, password)
            except CommandError as exc:
                if await store.fail(self.pool, row.id, str(exc), live.key) is not None:
                    self._count("failed", row, "encode")
                continue
            if await store.claim(self.pool, row, live.key, data, serial) is None:
                continue  # another process took it
            if live.is_open():
                live.send(data)
                sent += 1
                self.sent += 1
                self._count("sent", row)
        return sent

    @staticmethod
    def _encode(live: LiveSession, row: Any,
                password: str | None = None) -> tuple[bytes, int | str | None]:
        """The bytes for this session and the serial its answer will carry."""
        if live.transport == "mqtt":  # a JSON command on the device's topic; the answer names the id
            body = {"id": row.id, "type": row.type, "params": row.params}
            return json.dumps(body, separators=(",", ":")).encode(), row.id
        facts = session_facts(live.conn, live.transport)
        if password is not None:
            facts["password"] = password
        now = datetime.now(timezone.utc)
        command = Command(type=row.type, params=row.params, id=row.id)
        return (encode_command(live.protocol, command, live.device_id, now=now, **facts),
                answer_serial(live.protocol, command, now=now, **facts))

    async def _answer(self, device_id: str, answer: Any) -> None:
        row = await store.answer(self.pool, device_id, answer.serial, ok=answer.ok, text=answer.text,
                                 hex=answer.hex, meaning=answer.meaning)
        if row is None:
            log.info("commands: an answer of %s matches no sent command (serial %r): a repeat",
                     device_id, answer.serial)
        else:
            self.answered += 1
            if row.state == "failed":
                self._count("failed", row, "device")
            else:
                self._count("answered", row)

    def _count(self, what: str, row: Any, reason: str | None = None) -> None:
        metrics = self.metrics
        if metrics is None:
            return
        counter = getattr(metrics, f"commands_{what}")
        protocol = row.protocol or "unknown"
        (counter.labels(protocol, reason) if reason else counter.labels(protocol)).inc()

    async def _gauge(self) -> None:
        if self.metrics is not None:
            for state, n in (await store.open_counts(self.pool)).items():
                self.metrics.commands_open.labels(state).set(n)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            try:
                for row in await store.expire(self.pool):
                    self._count("expired", row)
                self.open_devices = await store.open_devices(self.pool)
                await self._gauge()
                for device_id in [d for d in self.open_devices if d in self.sessions]:
                    self._job(("deliver", device_id, False))
                if self._listener is None or self._listener.is_closed():
                    await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("commands: sweep failed (%r); will retry", exc)
