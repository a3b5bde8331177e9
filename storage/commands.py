"""The durable command queue (migration 7, table ``commands``).

Lifecycle: ``queued -> sent -> answered | failed | expired | cancelled``.
Every function takes an asyncpg pool or connection; writes open a ``READ
WRITE`` transaction explicitly (the API's pool is read-only by default).

- ``enqueue``: a new command, within the per-device queue length and rate
  limit (a transaction-scoped advisory lock per device serialises the check).
- ``pending``: what a process holding the device should send: queued, or
  sent by another session (the device reconnected before answering: at least
  once). ``claim`` is a compare-and-swap on (state, sent_by): of two processes
  racing for one command exactly one gets it, so it is never sent twice at once.
- ``answer``: the device's answer, matched to the oldest sent command carrying
  its serial (or, for protocols whose answers carry none, the oldest sent).
- ``expire``, ``cancel``, ``fail``.

Each state change writes an event ``command<State>`` in the same transaction
(the live stream and the forwarders see it) and one audit line in the log
(logger ``uvis.audit``). The row trigger NOTIFYs ``uvis_commands`` with
``"<state> <id> <device>"``: the gateway that holds the device wakes on
``queued``, waiters on the final states (``CommandWaiter``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

__all__ = ["CHANNEL", "FINAL", "CommandLimits", "CommandRefused", "CommandRow", "CommandWaiter",
           "answer", "cancel", "claim", "enqueue", "expire", "fail", "get", "list_for_device",
           "open_counts", "open_devices", "pending"]

audit = logging.getLogger("uvis.audit")

CHANNEL = "uvis_commands"
FINAL = frozenset({"answered", "failed", "expired", "cancelled"})
#: longest answer text/hex/meaning kept
MAX_ANSWER = 4096


class CommandLimits(msgspec.Struct, frozen=True, kw_only=True):
    #: seconds a command waits for its device (queued or sent, unanswered) before it expires
    ttl: float = 86400.0
    #: commands per device per minute (all states)
    rate_per_minute: int = 10
    #: queued or sent (unanswered) commands per device
    max_open: int = 20


class CommandRefused(Exception):
    """The command was not queued (queue full, rate limit): ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int = 429) -> None:
        super().__init__(message)
        self.status = status


class CommandRow(msgspec.Struct, kw_only=True):
    id: int
    device_id: str
    protocol: str | None
    type: str
    params: dict[str, Any]
    state: str
    requested_by: str
    created_at: datetime
    expires_at: datetime
    sent_at: datetime | None = None
    attempts: int = 0
    #: the exact bytes last sent, as hex
    sent_hex: str | None = None
    answer_serial: str | None = None
    answered_at: datetime | None = None
    answer_ok: bool | None = None
    answer_text: str | None = None
    answer_hex: str | None = None
    answer_meaning: str | None = None
    finished_at: datetime | None = None
    error: str | None = None
    #: the session that sent it (process and connection), for the delivery CAS
    sent_by: str | None = None


_COLUMNS = ("id, device_id, protocol, type, params::text AS params, state, requested_by, created_at, expires_at, "
            "sent_at, attempts, encode(sent_bytes, 'hex') AS sent_hex, answer_serial, answered_at, "
            "answer_ok, answer_text, answer_hex, answer_meaning, finished_at, error, sent_by")


def _row(record: Any) -> CommandRow:
    values = dict(record)
    values["params"] = json.loads(values["params"])  # selected as text: whatever codec the pool has
    return CommandRow(**values)


_EVENT = """
INSERT INTO events (device_id, time, received_at, protocol, type, attributes, key)
VALUES ($1, now(), now(), coalesce($2, 'unknown'), $3, $4::text::jsonb, $5)
ON CONFLICT DO NOTHING
"""


