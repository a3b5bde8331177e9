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
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

import struct

import asyncpg
import msgspec

from protocols import Event, Position
from storage.base import DeviceRow, WriteResult
from storage.schema import apply_migrations

__all__ = ["PostgresStore", "create_pool", "init_connection"]

_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode

_STAGE_POSITIONS = "_uvis_stage_positions"
_STAGE_EVENTS = "_uvis_stage_events"
_POS_COLS = ("seq", "device_id", "fix_time", "protocol", "valid", "lat", "lon",
             "altitude_m", "speed_kmh", "course_deg", "satellites", "hdop", "attributes")
_EV_COLS = ("seq", "device_id", "time", "protocol", "type", "attributes")

_CREATE_STAGING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE_POSITIONS} (
    seq integer, device_id text, fix_time timestamptz, protocol text, valid boolean,
    lat double precision, lon double precision, altitude_m double precision,
    speed_kmh double precision, course_deg double precision, satellites smallint,
    hdop double precision, attributes jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE_EVENTS} (
    seq integer, device_id text, time timestamptz, protocol text, type text,
    attributes jsonb
) ON COMMIT DELETE ROWS;
"""

_P_SELECT = ("device_id, fix_time, $1::timestamptz, protocol, valid, lat, lon, altitude_m::real, "
             "speed_kmh::real, course_deg::real, satellites, hdop::real, attributes")
_P_TARGET = ("device_id, fix_time, received_at, protocol, valid, lat, lon, altitude_m, "
             "speed_kmh, course_deg, satellites, hdop, attributes")
_LATEST_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in _P_TARGET.split(", ")[1:])

# The statements' parts. $1 is always the batch's received_at.
_LATEST_CTE = f"""l AS (
    INSERT INTO latest_positions AS cur ({_P_TARGET})
    SELECT DISTINCT ON (device_id) {_P_SELECT}
    FROM {_STAGE_POSITIONS} ORDER BY device_id, fix_time DESC, seq
    ON CONFLICT (device_id) DO UPDATE SET {_LATEST_SET}
    WHERE cur.fix_time < EXCLUDED.fix_time
)"""

_EVENTS_CTE = f"""e AS (
    INSERT INTO events (device_id, time, received_at, protocol, type, attributes)
    SELECT DISTINCT ON (device_id, time, type) device_id, time, $1, protocol, type, attributes
    FROM {_STAGE_EVENTS} ORDER BY device_id, time, type, seq
    ON CONFLICT DO NOTHING RETURNING 1
)"""


def _devices_cte(refresh: str) -> str:
    """Upsert the devices listed in the text[] parameter ``refresh``."""
    return f"""d AS (
    INSERT INTO devices AS cur (device_id, protocol, first_seen, last_seen)
    SELECT DISTINCT ON (device_id) device_id, protocol, $1, $1
    FROM (SELECT device_id, protocol, seq FROM {_STAGE_POSITIONS}
          UNION ALL
          SELECT device_id, protocol, seq FROM {_STAGE_EVENTS}) AS s
    WHERE device_id = ANY({refresh}::text[])
    ORDER BY device_id, seq DESC
    ON CONFLICT (device_id) DO UPDATE
    SET protocol = EXCLUDED.protocol,
        last_seen = GREATEST(cur.last_seen, EXCLUDED.last_seen)
)"""


# The staging path: $2 = late cutoff, $3 = devices to refresh.
_MERGE = f"""
WITH p AS (
    INSERT INTO positions ({_P_TARGET})
    SELECT DISTINCT ON (device_id, fix_time) {_P_SELECT}
    FROM {_STAGE_POSITIONS} WHERE fix_time >= $2 ORDER BY device_id, fix_time, seq
    ON CONFLICT DO NOTHING RETURNING 1
), pl AS (
    INSERT INTO positions_late ({_P_TARGET})
    SELECT DISTINCT ON (device_id, fix_time) {_P_SELECT}
    FROM {_STAGE_POSITIONS} WHERE fix_time < $2 ORDER BY device_id, fix_time, seq
    ON CONFLICT DO NOTHING RETURNING 1
), {_LATEST_CTE}, {_EVENTS_CTE}, {_devices_cte("$3")}
SELECT (SELECT count(*) FROM p) + (SELECT count(*) FROM pl) AS positions,
       (SELECT count(*) FROM e) AS events
"""

# After a direct COPY into positions (no key taken), the staging table holds
# only each device's newest fix: latest positions, events, devices.
# $2 = devices to refresh.
_MERGE_DIRECT = f"""
WITH {_LATEST_CTE}, {_EVENTS_CTE}, {_devices_cte("$2")}
SELECT (SELECT count(*) FROM e) AS events
"""

_P_COLUMNS = tuple(_P_TARGET.split(", "))

# Move late fixes into positions, oldest first, a bounded number at a time.
_MOVE_LATE = f"""
WITH moved AS (
    DELETE FROM positions_late WHERE (device_id, fix_time) IN (
        SELECT device_id, fix_time FROM positions_late ORDER BY fix_time LIMIT $1)
    RETURNING {_P_TARGET}
), ins AS (
    INSERT INTO positions ({_P_TARGET}) SELECT {_P_TARGET} FROM moved
    ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM ins)
