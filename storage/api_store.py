"""The integrator API's side of the database (api/ reads through this only).

A pool of its own, separate from the writer's: every connection is read-only
by default (``default_transaction_read_only``) with a ``statement_timeout``, so
no query of an integrator can write or hold a connection for long. The two
writes the API makes (PATCH of a device) open a ``READ WRITE`` transaction
explicitly. Tokens are created and revoked by the CLI (``uvis-gateway
token``) through :func:`create_token` / :func:`revoke_token` on any asyncpg
connection.

Keys and cursors are exact: a track is ordered by ``fix_time`` (microseconds,
the whole key of a device's positions), events by ``(time, device_id, type,
key)``, devices and latest positions by ``device_id``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

import asyncpg
import msgspec

from protocols import Position
from storage._statements import track_sql
from storage.pool import F4, f4_decode, migrate_at

__all__ = ["ApiStore", "ApiPosition", "ApiDevice", "ApiEvent", "Summary", "TokenRow",
           "create_token", "revoke_token", "list_tokens", "hash_secret", "TOKEN_PREFIX",
           "open_api_store", "JSON_SHAPES", "time_sql"]

TOKEN_PREFIX = "uvis_"

log = logging.getLogger("uvis.api")
_UNKNOWN = object()

_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


#: a position as the API serves it: the contract's shape, the records' own type
ApiPosition = Position


class ApiDevice(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    name: str | None
    group: str | None
    protocol: str
    first_seen: datetime
    last_seen: datetime
    #: seen within the API's online window
    online: bool
    attributes: dict[str, Any] = {}
    #: only in GET /devices/{id}
    last_position: ApiPosition | None = None


class ApiEvent(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    protocol: str
    time: datetime
    type: str
    attributes: dict[str, Any] = {}


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    #: the range asked for: from inclusive, to exclusive
    start: datetime
    end: datetime
    fixes: int
    #: great-circle distance between consecutive valid fixes, metres
    distance_m: float
    max_speed_kmh: float | None
    avg_speed_kmh: float | None
    #: time between consecutive fixes while the earlier one moved (speed >= 3 km/h, gap <= 10 min)
    moving_seconds: float
    first_fix: ApiPosition | None
    last_fix: ApiPosition | None


class TokenRow(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    scopes: tuple[str, ...]
    groups: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


_POS = ("device_id, protocol, fix_time, valid, lat, lon, altitude_m, speed_kmh, course_deg, "
        "satellites, hdop, attributes")
_DEV = "device_id, name, group_name, protocol, first_seen, last_seen, attributes"

#: moving: the earlier fix's speed at least this (km/h) and the gap at most this (s)
MOVING_SPEED_KMH = 3.0
MOVING_MAX_GAP_S = 600.0


#: a timestamptz as msgspec writes a UTC datetime: no fraction on whole seconds, else 6 digits, Z
def _time_sql(column: str) -> str:
    return (f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
            f"extract(microseconds FROM {column})::bigint % 1000000 = 0 THEN '' ELSE "
            f"to_char({column} AT TIME ZONE 'UTC', '.US') END || 'Z'")


time_sql = _time_sql


#: a position as JSON built by PostgreSQL (the same document as ApiPosition encoded by msgspec):
#: a page of 1,000 costs the API process one text value instead of 1,000 rows to decode and encode.
#: These json values are what the live feed nests in its messages (api/live_reader.py).
_POSITION_JSON = ("json_build_object('device_id', device_id, 'protocol', protocol, 'fix_time', "
                  + _time_sql("fix_time") + ", 'valid', valid, 'lat', lat, 'lon', lon, 'altitude_m', "
                  "altitude_m, 'speed_kmh', speed_kmh, 'course_deg', course_deg, 'satellites', satellites, "
                  "'hdop', hdop, 'attributes', attributes)")
_FEATURE_JSON = ("json_build_object('type', 'Feature', 'geometry', json_build_object('type', 'Point', "
                 "'coordinates', json_build_array(lon, lat)), 'properties', json_build_object("
                 "'device_id', device_id, 'fix_time', " + _time_sql("fix_time") + ", 'valid', valid, "
                 "'altitude_m', altitude_m, 'speed_kmh', speed_kmh, 'course_deg', course_deg, "
                 "'satellites', satellites, 'hdop', hdop, 'attributes', attributes))")
JSON_SHAPES = {"position": _POSITION_JSON, "feature": _FEATURE_JSON}


def _text_object(*members: tuple[str, str, str]) -> str:
    """SQL concatenating a JSON object's text from (key, kind, SQL expression) members:
    kind "s" a text value (escaped by to_json), "n" a number (finite: validated at
    ingestion) or boolean that may be NULL, "t" a timestamptz (as msgspec writes it),
    "j" json text (jsonb, or another object built here)."""
    parts = []
    for i, (key, kind, expr) in enumerate(members):
        parts.append("'" + ("{" if i == 0 else ",") + f'"{key}":' + "'")
        if kind == "s":
            parts.append(f"to_json({expr})::text")
        elif kind == "n":
            parts.append(f"coalesce({expr}::text, 'null')")
        elif kind == "t":
            parts.append("'\"' || " + _time_sql(expr) + " || '\"'")
        else:
            parts.append(f"({expr})::text")
    return "(" + " || ".join(parts) + " || '}')"


#: the same documents as JSON_SHAPES, as text built by concatenation: json_build_object looks
#: up every argument's type output function on every call, which made it most of a page's
#: cost (1,000 fixes: 4.4 ms of PostgreSQL time, 3.4 ms as text; the rows alone 0.5 ms)
_POSITION_TEXT = _text_object(
    ("device_id", "s", "device_id"), ("protocol", "s", "protocol"), ("fix_time", "t", "fix_time"),
    ("valid", "n", "valid"), ("lat", "n", "lat"), ("lon", "n", "lon"), ("altitude_m", "n", "altitude_m"),
    ("speed_kmh", "n", "speed_kmh"), ("course_deg", "n", "course_deg"),
    ("satellites", "n", "satellites"), ("hdop", "n", "hdop"), ("attributes", "j", "attributes"))
_FEATURE_TEXT = _text_object(
    ("type", "j", "'\"Feature\"'"),
    ("geometry", "j", "'{\"type\":\"Point\",\"coordinates\":[' || lon::text || ',' || lat::text || ']}'"),
    ("properties", "j", _text_object(
        ("device_id", "s", "device_id"), ("fix_time", "t", "fix_time"), ("valid", "n", "valid"),
        ("altitude_m", "n", "altitude_m"), ("speed_kmh", "n", "speed_kmh"),
        ("course_deg", "n", "course_deg"), ("satellites", "n", "satellites"), ("hdop", "n", "hdop"),
        ("attributes", "j", "attributes"))))
TEXT_SHAPES = {"position": _POSITION_TEXT, "feature": _FEATURE_TEXT}


def position_from(r: Sequence[Any]) -> ApiPosition:
    return ApiPosition(device_id=r[0], protocol=r[1], fix_time=r[2], valid=r[3], lat=r[4],
                       lon=r[5], altitude_m=r[6], speed_kmh=r[7], course_deg=r[8],
                       satellites=r[9], hdop=r[10], attributes=r[11])


def hash_secret(secret: str) -> bytes:
    """SHA-256 of a token's secret: the secret has 256 random bits, so a fast
    hash is enough (GitHub's tokens are kept the same way)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


async def _init(conn: asyncpg.Connection) -> None:

    await conn.set_type_codec("jsonb", schema="pg_catalog", format="binary",
                              encoder=lambda v: b"\x01" + _json_encode(v),
                              decoder=lambda b: _json_decode(b[1:]))
    await conn.set_type_codec("float4", schema="pg_catalog", format="binary",
                              encoder=F4.pack, decoder=f4_decode)  # the writer's codecs


async def _keep_session(conn: asyncpg.Connection) -> None:
    """A connection back in the pool keeps its session: asyncpg's default reset is a
    round trip per release (pg_advisory_unlock_all, CLOSE ALL, UNLISTEN *, RESET ALL),
    most of a small request's database time, and resets nothing the API leaves: its
    settings are per transaction (SET TRANSACTION, pg_advisory_xact_lock), it opens no
    cursor outside a transaction, and a LISTEN on a pool connection is removed by its
    owner (storage.commands.CommandWaiter). asyncpg still rolls back an open
    transaction and drops listener callbacks before this."""


async def open_api_store(dsn: str, *, max_size: int = 8, statement_timeout: float = 5.0,
                         online_window: float = 300.0, migrate: bool = True) -> "ApiStore":
    """The read-only pool (migrations applied first, on a connection of their own)."""
    if migrate:
        await migrate_at(dsn)
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=max_size, init=_init, reset=_keep_session,
        server_settings={"default_transaction_read_only": "on",
                         "statement_timeout": str(int(statement_timeout * 1000)),
                         "application_name": "uvis-api",
                         # asyncpg prepares every statement; after five runs PostgreSQL may keep a
                         # generic plan, which cannot see that one device has 86,400 fixes a day
                         # and another 1,000 (a 1,000-fix page: a bitmap scan of the device's whole
                         # history and a sort, 240 ms instead of 5 ms). Planning costs ~0.1 ms.
                         "plan_cache_mode": "force_custom_plan",
                         # JIT pays only for long analytic queries; a day's summary of a 1 Hz
                         # device spent 30 ms compiling it
                         "jit": "off"})
    return ApiStore(pool, online_window=online_window, owns_pool=True)


