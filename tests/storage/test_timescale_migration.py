"""Turning TimescaleDB on over existing rows (``uvis-gateway migrate --timescale``)
on the real PostgreSQL of the tests: the start-up decision, the preload check,
and the copy-and-swap with a plain table as the target (the same statements as
with a hypertable, minus create_hypertable), in a schema of its own so the
swapped tables never meet the other tests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import pytest

from gateway.cli.migrate import convert_table
from storage import timescale as ts
from storage.postgres import PostgresStore, init_connection
from storage.schema import apply_migrations

from _storage_helpers import T0, pos

POSITIONS, EVENTS = ts.HYPERTABLES
SETTINGS = ts.TimescaleSettings()


@pytest.fixture
async def schema(database_url):
    """A fresh schema with the migrations applied: (connection, store, name)."""
    name = f"uvis_tsm_{uuid.uuid4().hex[:10]}"
    settings = {"search_path": f"{name}, public"}                # public: TimescaleDB's functions
    conn = await asyncpg.connect(database_url, server_settings=settings)
    await conn.execute(f"CREATE SCHEMA {name}")
    await apply_migrations(conn)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=init_connection,
                                     server_settings=settings)
    try:
        yield conn, PostgresStore(pool), name
    finally:
        await pool.close()
        await conn.execute(f"DROP SCHEMA {name} CASCADE")
        await conn.close()


async def fill_positions(conn, devices: int, per_device: int, first: int = 1) -> None:
    await conn.execute(
        "INSERT INTO positions (device_id, fix_time, received_at, protocol, valid, lat, lon, speed_kmh,"
        " attributes) SELECT 'dev' || d, $1::timestamptz + s * interval '10 s', $1::timestamptz, 'gt06',"
        " true, 48 + s / 1000.0, 11, s, jsonb_build_object('n', s)"
        " FROM generate_series($4::int, $4 + $2 - 1) d, generate_series(1, $3) s", T0, devices, per_device,
        first)


async def same_rows(conn, a: str, b: str) -> int:
    """Both tables hold exactly the same rows; return how many."""
    for x, y in ((a, b), (b, a)):
        assert await conn.fetchval(f"SELECT count(*) FROM (TABLE {x} EXCEPT ALL TABLE {y}) d") == 0
    return await conn.fetchval(f"SELECT count(*) FROM {a}")


async def leftovers(conn, name: str) -> list[str]:
    """Triggers, mirror functions and the progress table of a conversion."""
    rows = await conn.fetch(
        "SELECT tgname AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND tgname LIKE 'uvis_mirror_%'"
        " UNION ALL SELECT proname FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace"
        "  WHERE s.nspname = $1 AND proname LIKE 'uvis_mirror_%'"
        " UNION ALL SELECT relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace"
        "  WHERE s.nspname = $1 AND relname = $2", name, ts.PROGRESS_TABLE)
    return [r["n"] for r in rows]


async def index_names(conn, table: str) -> set[str]:
    rows = await conn.fetch("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = $1::regclass",
                            table)
    return {r[0] for r in rows}


# -- the start-up decision and the preload check --------------------------------

async def test_start_converts_only_empty_tables(schema) -> None:
    conn, store, _ = schema
    table = await ts.resolve_table(conn, "positions")
    assert await ts.start_decision(conn, table) is None                 # empty: convert at once
    await fill_positions(conn, 1, 3)
    assert await ts.start_decision(conn, table) == "positions holds 3 rows on a plain table"
    await fill_positions(conn, 40, 50, first=2)
    await conn.execute("ANALYZE positions")
    assert await ts.start_decision(conn, table) == "positions holds about 2,003 rows on a plain table"
    plan = await ts.plan_copy(conn, POSITIONS)
    await ts.begin_copy(conn, plan, SETTINGS, hypertable=False, lock_timeout=timedelta(seconds=5))
    assert await ts.start_decision(conn, table) == \
        "positions is being converted (a conversion was interrupted or is running)"


async def test_installed_but_not_preloaded_is_reported_before_create_extension(db_pool, monkeypatch) -> None:
    async with db_pool.acquire() as conn:
        if await ts.preload_problem(conn) is None:
            pytest.skip("this server preloads timescaledb")
        monkeypatch.setattr(ts, "timescale_available", _true)
        state = await ts.configure_timescale(conn, SETTINGS)
        assert not state.enabled and state.actionable and state.version is None
        assert state.reason.startswith("the timescaledb extension is installed on the server but not preloaded")
        assert "shared_preload_libraries = 'timescaledb' in postgresql.conf and restart PostgreSQL" in state.reason \
            or ",timescaledb' in postgresql.conf and restart PostgreSQL" in state.reason
        assert await conn.fetchval("SELECT 1") == 1 and not conn.is_in_transaction()


async def test_preload_problem_words_what_the_role_can_see(db_pool) -> None:
    async with db_pool.acquire() as conn:
        if await ts.preload_problem(conn) is None:
            pytest.skip("this server preloads timescaledb")
        if not await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            pytest.skip("needs a superuser to see shared_preload_libraries and to create a role")
        setting = await conn.fetchval("SHOW shared_preload_libraries")
        assert f"(shared_preload_libraries = {setting!r})" in await ts.preload_problem(conn)
        role = f"uvis_probe_{uuid.uuid4().hex[:8]}"
        await conn.execute(f"CREATE ROLE {role} NOLOGIN")
        try:
            await conn.execute(f"SET ROLE {role}")
            hidden = await ts.preload_problem(conn)
            await conn.execute("RESET ROLE")
        finally:
            await conn.execute("RESET ROLE")
            await conn.execute(f"DROP ROLE {role}")
        assert "(the timescaledb library is not loaded (shared_preload_libraries is not visible to this role)):" \
            in hidden
        assert hidden.endswith("set shared_preload_libraries = 'timescaledb' in postgresql.conf"
                               " and restart PostgreSQL")


@pytest.mark.parametrize("setting, listed", [
    ("timescaledb", True), ("pg_stat_statements,timescaledb", True), ("'$libdir/timescaledb.so'", True),
    ("timescaledb-2.22.0", True), ("", False), ("pg_stat_statements", False), ("timescaledb_toolkit", False),
])
def test_the_preload_list_is_read_like_postgresql_does(setting, listed) -> None:
    assert ts.lists_timescaledb(setting) is listed


async def test_a_failed_create_extension_leaves_the_connection_usable(db_pool, monkeypatch) -> None:
    async with db_pool.acquire() as conn:
        if await ts.timescale_available(conn):
            pytest.skip("this server offers TimescaleDB: CREATE EXTENSION would succeed")
        monkeypatch.setattr(ts, "timescale_available", _true)
        monkeypatch.setattr(ts, "preload_problem", _none)
        state = await ts.configure_timescale(conn, SETTINGS)
        assert not state.enabled and state.actionable
        assert state.reason.startswith("CREATE EXTENSION timescaledb failed: ")
        assert not conn.is_in_transaction() and await conn.fetchval("SELECT 1") == 1
    async with db_pool.acquire() as conn:                          # the pool is fine too
        assert await conn.fetchval("SELECT count(*) FROM positions") >= 0


async def _true(conn) -> bool:
    return True


async def _none(conn) -> None:
    return None


# -- copy and swap ------------------------------------------------------------------

async def test_copy_resumes_mirrors_what_arrives_and_swaps(schema) -> None:
    conn, store, name = schema
    await fill_positions(conn, 5, 500)                             # 2,500 rows, 400 a batch
    first = await convert_table(conn, POSITIONS, SETTINGS, batch_rows=400, hypertable=False,
                                max_batches=2)
    assert (first.status, first.copied, first.total) == ("stopped", 800, 2500)
    assert await conn.fetchval("SELECT count(*) FROM positions_ts") == 800

    # while stopped, the gateway goes on writing into the plain table
    behind = pos("dev1", -100)                                     # key before the cursor
    ahead = pos("dev9", 0)                                         # key after it
    await store.write([behind, ahead], [], T0)
    assert await conn.fetchval("SELECT count(*) FROM positions") == 2502
    merged = pos("dev1", 30, attributes={"alarm": "sos"})         # a stored fix (s = 3) gains an alarm
    await store.write([merged], [], T0)
    assert await conn.fetchval("SELECT attributes::text FROM positions WHERE device_id = 'dev1'"
                               " AND fix_time = $1", merged.fix_time) == '{"n": 3, "alarm": "sos"}'
    await conn.execute("UPDATE positions SET attributes = '{\"edited\": true}' WHERE device_id = 'dev1'"
                       " AND fix_time = $1", T0 + timedelta(seconds=10))
    await conn.execute("DELETE FROM positions WHERE device_id = 'dev1' AND fix_time = $1",
                       T0 + timedelta(seconds=20))

    seen: list[tuple[int, int]] = []
    second = await convert_table(conn, POSITIONS, SETTINGS, batch_rows=400, hypertable=False,
                                 on_progress=lambda table, done, of: seen.append((done, of)))
    assert second.status == "converted" and second.old_table == "positions_plain_old"
    assert seen[0] == (800, 2501)                                  # resumed where it stopped
    assert seen[-1][0] == second.copied == 2501                    # + the 1,700 after the cursor and dev9
    assert await same_rows(conn, "positions", "positions_plain_old") == 2501
    assert await conn.fetchval("SELECT attributes->>'edited' FROM positions WHERE device_id = 'dev1'"
                               " AND fix_time = $1", T0 + timedelta(seconds=10)) == "true"
    assert await conn.fetchval("SELECT attributes->>'alarm' FROM positions WHERE device_id = 'dev1'"
                               " AND fix_time = $1", merged.fix_time) == "sos"
    assert await index_names(conn, "positions") == {"positions_pkey", "positions_ingest"}
    assert await index_names(conn, "positions_plain_old") == {"positions_plain_old_pkey",
                                                              "positions_plain_old_ingest"}
    assert await leftovers(conn, name) == []

    # the gateway's statements find the new table by name, its key absorbs a resend
    await store.write([behind, pos("dev1", -200)], [], T0)
    assert await conn.fetchval("SELECT count(*) FROM positions WHERE device_id = 'dev1' AND fix_time < $1",
                               T0) == 2
    assert await conn.fetchval("SELECT count(*) FROM positions_plain_old") == 2501


async def test_an_interrupted_batch_is_rolled_back_and_the_next_run_completes(schema, database_url) -> None:
    conn, store, name = schema
    await fill_positions(conn, 4, 300)
    task: asyncio.Task | None = None

    def interrupt(table: str, done: int, of: int) -> None:
        if done >= 200:
            task.cancel()                                          # as Ctrl-C does to the command

    # the command's own connection, closed when it stops as the process's would be
    own = await asyncpg.connect(database_url, server_settings={"search_path": f"{name}, public"})
    try:
        task = asyncio.ensure_future(convert_table(own, POSITIONS, SETTINGS, batch_rows=100,
                                                   hypertable=False, on_progress=interrupt))
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        own.terminate()
    cursor_rows = await conn.fetchval(f"SELECT copied FROM {ts.PROGRESS_TABLE} WHERE table_name = 'positions'")
    assert cursor_rows == await conn.fetchval("SELECT count(*) FROM positions_ts") == 200
    result = await convert_table(conn, POSITIONS, SETTINGS, batch_rows=100, hypertable=False)
    assert (result.status, result.copied) == ("converted", 1200)
    assert await same_rows(conn, "positions", "positions_plain_old") == 1200


async def test_a_wider_primary_key_and_extra_indexes_are_copied_from_the_catalog(schema) -> None:
    conn, _, _ = schema
    # the shape migration 3 gives events: a discriminator in the key
    await conn.execute("""
        DROP TABLE events;
        CREATE TABLE events (
            device_id text NOT NULL, time timestamptz NOT NULL, received_at timestamptz NOT NULL,
            protocol text NOT NULL, type text NOT NULL, key bigint NOT NULL DEFAULT 0,
            attributes jsonb NOT NULL DEFAULT '{}'::jsonb, PRIMARY KEY (device_id, time, type, key));
        CREATE INDEX events_type_time ON events (type, time);
        INSERT INTO events (device_id, time, received_at, protocol, type, key)
        SELECT 'dev' || d, $1::timestamptz + (s / 3) * interval '1 s', $1, 'gt06', 'camera', s % 3
        FROM generate_series(1, 3) d, generate_series(0, 299) s;
    """.replace("$1", f"'{T0.isoformat()}'"))
    result = await convert_table(conn, EVENTS, SETTINGS, batch_rows=250, hypertable=False)
    assert (result.status, result.copied) == ("converted", 900)
    assert await same_rows(conn, "events", "events_plain_old") == 900
    assert await index_names(conn, "events") == {"events_pkey", "events_type_time"}
    assert await index_names(conn, "events_plain_old") == {"events_plain_old_pkey", "events_plain_old_type_time"}
    key = await conn.fetchval("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                              " WHERE conrelid = 'events'::regclass AND contype = 'p'")
    assert key == "PRIMARY KEY (device_id, \"time\", type, key)"
    assert await conn.fetchval("SELECT column_default FROM information_schema.columns"
                               " WHERE table_name = 'events' AND table_schema = current_schema()"
                               " AND column_name = 'key'") == "0"


async def test_leftovers_of_an_earlier_conversion_stop_a_new_one(schema) -> None:
    conn, _, name = schema
    await fill_positions(conn, 1, 10)
    await conn.execute("CREATE TABLE positions_plain_old (x int)")
    with pytest.raises(ts.MigrationError, match=r"^positions_plain_old exists \(the old rows of an earlier"
                                                r" conversion\?\): drop or rename it, then run again$"):
        await convert_table(conn, POSITIONS, SETTINGS, hypertable=False)
    await conn.execute("DROP TABLE positions_plain_old; CREATE TABLE positions_ts (x int)")
    with pytest.raises(ts.MigrationError, match="^positions_ts exists but no conversion of positions is"
                                                " recorded: drop or rename it, then run again$"):
        await convert_table(conn, POSITIONS, SETTINGS, hypertable=False)
    assert await leftovers(conn, name) == []


async def test_the_swap_waits_a_bounded_time_for_its_lock(schema, database_url, monkeypatch) -> None:
    conn, _, name = schema
    await fill_positions(conn, 1, 10)
    monkeypatch.setattr("gateway.cli.migrate.LOCK_ATTEMPTS", 2)
    reader = await asyncpg.connect(database_url, server_settings={"search_path": f"{name}, public"})
    try:
        tx = reader.transaction()
        await tx.start()
        await reader.fetchval("SELECT count(*) FROM positions")     # holds ACCESS SHARE
        with pytest.raises(ts.MigrationError, match="could not lock positions within 0.2 s in 2 attempts"):
            await convert_table(conn, POSITIONS, SETTINGS, hypertable=False,
                                lock_timeout=timedelta(seconds=0.2))
        await tx.rollback()
    finally:
        await reader.close()
    assert await conn.fetchval("SELECT count(*) FROM positions_ts") == 10    # the copy is kept
    result = await convert_table(conn, POSITIONS, SETTINGS, hypertable=False)
    assert (result.status, result.copied) == ("converted", 10)


# -- with TimescaleDB (skipped on a server without it) ------------------------------

async def timescaledb_or_skip(db_pool) -> None:
    async with db_pool.acquire() as conn:
        if not await ts.timescale_available(conn):
            pytest.skip("the test database does not offer the timescaledb extension "
                        "(set UVIS_TEST_DATABASE_URL to a TimescaleDB server to run this)")
        if (problem := await ts.preload_problem(conn)) is not None:
            pytest.skip(problem)
        await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")    # in public, not the schema


async def test_timescale_start_leaves_rows_to_the_command_which_converts_them(schema, db_pool) -> None:
    await timescaledb_or_skip(db_pool)
    conn, store, name = schema
    await fill_positions(conn, 3, 200)
    state = await ts.configure_timescale(conn, SETTINGS)
    assert not state.enabled and state.actionable and state.hypertables == ("events",)   # empty: at once
    assert state.reason in (f"positions holds {n} on a plain table: {ts.MIGRATE_HINT}"
                            for n in ("600 rows", "about 600 rows"))
    assert not await ts.is_hypertable(conn, await ts.resolve_table(conn, "positions"))

    result = await convert_table(conn, POSITIONS, SETTINGS, batch_rows=250)
    assert (result.status, result.copied) == ("converted", 600)
    assert await ts.is_hypertable(conn, await ts.resolve_table(conn, "positions"))
    assert await same_rows(conn, "positions", "positions_plain_old") == 600
    names = await index_names(conn, "positions")                 # + TimescaleDB's time index
    assert "positions_pkey" in names and not any(n.startswith("positions_ts") for n in names), names
    assert await leftovers(conn, name) == []
    await store.write([pos("dev1", -100)], [], T0)                 # the gateway writes into the hypertable
    assert await conn.fetchval("SELECT count(*) FROM positions") == 601

    state = await ts.configure_timescale(conn, SETTINGS)          # the policies, after the copy
    assert state.enabled and state.hypertables == ("positions", "events"), state.reason
    jobs = await conn.fetch("SELECT hypertable_name, proc_name FROM timescaledb_information.jobs"
                            " WHERE hypertable_schema = $1 ORDER BY 1", name)
    assert [(r[0], r[1]) for r in jobs] == [("events", "policy_compression"),
                                            ("positions", "policy_compression")]
    assert (await convert_table(conn, POSITIONS, SETTINGS)).status == "hypertable"
