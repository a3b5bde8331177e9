"""Late fixes (older than the compression horizon) take the plain-table path
and are moved later; TimescaleDB hypertables and policies when the server
offers the extension."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.timescale import TimescaleSettings, configure_timescale, preload_problem, timescale_available

from _storage_helpers import T0, pos


async def test_late_fixes_are_committed_aside_then_moved(store) -> None:
    store.late_horizon = timedelta(days=7)
    received = T0
    old = [pos("late", s, fix_time=T0 - timedelta(days=8, seconds=-s)) for s in range(3)]
    fresh = [pos("late", 100)]
    result = await store.write(old + fresh + [old[0]], [], received)
    assert (result.positions_inserted, result.positions_duplicate) == (4, 1)
    assert await store.pool.fetchval("SELECT count(*) FROM positions_late") == 3
    assert await store.pool.fetchval("SELECT count(*) FROM positions") == 1
    track = await store.track("late", limit=100)                 # the API sees all four
    assert [p.fix_time for p in track] == [p.fix_time for p in old] + [fresh[0].fix_time]
    assert await store.move_late(2) == (2, 2)
    assert await store.move_late(100) == (1, 1)
    assert await store.move_late(100) == (0, 0)
    assert await store.pool.fetchval("SELECT count(*) FROM positions") == 4
    assert [p.fix_time for p in await store.track("late", limit=100)] == [p.fix_time for p in track]


async def test_a_late_fix_already_stored_is_absorbed_when_moved(store) -> None:
    fix = pos("late2", 0, fix_time=T0 - timedelta(days=30))
    await store.write([fix], [], T0)                             # before compression existed
    store.late_horizon = timedelta(days=7)
    await store.write([fix], [], T0)                             # resent late
    moved, inserted = await store.move_late(10)                 # moved aside, or known as a resend
    assert moved in (0, 1) and inserted == 0
    assert await store.pool.fetchval("SELECT count(*) FROM positions WHERE device_id = 'late2'") == 1
    assert await store.pool.fetchval("SELECT count(*) FROM positions_late") == 0
    assert len(await store.track("late2", limit=10)) == 1


async def test_plain_postgresql_reports_why_timescale_is_off(db_pool) -> None:
    async with db_pool.acquire() as conn:
        if await timescale_available(conn):
            pytest.skip("this server offers TimescaleDB")
        state = await configure_timescale(conn, TimescaleSettings())
        assert not state.enabled and "does not offer" in state.reason
        assert (await configure_timescale(conn, TimescaleSettings(mode="off"))).reason == \
            "disabled in the configuration"


async def test_timescale_hypertables_and_policies(store, db_pool) -> None:
    async with db_pool.acquire() as conn:                        # ``store``: the tables are empty
        if not await timescale_available(conn):
            pytest.skip("the test database does not offer the timescaledb extension "
                        "(set UVIS_TEST_DATABASE_URL to a TimescaleDB server to run this)")
        if (problem := await preload_problem(conn)) is not None:
            pytest.skip(problem)
        settings = TimescaleSettings(chunk_interval=timedelta(hours=12),
                                     compress_after=timedelta(days=3), retention=timedelta(days=400))
        state = await configure_timescale(conn, settings)
        assert state.enabled, state.reason
        assert state.hypertables == ("positions", "events")
        job_ids = await _policy_jobs(conn)
        again = await configure_timescale(conn, settings)             # idempotent
        assert again.enabled
        assert await _policy_jobs(conn) == job_ids                    # not rescheduled at every start
        tables = {r["hypertable_name"]: r for r in await conn.fetch(
            "SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables")}
        assert tables["positions"]["compression_enabled"] and tables["events"]["compression_enabled"]
        dims = {r["hypertable_name"]: r for r in await conn.fetch(
            "SELECT hypertable_name, column_name, time_interval FROM timescaledb_information.dimensions")}
        assert dims["positions"]["column_name"] == "fix_time"
        assert dims["positions"]["time_interval"] == timedelta(hours=12)
        jobs = {(r["hypertable_name"], r["proc_name"]) for r in await conn.fetch(
            "SELECT hypertable_name, proc_name FROM timescaledb_information.jobs"
            " WHERE hypertable_name IN ('positions', 'events')")}
        assert ("positions", "policy_compression") in jobs and ("positions", "policy_retention") in jobs
        segment = await conn.fetch(
            "SELECT attname, segmentby_column_index, orderby_column_index, orderby_asc"
            " FROM timescaledb_information.compression_settings WHERE hypertable_name = 'positions'")
        by_name = {r["attname"]: r for r in segment}
        assert by_name["device_id"]["segmentby_column_index"] == 1
        assert by_name["fix_time"]["orderby_column_index"] == 1 and not by_name["fix_time"]["orderby_asc"]
        # the compression policy runs in the job scheduler, nothing is compressed at start
        assert await conn.fetchval("SELECT count(*) FROM timescaledb_information.chunks"
                                   " WHERE hypertable_name = 'positions' AND is_compressed") == 0
        changed = await configure_timescale(conn, TimescaleSettings(
            chunk_interval=timedelta(hours=12), compress_after=timedelta(days=5), retention=None))
        assert changed.enabled
        jobs = await _policy_jobs(conn)
        assert ("positions", "policy_compression") in jobs and ("positions", "policy_retention") not in jobs
        assert jobs[("positions", "policy_compression")] != job_ids[("positions", "policy_compression")]


async def _policy_jobs(conn) -> dict[tuple[str, str], int]:
    return {(r["hypertable_name"], r["proc_name"]): r["job_id"] for r in await conn.fetch(
        "SELECT hypertable_name, proc_name, job_id FROM timescaledb_information.jobs"
        " WHERE hypertable_name IN ('positions', 'events') AND hypertable_schema = current_schema()")}
