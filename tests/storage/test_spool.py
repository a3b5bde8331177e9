"""The local spool: exact round trips, torn tails cut, damaged segments kept
aside, quota, and the SpoolingSink against the real database."""

from __future__ import annotations

import asyncio
import os

import pytest

from storage.spool import MAGIC, Spool, SpoolFull, frame, scan, SpoolBatch
from storage.spooling import SpoolingSink

from _storage_helpers import T0, ev, pos


def test_append_then_read_exact(tmp_path) -> None:
    spool = Spool(tmp_path).open()
    positions = [pos("a", 1), pos("b", 2, attributes={})]
    events = [ev("a", 3)]
    written = spool.append(positions, events, T0)
    assert written == spool.bytes == os.path.getsize(spool.segments()[0])
    spool.seal()
    (path,) = spool.sealed_segments()
    (batch,) = list(spool.read(path))
    assert batch == SpoolBatch(received_at=T0, positions=positions, events=events)
    spool.remove(path)
    assert spool.empty and spool.segments() == []


@pytest.mark.parametrize("cut", [1, 5, 9, 10, 30])
def test_a_torn_tail_is_cut_at_open(tmp_path, cut: int) -> None:
    spool = Spool(tmp_path).open()
    spool.append([pos("a", 1)], [], T0)
    first = spool.bytes
    spool.append([pos("a", 2)], [], T0)
    total = spool.bytes
    spool.close()
    path = spool.segments()[0]
    with open(path, "r+b") as handle:          # a crash in the middle of the second record
        handle.truncate(os.path.getsize(path) - cut)
    again = Spool(tmp_path).open()
    assert again.cut_bytes == total - cut - first
    assert os.path.getsize(path) == first
    assert [b.positions[0].fix_time.second for b in again.read(path)] == [1]


def test_a_corrupted_byte_is_detected_by_the_crc(tmp_path) -> None:
    record = frame(SpoolBatch(received_at=T0, positions=[pos("a", 1)]))
    assert record[:2] == MAGIC
    damaged = record[:-1] + bytes([record[-1] ^ 0x01])
    assert scan(record) == ([SpoolBatch(received_at=T0, positions=[pos("a", 1)])], len(record))
    assert scan(damaged) == ([], 0)


def test_a_damaged_sealed_segment_is_moved_aside_not_dropped(tmp_path) -> None:
    spool = Spool(tmp_path, segment_bytes=1).open()   # every append starts a new segment
    spool.append([pos("a", 1)], [], T0)
    spool.append([pos("a", 2)], [], T0)
    spool.close()
    first, second = spool.segments()
    data = bytearray(first.read_bytes())
    data[20] ^= 0xFF
    first.write_bytes(bytes(data))
    again = Spool(tmp_path).open()
    assert again.segments() == [second]
    assert (tmp_path / "corrupt" / first.name).exists()


def test_quota(tmp_path) -> None:
    spool = Spool(tmp_path, quota_bytes=400).open()
    spool.append([pos("a", 1)], [], T0)
    with pytest.raises(SpoolFull):
        for second in range(2, 10):
            spool.append([pos("a", second)], [], T0)
    assert spool.bytes <= 400


class Outage:
    """The real store behind a switch: while ``down``, writes fail at once
    (like a refused connection); with ``slow`` they hang."""

    def __init__(self, store) -> None:
        self.store = store
        self.down = False
        self.slow = False

    async def write(self, positions, events, received_at, frames=None):
        if self.down:
            raise ConnectionRefusedError("database down")
        if self.slow:
            await asyncio.sleep(3600)
        return await self.store.write(positions, events, received_at, frames)


async def _count(store) -> int:
    return (await store.counts())["positions"]


async def _until(predicate, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.02)


async def test_spooling_sink_spools_while_down_and_replays_once(store, tmp_path) -> None:
    outage = Outage(store)
    sink = SpoolingSink(outage, Spool(tmp_path), write_timeout=1.0, retry_initial=0.05, retry_max=0.1)
    await sink.start()
    try:
        result = await sink.write([pos("a", 1)], [], T0)
        assert result.positions_inserted == 1 and result.spooled == 0
        outage.down = True
        result = await sink.write([pos("a", 2), pos("a", 3)], [ev("a", 2)], T0)
        assert result.spooled == 3 and sink.degraded
        result = await sink.write([pos("a", 3), pos("a", 4)], [], T0)   # a resend among them
        assert result.spooled == 2
        assert await _count(store) == 1
        outage.down = False
        await _until(lambda: _async(not sink.degraded))
        assert await _count(store) == 4 and (await store.counts())["events"] == 1
        assert sink.spool.empty and sink.replayed_rows == 5
        result = await sink.write([pos("a", 5)], [], T0)             # direct again
        assert result.positions_inserted == 1 and result.spooled == 0
    finally:
        await sink.close()


async def test_a_slow_database_counts_as_down(store, tmp_path) -> None:
    outage = Outage(store)
    outage.slow = True
    sink = SpoolingSink(outage, Spool(tmp_path), write_timeout=0.2, retry_initial=0.05)
    await sink.start()
    try:
        result = await sink.write([pos("b", 1)], [], T0)
        assert result.spooled == 1
        outage.slow = False
        await _until(lambda: _async(sink.spool.empty and not sink.degraded))
        assert await _count(store) == 1
    finally:
        await sink.close()


async def test_spool_left_by_an_earlier_run_is_replayed_at_start(store, tmp_path) -> None:
    earlier = Spool(tmp_path).open()
    earlier.append([pos("c", 1), pos("c", 2)], [], T0)
    earlier.close()
    sink = SpoolingSink(store, Spool(tmp_path), retry_initial=0.05)
    await sink.start()
    try:
        await _until(lambda: _async(sink.spool.empty))
        assert await _count(store) == 2
    finally:
        await sink.close()


async def test_full_spool_raises_so_nothing_is_acknowledged(store, tmp_path) -> None:
    outage = Outage(store)
    outage.down = True
    sink = SpoolingSink(outage, Spool(tmp_path, quota_bytes=300), retry_initial=0.05)
    await sink.start()
    try:
        with pytest.raises(ConnectionRefusedError):
            for second in range(50):
                await sink.write([pos("d", second)], [], T0)
        spooled = sink.spooled_rows
        assert 0 < spooled < 50
        outage.down = False
        await _until(lambda: _async(sink.spool.empty))
        assert await _count(store) == spooled
    finally:
        await sink.close()


async def _async(value):
    return value
