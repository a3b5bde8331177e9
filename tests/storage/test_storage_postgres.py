"""PostgresStore against the real database: exact values back."""

from __future__ import annotations

from datetime import timedelta, timezone

import asyncpg
import pytest

from storage.base import DeviceRow, WriteResult
from storage.postgres import PostgresStore, create_pool
from storage.schema import MIGRATIONS, apply_migrations

from _storage_helpers import T0, ev, pos

R1 = T0 + timedelta(minutes=1)  # received_at of a first batch
R2 = T0 + timedelta(minutes=2)


async def test_batch_insert_reads_back_exact_positions(store):
    batch = [pos(second=i, lat=22.5 + i / 1000, speed_kmh=10.1 * i) for i in range(3)]
    batch.append(pos("dev2", 5, altitude_m=None, speed_kmh=None, course_deg=None,
                     satellites=None, hdop=None, attributes={}, valid=False))
    result = await store.write(batch, [], R1)
    assert result == WriteResult(positions_inserted=4, positions_duplicate=0)
    assert await store.track("dev1", limit=10) == batch[:3]
    assert await store.track("dev2", limit=10) == batch[3:]
    # real columns come back as the shortest decimal that round-trips float4
    assert [p.speed_kmh for p in await store.track("dev1", limit=10)] == [0.0, 10.1, 20.2]
    row = await store.pool.fetchrow(
        "SELECT received_at, attributes FROM positions WHERE device_id = 'dev1' LIMIT 1")
    assert row["received_at"] == R1
    assert row["attributes"] == {"ignition": True, "io5": 3, "power": 12.5}


async def test_times_come_back_as_aware_utc(store):
    local = timezone(timedelta(hours=8))
    p = pos(fix_time=T0.astimezone(local))
    await store.write([p], [], R1)
    (got,) = await store.track("dev1", limit=1)
    assert got.fix_time == T0 and got.fix_time.tzinfo == timezone.utc


async def test_resends_inside_a_batch_are_absorbed_and_new_attributes_merged(store):
    first = pos(second=1, attributes={"n": 1, "a": True})
    again = pos(second=1, attributes={"n": 2}, speed_kmh=99.0)     # same key, news
    resend = pos(second=1, attributes={"a": True})                 # nothing new
    result = await store.write([first, pos(second=2), again, pos(second=2), resend], [], R1)
    assert result == WriteResult(positions_inserted=2, positions_merged=1, positions_duplicate=2)
    track = await store.track("dev1", limit=10)
    assert [p.fix_time for p in track] == [T0 + timedelta(seconds=1), T0 + timedelta(seconds=2)]
    assert track[0].attributes == {"n": 2, "a": True}             # the later value wins
    assert track[0].speed_kmh == 12.3                              # the first fix's columns


async def test_duplicates_across_batches_are_absorbed(store):
    assert await store.write([pos(second=i) for i in range(5)], [], R1) == WriteResult(
        positions_inserted=5)
    result = await store.write([pos(second=i) for i in range(3, 8)], [], R2)
    assert result == WriteResult(positions_inserted=3, positions_duplicate=2)
    assert (await store.counts())["positions"] == 8
    # the resent rows kept their first received_at
    rows = await store.pool.fetch(
        "SELECT received_at FROM positions WHERE device_id='dev1' ORDER BY fix_time")
    assert [r[0] for r in rows] == [R1] * 5 + [R2] * 3


async def test_latest_is_by_fix_time_not_arrival(store):
    newer, older = pos(second=60, lat=1.0), pos(second=30, lat=2.0)
    await store.write([newer], [], R1)
    await store.write([older], [], R2)
    assert await store.latest(limit=10) == [newer]
    newest = pos(second=90, lat=3.0)
    await store.write([newest, pos(second=45)], [], R2)
    assert await store.latest(limit=10) == [newest]