def _qualified(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in columns.split(", "))


def _array_of(element: str, order: str) -> str:
    """SQL: the JSON array (text) of ``element`` over the rows, by ``order``."""
    return f"'[' || coalesce(string_agg({element}, ',' ORDER BY {order}), '') || ']'"


def _visible_sql(args: list[Any], groups: Sequence[str] | None) -> str:
    """SQL: the device $1 exists and ``groups`` may see it (evaluated once per statement)."""
    return ("(SELECT EXISTS (SELECT 1 FROM devices AS d WHERE d.device_id = $1 AND "
            + _group_filter(args, groups) + "))")


def _group_filter(args: list[Any], groups: Sequence[str] | None, column: str = "d.group_name") -> str:
    """SQL condition limiting devices to a token's groups (None: every device)."""
    if groups is None:
        return "TRUE"
    args.append(list(groups))
    return f"{column} = ANY(${len(args)}::text[])"


class ApiStore:
    def __init__(self, pool: asyncpg.Pool, *, online_window: float = 300.0,
                 owns_pool: bool = False) -> None:
        self.pool = pool
        self.online_window = timedelta(seconds=online_window)
        self._owns_pool = owns_pool
        self._view: str | None | object = _UNKNOWN  # the summary's continuous aggregate

    async def close(self) -> None:
        if self._owns_pool:
            await self.pool.close()

    def _device(self, r: Sequence[Any], now: datetime, last: ApiPosition | None = None) -> ApiDevice:
        return ApiDevice(device_id=r[0], name=r[1], group=r[2], protocol=r[3], first_seen=r[4],
                         last_seen=r[5], online=now - r[5] <= self.online_window,
                         attributes=r[6], last_position=last)

    # -- devices ---------------------------------------------------------
    async def devices(self, *, limit: int, after: str | None, groups: Sequence[str] | None,
                      group: str | None = None, protocol: str | None = None,
                      online: bool | None = None) -> list[ApiDevice]:
        now = datetime.now(timezone.utc)
        args: list[Any] = [limit]
        conds = [_group_filter(args, groups)]
        for column, value in (("d.group_name", group), ("d.protocol", protocol), ("d.device_id >", after)):
            if value is not None:
                args.append(value)
                op = "" if column.endswith(">") else " ="
                conds.append(f"{column}{op} ${len(args)}")
        if online is not None:
            args.append(now - self.online_window)
            conds.append(f"d.last_seen {'>=' if online else '<'} ${len(args)}")
        sql = (f"SELECT {_DEV} FROM devices AS d WHERE {' AND '.join(conds)} "
               "ORDER BY d.device_id LIMIT $1")
        return [self._device(r, now) for r in await self.pool.fetch(sql, *args)]

    async def device(self, device_id: str, groups: Sequence[str] | None) -> ApiDevice | None:
        args: list[Any] = [device_id]
        cond = _group_filter(args, groups)
        row = await self.pool.fetchrow(
            f"SELECT {_qualified('d', _DEV)}, {_qualified('l', _POS)} FROM devices AS d "
            f"LEFT JOIN latest_positions AS l ON l.device_id = d.device_id WHERE d.device_id = $1 AND {cond}",
            *args)
        if row is None:
            return None
        last = row[7:]
        return self._device(row, datetime.now(timezone.utc),
                            position_from(last) if last[0] is not None else None)

    async def visible(self, device_id: str, groups: Sequence[str] | None) -> bool:
        """The device exists and the caller's groups may see it."""
        args: list[Any] = [device_id]
        cond = _group_filter(args, groups)
        return await self.pool.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM devices AS d WHERE d.device_id = $1 AND {cond})", *args)

    async def update_device(self, device_id: str, groups: Sequence[str] | None,
                            changes: dict[str, Any]) -> ApiDevice | None:
        """Set name, group_name and/or attributes (keys of ``changes``); None: no such device."""
        args: list[Any] = [device_id]
        cond = _group_filter(args, groups)
        sets = []
        for column in ("name", "group_name", "attributes"):
            if column in changes:
                args.append(changes[column])
                sets.append(f"{column} = ${len(args)}")
        if not sets:
            return await self.device(device_id, groups)
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute("SET TRANSACTION READ WRITE")
                row = await conn.fetchrow(
                    f"UPDATE devices AS d SET {', '.join(sets)} WHERE d.device_id = $1 AND {cond} "
                    "RETURNING device_id", *args)
        if row is None:
            return None
        return await self.device(device_id, None)

    # -- positions -------------------------------------------------------
    async def track(self, device_id: str, *, start: datetime | None, end: datetime | None,
                    after: datetime | None, limit: int) -> list[ApiPosition]:
        """One device's fixes by fix time (late fixes not yet moved included)."""
        sql, args, _ = self._track_sql(device_id, start, end, after, limit)
        return [position_from(r) for r in await self.pool.fetch(sql, *args)]

    async def track_json(self, device_id: str, *, start: datetime | None, end: datetime | None,
                         after: datetime | None, limit: int, shape: str = "position"
                         ) -> tuple[int, datetime | None, bytes]:
        """The same page as JSON built by PostgreSQL: (rows, last fix time, b"[...]")."""
        sql, args, _ = self._track_sql(device_id, start, end, after, limit)
        row = await self.pool.fetchrow(
            f"SELECT count(*), max(fix_time), {_array_of(TEXT_SHAPES[shape], 'fix_time')} FROM ({sql}) AS page",
            *args)
        return row[0], row[1], row[2].encode()

    async def track_page(self, device_id: str, groups: Sequence[str] | None, *, start: datetime | None,
                         end: datetime | None, after: datetime | None, limit: int
                         ) -> tuple[int, datetime | None, bytes] | None:
        """:meth:`track_json` of a device the caller's groups may see, in one statement
        (None: no such device, or not in the groups): the page is read only when it is."""
        sql, args, visible = self._track_sql(device_id, start, end, after, limit, groups=groups)
        row = await self.pool.fetchrow(
            f"SELECT {visible}, count(*), max(fix_time), {_array_of(_POSITION_TEXT, 'fix_time')} "
            f"FROM ({sql}) AS page", *args)
        return (row[1], row[2], row[3].encode()) if row[0] else None

    def _track_sql(self, device_id: str, start: datetime | None, end: datetime | None,
                   after: datetime | None, limit: int, *, groups: Any = False
                   ) -> tuple[str, list[Any], str]:
        """The page's SQL, its arguments and, with ``groups`` (None or a list), the condition
        that those groups may see the device (the rows are read only when it holds; "TRUE"
        without ``groups``)."""
        conds = ["device_id = $1"]
        args: list[Any] = [device_id, limit]
        visible = None
        if groups is not False:
            visible = _visible_sql(args, groups)
            conds.insert(0, visible)
        for op, value in ((">=", start), ("<", end), (">", after)):
            if value is not None:
                args.append(value)
                conds.append(f"fix_time {op} ${len(args)}")
        where = " AND ".join(conds)
        return track_sql(_POS, where), args, visible or "TRUE"

    def _latest_sql(self, *, limit: int, after: str | None, groups: Sequence[str] | None,
                    group: str | None = None, since: datetime | None = None,
                    bbox: tuple[float, float, float, float] | None = None) -> tuple[str, list[Any]]:
        args: list[Any] = [limit]
        conds = []
        if groups is not None or group is not None:
            sub = ["d.device_id = l.device_id", _group_filter(args, groups)]
            if group is not None:
                args.append(group)
                sub.append(f"d.group_name = ${len(args)}")
            conds.append(f"EXISTS (SELECT 1 FROM devices AS d WHERE {' AND '.join(sub)})")
        if after is not None:
            args.append(after)
            conds.append(f"l.device_id > ${len(args)}")
        if since is not None:
            args.append(since)
            conds.append(f"l.fix_time >= ${len(args)}")
        if bbox is not None:
            args.extend(bbox)
            n = len(args)
            conds.append(f"l.lon >= ${n - 3} AND l.lat >= ${n - 2} AND l.lon <= ${n - 1} "
                         f"AND l.lat <= ${n}")
        where = " AND ".join(conds) or "TRUE"
        sql = f"SELECT {_POS} FROM latest_positions AS l WHERE {where} ORDER BY l.device_id LIMIT $1"
        return sql, args

    async def latest(self, **query: Any) -> list[ApiPosition]:
        sql, args = self._latest_sql(**query)
        return [position_from(r) for r in await self.pool.fetch(sql, *args)]

    async def latest_json(self, **query: Any) -> tuple[int, str | None, bytes]:
        """(rows, last device id, b"[...]"), the JSON built by PostgreSQL."""
        sql, args = self._latest_sql(**query)
        row = await self.pool.fetchrow(
            f"SELECT count(*), max(device_id), {_array_of(_POSITION_TEXT, 'device_id')} FROM ({sql}) AS page",
            *args)
        return row[0], row[1], row[2].encode()

    # -- events ----------------------------------------------------------
    async def events(self, *, limit: int, groups: Sequence[str] | None, device: str | None,
                     types: Sequence[str] | None, start: datetime | None, end: datetime | None,
                     after: tuple[datetime, str, str, int] | None) -> list[tuple[ApiEvent, int]]:
        """Events by (time, device, type, key); each with its key (for the cursor)."""
        args: list[Any] = [limit]
        conds = []
        if groups is not None:
            conds.append("EXISTS (SELECT 1 FROM devices AS d WHERE d.device_id = e.device_id AND "
                         + _group_filter(args, groups) + ")")
        for cond, value in (("e.device_id = ${}", device), ("e.type = ANY(${}::text[])", types),
                            ("e.time >= ${}", start), ("e.time < ${}", end)):
            if value is not None:
                args.append(list(value) if isinstance(value, (list, tuple)) else value)
                conds.append(cond.format(len(args)))
        if after is not None:
            args.extend(after)
            n = len(args)
            conds.append(f"(e.time, e.device_id, e.type, e.key) > (${n - 3}, ${n - 2}, ${n - 1}, ${n})")
        where = " AND ".join(conds) or "TRUE"
        sql = ("SELECT device_id, protocol, time, type, attributes, key FROM events AS e "
               f"WHERE {where} ORDER BY e.time, e.device_id, e.type, e.key LIMIT $1")
        return [(ApiEvent(device_id=r[0], protocol=r[1], time=r[2], type=r[3], attributes=r[4]), r[5])
                for r in await self.pool.fetch(sql, *args)]

    # -- summary ---------------------------------------------------------
    async def summary(self, device_id: str, start: datetime, end: datetime,
                      groups: Sequence[str] | None = None) -> Summary | None:
        """Over valid fixes in [start, end), in one statement (None: no such device, or
        not in ``groups``): with TimescaleDB's continuous aggregate
        (storage.timescale.SUMMARY_VIEW) the counts and speeds of whole hours come from
        it, otherwise everything from the raw rows; the figures are the same."""
        args: list[Any] = [device_id, start, end, MOVING_SPEED_KMH, MOVING_MAX_GAP_S]
        visible = _visible_sql(args, groups)
        view = await self._summary_view()
        row = None
        if view is not None:
            try:
                row = await self.pool.fetchrow(_summary_sql(_summary_from_view(view, visible), visible), *args)
            except (asyncpg.UndefinedTableError, asyncpg.UndefinedFunctionError,
                    asyncpg.FeatureNotSupportedError, asyncpg.InsufficientPrivilegeError) as exc:
                log.warning("summary: the continuous aggregate %s cannot be read (%s: %s); "
                            "summaries are computed from the raw positions", view, type(exc).__name__, exc)
                self._view = None
        if row is None:
            row = await self.pool.fetchrow(_summary_sql(_summary_plain(visible), visible), *args)
        if not row[0]:
            return None
        fixes, distance, max_speed, avg_speed, moving = row[1:6]
        first, last = row[6:18], row[18:30]
        return Summary(device_id=device_id, start=start, end=end, fixes=fixes,
                       distance_m=round(float(distance), 1), max_speed_kmh=max_speed,
                       avg_speed_kmh=None if avg_speed is None else round(avg_speed, 2),
                       moving_seconds=round(float(moving), 3),
                       first_fix=position_from(first) if fixes and first[0] is not None else None,
                       last_fix=position_from(last) if fixes and last[0] is not None else None)

    async def _summary_view(self) -> str | None:
        """The continuous aggregate's qualified name when TimescaleDB has it (looked up once)."""
        if self._view is _UNKNOWN:
            from storage.timescale import SUMMARY_VIEW, ident

            self._view = None
            async with self.pool.acquire() as conn:
                if await conn.fetchval("SELECT to_regclass('timescaledb_information.continuous_aggregates')"
                                       " IS NOT NULL"):
                    schema = await conn.fetchval(
                        "SELECT view_schema FROM timescaledb_information.continuous_aggregates "
                        "WHERE view_name = $1 AND view_schema = (SELECT n.nspname FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'positions'::regclass)",
                        SUMMARY_VIEW)
                    if schema is not None:
                        self._view = f"{ident(schema)}.{ident(SUMMARY_VIEW)}"
        return self._view  # type: ignore[return-value]

    # -- tokens ----------------------------------------------------------
    async def token_by_hash(self, digest: bytes) -> TokenRow | None:
        row = await self.pool.fetchrow(
            "SELECT name, scopes, groups, created_at, expires_at, revoked_at FROM api_tokens "
            "WHERE hash = $1", digest)
        return _token(row) if row is not None else None