async def _changed(conn: Any, row: CommandRow, who: str | None = None) -> None:
    """The event and the audit line of a state change (inside the caller's transaction)."""
    attributes: dict[str, Any] = {"commandId": row.id, "commandType": row.type, "state": row.state}
    if row.state in ("answered", "failed") and (row.answer_text or row.answer_hex):
        attributes["result"] = row.answer_text if row.answer_text is not None else row.answer_hex
    if row.error:
        attributes["error"] = row.error
    kind = "command" + row.state.capitalize()
    await conn.execute(_EVENT, row.device_id, row.protocol, kind, json.dumps(attributes), row.id)
    audit.info("command %d %s device=%s type=%s by=%s attempts=%d%s", row.id, row.state,
               row.device_id, row.type, who or row.requested_by, row.attempts,
               f" error={row.error!r}" if row.error else "")


async def _write(db: Any, sql: str, *args: Any, who: str | None = None) -> CommandRow | None:
    """Run an UPDATE/INSERT ... RETURNING in a READ WRITE transaction; event + audit."""
    async with _acquire(db) as conn:
        async with conn.transaction():
            await conn.execute("SET TRANSACTION READ WRITE")
            record = await conn.fetchrow(sql, *args)
            if record is None:
                return None
            row = _row(record)
            await _changed(conn, row, who)
            return row


class _acquire:
    """``async with _acquire(pool_or_conn) as conn``."""

    def __init__(self, db: Any) -> None:
        self.db, self._ctx = db, None

    async def __aenter__(self) -> Any:
        if isinstance(self.db, asyncpg.Pool):
            self._ctx = self.db.acquire()
            return await self._ctx.__aenter__()
        return self.db

    async def __aexit__(self, *exc: Any) -> None:
        if self._ctx is not None:
            await self._ctx.__aexit__(*exc)


async def enqueue(db: Any, device_id: str, type: str, params: dict[str, Any], requested_by: str,
                  limits: CommandLimits, *, protocol: str | None = None,
                  ttl: float | None = None) -> CommandRow:
    """Queue a command (raises CommandRefused over the device's limits)."""
    seconds = limits.ttl if ttl is None else min(ttl, limits.ttl)
    async with _acquire(db) as conn:
        async with conn.transaction():
            await conn.execute("SET TRANSACTION READ WRITE")
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", device_id)
            open_, recent = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE state IN ('queued', 'sent') AND expires_at > now()), "
                "count(*) FILTER (WHERE created_at > now() - interval '60 seconds') "
                "FROM commands WHERE device_id = $1 AND (state IN ('queued', 'sent') "
                "OR created_at > now() - interval '60 seconds')", device_id)
            if open_ >= limits.max_open:
                raise CommandRefused(f"device {device_id} has {open_} commands waiting "
                                     f"(at most {limits.max_open})")
            if recent >= limits.rate_per_minute:
                raise CommandRefused(f"device {device_id}: at most {limits.rate_per_minute} "
                                     "commands per minute")
            if protocol is None:
                protocol = await conn.fetchval("SELECT protocol FROM devices WHERE device_id = $1",
                                               device_id)
            record = await conn.fetchrow(
                f"INSERT INTO commands (device_id, protocol, type, params, requested_by, expires_at) "
                f"VALUES ($1, $2, $3, $4::text::jsonb, $5, now() + make_interval(secs => $6)) "
                f"RETURNING {_COLUMNS}",
                device_id, protocol, type, json.dumps(params), requested_by, float(seconds))
            row = _row(record)
            await _changed(conn, row)
            return row


async def get(db: Any, command_id: int) -> CommandRow | None:
    record = await db.fetchrow(f"SELECT {_COLUMNS} FROM commands WHERE id = $1", command_id)
    return None if record is None else _row(record)


async def list_for_device(db: Any, device_id: str, *, limit: int = 100,
                          before: int | None = None) -> list[CommandRow]:
    """Newest first; ``before``: ids below this one (the next page)."""
    records = await db.fetch(
        f"SELECT {_COLUMNS} FROM commands WHERE device_id = $1 AND ($2::bigint IS NULL OR id < $2) "
        "ORDER BY id DESC LIMIT $3", device_id, before, limit)
    return [_row(r) for r in records]


