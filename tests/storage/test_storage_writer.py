"""BatchWriter over the real PostgresStore (wrappers only delay or fail calls)."""

from __future__ import annotations

import asyncio
import time

import pytest

from storage.base import WriteResult
from storage.postgres import PostgresStore
from storage.writer import BatchWriter

from _storage_helpers import FlakySink, GatedSink, Recorder, ev, pos


def rows(device: str, start: int, n: int):
    return [pos(device, s) for s in range(start, start + n)]


async def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


@pytest.fixture
async def make_writer():
    writers: list[BatchWriter] = []

    async def make(sink, **kw) -> BatchWriter:
        w = BatchWriter(sink, **kw)
        await w.start()
        writers.append(w)
        return w

    yield make
    for w in writers:
        await w.close(flush=False)


async def test_flush_on_size(store, make_writer):
    rec = Recorder()
    w = await make_writer(store, max_rows=10, max_age=60, observer=rec)
    done = asyncio.Event()
    w.submit(rows("a", 0, 9), [])
    await asyncio.sleep(0.2)
    assert (await store.counts())["positions"] == 0 and w.queue_rows == 9
    w.submit(rows("a", 9, 1), [], done.set)
    await asyncio.wait_for(done.wait(), 5)
    assert (await store.counts())["positions"] == 10
    assert rec.committed == [(10, WriteResult(positions_inserted=10))]
    assert (w.batches, w.rows, w.duplicates, w.queue_rows) == (1, 10, 0, 0)


async def test_flush_on_age(store, make_writer):
    w = await make_writer(store, max_rows=1000, max_age=0.15)
    done = asyncio.Event()
    started = time.monotonic()
    w.submit(rows("a", 0, 3), [ev("a")], done.set)
    await asyncio.sleep(0.05)
    w.submit(rows("a", 3, 2), [])  # a later record does not restart the age timer
    await asyncio.wait_for(done.wait(), 5)
    elapsed = time.monotonic() - started
    assert 0.149 <= elapsed < 2.0
    assert await store.counts() == {"positions": 5, "events": 1, "devices": 1}
    assert w.batches == 1


async def test_callbacks_after_commit_in_submission_order(store, make_writer):
    gated = GatedSink(store)
    rec = Recorder()
    w = await make_writer(gated, max_rows=2, max_age=0.01, observer=rec)
    order: list[str] = []
    committed_at_callback: list[int] = []

    def cb(name):
        def run():
            order.append(name)
            committed_at_callback.append(w.rows)
        return run

    w.submit(rows("a", 0, 2), [], cb("first"))
    await asyncio.wait_for(gated.entered.wait(), 5)      # batch 1 in flight
    w.submit(rows("a", 2, 1), [], cb("second"))          # accumulate while in flight
    w.submit([], [], cb("no-records"))
    w.submit(rows("b", 0, 3), [ev("b")], cb("third"))
    await asyncio.sleep(0.05)
    assert order == [] and w.queue_rows == 7
    assert (await store.counts())["positions"] == 0
    gated.release(2)
    await wait_for(lambda: len(order) == 4)
    assert order == ["first", "second", "no-records", "third"]
    assert committed_at_callback == [2, 7, 7, 7]
    assert gated.sizes == [2, 5]  # the second batch grew past max_rows while waiting
    assert [r for r, _ in rec.committed] == [2, 5]
    assert await store.counts() == {"positions": 6, "events": 1, "devices": 2}


async def test_callback_without_records(store, make_writer):
    gated = GatedSink(store)
    w = await make_writer(gated, max_rows=1, max_age=0.01)
    calls: list[str] = []
    w.submit([], [], lambda: calls.append("idle"))  # nothing pending: at once
    assert calls == ["idle"]
    w.submit(rows("a", 0, 1), [], lambda: calls.append("rec"))
    await asyncio.wait_for(gated.entered.wait(), 5)
    w.submit([], [], lambda: calls.append("after-inflight"))
    assert calls == ["idle"]
    gated.release()
    await wait_for(lambda: len(calls) == 3)
    assert calls == ["idle", "rec", "after-inflight"]