"""

_BEGINNING = datetime(1, 1, 1, tzinfo=timezone.utc)

#: how stale ``devices.last_seen`` may get (per device and process)
DEVICE_REFRESH = timedelta(seconds=60)
MAX_CACHED_DEVICES = 1_000_000

_RAW_COLS = ("received_at", "protocol", "transport", "remote", "session", "device_id", "data",
             "error")

_POSITION_FIELDS = ("device_id, protocol, fix_time, valid, lat, lon, altitude_m, speed_kmh, "
                    "course_deg, satellites, hdop, attributes")


_F4 = struct.Struct("!f")


def _f4_decode(data: bytes) -> float:
    """A real as the decimal it came from: 12.3 stays 12.3, not 12.300000190734863
    (a float32 holds 7 significant decimal digits)."""
    return float(f"{_F4.unpack(data)[0]:.7g}")


async def init_connection(conn: asyncpg.Connection) -> None:
    """Per-connection setup: msgspec jsonb codec, float4 (binary, read back as the
    7-significant-digit decimal it was written as), staging tables."""
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", format="binary",
        encoder=lambda v: b"\x01" + _json_encode(v),
        decoder=lambda b: _json_decode(b[1:]))
    await conn.set_type_codec(
        "float4", schema="pg_catalog", format="binary", encoder=_F4.pack, decoder=_f4_decode)
    await conn.execute(_CREATE_STAGING)


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 2,
                      migrate: bool = True, **kwargs: Any) -> asyncpg.Pool:
    """An asyncpg pool whose connections are set up by ``init_connection``;
    applies the migrations first unless ``migrate`` is False."""
    if migrate:
        conn = await asyncpg.connect(dsn)
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size,
                                     init=init_connection, **kwargs)


def _position_record(seq: int, p: Position) -> tuple:
    return (seq, p.device_id, p.fix_time, p.protocol, p.valid, p.lat, p.lon,
            p.altitude_m, p.speed_kmh, p.course_deg, p.satellites, p.hdop, p.attributes)


def _direct_record(p: Position, received_at: datetime) -> tuple:
    return (p.device_id, p.fix_time, received_at, p.protocol, p.valid, p.lat, p.lon,
            p.altitude_m, p.speed_kmh, p.course_deg, p.satellites, p.hdop, p.attributes)


def _unique_and_newest(positions: Sequence[Position]) -> tuple[list[Position], list[Position]]:
    """The batch without repeated (device, fix time) keys (the first one wins,
    as in the staging path) and each device's newest fix."""
    unique: dict[tuple[str, datetime], Position] = {}
    newest: dict[str, Position] = {}
    for p in positions:
        unique.setdefault((p.device_id, p.fix_time), p)
        current = newest.get(p.device_id)
        if current is None or p.fix_time > current.fix_time:
            newest[p.device_id] = p
    return list(unique.values()), list(newest.values())


def _row_to_position(r: asyncpg.Record) -> Position:
    return Position(device_id=r[0], protocol=r[1], fix_time=r[2], valid=r[3], lat=r[4],
                    lon=r[5], altitude_m=r[6], speed_kmh=r[7], course_deg=r[8],
                    satellites=r[9], hdop=r[10], attributes=r[11])