async def cancel(db: Any, command_id: int, who: str) -> CommandRow | None:
    """Cancel a queued command; None when it is not queued (any more)."""
    return await _write(db, f"UPDATE commands SET state = 'cancelled', finished_at = now(), "
                            f"error = 'cancelled by ' || $2 WHERE id = $1 AND state = 'queued' "
                            f"RETURNING {_COLUMNS}", command_id, who, who=who)


async def open_devices(db: Any) -> set[str]:
    """Devices with a queued or sent (unanswered) command that has not expired."""
    rows = await db.fetch("SELECT DISTINCT device_id FROM commands "
                          "WHERE state IN ('queued', 'sent') AND expires_at > now()")
    return {r["device_id"] for r in rows}


async def open_counts(db: Any) -> dict[str, int]:
    """How many commands are queued and sent (waiting for an answer): {"queued": n, "sent": m}."""
    rows = await db.fetch("SELECT state, count(*) AS n FROM commands WHERE state IN ('queued', 'sent') "
                          "GROUP BY state")
    counts = {"queued": 0, "sent": 0}
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


async def pending(db: Any, device_id: str, session: str, *, resend: bool = True,
                  limit: int = 20) -> list[CommandRow]:
    """What session ``session`` holding ``device_id`` should send now, oldest first: the
    queued commands and, with ``resend`` (a new session: the device logged in again), those
    sent to another session and not answered."""
    records = await db.fetch(
        f"SELECT {_COLUMNS} FROM commands WHERE device_id = $1 AND expires_at > now() AND "
        "(state = 'queued' OR ($4 AND state = 'sent' AND sent_by IS DISTINCT FROM $2)) "
        "ORDER BY id LIMIT $3", device_id, session, limit, resend)
    return [_row(r) for r in records]


async def claim(db: Any, row: CommandRow, session: str, data: bytes,
                serial: int | str | None) -> CommandRow | None:
    """Mark ``row`` sent by ``session`` with these bytes, unless another process took it
    since ``pending`` read it (compare-and-swap on state and sent_by); None: not ours."""
    return await _write(
        db, f"UPDATE commands SET state = 'sent', sent_at = now(), attempts = attempts + 1, "
            f"sent_by = $2, sent_bytes = $3, answer_serial = $4 WHERE id = $1 AND expires_at > now() "
            f"AND state = $5 AND sent_by IS NOT DISTINCT FROM $6 RETURNING {_COLUMNS}",
        row.id, session, data, None if serial is None else str(serial), row.state, row.sent_by,
        who=session)


async def fail(db: Any, command_id: int, error: str, who: str) -> CommandRow | None:
    return await _write(db, f"UPDATE commands SET state = 'failed', finished_at = now(), error = $2 "
                            f"WHERE id = $1 AND state IN ('queued', 'sent') RETURNING {_COLUMNS}",
                        command_id, error[:MAX_ANSWER], who=who)


_MATCH = """
SELECT id FROM commands WHERE device_id = $1 AND state = 'sent'
  AND ($2::text IS NULL OR answer_serial = $2)
ORDER BY (answer_serial IS NULL) = ($2::text IS NULL) DESC, sent_at, id
LIMIT 1 FOR UPDATE SKIP LOCKED
"""


