"""The ingest log: committed positions and events, in commit order, from a cursor.

Migration 4 gives every row of ``positions``, ``positions_late`` and
``events`` the id of the transaction that wrote it (``ingest_xid``, xid8) and
a number from the sequence ``uvis_ingest_seq`` taken in it (``ingest_seq``).
A row merged with new attributes (``ON CONFLICT DO UPDATE``) or moved from
``positions_late`` gets new ones, so readers see the update.

Why the cursor is the pair ``(xid, seq)`` and not ``seq`` alone: sequence
numbers are taken while a transaction runs, so a transaction that started
earlier (lower xid) can commit *after* rows with higher numbers were read;
a reader following ``seq`` would skip them. Ordering by ``(xid, seq)`` and
reading only rows whose xid is below the horizon (the oldest transaction of
this database still in flight; ``pg_snapshot_xmin`` narrowed to this
database's backends, see ``horizon``) is safe: every transaction below the
horizon has finished, and every transaction that finishes later has an xid
at or above it, so it sorts after anything returned now. Within one
transaction rows keep their ``seq`` order. A transaction of this database
that stays open (with an xid) holds the horizon back; the lag metrics of
readers show it.

Rows written before migration 4 have NULLs and are not in the log.

API (all take an asyncpg pool or connection):

- ``read_after(db, cursor, *, limit, kinds=("positions", "events"),
  devices=None)``: up to ``limit`` records after ``cursor`` (``Cursor.ZERO``:
  from the start), in log order; the last one's ``cursor`` is where to read
  on from. Fewer than ``limit``: caught up (for now).
- ``head(db)``: the cursor of the newest readable record (``Cursor.ZERO``
  when empty): a reader that wants only what comes next starts there.
- ``behind(db, cursor, *, cap)``: (records after ``cursor`` up to ``cap``,
  ``received_at`` of the first of them or None): a reader's lag.
- ``NOTIFY_CHANNEL``: a statement trigger on the three tables runs
  ``pg_notify('uvis_ingest', '')``, delivered when the writing transaction
  commits. ``LISTEN uvis_ingest`` wakes readers; they still poll on a timer
  (a notification is not a promise: ``migrate --timescale`` builds new tables
  without the trigger, and one may be missed while reconnecting).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Callable, NamedTuple

import msgspec

from protocols import Event, Position

__all__ = [
    "KINDS",
    "NOTIFY_CHANNEL",
    "Cursor",
    "read_tables",
    "IngestRecord",
    "behind",
    "head",
    "horizon",
    "read_after",
]

NOTIFY_CHANNEL = "uvis_ingest"

#: kind -> the tables that hold it
KINDS: dict[str, tuple[str, ...]] = {"positions": ("positions", "positions_late"),
                                     "events": ("events",)}


class Cursor(NamedTuple):
    """A position in the log: (transaction id, sequence number); ordered."""

    xid: int
    seq: int

    def __str__(self) -> str:
        return f"{self.xid}.{self.seq}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """The inverse of ``str()``: ``"123.456"``."""
        xid, _, seq = text.partition(".")
        cursor = cls(int(xid), int(seq))
        if cursor.xid < 0 or cursor.seq < 0:
            raise ValueError(f"not a cursor: {text!r}")
        return cursor


Cursor.ZERO = Cursor(0, 0)  # type: ignore[attr-defined]


class IngestRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One committed record: ``kind`` "position" or "event", where it is in the
    log, when the gateway received it, and the record itself."""

    kind: str
    xid: int
    seq: int
    received_at: datetime
    record: Position | Event

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.xid, self.seq)

    @property
    def device_id(self) -> str:
        return self.record.device_id


_POSITION_SELECT = ("ingest_xid, ingest_seq, received_at, device_id, protocol, fix_time, valid,"
                    " lat, lon, altitude_m, speed_kmh, course_deg, satellites, hdop, attributes")
_EVENT_SELECT = "ingest_xid, ingest_seq, received_at, device_id, protocol, time, type, attributes"


def _position(r) -> IngestRecord:
    return IngestRecord(kind="position", xid=r[0], seq=r[1], received_at=r[2], record=Position(
        device_id=r[3], protocol=r[4], fix_time=r[5], valid=r[6], lat=r[7], lon=r[8],
        altitude_m=r[9], speed_kmh=r[10], course_deg=r[11], satellites=r[12], hdop=r[13],
        attributes=_attributes(r[14])))


def _event(r) -> IngestRecord:
    return IngestRecord(kind="event", xid=r[0], seq=r[1], received_at=r[2], record=Event(
        device_id=r[3], protocol=r[4], time=r[5], type=r[6], attributes=_attributes(r[7])))


def _attributes(value: Any) -> dict:
    # a pool without the jsonb codec of storage.postgres.init_connection gives text
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


_TABLES = {"positions": (_POSITION_SELECT, _position), "positions_late": (_POSITION_SELECT, _position),
           "events": (_EVENT_SELECT, _event)}


