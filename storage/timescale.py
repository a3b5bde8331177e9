"""TimescaleDB, when the server offers it: hypertables, compression, retention.

Applied at every start after the migrations, and cheap there: the extension is
created only when its library is loaded (``shared_preload_libraries``; without
it ``CREATE EXTENSION`` ends the session with FATAL), so an installed but not
preloaded extension is reported with the fix instead. An empty ``positions`` or
``events`` becomes a hypertable at once; one that holds rows is left a plain
table and the state says why: converting it is ``uvis-gateway migrate
--timescale`` (the copy-and-swap functions at the end of this module), never a
start-up step. Policies
are (re)created only when their setting changed, so a restart does not
reschedule the compression job. Only the documented TimescaleDB 2.x API is
used: ``create_hypertable``, ``set_chunk_time_interval``, ``ALTER TABLE ... SET
(timescaledb.compress, ...)``, ``add_compression_policy`` /
``remove_compression_policy``, ``add_retention_policy`` /
``remove_retention_policy`` and the ``timescaledb_information`` views; for the
API's summaries a continuous aggregate (``CREATE MATERIALIZED VIEW ... WITH
(timescaledb.continuous)``, ``add_continuous_aggregate_policy``).

``positions`` is segmented by device and ordered by fix time descending, the
order of the track query. Compression is a policy that the TimescaleDB job
scheduler runs in a background worker, chunk by chunk; nothing is compressed
in the foreground. Fixes that arrive later than the compression horizon would
be inserted into compressed chunks (ON CONFLICT there is reported to be up to
100x slower), so the store commits them into the plain table
``positions_late`` instead and a background task moves them over
(``PostgresStore.late_horizon`` and ``move_late``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import msgspec

__all__ = ["Hypertable", "HYPERTABLES", "MigrationError", "MigrationResult", "SUMMARY_VIEW", "TimescaleSettings",
           "TimescaleState", "TableRef", "apply_policies", "begin_copy", "configure_timescale",
           "copy_batch", "ensure_summary_view", "summary_select", "is_hypertable", "plan_copy", "preload_problem",
           "resolve_table",
           "start_decision", "swap", "timescale_available"]

log = logging.getLogger(__name__)

MIGRATE_HINT = "run `uvis-gateway migrate --timescale` to convert (resumable)"


class Hypertable(msgspec.Struct, frozen=True):
    table: str
    time_column: str
    segment_by: str
    order_by: str


HYPERTABLES = (
    Hypertable("positions", "fix_time", "device_id", "fix_time DESC"),
    Hypertable("events", "time", "device_id", "time DESC"),
)


class TimescaleSettings(msgspec.Struct, frozen=True, kw_only=True):
    #: "auto": use TimescaleDB when the server offers it; "off": never
    mode: str = "auto"
    chunk_interval: timedelta = timedelta(days=1)
    #: compress chunks older than this; None: no compression
    compress_after: timedelta | None = timedelta(days=7)
    #: drop chunks older than this; None: keep everything
    retention: timedelta | None = None


class TimescaleState(msgspec.Struct, frozen=True, kw_only=True):
    #: every table of HYPERTABLES is a hypertable with its policies
    enabled: bool
    #: the extension's version when it is installed and loaded
    version: str | None = None
    reason: str = ""
    #: the tables that are hypertables (all of them when enabled)
    hypertables: tuple[str, ...] = ()
    #: not enabled for a reason the operator can fix (logged as a warning)
    actionable: bool = False


class TableRef(msgspec.Struct, frozen=True):
    schema: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{ident(self.schema)}.{ident(self.name)}"

    def sibling(self, name: str) -> "TableRef":
        return TableRef(self.schema, name)


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


async def resolve_table(conn: Any, name: str) -> TableRef | None:
    """The table ``name`` as the connection's search_path finds it."""
    row = await conn.fetchrow(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.oid = to_regclass($1)", ident(name))
    return None if row is None else TableRef(row[0], row[1])


async def timescale_available(conn: Any) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')"))


def lists_timescaledb(libraries: str) -> bool:
    """Whether a shared_preload_libraries value names TimescaleDB's library."""
    for item in libraries.split(","):
        name = item.strip().strip('"').strip("'").rsplit("/", 1)[-1].removesuffix(".so")
        if name == "timescaledb" or name.startswith("timescaledb-"):
            return True
    return False


async def preload_problem(conn: Any) -> str | None:
    """Why ``CREATE EXTENSION timescaledb`` would fail (None: the library is loaded).

    Read-only catalog queries that work for any role. A loaded library defines
    its settings (``timescaledb.max_background_workers`` is the loader's own,
    postmaster-level); pg_settings lists them, never the placeholders of a
    library that is not loaded. ``shared_preload_libraries`` is visible only to
    superusers and pg_read_all_settings: when it names timescaledb (and no
    restart is pending) that is trusted too; otherwise it words the message."""
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name LIKE 'timescaledb.%')"):
        return None
    allowed = await conn.fetchval(
        "SELECT current_setting('timescaledb.allow_install_without_preload', true)")
    if allowed == "on":
        return None
    row = await conn.fetchrow(
        "SELECT setting, pending_restart FROM pg_settings WHERE name = 'shared_preload_libraries'")
    if row is not None and not row["pending_restart"] and lists_timescaledb(row["setting"]):
        return None
    fix = "set shared_preload_libraries = 'timescaledb' in postgresql.conf and restart PostgreSQL"
    if row is None:
        listed = "the timescaledb library is not loaded (shared_preload_libraries is not visible to this role)"
    elif row["pending_restart"]:
        listed = (f"shared_preload_libraries was changed but PostgreSQL was not restarted"
                  f" (running with {row['setting']!r})")
        fix = "restart PostgreSQL"
    else:
        listed = f"shared_preload_libraries = {row['setting']!r}"
        if row["setting"]:
            fix = (f"set shared_preload_libraries = '{row['setting']},timescaledb' in postgresql.conf"
                   " and restart PostgreSQL")
    return (f"the timescaledb extension is installed on the server but not preloaded ({listed}):"
            f" {fix}")