async def test_retries_with_backoff_until_commit(store, make_writer):
    flaky = FlakySink(store, failures=3)
    rec = Recorder()
    w = await make_writer(flaky, max_rows=100, max_age=0.01, retry_initial=0.02,
                          retry_max=0.05, observer=rec)
    done: list[float] = []
    started = time.monotonic()
    w.submit(rows("a", 0, 4), [ev("a")], lambda: done.append(time.monotonic() - started))
    await wait_for(lambda: done)
    assert rec.failed == [("ConnectionError", 1), ("ConnectionError", 2), ("ConnectionError", 3)]
    assert flaky.calls == 4
    assert done[0] >= 0.01 + 0.02 + 0.04 + 0.05 - 0.005  # backoff 0.02, 0.04, capped 0.05
    assert await store.counts() == {"positions": 4, "events": 1, "devices": 1}
    assert (w.batches, w.rows, w.failures) == (1, 5, 3)


async def test_retries_over_terminated_connections(store, make_writer, db_pool, database_url):
    """The store's connection is killed server-side while a batch waits; the
    writer keeps the batch and commits it through a new connection."""
    own = await PostgresStore.connect(database_url, min_size=1, max_size=1)
    try:
        pid = await own.pool.fetchval("SELECT pg_backend_pid()")
        gated = GatedSink(own)
        w = await make_writer(gated, max_rows=1, max_age=0.01, retry_initial=0.01)
        done = asyncio.Event()
        w.submit(rows("a", 0, 3), [], done.set)
        await asyncio.wait_for(gated.entered.wait(), 5)
        assert await db_pool.fetchval("SELECT pg_terminate_backend($1)", pid) is True
        await wait_for_backend_gone(db_pool, pid)
        gated.release(2)
        await asyncio.wait_for(done.wait(), 10)
        assert (await store.counts())["positions"] == 3
        assert await own.pool.fetchval("SELECT pg_backend_pid()") != pid
    finally:
        await own.close()


async def wait_for_backend_gone(pool, pid: int) -> None:
    for _ in range(500):
        if not await pool.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("backend still there")


async def test_duplicates_counted_by_writer(store, make_writer):
    w = await make_writer(store, max_rows=4, max_age=0.01)
    done = asyncio.Event()
    w.submit(rows("a", 0, 2) + rows("a", 0, 2), [], done.set)
    await asyncio.wait_for(done.wait(), 5)
    assert (w.rows, w.duplicates) == (4, 2)


async def test_pressure_high_and_low_water(store, make_writer):
    gated = GatedSink(store)
    w = await make_writer(gated, max_rows=3, max_age=0.01, high_water=5, low_water=2)
    seen: list[bool] = []
    w.add_pressure_listener(seen.append)
    w.submit(rows("a", 0, 3), [])
    await asyncio.wait_for(gated.entered.wait(), 5)
    w.submit(rows("a", 3, 2), [])
    assert (w.queue_rows, seen) == (5, [])         # not above high water yet
    w.submit(rows("a", 5, 1), [])
    assert (w.queue_rows, seen) == (6, [True])
    w.submit(rows("a", 6, 1), [])
    assert seen == [True]                           # no repeat while pressured
    gated.release()                                 # batch 1 (3 rows) commits
    await wait_for(lambda: w.batches == 1)
    assert (w.queue_rows, seen, w.pressured) == (4, [True], True)  # 4 >= low water
    gated.release()
    await wait_for(lambda: w.batches == 2)
    assert (w.queue_rows, seen, w.pressured) == (0, [True, False], False)


async def test_close_flushes_pending(store):
    w = BatchWriter(store, max_rows=1000, max_age=60)
    await w.start()
    calls: list[int] = []
    w.submit(rows("a", 0, 5), [], lambda: calls.append(1))
    await w.close()
    assert calls == [1]
    assert (await store.counts())["positions"] == 5
    with pytest.raises(RuntimeError):
        w.submit(rows("a", 5, 1), [])


async def test_close_without_flush_abandons_a_retrying_batch(store):
    flaky = FlakySink(store, failures=10**6)
    w = BatchWriter(flaky, max_rows=1, max_age=0.01, retry_initial=0.01, retry_max=0.02)
    await w.start()
    calls: list[int] = []
    w.submit(rows("a", 0, 2), [], lambda: calls.append(1))
    await wait_for(lambda: flaky.calls >= 2)
    await asyncio.wait_for(w.close(flush=False), 5)
    assert calls == [] and w.batches == 0
    assert (await store.counts())["positions"] == 0