# The oldest transaction of *this database* in flight (only they can write its
# tables): the snapshot's in-progress xids that belong to a backend (or a
# prepared transaction) of this database, else the snapshot's xmax. The
# backends are read after the snapshot is taken (one statement), so an xid
# missing from them has finished, or was assigned after the snapshot (>= xmax).
# pg_stat_activity compares 32-bit xids; when a backend of this database hides
# its status (another role, no pg_read_all_stats), the cluster-wide xmin is used.
_HORIZON = """
WITH snap AS (SELECT pg_current_snapshot() AS s),
mine AS (SELECT oid FROM pg_database WHERE datname = current_database()),
ours AS (
    SELECT backend_xid::text::bigint AS x FROM pg_stat_activity
    WHERE datid = (SELECT oid FROM mine) AND backend_xid IS NOT NULL
    UNION ALL
    SELECT transaction::text::bigint FROM pg_prepared_xacts WHERE database = current_database()
)
SELECT CASE
    WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE datid = (SELECT oid FROM mine)
                 AND query = '<insufficient privilege>')
    THEN pg_snapshot_xmin(s)
    ELSE COALESCE((SELECT min(x) FROM pg_snapshot_xip(s) AS x
                   WHERE x::text::bigint % 4294967296 IN (SELECT x FROM ours)),
                  pg_snapshot_xmax(s))
    END
FROM snap
"""


async def horizon(db) -> int:
    """The oldest transaction id that may still be in flight in this
    database: every row with a lower ``ingest_xid`` is final. Transactions of
    other databases on the same server do not hold it back."""
    return await db.fetchval(_HORIZON)


def _tables(kinds: Iterable[str]) -> list[str]:
    tables: list[str] = []
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        tables.extend(KINDS[kind])
    return tables


async def read_after(db, cursor: Cursor, *, limit: int,
                     kinds: Sequence[str] = ("positions", "events"),
                     devices: Sequence[str] | None = None) -> list[IngestRecord]:
    """Up to ``limit`` committed records after ``cursor`` in log order (by
    ``(xid, seq)``), only from transactions below the horizon; ``devices``:
    only these devices (None: all)."""
    return await read_tables(db, cursor, [(table, *_TABLES[table]) for table in _tables(kinds)],
                             limit=limit, devices=devices, order=lambda r: (r.xid, r.seq))


async def read_tables(db, cursor: Cursor, tables: Sequence[tuple[str, str, Callable[[Any], Any]]],
                      *, limit: int, devices: Sequence[str] | None = None,
                      order: Callable[[Any], Any]) -> list[Any]:
    """The log reader under ``read_after``, for readers that select their own
    columns: ``tables`` is (table, select list, row converter) per table; the
    converted rows are merged by ``order`` (their (xid, seq))."""
    if limit <= 0:
        return []
    below = await horizon(db)
    args: list[Any] = [cursor.xid, cursor.seq, below, limit]
    device_cond = ""
    if devices is not None:
        args.append(list(devices))
        device_cond = " AND device_id = ANY($5::text[])"
    parts = []
    for table, select, convert in tables:
        rows = await db.fetch(
            f"SELECT {select} FROM {table} WHERE (ingest_xid, ingest_seq) > ($1::xid8, $2::bigint)"
            f" AND ingest_xid < $3::xid8{device_cond} ORDER BY ingest_xid, ingest_seq LIMIT $4",
            *args)
        parts.append([convert(r) for r in rows])
    if len(parts) == 1:
        return parts[0]
    return list(heapq.merge(*parts, key=order))[:limit]


async def head(db, kinds: Sequence[str] = ("positions", "events")) -> Cursor:
    """The cursor of the newest readable record (``Cursor.ZERO``: none)."""
    below = await horizon(db)
    best = Cursor.ZERO
    for table in _tables(kinds):
        row = await db.fetchrow(
            f"SELECT ingest_xid, ingest_seq FROM {table} WHERE ingest_xid < $1::xid8"
            " ORDER BY ingest_xid DESC, ingest_seq DESC LIMIT 1", below)
        if row is not None and (row[0], row[1]) > best:
            best = Cursor(row[0], row[1])
    return best


async def behind(db, cursor: Cursor, *, cap: int = 100_000,
                 kinds: Sequence[str] = ("positions", "events")) -> tuple[int, datetime | None]:
    """How far a reader at ``cursor`` is behind: committed records after it
    (counted up to ``cap`` per table, so the count stays cheap) and the
    ``received_at`` of the first of them (None: caught up)."""
    below = await horizon(db)
    count, oldest = 0, None
    for table in _tables(kinds):
        row = await db.fetchrow(
            f"SELECT count(*), min(received_at) FROM (SELECT received_at FROM {table}"
            " WHERE (ingest_xid, ingest_seq) > ($1::xid8, $2::bigint) AND ingest_xid < $3::xid8"
            " ORDER BY ingest_xid, ingest_seq LIMIT $4) AS s", cursor.xid, cursor.seq, below, cap)
        count += row[0]
        if row[1] is not None and (oldest is None or row[1] < oldest):
            oldest = row[1]
    return count, oldest