async def is_hypertable(conn: Any, table: TableRef) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM timescaledb_information.hypertables"
        " WHERE hypertable_schema = $1 AND hypertable_name = $2)", table.schema, table.name))


async def _rows_note(conn: Any, table: TableRef) -> str | None:
    """None for an empty table, else "about N rows" (an estimate: no full count at start)."""
    if not await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table.qualified})"):
        return None
    estimate = await conn.fetchval("SELECT reltuples::bigint FROM pg_class WHERE oid = $1::text::regclass",
                                   table.qualified)
    if estimate is not None and estimate > 0:
        return f"about {estimate:,} rows"
    capped = await conn.fetchval(f"SELECT count(*) FROM (SELECT 1 FROM {table.qualified} LIMIT 1000001) s")
    return "more than 1,000,000 rows" if capped > 1_000_000 else f"{capped:,} row{'s' * (capped != 1)}"


async def start_decision(conn: Any, table: TableRef) -> str | None:
    """Why a plain table is not made a hypertable at start (None: convert it now).

    Only an empty table converts at start: ``create_hypertable(...,
    migrate_data => true)`` holds an exclusive lock while it moves every row
    (2 M rows: about 15 s; 10 M: the gateway was not up after 90 s)."""
    if await conversion_recorded(conn, table):
        return f"{table.name} is being converted (a conversion was interrupted or is running)"
    note = await _rows_note(conn, table)
    return None if note is None else f"{table.name} holds {note} on a plain table"