# Haversine on consecutive valid fixes; moving time from each fix's speed to the next.
# $1 device, $2 from, $3 to, $4 moving speed, $5 longest moving gap; ``visible``: the
# caller may see the device (an InitPlan: nothing is read when it is false).
def _pairs(visible: str) -> str:
    return f"""
    SELECT fix_time, lat, lon, speed_kmh,
           lag(lat) OVER w AS plat, lag(lon) OVER w AS plon, lag(fix_time) OVER w AS pt,
           lag(speed_kmh) OVER w AS pspeed
    FROM positions WHERE {visible} AND device_id = $1 AND fix_time >= $2 AND fix_time < $3 AND valid
    WINDOW w AS (ORDER BY fix_time)
"""


_DISTANCE = """coalesce(sum(2 * 6371008.8 * asin(least(1, sqrt(
           sin(radians(lat - plat) / 2) ^ 2
           + cos(radians(plat)) * cos(radians(lat)) * sin(radians(lon - plon) / 2) ^ 2))))
           FILTER (WHERE plat IS NOT NULL), 0) AS distance_m"""
_MOVING = """coalesce(sum(extract(epoch FROM fix_time - pt)) FILTER (
           WHERE pspeed >= $4 AND extract(epoch FROM fix_time - pt) <= $5), 0)::float8 AS moving_s"""