async def answer(db: Any, device_id: str, serial: int | str | None, *, ok: bool | None,
                 text: str | None, hex: str | None, meaning: str | None,
                 who: str = "device") -> CommandRow | None:
    """Record a device's answer on the command it answers; None when no sent command
    matches (an answer to a command already answered: a repeat after a resend)."""
    serial_text = None if serial is None else str(serial)
    async with _acquire(db) as conn:
        async with conn.transaction():
            await conn.execute("SET TRANSACTION READ WRITE")
            command_id = await conn.fetchval(_MATCH, device_id, serial_text)
            if command_id is None:
                return None
            record = await conn.fetchrow(
                f"UPDATE commands SET state = $2, answered_at = now(), finished_at = now(), "
                f"answer_ok = $3, answer_text = $4, answer_hex = $5, answer_meaning = $6 "
                f"WHERE id = $1 RETURNING {_COLUMNS}",
                command_id, "failed" if ok is False else "answered", ok, _cut(text), _cut(hex),
                _cut(meaning))
            row = _row(record)
            await _changed(conn, row, who)
            return row


def _cut(value: str | None) -> str | None:
    return None if value is None else value.replace("\x00", "")[:MAX_ANSWER]


async def expire(db: Any, *, limit: int = 1000) -> list[CommandRow]:
    """Expire up to ``limit`` queued or sent commands past their TTL (any process may run it)."""
    out: list[CommandRow] = []
    async with _acquire(db) as conn:
        async with conn.transaction():
            await conn.execute("SET TRANSACTION READ WRITE")
            records = await conn.fetch(
                f"UPDATE commands SET state = 'expired', finished_at = now() WHERE id IN ("
                f"SELECT id FROM commands WHERE state IN ('queued', 'sent') AND expires_at <= now() "
                f"ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING {_COLUMNS}", limit)
            for record in records:
                row = _row(record)
                await _changed(conn, row, "ttl")
                out.append(row)
    return out


class CommandWaiter:
    """Wait for commands to reach a final state: one ``LISTEN uvis_commands`` connection
    per process while anyone waits (taken from ``db``, a pool, or opened on ``db``, a
    DSN), shared by every waiter (bounded); the row is read again after each
    notification and every few seconds (a notification is a hint, not a promise)."""

    def __init__(self, db: Any, *, max_waiters: int = 1000) -> None:
        self.db = db
        self.max_waiters = max_waiters
        self._conn: Any = None
        self._waiters: dict[int, list[asyncio.Event]] = {}
        self._count = 0
        self._lock = asyncio.Lock()

    async def _listen(self) -> None:
        async with self._lock:
            if self._conn is not None:
                return
            if isinstance(self.db, str):
                self._conn = await asyncpg.connect(self.db)
            else:
                self._conn = await self.db.acquire()
            await self._conn.add_listener(CHANNEL, self._notified)

    async def _unlisten(self) -> None:
        async with self._lock:
            if self._count or self._conn is None:
                return
            conn, self._conn = self._conn, None
            try:
                await conn.remove_listener(CHANNEL, self._notified)
            finally:
                if isinstance(self.db, str):
                    await conn.close()
                else:
                    await self.db.release(conn)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        parts = payload.split(" ", 2)
        if len(parts) >= 2 and parts[0] in FINAL and parts[1].isdigit():
            for event in self._waiters.get(int(parts[1]), ()):
                event.set()

    async def wait(self, db: Any, command_id: int, timeout: float) -> CommandRow | None:
        """The command once final, or as it is when ``timeout`` seconds passed."""
        if self._count >= self.max_waiters:
            raise CommandRefused("too many requests wait for commands; retry without wait", 503)
        event = asyncio.Event()
        self._count += 1
        self._waiters.setdefault(command_id, []).append(event)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            await self._listen()
            while True:
                row = await get(db, command_id)
                if row is None or row.state in FINAL:
                    return row
                left = deadline - loop.time()
                if left <= 0:
                    return row
                try:
                    await asyncio.wait_for(event.wait(), min(left, 2.0))
                except asyncio.TimeoutError:
                    pass
                event.clear()
        finally:
            self._count -= 1
            events = self._waiters.get(command_id, [])
            if event in events:
                events.remove(event)
            if not events:
                self._waiters.pop(command_id, None)
            if not self._count:
                await self._unlisten()