async def configure_timescale(conn: Any, settings: TimescaleSettings) -> TimescaleState:
    """Make empty positions and events hypertables and keep the policies of every
    hypertable as configured; tables that hold rows wait for ``migrate --timescale``.

    Every statement that can fail runs in its own transaction (a savepoint when
    the caller holds one), so a failure never leaves ``conn`` in an aborted
    transaction; the library check comes before CREATE EXTENSION, whose FATAL
    would end the session."""
    if settings.mode == "off":
        return TimescaleState(enabled=False, reason="disabled in the configuration")
    if not await timescale_available(conn):
        return TimescaleState(enabled=False, reason="the server does not offer the timescaledb extension")
    problem = await preload_problem(conn)
    if problem is not None:
        return TimescaleState(enabled=False, reason=problem, actionable=True)
    try:
        async with conn.transaction():
            await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    except Exception as exc:  # noqa: BLE001 - e.g. no privilege; reported, start goes on
        if conn.is_closed():
            raise
        return TimescaleState(enabled=False, reason=f"CREATE EXTENSION timescaledb failed: {exc}",
                              actionable=True)
    version = await conn.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
    hypertables: list[str] = []
    waiting: list[str] = []
    for spec in HYPERTABLES:
        table = await resolve_table(conn, spec.table)
        if table is None:
            waiting.append(f"{spec.table} does not exist")
            continue
        if not await is_hypertable(conn, table):
            why_not = await start_decision(conn, table)
            if why_not is not None:
                waiting.append(why_not)
                continue
            try:
                async with conn.transaction():
                    await conn.execute(
                        "SELECT create_hypertable($1::text::regclass, $2::name,"
                        " chunk_time_interval => $3::interval, if_not_exists => true)",
                        table.qualified, spec.time_column, settings.chunk_interval)
            except Exception as exc:  # noqa: BLE001 - rows arrived meanwhile, say
                if conn.is_closed():
                    raise
                waiting.append(f"{spec.table} could not become a hypertable ({exc})")
                continue
        await apply_policies(conn, table, spec, settings)
        hypertables.append(spec.table)
        if spec.table == "positions":
            await ensure_summary_view(conn, table)
    if waiting:
        return TimescaleState(enabled=False, version=version, hypertables=tuple(hypertables),
                              reason="; ".join(waiting) + f": {MIGRATE_HINT}", actionable=True)
    return TimescaleState(enabled=True, version=version, hypertables=tuple(hypertables))


# -- The continuous aggregate behind GET /api/v1/devices/{id}/summary ----------
#
# Per device and hour, over valid fixes, what adds up exactly across buckets:
# the number of fixes, the greatest speed, the sum and number of speeds (an
# average of averages would weigh hours alike). Distance and moving time are
# sums over consecutive pairs of fixes, which need a window function, and a
# continuous aggregate cannot hold one: storage.api_store computes them from
# the raw rows and takes whole hours of the range from here, the partial hours
# at its edges from the raw rows too. Real-time (materialized_only = false):
# hours the policy has not materialized yet are aggregated from the hypertable
# when read. A fix that arrives late into a materialized hour counts there
# after the policy's next run (every 30 minutes); the refresh window starts at
# the beginning (start_offset NULL) so such hours are redone however old, and
# ends an hour before now (the open hour is always read in real time).

#: the view's name (in positions' schema) and its bucket
SUMMARY_VIEW = "positions_summary_hourly"
SUMMARY_BUCKET = "1 hour"


def summary_select(positions: str) -> str:
    """The aggregate's query over the table ``positions`` (an SQL name)."""
    return (f"SELECT device_id, time_bucket(INTERVAL '{SUMMARY_BUCKET}', fix_time) AS bucket,"
            " count(*) AS fixes, max(speed_kmh) AS max_speed,"
            " sum(speed_kmh::double precision) AS speed_sum, count(speed_kmh) AS speed_n"
            f" FROM {positions} WHERE valid"
            f" GROUP BY device_id, time_bucket(INTERVAL '{SUMMARY_BUCKET}', fix_time)")


def _summary_view_sql(view: TableRef, positions: TableRef) -> str:
    return (f"CREATE MATERIALIZED VIEW {view.qualified}"
            " WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS "
            + summary_select(positions.qualified)
            + " WITH NO DATA")  # WITH DATA cannot run in a transaction; the policy materializes