async def test_latest_inside_one_batch_takes_greatest_fix_time(store):
    a_new, a_old = pos("a", 20), pos("a", 10)
    b_only = pos("b", 5)
    await store.write([a_new, b_only, a_old], [], R1)
    assert await store.latest(limit=10) == [a_new, b_only]


async def test_events_inserted_and_duplicates_counted(store):
    batch = [ev(second=1), ev(second=1, type="powerCut"), ev(second=1), ev("dev2", 1)]
    assert await store.write([], batch, R1) == WriteResult(events_inserted=3, events_duplicate=1)
    assert await store.write([], [ev(second=1), ev(second=2)], R2) == WriteResult(
        events_inserted=1, events_duplicate=1)
    rows = await store.pool.fetch(
        "SELECT device_id, time, received_at, protocol, type, attributes FROM events "
        "ORDER BY device_id, time, type")
    assert [tuple(r) for r in rows] == [
        ("dev1", T0 + timedelta(seconds=1), R1, "gt06", "alarm", {"alarm": "sos"}),
        ("dev1", T0 + timedelta(seconds=1), R1, "gt06", "powerCut", {"alarm": "sos"}),
        ("dev1", T0 + timedelta(seconds=2), R2, "gt06", "alarm", {"alarm": "sos"}),
        ("dev2", T0 + timedelta(seconds=1), R1, "gt06", "alarm", {"alarm": "sos"}),
    ]
    assert await store.counts() == {"positions": 0, "events": 4, "devices": 2}


async def test_devices_upsert_first_seen_last_seen_protocol(store):
    await store.write([pos("a", 1)], [ev("b", 1, protocol="h02")], R1)
    # a resent (duplicate) position still counts as the device being seen
    await store.write([pos("a", 1, protocol="teltonika")], [], R2)
    assert await store.devices(limit=10) == [
        DeviceRow(device_id="a", protocol="teltonika", first_seen=R1, last_seen=R2),
        DeviceRow(device_id="b", protocol="h02", first_seen=R1, last_seen=R1),
    ]
    # an older received_at never moves last_seen backwards
    await store.write([], [ev("a", 9)], R1)
    assert (await store.devices(limit=1))[0].last_seen == R2
    assert await store.device_exists("a") is True
    assert await store.device_exists("zzz") is False


async def test_devices_and_latest_pagination(store):
    ids = ["d1", "d2", "d3", "d4", "d5"]
    await store.write([pos(d, i) for i, d in enumerate(reversed(ids))], [], R1)
    page1 = await store.devices(limit=2, after=None)
    page2 = await store.devices(limit=2, after=page1[-1].device_id)
    page3 = await store.devices(limit=2, after=page2[-1].device_id)
    assert [[d.device_id for d in p] for p in (page1, page2, page3)] == [
        ["d1", "d2"], ["d3", "d4"], ["d5"]]
    assert await store.devices(limit=2, after="d5") == []
    latest = await store.latest(limit=3, after="d1")
    assert [(p.device_id, p.fix_time) for p in latest] == [
        ("d2", T0 + timedelta(seconds=3)), ("d3", T0 + timedelta(seconds=2)),
        ("d4", T0 + timedelta(seconds=1))]


async def test_track_window_and_keyset(store):
    await store.write([pos(second=i) for i in range(10)] + [pos("other", 3)], [], R1)
    t = lambda s: T0 + timedelta(seconds=s)  # noqa: E731
    got = await store.track("dev1", start=t(2), end=t(8), limit=3)
    assert [p.fix_time for p in got] == [t(2), t(3), t(4)]
    got = await store.track("dev1", start=t(2), end=t(8), limit=3, after=got[-1].fix_time)
    assert [p.fix_time for p in got] == [t(5), t(6), t(7)]
    assert await store.track("dev1", start=t(2), end=t(8), limit=3, after=t(7)) == []
    assert [p.fix_time for p in await store.track("dev1", end=t(2), limit=10)] == [t(0), t(1)]
    assert [p.fix_time for p in await store.track("dev1", start=t(9), limit=10)] == [t(9)]
    assert await store.track("nobody", limit=10) == []


