"""The ingest log (storage/ingest_log.py) on the real PostgreSQL: every
committed record is read once, in order, whatever the interleaving of the
writing transactions; merges and late moves show up again."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from protocols import Event, Position
from storage import ingest_log
from storage.ingest_log import Cursor
from storage.postgres import PostgresStore, create_pool

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
R1 = T0 + timedelta(minutes=1)


def pos(device="dev1", second=0, **kw) -> Position:
    fields = dict(device_id=device, protocol="gt06", fix_time=T0 + timedelta(seconds=second),
                  valid=True, lat=22.5, lon=114.0, speed_kmh=12.0, attributes={"n": second})
    fields.update(kw)
    return Position(**fields)


async def read_all(db, cursor=Cursor.ZERO, limit=7, expect=None, **kw):
    """Every record readable after ``cursor``, page by page; with ``expect``,
    until that many are readable (transactions of other databases on the same
    server, e.g. concurrent test runs, hold the horizon back for a moment)."""
    out, start = [], cursor
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        page = await ingest_log.read_after(db, cursor, limit=limit, **kw)
        out.extend(page)
        if page:
            cursor = page[-1].cursor
        if len(page) < limit:
            if expect is None or len(out) >= expect or asyncio.get_running_loop().time() > deadline:
                return out, cursor if out else start
            await asyncio.sleep(0.02)


async def test_records_come_back_exactly_in_commit_order(store):
    first = [pos(second=i) for i in range(3)]
    alarm = Event(device_id="dev1", protocol="gt06", time=T0, type="overspeed",
                  attributes={"limit": 80})
    await store.write(first, [alarm], R1)
    await store.write([pos("dev2", 9)], [], R1 + timedelta(seconds=1))
    got, end = await read_all(store.pool, limit=2, expect=5)
    assert [r.record for r in got] == first + [alarm, pos("dev2", 9)]
    assert [r.kind for r in got] == ["position"] * 3 + ["event", "position"]
    assert [r.received_at for r in got] == [R1] * 4 + [R1 + timedelta(seconds=1)]
    assert [r.cursor for r in got] == sorted(r.cursor for r in got)
    assert len({r.cursor for r in got}) == 5
    assert end == got[-1].cursor == await ingest_log.head(store.pool)
    assert await ingest_log.read_after(store.pool, end, limit=10) == []
    assert await ingest_log.behind(store.pool, end) == (0, None)
    assert await ingest_log.behind(store.pool, got[2].cursor) == (2, R1)
    # filters
    only_events, _ = await read_all(store.pool, kinds=("events",), expect=1)
    assert [r.record for r in only_events] == [alarm]
    dev2, _ = await read_all(store.pool, devices=["dev2"], expect=1)
    assert [r.record for r in dev2] == [pos("dev2", 9)]


async def test_a_merged_fix_and_a_moved_late_fix_are_read_again(store):
    await store.write([pos(second=1)], [], R1)
    (first,), cursor = await read_all(store.pool, expect=1)
    await store.write([pos(second=1, attributes={"alarm": "sos"})], [], R1)  # merged
    got, cursor = await read_all(store.pool, cursor, expect=2)
    merged = [r for r in got if r.kind == "position"]
    assert [r.record.attributes for r in merged] == [{"n": 1, "alarm": "sos"}]
    assert merged[0].cursor > first.cursor
    assert [r.record.type for r in got if r.kind == "event"] == ["alarm"]
    # a late fix: committed to positions_late (read from there), then moved
    late_store = PostgresStore(store.pool, late_horizon=timedelta(hours=1))
    late = pos(second=-7200)
    await late_store.write([late], [], R1)
    (in_late,), cursor = await read_all(store.pool, cursor, expect=1)
    assert in_late.record == late
    assert await store.move_late() == (1, 1)
    (moved,), _ = await read_all(store.pool, cursor, expect=1)
    assert moved.record == late and moved.cursor > in_late.cursor


async def _insert(conn, device: str, second: int) -> None:
    await conn.execute(
        "INSERT INTO positions (device_id, fix_time, received_at, protocol, valid, lat, lon)"
        " VALUES ($1, $2, $3, 'gt06', true, 1, 2)", device, T0 + timedelta(seconds=second), R1)


async def test_an_earlier_transaction_committing_later_is_not_skipped(store, database_url):
    """A takes a lower sequence number, B a higher one; A is still open when
    B's and A's first rows are readable by number: a reader following the
    sequence alone would move past A's number and skip it."""
    a = await asyncpg.connect(database_url)
    b = await asyncpg.connect(database_url)
    try:
        ta, tb = a.transaction(), b.transaction()
        await ta.start()
        await tb.start()
        await _insert(a, "A", 1)
        await _insert(b, "B", 2)
        await _insert(a, "A", 3)
        await ta.commit()
        got, cursor = await read_all(store.pool, expect=2)
        assert [(r.device_id, r.record.fix_time.second) for r in got] == [("A", 1), ("A", 3)]
        seqs = {r.seq for r in got}
        await tb.commit()
        got, _ = await read_all(store.pool, cursor, expect=1)
        assert [(r.device_id, r.record.fix_time.second) for r in got] == [("B", 2)]
        assert min(seqs) < got[0].seq < max(seqs)   # B's number lies between A's
        # and while a transaction is open, nothing at or after it is readable
        await _insert(a, "C", 4)  # autocommit
        tb = b.transaction()
        await tb.start()
        await b.execute("SELECT pg_current_xact_id()")  # B holds an xid, writes nothing yet
        await _insert(a, "C", 5)
        held, _ = await read_all(store.pool, got[0].cursor, expect=1)
        assert [r.record.fix_time.second for r in held] == [4]  # 5 waits behind B's xid
        await tb.rollback()
        got, _ = await read_all(store.pool, got[0].cursor, expect=2)
        assert [r.record.fix_time.second for r in got] == [4, 5]
    finally:
        await a.close()
        await b.close()