async def ensure_summary_view(conn: Any, positions: TableRef) -> bool:
    """Create the summary's continuous aggregate and its refresh policy when they are
    missing; True when they exist. Never raises for the database's reasons (a
    TimescaleDB version that refuses the view, no privilege): the API then computes
    summaries in plain SQL, and the warning says why."""
    view = positions.sibling(SUMMARY_VIEW)
    try:
        async with conn.transaction():
            exists = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM timescaledb_information.continuous_aggregates"
                " WHERE view_schema = $1 AND view_name = $2)", view.schema, view.name)
            if not exists:
                await conn.execute(_summary_view_sql(view, positions))
            await conn.execute(
                "SELECT add_continuous_aggregate_policy($1::text::regclass, start_offset => NULL::interval,"
                " end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes',"
                " if_not_exists => true)", view.qualified)
        return True
    except Exception as exc:  # noqa: BLE001 - reported; start-up goes on, summaries in plain SQL
        if conn.is_closed():
            raise
        log.warning("TimescaleDB: no continuous aggregate %s for the API's summaries (%s: %s); "
                    "summaries are computed from the raw positions", view.name, type(exc).__name__, exc)
        return False


async def _policy(conn: Any, table: TableRef, proc: str, key: str) -> tuple[int, str | None] | None:
    """(job id, its ``key`` setting) of the table's ``proc`` job, None without one."""
    return await conn.fetchrow(
        "SELECT job_id, config->>$4::text FROM timescaledb_information.jobs"
        " WHERE proc_name = $3 AND hypertable_schema = $1 AND hypertable_name = $2",
        table.schema, table.name, proc, key)


async def _same_interval(conn: Any, stored: str | None, wanted: timedelta) -> bool:
    return stored is not None and bool(await conn.fetchval("SELECT $1::text::interval = $2::interval",
                                                           stored, wanted))


async def apply_policies(conn: Any, table: TableRef, spec: Hypertable, settings: TimescaleSettings) -> None:
    """Chunk interval, compression settings and policy, retention policy of one
    hypertable, in one transaction. A policy whose interval is already the
    configured one is left alone (re-adding it would schedule its job at once)."""
    name = table.qualified
    async with conn.transaction():
        await conn.execute("SELECT set_chunk_time_interval($1::text::regclass, $2::interval)",
                           name, settings.chunk_interval)
        job = await _policy(conn, table, "policy_compression", "compress_after")
        if settings.compress_after is None:
            if job is not None:
                await conn.execute("SELECT remove_compression_policy($1::text::regclass, if_exists => true)", name)
        elif job is None or not await _same_interval(conn, job[1], settings.compress_after):
            compressed = await conn.fetchval(
                "SELECT compression_enabled FROM timescaledb_information.hypertables"
                " WHERE hypertable_schema = $1 AND hypertable_name = $2", table.schema, table.name)
            if not compressed:
                await conn.execute(
                    f"ALTER TABLE {name} SET (timescaledb.compress,"
                    f" timescaledb.compress_segmentby = '{spec.segment_by}',"
                    f" timescaledb.compress_orderby = '{spec.order_by}')")
            await conn.execute("SELECT remove_compression_policy($1::text::regclass, if_exists => true)", name)
            await conn.execute("SELECT add_compression_policy($1::text::regclass, $2::interval)",
                               name, settings.compress_after)
        job = await _policy(conn, table, "policy_retention", "drop_after")
        if settings.retention is None:
            if job is not None:
                await conn.execute("SELECT remove_retention_policy($1::text::regclass, if_exists => true)", name)
        elif job is None or not await _same_interval(conn, job[1], settings.retention):
            await conn.execute("SELECT remove_retention_policy($1::text::regclass, if_exists => true)", name)
            await conn.execute("SELECT add_retention_policy($1::text::regclass, $2::interval)",
                               name, settings.retention)


# -- Converting a table that holds rows: ``uvis-gateway migrate --timescale`` --
#
# 1. One transaction creates ``<table>_ts`` (LIKE the table: its columns,
#    defaults, constraints and indexes, whatever migrations made them), makes
#    it a hypertable while it is empty, records the conversion in
#    ``uvis_timescale_migration`` and adds statement-level triggers (transition
#    tables, so one INSERT per statement, COPY included) that mirror every
#    insert, update, delete and truncate of the table into ``<table>_ts``.
# 2. Batches of rows in primary-key order (the only index a plain table has;
#    a time order would sort the whole table for every batch), each its own
#    transaction that also advances the cursor (the last key copied), so an
#    interrupted run resumes where it stopped and repeats nothing.
# 3. One short transaction under an ACCESS EXCLUSIVE lock (bounded by
#    lock_timeout, retried): whatever is left after the cursor, drop the
#    triggers, rename the table to ``<table>_plain_old`` and ``<table>_ts`` to
#    ``<table>``, indexes too. The old table stays until the user drops it.
#
# Rows that arrive meanwhile reach ``<table>_ts`` through the triggers in the
# writer's own transaction. Known limit: a row deleted from the plain table
# while the batch that read it is still open is copied anyway (the gateway
# deletes nothing from positions or events while they are plain tables).