async def test_failed_batch_commits_nothing_and_connection_recovers(store):
    await store.pool.execute("ALTER TABLE events ADD CONSTRAINT no_x CHECK (type <> 'x')")
    try:  # a transient failure (the check stands for one) is raised, nothing commits
        async with store.pool.acquire() as conn:
            with pytest.raises(asyncpg.CheckViolationError):
                async with conn.transaction():
                    await store._write_tx(conn, [pos(second=1)], [ev(type="x")], R1, ["dev1"])
    finally:
        await store.pool.execute("ALTER TABLE events DROP CONSTRAINT no_x")
    assert await store.counts() == {"positions": 0, "events": 0, "devices": 0}
    assert await store.latest(limit=10) == []
    result = await store.write([pos(second=1)], [ev()], R1)
    assert result == WriteResult(positions_inserted=1, events_inserted=1)


async def test_empty_write(store):
    assert await store.write([], [], R1) == WriteResult()


async def test_foreign_pool_gets_staging_tables_lazily(store, database_url):
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        foreign = PostgresStore(pool)
        assert await foreign.write([pos(second=1)], [], R1) == WriteResult(positions_inserted=1)
        assert await foreign.write([pos(second=1)], [], R1) == WriteResult(positions_duplicate=1)
    finally:
        await pool.close()


async def test_migrations_are_idempotent(db_pool, database_url):
    async with db_pool.acquire() as conn:
        assert await apply_migrations(conn) == []
        rows = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [(r[0], r[1]) for r in rows] == [(v, n) for v, n, _ in MIGRATIONS]
    pool = await create_pool(database_url)  # a second start applies nothing either
    await pool.close()
    async with db_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(MIGRATIONS)


async def test_migration_order_is_checked(db_pool):
    async with db_pool.acquire() as conn:
        with pytest.raises(ValueError):
            await apply_migrations(conn, [(2, "b", "SELECT 1"), (1, "a", "SELECT 1")])


async def test_devices_last_seen_is_refreshed_at_most_once_a_minute(store) -> None:
    from datetime import timedelta

    from _storage_helpers import T0 as t0, pos as make

    async def device_row():
        return await store.pool.fetchrow(
            "SELECT protocol, first_seen, last_seen FROM devices WHERE device_id = 'refresh'")

    await store.write([make("refresh", 1)], [], t0)
    await store.write([make("refresh", 2)], [], t0 + timedelta(seconds=30))
    assert tuple(await device_row()) == ("gt06", t0, t0)                # fresh enough: no write
    await store.write([make("refresh", 3)], [], t0 + timedelta(seconds=61))
    assert tuple(await device_row()) == ("gt06", t0, t0 + timedelta(seconds=61))
    await store.write([make("refresh", 4, protocol="h02")], [], t0 + timedelta(seconds=62))
    assert tuple(await device_row()) == ("h02", t0, t0 + timedelta(seconds=62))  # changed: at once


async def test_a_batch_with_a_resent_fix_falls_back_and_keeps_the_new_ones(store) -> None:
    """The optimistic COPY into positions meets the stored key of a resent fix:
    the batch is written through the staging path instead, nothing lost."""
    from _storage_helpers import T0 as t0, pos as make

    first = await store.write([make("fb", 1), make("fb", 2)], [], t0)
    assert (first.positions_inserted, first.positions_duplicate) == (2, 0)
    second = await store.write([make("fb", 2), make("fb", 3), make("fb", 3, speed_kmh=99.0)], [], t0)
    assert (second.positions_inserted, second.positions_duplicate) == (1, 2)
    rows = await store.track("fb", limit=10)
    assert [(p.fix_time.second, p.speed_kmh) for p in rows] == [(1, 12.3), (2, 12.3), (3, 12.3)]
    (latest,) = await store.latest(limit=10, after="fa")
    assert latest.fix_time.second == 3