async def test_concurrent_writers_no_record_skipped_or_repeated(store, database_url):
    """4 writers (own pools, like workers and gateways) commit 120 batches of
    random size while a reader follows the log; the reader sees every
    committed fix exactly once, and each device's fixes in order."""
    pools = [await create_pool(database_url, min_size=1, max_size=1, migrate=False)
             for _ in range(4)]
    rng = random.Random(15)
    expected: set[tuple[str, int]] = set()
    done = asyncio.Event()

    async def writer(w: int, pool) -> None:
        s = PostgresStore(pool)
        second = 0
        for _ in range(30):
            n = rng.randint(1, 40)
            batch = [pos(f"w{w}d{i % 3}", second + i) for i in range(n)]
            await s.write(batch, [], R1)
            expected.update((p.device_id, second + i) for i, p in enumerate(batch))
            second += n
            await asyncio.sleep(rng.random() / 200)

    seen: list[tuple[str, int]] = []
    done_at = 0.0

    async def reader() -> None:
        cursor = Cursor.ZERO
        while True:
            finished = done.is_set()
            page = await ingest_log.read_after(store.pool, cursor, limit=25)
            seen.extend((r.device_id, int((r.record.fix_time - T0).total_seconds()))
                        for r in page)
            if page:
                cursor = page[-1].cursor
            elif finished and (len(seen) >= len(expected)
                               or asyncio.get_running_loop().time() > done_at + 10):
                return  # (other databases' transactions may hold the horizon a moment)
            else:
                await asyncio.sleep(0.002)

    try:
        read = asyncio.create_task(reader())
        await asyncio.gather(*(writer(w, p) for w, p in enumerate(pools)))
        done_at = asyncio.get_running_loop().time()
        done.set()
        await read
    finally:
        for p in pools:
            await p.close()
    assert len(seen) == len(set(seen)) == len(expected) > 1000
    assert set(seen) == expected
    per_device: dict[str, list[int]] = {}
    for device, second in seen:
        per_device.setdefault(device, []).append(second)
    assert all(s == sorted(s) for s in per_device.values())


async def test_notify_wakes_a_listener_on_commit(store, database_url):
    conn = await asyncpg.connect(database_url)
    woke = asyncio.Event()
    try:
        await conn.add_listener(ingest_log.NOTIFY_CHANNEL, lambda *a: woke.set())
        await store.write([pos()], [], R1)
        await asyncio.wait_for(woke.wait(), 5)
    finally:
        await conn.close()


def test_cursor_text_round_trip():
    assert Cursor.parse(str(Cursor(12, 34))) == Cursor(12, 34)
    assert Cursor(1, 99) < Cursor(2, 0)
    with pytest.raises(ValueError):
        Cursor.parse("x.1")


async def test_a_transaction_of_another_database_does_not_hold_the_log(store, database_url):
    """Only this database's transactions can write its tables: one left open
    in another database (another application, a test run) is not waited for."""
    other = database_url.rsplit("/", 1)[0] + "/postgres"
    conn = await asyncpg.connect(other)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_current_xact_id()")  # holds an xid, open
            await store.write([pos("dev1", 1)], [], R1)
            got, _ = await read_all(store.pool, expect=1)
            assert [r.record.fix_time for r in got] == [T0 + timedelta(seconds=1)]
    finally:
        await conn.close()