PROGRESS_TABLE = "uvis_timescale_migration"
_LOCK_KEY = 0x75767473  # "uvts": one conversion at a time


class MigrationError(Exception):
    """A conversion cannot start or finish; the message says what to do."""


class CopyPlan(msgspec.Struct, frozen=True, kw_only=True):
    spec: Hypertable
    source: TableRef
    target: TableRef        # <table>_ts, becomes <table>
    old: TableRef           # what <table> is renamed to
    progress: TableRef
    key: tuple[str, ...]
    key_types: tuple[str, ...]
    columns: tuple[str, ...]


class MigrationResult(msgspec.Struct, frozen=True, kw_only=True):
    table: str
    #: "converted", "hypertable" (nothing to do) or "stopped" (max_batches reached)
    status: str
    copied: int = 0
    total: int = 0
    old_table: str = ""


async def plan_copy(conn: Any, spec: Hypertable) -> CopyPlan:
    source = await resolve_table(conn, spec.table)
    if source is None:
        raise MigrationError(f"{spec.table} does not exist (run `uvis-gateway migrate` first)")
    key = await conn.fetch(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i"
        " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indrelid = $1::text::regclass AND i.indisprimary ORDER BY k.ord", source.qualified)
    if not key:
        raise MigrationError(f"{spec.table} has no primary key to copy it by")
    columns = await conn.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum", source.qualified)
    return CopyPlan(spec=spec, source=source, target=source.sibling(f"{source.name}_ts"),
                    old=source.sibling(f"{source.name}_plain_old"),
                    progress=source.sibling(PROGRESS_TABLE),
                    key=tuple(r[0] for r in key), key_types=tuple(r[1] for r in key),
                    columns=tuple(r[0] for r in columns))


def _mirror_sql(plan: CopyPlan) -> str:
    src, tgt = plan.source.qualified, plan.target.qualified
    fn = plan.source.sibling(f"uvis_mirror_{plan.source.name}").qualified
    cols = ", ".join(map(ident, plan.columns))
    key = ", ".join(map(ident, plan.key))
    match = " AND ".join(f"t.{ident(k)} = o.{ident(k)}" for k in plan.key)
    rest = [c for c in plan.columns if c not in plan.key]
    upsert = ("DO UPDATE SET " + ", ".join(f"{ident(c)} = EXCLUDED.{ident(c)}" for c in rest)
              if rest else "DO NOTHING")
    trigger = "CREATE TRIGGER {} AFTER {} ON " + src + " {} FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "();"
    return "\n".join([
        f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $uvis$",
        "BEGIN",
        f"    IF TG_OP = 'TRUNCATE' THEN TRUNCATE {tgt}; RETURN NULL; END IF;",
        "    IF TG_OP IN ('UPDATE', 'DELETE') THEN",
        f"        DELETE FROM {tgt} t USING uvis_old o WHERE {match};",
        "    END IF;",
        "    IF TG_OP IN ('INSERT', 'UPDATE') THEN",
        f"        INSERT INTO {tgt} ({cols}) SELECT {cols} FROM uvis_new ON CONFLICT ({key}) {upsert};",
        "    END IF;",
        "    RETURN NULL;",
        "END $uvis$;",
        trigger.format("uvis_mirror_insert", "INSERT", "REFERENCING NEW TABLE AS uvis_new"),
        trigger.format("uvis_mirror_update", "UPDATE",
                       "REFERENCING OLD TABLE AS uvis_old NEW TABLE AS uvis_new"),
        trigger.format("uvis_mirror_delete", "DELETE", "REFERENCING OLD TABLE AS uvis_old"),
        trigger.format("uvis_mirror_truncate", "TRUNCATE", ""),
    ])