def _summary_plain(visible: str) -> str:
    """(fixes, distance_m, max_speed, avg_speed, moving_s) from the raw rows."""
    return f"""
WITH p AS ({_pairs(visible)})
SELECT count(*) AS fixes, {_DISTANCE}, max(speed_kmh) AS max_speed,
       avg(speed_kmh)::float8 AS avg_speed, {_MOVING}
FROM p
"""


def _summary_from_view(view: str, visible: str) -> str:
    """The same figures with TimescaleDB: fixes and speeds of the hours wholly inside
    [$2, $3) from the continuous aggregate, of the partial hours at the edges (b0:
    the first whole hour's start, b1: the last one's end) and the pairwise sums from
    the raw rows. Without a whole hour, b0 >= b1 and the edges cover the range."""
    from storage.timescale import SUMMARY_BUCKET

    bucket = f"INTERVAL '{SUMMARY_BUCKET}'"
    return f"""
WITH b AS (
    SELECT CASE WHEN time_bucket({bucket}, $2::timestamptz) = $2::timestamptz THEN $2::timestamptz
                ELSE time_bucket({bucket}, $2::timestamptz) + {bucket} END AS b0,
           time_bucket({bucket}, $3::timestamptz) AS b1
), whole AS (
    SELECT coalesce(sum(s.fixes), 0)::bigint AS fixes, max(s.max_speed) AS max_speed,
           coalesce(sum(s.speed_sum), 0)::float8 AS speed_sum, coalesce(sum(s.speed_n), 0)::bigint AS speed_n
    FROM {view} AS s, b WHERE {visible} AND s.device_id = $1 AND s.bucket >= b.b0 AND s.bucket < b.b1
), edges AS (
    SELECT count(*) AS fixes, max(r.speed_kmh) AS max_speed,
           coalesce(sum(r.speed_kmh::float8), 0)::float8 AS speed_sum, count(r.speed_kmh) AS speed_n
    FROM positions AS r, b WHERE {visible} AND r.device_id = $1 AND r.valid
        AND ((r.fix_time >= $2 AND r.fix_time < least(b.b0, $3::timestamptz))
             OR (r.fix_time >= greatest(b.b0, b.b1) AND r.fix_time < $3))
), pairs AS (
    SELECT {_DISTANCE}, {_MOVING} FROM ({_pairs(visible)}) AS p
)
SELECT whole.fixes + edges.fixes AS fixes, pairs.distance_m,
       greatest(whole.max_speed, edges.max_speed) AS max_speed,
       CASE WHEN whole.speed_n + edges.speed_n > 0
            THEN (whole.speed_sum + edges.speed_sum) / (whole.speed_n + edges.speed_n) END AS avg_speed,
       pairs.moving_s
FROM whole, edges, pairs
"""


