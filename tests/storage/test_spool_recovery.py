"""Spools never strand acknowledged data: another worker count's spool is
replayed, damaged segments are kept, reported and salvaged by a command."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from gateway.cli.maintenance import salvage
from gateway.runtime.workers import orphan_spools
from storage.spool import Spool
from storage.spooling import SpoolingSink

from _storage_helpers import T0, pos

R1 = T0 + timedelta(minutes=1)


def _spool_with(directory, batches) -> Spool:
    spool = Spool(directory, segment_bytes=1).open()     # one batch per segment
    for b in batches:
        spool.append(b, [], R1)
    spool.close()
    return spool


def test_orphan_spools_per_worker_count(tmp_path) -> None:
    root = tmp_path / "spool"
    for name in ("worker-0", "worker-1", "worker-2", "worker-x"):
        (root / name).mkdir(parents=True)
    assert orphan_spools(root, None) == [root / n for n in ("worker-0", "worker-1", "worker-2",
                                                            "worker-x")]
    assert orphan_spools(root, 0, 2) == [root / "worker-2"]          # 3 workers -> 2
    assert orphan_spools(root, 1, 2) == []
    assert orphan_spools(root, 0, 4) == []                            # 3 -> 4: nothing left over
    _spool_with(root, [[pos("single", 1)]])                           # 1 process -> N workers
    assert orphan_spools(root, 0, 4) == [root]


async def test_a_spool_left_by_another_worker_count_is_replayed(store, tmp_path) -> None:
    root = tmp_path / "spool"
    _spool_with(root / "worker-3", [[pos("w3", s)] for s in range(3)])
    _spool_with(root, [[pos("one", 9)]])
    sink = SpoolingSink(store, Spool(root / "worker-0"), retry_initial=0.01,
                        adopt=[Spool(p) for p in orphan_spools(root, 0, 2)])
    await sink.start()
    try:
        async with asyncio.timeout(10):
            while (await store.counts())["positions"] < 4 or sink.degraded:
                await asyncio.sleep(0.02)
    finally:
        await sink.close()
    stored = [p for d in ("w3", "one") for p in await store.track(d, limit=10)]
    assert sorted((p.device_id, p.fix_time) for p in stored) == sorted(
        [("w3", T0 + timedelta(seconds=s)) for s in range(3)] + [("one", T0 + timedelta(seconds=9))])
    assert list((root / "worker-3").glob("seg-*")) == [] and list(root.glob("seg-*")) == []
    assert sink.replayed_rows == 4


def test_a_damaged_segment_is_kept_and_its_whole_records_salvaged(tmp_path) -> None:
    directory = tmp_path / "spool"
    _spool_with(directory, [[pos("a", s), pos("b", s)] for s in range(3)])
    first = sorted(directory.glob("seg-*.spool"))[0]
    data = bytearray(first.read_bytes())
    data[20] ^= 0xFF                                                  # a bit flip inside record 1
    extra = _one_record(tmp_path, pos("c", 7))
    first.write_bytes(bytes(data) + extra)                            # and a good record after it
    spool = Spool(directory).open()
    [moved] = spool.corrupt_segments()
    assert moved.name == first.name and not first.exists()
    batches = salvage(moved)
    assert [[(p.device_id, p.fix_time) for p in b.positions] for b in batches] == [
        [("c", T0 + timedelta(seconds=7))]]


def _one_record(tmp_path, p) -> bytes:
    d = tmp_path / "one"
    _spool_with(d, [[p]])
    return next(d.glob("seg-*.spool")).read_bytes()