def _drop_mirror_sql(plan: CopyPlan) -> str:
    src = plan.source.qualified
    fn = plan.source.sibling(f"uvis_mirror_{plan.source.name}").qualified
    drops = [f"DROP TRIGGER IF EXISTS uvis_mirror_{op} ON {src};"
             for op in ("insert", "update", "delete", "truncate")]
    return "\n".join(drops + [f"DROP FUNCTION IF EXISTS {fn}();"])


async def _set_lock_timeout(conn: Any, timeout: timedelta) -> None:
    await conn.execute("SELECT set_config('lock_timeout', $1, true)",
                       f"{max(1, int(timeout.total_seconds() * 1000))}ms")


async def _exists(conn: Any, table: TableRef) -> bool:
    return await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table.qualified)


async def conversion_recorded(conn: Any, table: TableRef) -> bool:
    """Whether a conversion of ``table`` has begun and not finished."""
    progress = table.sibling(PROGRESS_TABLE)
    return await _exists(conn, progress) and bool(await conn.fetchval(
        f"SELECT EXISTS (SELECT 1 FROM {progress.qualified} WHERE table_name = $1)", table.name))


async def begin_copy(conn: Any, plan: CopyPlan, settings: TimescaleSettings, *,
                     hypertable: bool, lock_timeout: timedelta) -> int:
    """Create the target, the progress row and the mirror triggers, once; return
    the rows copied so far (0 on the first run)."""
    progress = plan.progress.qualified
    async with conn.transaction():
        await _set_lock_timeout(conn, lock_timeout)
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {progress} (table_name text PRIMARY KEY, cursor jsonb,"
            " copied bigint NOT NULL DEFAULT 0, started_at timestamptz NOT NULL DEFAULT now())")
        copied = await conn.fetchval(f"SELECT copied FROM {progress} WHERE table_name = $1",
                                     plan.source.name)
        target_exists = await _exists(conn, plan.target)
        if copied is not None:
            if not target_exists:
                raise MigrationError(f"{plan.target.name} is gone but {PROGRESS_TABLE} records a"
                                     f" conversion of {plan.source.name}: DELETE FROM {PROGRESS_TABLE}"
                                     f" WHERE table_name = '{plan.source.name}', then run again")
            return copied
        if target_exists:
            raise MigrationError(f"{plan.target.name} exists but no conversion of {plan.source.name}"
                                 " is recorded: drop or rename it, then run again")
        if await _exists(conn, plan.old):
            raise MigrationError(f"{plan.old.name} exists (the old rows of an earlier conversion?):"
                                 " drop or rename it, then run again")
        await conn.execute(f"CREATE TABLE {plan.target.qualified} (LIKE {plan.source.qualified} INCLUDING ALL)")
        if hypertable:
            await conn.execute(
                "SELECT create_hypertable($1::text::regclass, $2::name, chunk_time_interval => $3::interval)",
                plan.target.qualified, plan.spec.time_column, settings.chunk_interval)
        await conn.execute(_mirror_sql(plan))
        await conn.execute(f"INSERT INTO {progress} (table_name) VALUES ($1)", plan.source.name)
    return 0


def _batch_sql(plan: CopyPlan, after_cursor: bool) -> str:
    cols = ", ".join(map(ident, plan.columns))
    key = ", ".join(map(ident, plan.key))
    casts = ", ".join(f"(($2::text::jsonb)->>{i})::{t}" for i, t in enumerate(plan.key_types))
    descending = ", ".join(f"{ident(k)} DESC" for k in plan.key)
    where = f"WHERE ({key}) > ({casts})" if after_cursor else "WHERE $2::text IS NULL"
    return (f"WITH batch AS MATERIALIZED (SELECT {cols} FROM {plan.source.qualified} {where}"
            f" ORDER BY {key} LIMIT $1),"
            f" ins AS (INSERT INTO {plan.target.qualified} ({cols}) SELECT {cols} FROM batch"
            " ON CONFLICT DO NOTHING)"
            f" SELECT (SELECT count(*) FROM batch),"
            f" (SELECT jsonb_build_array({key})::text FROM batch ORDER BY {descending} LIMIT 1)")