def _summary_sql(figures: str, visible: str) -> str:
    """visible, the five figures, the first fix's 12 columns, the last fix's 12 columns."""
    def fix(order: str) -> str:
        return (f"LEFT JOIN LATERAL (SELECT {_POS} FROM positions WHERE {visible} AND device_id = $1 "
                f"AND fix_time >= $2 AND fix_time < $3 ORDER BY fix_time {order} LIMIT 1) AS {order[0].lower()}"
                " ON TRUE")
    return (f"SELECT {visible}, fig.fixes, fig.distance_m, fig.max_speed, fig.avg_speed, fig.moving_s, "
            f"{_qualified('a', _POS)}, {_qualified('d', _POS)} FROM ({figures}) AS fig "
            f"{fix('ASC')} {fix('DESC')}")


def _token(row: Sequence[Any]) -> TokenRow:
    return TokenRow(name=row[0], scopes=tuple(row[1]), groups=tuple(row[2]), created_at=row[3],
                    expires_at=row[4], revoked_at=row[5])


async def create_token(conn: asyncpg.Connection, name: str, scopes: Sequence[str],
                       groups: Sequence[str] = (), expires_at: datetime | None = None) -> str:
    """Store a new token (its hash only) and return its secret; raises
    ``asyncpg.UniqueViolationError`` when the name is taken."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO api_tokens (name, hash, scopes, groups, expires_at) VALUES ($1, $2, $3, $4, $5)",
        name, hash_secret(secret), list(scopes), list(groups), expires_at)
    return secret


async def revoke_token(conn: asyncpg.Connection, name: str) -> bool:
    """Revoke (kept for the record); False when no live token has that name."""
    status = await conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL", name)
    return status.endswith(" 1")


async def list_tokens(conn: asyncpg.Connection) -> list[TokenRow]:
    rows = await conn.fetch("SELECT name, scopes, groups, created_at, expires_at, revoked_at "
                            "FROM api_tokens ORDER BY name")
    return [_token(r) for r in rows]
