"""GET /api/v1/devices/{id}/summary: exact figures over ranges that start and end
inside hours, on hour boundaries, across several hours and over nothing, from
plain SQL and (when the server offers TimescaleDB) from the continuous
aggregate with the raw edges: both give the figures computed here."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta

import asyncpg
import msgspec
import pytest

from storage.api_store import MOVING_MAX_GAP_S, MOVING_SPEED_KMH, ApiStore, _init
from storage.schema import apply_migrations
from storage.timescale import (SUMMARY_VIEW, TableRef, ensure_summary_view, preload_problem, summary_select,
                               timescale_available)

from tests.integration._api import T0, pos

pytestmark = pytest.mark.integration

H = timedelta(hours=1)
M = timedelta(minutes=1)
RANGES = [
    (T0 + 5 * M, T0 + 50 * M),                   # inside one hour
    (T0 - 7 * M, T0 + 2 * H + 13 * M),           # partial hours at both edges, two whole ones
    (T0, T0 + 2 * H),                            # whole hours only
    (T0 + H, T0 + H + 30 * M + timedelta(seconds=10)),  # from a boundary to inside an hour
    (T0 + 50 * M, T0 + H + 10 * M),              # across one boundary, no whole hour
    (T0 + 4 * H, T0 + 5 * H),                    # nothing there
]


def fixes() -> list:
    """About three hours of one device: irregular steps, a 15-minute gap (not moving
    time), invalid fixes (left out of every figure), fixes without a speed and fixes
    exactly on hour boundaries."""
    out, second, step = [], -600.0, 0
    while second < 3 * 3600 - 300:
        step += 1
        speed = None if step % 13 == 0 else float(step % 7 * 5)
        p = pos("sum-a", second, lat=50.0 + step * 0.0007, lon=8.0 + (step % 5) * 0.0003, speed=speed)
        if step % 11 == 0:
            p = msgspec.structs.replace(p, valid=False)
        out.append(p)
        second += 900.0 if step == 40 else 37.0 + step % 3
        if step in (60, 160):
            second = math.ceil(second / 3600) * 3600  # land on the next boundary
    return out


def expected(all_fixes: list, start: datetime, end: datetime) -> tuple:
    valid = sorted((p for p in all_fixes if p.valid and start <= p.fix_time < end), key=lambda p: p.fix_time)
    distance = moving = 0.0
    for a, b in zip(valid, valid[1:]):
        la1, la2 = math.radians(a.lat), math.radians(b.lat)
        h = (math.sin(math.radians(b.lat - a.lat) / 2) ** 2
             + math.cos(la1) * math.cos(la2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2)
        distance += 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(h)))
        gap = (b.fix_time - a.fix_time).total_seconds()
        if a.speed_kmh is not None and a.speed_kmh >= MOVING_SPEED_KMH and gap <= MOVING_MAX_GAP_S:
            moving += gap
    speeds = [p.speed_kmh for p in valid if p.speed_kmh is not None]
    inside = sorted((p for p in all_fixes if start <= p.fix_time < end), key=lambda p: p.fix_time)
    return (len(valid), round(distance, 1), max(speeds) if speeds else None,
            round(sum(speeds) / len(speeds), 2) if speeds else None, round(moving, 3),
            inside[0].fix_time if inside else None, inside[-1].fix_time if inside else None)


def figures(s) -> tuple:
    return (s.fixes, s.distance_m, s.max_speed_kmh, s.avg_speed_kmh, s.moving_seconds,
            s.first_fix.fix_time if s.first_fix else None, s.last_fix.fix_time if s.last_fix else None)


async def test_the_data_covers_what_the_ranges_need() -> None:
    data = fixes()
    on_boundary = [p for p in data if p.fix_time.minute == p.fix_time.second == 0]
    assert on_boundary and any(not p.valid for p in data) and any(p.speed_kmh is None for p in data)
    assert expected(data, *RANGES[1])[0] > 100 and expected(data, *RANGES[-1])[0] == 0


async def test_plain_sql_summary_is_exact(store, db_pool) -> None:
    data = fixes()
    await store.write(data, [], T0)
    api = ApiStore(db_pool)
    api._view = None  # plain SQL whatever the server offers
    for start, end in RANGES:
        assert figures(await api.summary("sum-a", start, end)) == expected(data, start, end), (start, end)


async def test_the_aggregate_path_combines_whole_hours_and_edges_exactly(database_url, db_pool) -> None:
    """Where TimescaleDB is absent (CI): the aggregate path's SQL on stand-ins, a
    time_bucket of PostgreSQL's date_bin and a table holding the aggregate's rows,
    checks how it splits a range into whole hours and raw edges."""
    conn = await asyncpg.connect(database_url)
    try:
        if await timescale_available(conn):
            pytest.skip("this server offers TimescaleDB: the real aggregate is tested below")
    finally:
        await conn.close()
    name = f"uvis_sum_{uuid.uuid4().hex[:10]}"
    settings = {"search_path": f"{name}, public"}
    conn = await asyncpg.connect(database_url, server_settings=settings)
    await conn.execute(f"CREATE SCHEMA {name}")
    pool = None
    try:
        await conn.execute(
            "CREATE TABLE positions (LIKE public.positions INCLUDING ALL);"
            "CREATE TABLE devices (LIKE public.devices INCLUDING ALL);"
            "INSERT INTO devices (device_id, protocol, first_seen, last_seen) VALUES ('sum-a', 'gt06', now(), now());"
            "CREATE FUNCTION time_bucket(interval, timestamptz) RETURNS timestamptz IMMUTABLE"
            " LANGUAGE sql AS $$ SELECT date_bin($1, $2, '2000-01-03 00:00:00+00') $$")
        data = fixes()
        await conn.executemany(
            "INSERT INTO positions (device_id, fix_time, received_at, protocol, valid, lat, lon, speed_kmh)"
            " VALUES ($1, $2, $2, 'gt06', $3, $4, $5, $6)",
            [(p.device_id, p.fix_time, p.valid, p.lat, p.lon, p.speed_kmh) for p in data])
        await conn.execute(f"CREATE TABLE {SUMMARY_VIEW} AS {summary_select('positions')}")
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=_init,
                                         server_settings=settings)
        api = ApiStore(pool)
        api._view = f'"{name}"."{SUMMARY_VIEW}"'
        for start, end in RANGES:
            assert figures(await api.summary("sum-a", start, end)) == expected(data, start, end), (start, end)
        assert api._view is not None  # the aggregate path answered every range
        assert await api.summary("nobody", *RANGES[0]) is None
    finally:
        if pool is not None:
            await pool.close()
        await conn.execute(f"DROP SCHEMA {name} CASCADE")
        await conn.close()


@pytest.fixture
async def timescale_schema(database_url):
    """A schema of its own whose positions is a hypertable with the summary's
    continuous aggregate (skipped without TimescaleDB): (connection, pool)."""
    conn = await asyncpg.connect(database_url)
    try:
        if not await timescale_available(conn):
            pytest.skip("the test database does not offer the timescaledb extension "
                        "(set UVIS_TEST_DATABASE_URL to a TimescaleDB server to run this)")
        problem = await preload_problem(conn)
        if problem is not None:
            pytest.skip(problem)
        await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    finally:
        await conn.close()
    name = f"uvis_sum_{uuid.uuid4().hex[:10]}"
    settings = {"search_path": f"{name}, public"}
    conn = await asyncpg.connect(database_url, server_settings=settings)
    await conn.execute(f"CREATE SCHEMA {name}")
    await apply_migrations(conn)
    await conn.execute("SELECT create_hypertable($1::text::regclass, 'fix_time')", f"{name}.positions")
    assert await ensure_summary_view(conn, TableRef(name, "positions"))
    assert await ensure_summary_view(conn, TableRef(name, "positions"))  # again: nothing to do
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=_init,
                                     server_settings=settings)
    try:
        yield conn, pool, name
    finally:
        await pool.close()
        await conn.execute(f"DROP SCHEMA {name} CASCADE")
        await conn.close()


async def test_timescale_summary_from_the_continuous_aggregate_is_exact(timescale_schema) -> None:
    conn, pool, name = timescale_schema
    data = fixes()
    await conn.execute("INSERT INTO devices (device_id, protocol, first_seen, last_seen) VALUES ('sum-a', 'gt06',"
                       " now(), now())")
    await conn.executemany(
        "INSERT INTO positions (device_id, fix_time, received_at, protocol, valid, lat, lon, altitude_m,"
        " speed_kmh, course_deg, satellites, hdop) VALUES ($1, $2, $2, 'gt06', $3, $4, $5, 35.5, $6, 270,"
        " 9, 0.8)",
        [(p.device_id, p.fix_time, p.valid, p.lat, p.lon, p.speed_kmh) for p in data])
    api = ApiStore(pool)
    assert await api._summary_view() == f'"{name}"."{SUMMARY_VIEW}"'
    for start, end in RANGES:                                  # all real time (nothing materialized)
        assert figures(await api.summary("sum-a", start, end)) == expected(data, start, end), (start, end)
    # the first two hours materialized, the rest still real time; then a late fix in a
    # materialized hour counts once the aggregate is refreshed
    await conn.execute(f"CALL refresh_continuous_aggregate('{name}.{SUMMARY_VIEW}', $1::timestamptz,"
                       " $2::timestamptz)", T0 - H, T0 + 2 * H)
    assert await conn.fetchval(f"SELECT count(*) FROM {SUMMARY_VIEW}") >= 3
    for start, end in RANGES:
        assert figures(await api.summary("sum-a", start, end)) == expected(data, start, end), (start, end)
    late = pos("sum-a", 1800.5, lat=50.5, lon=8.5, speed=99.0)
    await conn.execute(
        "INSERT INTO positions (device_id, fix_time, received_at, protocol, valid, lat, lon, speed_kmh)"
        " VALUES ($1, $2, $2, 'gt06', true, $3, $4, $5)", late.device_id, late.fix_time, late.lat, late.lon,
        late.speed_kmh)
    await conn.execute(f"CALL refresh_continuous_aggregate('{name}.{SUMMARY_VIEW}', $1::timestamptz,"
                       " $2::timestamptz)", T0 - H, T0 + 2 * H)
    data.append(late)
    for start, end in RANGES:
        assert figures(await api.summary("sum-a", start, end)) == expected(data, start, end), (start, end)