async def copy_batch(conn: Any, plan: CopyPlan, rows: int) -> int:
    """Copy the next ``rows`` rows after the cursor, in key order, and advance the
    cursor, in one transaction (a savepoint inside the caller's); 0: all copied."""
    progress = plan.progress.qualified
    async with conn.transaction():
        cursor = await conn.fetchval(
            f"SELECT cursor::text FROM {progress} WHERE table_name = $1 FOR UPDATE", plan.source.name)
        count, last = await conn.fetchrow(_batch_sql(plan, cursor is not None), rows, cursor)
        if count:
            await conn.execute(f"UPDATE {progress} SET cursor = $2::text::jsonb, copied = copied + $3"
                               " WHERE table_name = $1", plan.source.name, last, count)
    return count


# An index's definition without its own name and its table's: LIKE ... INCLUDING
# INDEXES copies each index of the table under a generated name.
_INDEX_SHAPES = """
SELECT c.relname, regexp_replace(pg_get_indexdef(i.indexrelid), '^(CREATE (UNIQUE )?INDEX )\\S+ ON \\S+ ', '\\1'),
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = $1::text::regclass ORDER BY c.relname
"""


def _renamed(name: str, prefix: str, new_prefix: str) -> str:
    return new_prefix + (name[len(prefix):] if name.startswith(prefix) else name)


async def _rename_index(conn: Any, table: TableRef, name: str, new: str, constraint: bool) -> None:
    """A key's index through its constraint (TimescaleDB renames a hypertable's
    constraint in its chunks' catalog too), any other directly."""
    if constraint:
        await conn.execute(f"ALTER TABLE {table.qualified} RENAME CONSTRAINT {ident(name)} TO {ident(new)}")
    else:
        await conn.execute(f"ALTER INDEX {ident(table.schema)}.{ident(name)} RENAME TO {ident(new)}")


async def _swap_index_names(conn: Any, plan: CopyPlan) -> None:
    """The old table's indexes get its new name as prefix; each index of the new
    table takes the name of the old index it copies (others: ``<table>_ts_...``
    becomes ``<table>_...``), so names that migrations refer to stay valid."""
    old = await conn.fetch(_INDEX_SHAPES, plan.source.qualified)
    new = await conn.fetch(_INDEX_SHAPES, plan.target.qualified)
    by_shape: dict[str, list[str]] = {}
    for name, shape, constraint in old:
        by_shape.setdefault(shape, []).append(name)
        await _rename_index(conn, plan.source, name,
                            _renamed(name, plan.source.name + "_", plan.old.name + "_"), constraint)
    for name, shape, constraint in new:
        twins = by_shape.get(shape)
        wanted = twins.pop(0) if twins else _renamed(name, plan.target.name + "_", plan.source.name + "_")
        if wanted != name:
            await _rename_index(conn, plan.target, name, wanted, constraint)


async def swap(conn: Any, plan: CopyPlan, *, lock_timeout: timedelta, batch_rows: int) -> int:
    """Under an ACCESS EXCLUSIVE lock (waiting at most ``lock_timeout``): copy what
    is left after the cursor, drop the triggers, swap the names. Returns the
    rows copied under the lock."""
    name = plan.source.name
    async with conn.transaction():
        await _set_lock_timeout(conn, lock_timeout)
        await conn.execute(f"LOCK TABLE {plan.source.qualified} IN ACCESS EXCLUSIVE MODE")
        left = 0
        while copied := await copy_batch(conn, plan, batch_rows):
            left += copied
        await conn.execute(_drop_mirror_sql(plan))
        await _swap_index_names(conn, plan)
        await conn.execute(f"ALTER TABLE {plan.source.qualified} RENAME TO {ident(plan.old.name)}")
        await conn.execute(f"ALTER TABLE {plan.target.qualified} RENAME TO {ident(name)}")
        progress = plan.progress.qualified
        await conn.execute(f"DELETE FROM {progress} WHERE table_name = $1", name)
        if not await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {progress})"):
            await conn.execute(f"DROP TABLE {progress}")
    await conn.execute(f"ANALYZE {plan.source.qualified}")
    return left


async def lock_conversions(conn: Any) -> bool:
    """Take the session lock that lets one conversion run at a time."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LOCK_KEY))