class PostgresStore:
    """Sink and Reader over one asyncpg pool (made by ``create_pool``)."""

    def __init__(self, pool: asyncpg.Pool, *, owns_pool: bool = False,
                 late_horizon: timedelta | None = None) -> None:
        self.pool = pool
        self._owns_pool = owns_pool
        #: fixes older than received_at - late_horizon go to positions_late
        #: (set when positions is a compressed hypertable; None: never)
        self.late_horizon = late_horizon
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
                    received_at: datetime) -> WriteResult:
        if not positions and not events:
            return WriteResult()
        async with self.pool.acquire() as conn:
            try:
                row = await self._write(conn, positions, events, received_at)
            except (asyncpg.UndefinedTableError, TypeError):
                # A connection not set up by init_connection (foreign pool): no
                # staging tables, no jsonb codec. Set it up and write again.
                await init_connection(conn)
                row = await self._write(conn, positions, events, received_at)
        return WriteResult(
            positions_inserted=row[0], positions_duplicate=len(positions) - row[0],
            events_inserted=row[1], events_duplicate=len(events) - row[1])

    def _devices_to_refresh(self, positions, events, received_at) -> dict[str, str]:
        latest = {p.device_id: p.protocol for p in positions}
        for e in events:
            latest[e.device_id] = e.protocol
        known = self._devices
        return {d: proto for d, proto in latest.items()
                if (c := known.get(d)) is None or c[0] != proto
                or received_at - c[1] >= DEVICE_REFRESH or received_at < c[1]}

    async def _write(self, conn, positions, events, received_at) -> tuple[int, int]:
        refresh = self._devices_to_refresh(positions, events, received_at)
        row = await self._write_tx(conn, positions, events, received_at, list(refresh))
        if len(self._devices) > MAX_CACHED_DEVICES:
            self._devices.clear()
        for device_id, protocol in refresh.items():
            self._devices[device_id] = (protocol, received_at)
        return row

    async def _write_tx(self, conn, positions, events, received_at, refresh) -> tuple[int, int]:
        """Optimistic path first: when no fix of the batch is stored yet (the
        common case: devices resend only what was not acknowledged), COPY the
        batch straight into positions inside a savepoint and stage only each
        device's newest fix. A unique violation (a resend) rolls back to the
        savepoint and the batch takes the staging path, ON CONFLICT DO NOTHING."""
        async with conn.transaction():
            inserted, staged = None, positions
            if positions and self.late_horizon is None:
                unique, newest = _unique_and_newest(positions)
                try:
                    async with conn.transaction():  # savepoint
                        await conn.copy_records_to_table(
                            "positions", columns=_P_COLUMNS,
                            records=[_direct_record(p, received_at) for p in unique])
                    inserted, staged = len(unique), newest
                except asyncpg.UniqueViolationError:
                    pass
            if staged:
                await conn.copy_records_to_table(
                    _STAGE_POSITIONS, columns=_POS_COLS,
                    records=[_position_record(i, p) for i, p in enumerate(staged)])
            if events:
                await conn.copy_records_to_table(
                    _STAGE_EVENTS, columns=_EV_COLS,
                    records=[(i, e.device_id, e.time, e.protocol, e.type, e.attributes)
                             for i, e in enumerate(events, len(staged))])
            if inserted is not None:
                return inserted, await conn.fetchval(_MERGE_DIRECT, received_at, refresh)
            cutoff = (_BEGINNING if self.late_horizon is None
                      else received_at - self.late_horizon)
            row = await conn.fetchrow(_MERGE, received_at, cutoff, refresh)
        return row[0], row[1]

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
        # late fixes not yet moved into positions are part of the track too
        sql = (f"SELECT DISTINCT ON (fix_time) {_POSITION_FIELDS} FROM ("
               f"(SELECT {_POSITION_FIELDS}, 0 AS src FROM positions WHERE {where}"
               " ORDER BY fix_time LIMIT $2) UNION ALL "
               f"(SELECT {_POSITION_FIELDS}, 1 AS src FROM positions_late WHERE {where}"
               " ORDER BY fix_time LIMIT $2)) AS u ORDER BY fix_time, src LIMIT $2")
        return [_row_to_position(r) for r in await self.pool.fetch(sql, *args)]

    async def move_late(self, limit: int = 5000) -> tuple[int, int]:
        """Move up to ``limit`` late fixes into positions; (moved, inserted)."""
        row = await self.pool.fetchrow(_MOVE_LATE, limit)
        return row[0], row[1]

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")

    async def write_raw(self, rows: Sequence[tuple]) -> None:
        """Archive raw frames: (received_at, protocol, transport, remote, session,
        device_id, data, error) tuples, with COPY."""
        if rows:
            async with self.pool.acquire() as conn:
                await conn.copy_records_to_table("raw_frames", columns=_RAW_COLS, records=rows)

    async def raw_frames(self, protocol: str, start: datetime, end: datetime,
                         after_id: int = 0, limit: int = 10_000) -> list[asyncpg.Record]:
        """Archived frames of ``protocol`` received in [start, end), by id."""
        return await self.pool.fetch(
            "SELECT id, received_at, transport, remote, session, device_id, data, error"
            " FROM raw_frames WHERE protocol = $1 AND received_at >= $2 AND received_at < $3"
            " AND id > $4 ORDER BY id LIMIT $5", protocol, start, end, after_id, limit)

    async def latest(self, *, limit: int, after: str | None = None) -> list[Position]:
        sql = f"SELECT {_POSITION_FIELDS} FROM latest_positions"
        args: list[Any] = [limit]
        if after is not None:
            sql += " WHERE device_id > $2"
            args.append(after)
        rows = await self.pool.fetch(sql + " ORDER BY device_id LIMIT $1", *args)
        return [_row_to_position(r) for r in rows]

    async def device_exists(self, device_id: str) -> bool:
        return await self.pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM devices WHERE device_id = $1)", device_id)

    async def counts(self) -> dict[str, Any]:
        row = await self.pool.fetchrow(
            "SELECT (SELECT count(*) FROM positions), (SELECT count(*) FROM events),"
            " (SELECT count(*) FROM devices)")
        return {"positions": row[0], "events": row[1], "devices": row[2]}
