"""PostgreSQL implementation of Sink and Reader with asyncpg.

A batch is written in one transaction.

Optimistic path (devices resend only what was not acknowledged, so a batch
rarely holds a stored key): the batch, without repeated keys, is COPYed
straight into ``positions`` inside a savepoint; only each device's newest fix
goes to the staging table, and one statement upserts ``latest_positions``
(only when the new fix time is newer), inserts the events and refreshes
``devices``. Measured: 85-105% of raw COPY (benchmarks/writer.py).

Fallback (a unique violation: a resent fix): back to the savepoint; COPY the
positions and events into per-connection temporary staging tables (``ON
COMMIT DELETE ROWS``, created once per connection by the pool's ``init``) and
one statement whose CTEs insert them with ``ON CONFLICT DO NOTHING`` (the
duplicates are absorbed and counted), upsert ``latest_positions`` and
``devices``, and return the inserted counts. With a TimescaleDB compression
horizon (``late_horizon``) every batch takes this path, which routes late
fixes to ``positions_late``.

Staging columns for real-typed values are double precision; ``real`` columns
are encoded in binary and read back as the 7-significant-digit decimal they
were written as, so a stored 12.3 comes back as 12.3, not 12.300000190734863.

The statements live in ``storage._statements``, the batch's rows and keys in
``storage._batch``, the connections' codecs and the pool in ``storage.pool``.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

import asyncpg

from protocols import Event, Position
from storage import quarantine as _quarantine
from storage.base import DeviceRow, Frames, WriteResult
from storage._batch import (Partial, alarm_events, direct_record, event_key, frame_at,
                            kept_frames, position_record, row_to_position, unique_and_newest)
from storage._statements import (EV_COLS, MERGE, MERGE_DIRECT, MOVE_LATE, P_COLUMNS, POS_COLS,
                                 POSITION_FIELDS, RAW_COLS, STAGE_EVENTS, STAGE_POSITIONS,
                                 track_sql)
from storage.pool import create_pool, init_connection  # noqa: F401  (part of this module's API)
from storage.quarantine import is_data_error, row_for
from storage.validate import DEFAULT_LIMITS, Limits, validate_batch

__all__ = ["PostgresStore", "alarm_events", "create_pool", "init_connection"]

log = logging.getLogger(__name__)


_BEGINNING = datetime(1, 1, 1, tzinfo=timezone.utc)

#: how stale ``devices.last_seen`` may get (per device and process)
DEVICE_REFRESH = timedelta(seconds=60)
MAX_CACHED_DEVICES = 1_000_000
#: seconds between two log lines about quarantined records
QUARANTINE_LOG_PERIOD = 10.0


class PostgresStore:
    """Sink and Reader over one asyncpg pool (made by ``create_pool``)."""

    def __init__(self, pool: asyncpg.Pool, *, owns_pool: bool = False,
                 late_horizon: timedelta | None = None) -> None:
        self.pool = pool
        self._owns_pool = owns_pool
        #: fixes older than received_at - late_horizon go to positions_late
        #: (set when positions is a compressed hypertable; None: never)
        self.late_horizon = late_horizon
        #: what validation accepts (storage.validate)
        self.limits: Limits = DEFAULT_LIMITS
        self._quarantine_log_at = 0.0
        self._quarantined_unlogged = 0
        #: device -> (protocol, last_seen) as last written to ``devices``: a
        #: device's row is refreshed only when it is new, changed protocol or
        #: was last refreshed DEVICE_REFRESH ago (the per-batch upsert of every
        #: device cost ~15% of the write rate)
        self._devices: dict[str, tuple[str, datetime]] = {}

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 1, max_size: int = 2,
                      migrate: bool = True) -> "PostgresStore":
        pool = await create_pool(dsn, min_size=min_size, max_size=max_size, migrate=migrate)
        return cls(pool, owns_pool=True)

    async def close(self) -> None:
        if self._owns_pool:
            await self.pool.close()

    # -- Sink ---------------------------------------------------------------

    async def write(self, positions: Sequence[Position], events: Sequence[Event],
                    received_at: datetime, frames: Frames | None = None) -> WriteResult:
        """Validate, then write in one transaction. Rows the database refuses
        for their values are found by splitting the batch and quarantined
        (storage.quarantine); transient errors propagate (nothing committed)."""
        if not positions and not events:
            return WriteResult()
        good_p, good_e, rejected, repaired = validate_batch(
            positions, events, received_at, self.limits)
        derived = alarm_events(good_p)
        p_frames, e_frames = frames if frames is not None else ((), ())
        quarantine = [row_for(r.kind, r.record, r.reason, received_at,
                              frame_at(p_frames if r.kind == "position" else e_frames, r.index))
                      for r in rejected]
        if len(good_p) < len(positions) or len(good_e) < len(events):
            p_frames, e_frames = kept_frames(rejected, p_frames, e_frames)
        result = await self._write_or_split(good_p, good_e + derived, received_at,
                                            (list(p_frames), list(e_frames)), quarantine)
        if quarantine:
            async with self.pool.acquire() as conn:
                await conn.execute(_quarantine.INSERT, *_quarantine.insert_args(quarantine))
            self._log_quarantine(quarantine)
        return WriteResult(
            positions_inserted=result.positions_inserted,
            positions_merged=result.positions_merged,
            positions_duplicate=len(good_p) - result.positions_inserted - result.positions_merged
            - result.quarantined_positions,
            events_inserted=result.events_inserted,
            events_duplicate=len(good_e) + len(derived) - result.events_inserted
            - result.quarantined_events,
            quarantined=len(quarantine),
            repaired=repaired)

    def _log_quarantine(self, rows: list[tuple]) -> None:
        """One aggregated line per QUARANTINE_LOG_PERIOD, never a line per record."""
        self._quarantined_unlogged += len(rows)
        now = time.monotonic()
        if now < self._quarantine_log_at:
            return
        self._quarantine_log_at = now + QUARANTINE_LOG_PERIOD
        # row: (received_at, kind, protocol, transport, device_id, reason, ...)
        _, kind, protocol, _, device, reason = rows[-1][:6]
        log.warning("quarantined %d record(s) since the last report; latest: %s %s of %r: %s "
                    "(uvis-gateway quarantine list)", self._quarantined_unlogged, protocol, kind,
                    device, reason[:200])
        self._quarantined_unlogged = 0

    async def _write_or_split(self, positions, events, received_at, frames,
                              quarantine: list[tuple]) -> Partial:
        """Write; on a data error split the batch in halves (each half its own
        transaction) down to the refused rows, which join ``quarantine``."""
        try:
            async with self.pool.acquire() as conn:
                try:
                    row = await self._write(conn, positions, events, received_at)
                except (asyncpg.UndefinedTableError, TypeError):
                    # A connection not set up by init_connection (foreign pool): no
                    # staging tables, no jsonb codec. Set it up and write again.
                    if await conn.fetchval("SELECT to_regclass($1)", f"pg_temp.{STAGE_EVENTS}"):
                        raise
                    await init_connection(conn)
                    row = await self._write(conn, positions, events, received_at)
        except Exception as exc:
            if not is_data_error(exc):
                raise
            return await self._split(positions, events, received_at, frames, quarantine, exc)
        return Partial(positions_inserted=row[0], events_inserted=row[1], positions_merged=row[2])

    async def _split(self, positions, events, received_at, frames, quarantine, exc) -> Partial:
        n = len(positions) + len(events)
        if n == 1:
            kind, record, frame = (("position", positions[0], frame_at(frames[0], 0)) if positions
                                   else ("event", events[0], frame_at(frames[1], 0)))
            reason = f"{type(exc).__name__}: {exc}"
            quarantine.append(row_for(kind, record, reason, received_at, frame))
            return Partial(quarantined=1, quarantined_positions=len(positions),
                            quarantined_events=len(events))
        pf, ef = frames
        items = ([("p", r, frame_at(pf, i)) for i, r in enumerate(positions)]
                 + [("e", r, frame_at(ef, i)) for i, r in enumerate(events)])
        total = Partial()
        for part in (items[:n // 2], items[n // 2:]):
            ps = [(r, f) for k, r, f in part if k == "p"]
            es = [(r, f) for k, r, f in part if k == "e"]
            total = total + await self._write_or_split(
                [r for r, _ in ps], [r for r, _ in es], received_at,
                ([f for _, f in ps], [f for _, f in es]), quarantine)
        return total

    def _devices_to_refresh(self, positions, events, received_at) -> dict[str, str]:
        latest = {p.device_id: p.protocol for p in positions}
        for e in events:
            latest[e.device_id] = e.protocol
        known = self._devices
        return {d: proto for d, proto in latest.items()
                if (c := known.get(d)) is None or c[0] != proto
                or received_at - c[1] >= DEVICE_REFRESH or received_at < c[1]}

    async def _write(self, conn, positions, events, received_at) -> tuple[int, int, int]:
        if not positions and not events:
            return 0, 0, 0
        refresh = self._devices_to_refresh(positions, events, received_at)
        row = await self._write_tx(conn, positions, events, received_at, list(refresh))
        if len(self._devices) > MAX_CACHED_DEVICES:
            self._devices.clear()
        for device_id, protocol in refresh.items():
            self._devices[device_id] = (protocol, received_at)
        return row

    async def _write_tx(self, conn, positions, events, received_at, refresh) -> tuple[int, int, int]:
        """Optimistic path first: when no fix of the batch is stored yet (the
        common case: devices resend only what was not acknowledged), COPY the
        batch straight into positions inside a savepoint and stage only each
        device's newest fix. A unique violation (a resend, or a fix sharing a
        stored fix's time) rolls back to the savepoint and the batch takes the
        staging path, which merges or absorbs it."""
        unique, newest, merged = unique_and_newest(positions)
        async with conn.transaction():
            inserted, staged = None, unique
            if unique and self.late_horizon is None:
                try:
                    async with conn.transaction():  # savepoint
                        await conn.copy_records_to_table(
                            "positions", columns=P_COLUMNS,
                            records=[direct_record(p, received_at) for p in unique])
                    inserted, staged = len(unique), newest
                except asyncpg.UniqueViolationError:
                    pass
            if staged:
                await conn.copy_records_to_table(
                    STAGE_POSITIONS, columns=POS_COLS,
                    records=[position_record(i, p) for i, p in enumerate(staged)])
            if events:
                await conn.copy_records_to_table(
                    STAGE_EVENTS, columns=EV_COLS,
                    records=[(i, e.device_id, e.time, e.protocol, e.type, event_key(e.attributes),
                              e.attributes) for i, e in enumerate(events, len(staged))])
            if inserted is not None:
                return inserted, await conn.fetchval(MERGE_DIRECT, received_at, refresh), merged
            cutoff = (_BEGINNING if self.late_horizon is None
                      else received_at - self.late_horizon)
            row = await conn.fetchrow(MERGE, received_at, cutoff, refresh)
        return row[0], row[1], row[2] + merged

    # -- Reader -------------------------------------------------------------

    async def devices(self, *, limit: int, after: str | None = None) -> list[DeviceRow]:
        sql = "SELECT device_id, protocol, first_seen, last_seen FROM devices"
        args: list[Any] = [limit]
        if after is not None:
            sql += " WHERE device_id > $2"
            args.append(after)
        rows = await self.pool.fetch(sql + " ORDER BY device_id LIMIT $1", *args)
        return [DeviceRow(device_id=r[0], protocol=r[1], first_seen=r[2], last_seen=r[3])
                for r in rows]

    async def track(self, device_id: str, *, start: datetime | None = None,
                    end: datetime | None = None, limit: int,
                    after: datetime | None = None) -> list[Position]:
        conds = ["device_id = $1"]
        args: list[Any] = [device_id, limit]
        for op, value in ((">=", start), ("<", end), (">", after)):
            if value is not None:
                args.append(value)
                conds.append(f"fix_time {op} ${len(args)}")
        where = " AND ".join(conds)
        sql = track_sql(POSITION_FIELDS, where)
        return [row_to_position(r) for r in await self.pool.fetch(sql, *args)]

    async def move_late(self, limit: int = 5000) -> tuple[int, int]:
        """Move up to ``limit`` late fixes into positions; (moved, inserted)."""
        row = await self.pool.fetchrow(MOVE_LATE, limit)
        return row[0], row[1]

    async def quarantine_entries(self, *, ids: list[int] | None = None,
                                 replayed: bool | None = None, limit: int = 100) -> list[Any]:
        """Quarantined records, newest first (``replayed``: only those replayed
        or not; None: all)."""
        conds, args = [], [limit]
        if ids:
            args.append(ids)
            conds.append(f"id = ANY(${len(args)}::bigint[])")
        if replayed is not None:
            conds.append("replayed_at IS NOT NULL" if replayed else "replayed_at IS NULL")
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        return await self.pool.fetch(
            "SELECT id, quarantined_at, received_at, kind, protocol, transport, device_id, reason,"
            f" record, raw, replayed_at FROM quarantine{where} ORDER BY id DESC LIMIT $1", *args)

    async def last_quarantined(self) -> datetime | None:
        """When a record was last quarantined (by any process), or None."""
        return await self.pool.fetchval("SELECT max(quarantined_at) FROM quarantine")

    async def mark_replayed(self, entry_id: int) -> None:
        await self.pool.execute("UPDATE quarantine SET replayed_at = now() WHERE id = $1", entry_id)

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")

    async def write_raw(self, rows: Sequence[tuple]) -> None:
        """Archive raw frames: (received_at, protocol, transport, remote, session,
        device_id, data, error) tuples, with COPY."""
        if rows:
            async with self.pool.acquire() as conn:
                await conn.copy_records_to_table("raw_frames", columns=RAW_COLS, records=rows)

    async def raw_frames(self, protocol: str, start: datetime, end: datetime,
                         after_id: int = 0, limit: int = 10_000) -> list[asyncpg.Record]:
        """Archived frames of ``protocol`` received in [start, end), by id."""
        return await self.pool.fetch(
            "SELECT id, received_at, transport, remote, session, device_id, data, error"
            " FROM raw_frames WHERE protocol = $1 AND received_at >= $2 AND received_at < $3"
            " AND id > $4 ORDER BY id LIMIT $5", protocol, start, end, after_id, limit)

    async def latest(self, *, limit: int, after: str | None = None) -> list[Position]:
        sql = f"SELECT {POSITION_FIELDS} FROM latest_positions"
        args: list[Any] = [limit]
        if after is not None:
            sql += " WHERE device_id > $2"
            args.append(after)
        rows = await self.pool.fetch(sql + " ORDER BY device_id LIMIT $1", *args)
        return [row_to_position(r) for r in rows]

    async def device_exists(self, device_id: str) -> bool:
        return await self.pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = $1)", device_id)

    async def counts(self) -> dict[str, Any]:
        row = await self.pool.fetchrow(
            "SELECT (SELECT count(*) FROM positions), (SELECT count(*) FROM events),"
            " (SELECT count(*) FROM devices)")
        return {"positions": row[0], "events": row[1], "devices": row[2]}
