"""The quarantine commands, the raw archive under a slow flush, and a shutdown
under back-pressure, on the real database."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from gateway.runtime.app import Gateway
from gateway.runtime.archive import RawArchive
from gateway.runtime.metrics import Metrics
from gateway.settings import load_settings
from protocols import Fix
from protocols.registry import get as get_protocol
from storage.quarantine import row_for, INSERT, insert_args
from protocols import Position

pytestmark = pytest.mark.integration

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], capture_output=True,
                          text=True, timeout=120)


async def test_quarantine_list_and_replay_after_a_fix(store, clean_database_url) -> None:
    ts = int(NOW.timestamp())
    request = f"GET /?id=fixed&lat=1.5&lon=2.5&timestamp={ts} HTTP/1.1\r\nHost: g\r\n\r\n".encode()
    # as if an older decoder had produced a record the database refused
    bad = Position(device_id="fixed", protocol="osmand", fix_time=NOW, valid=True, lat=91.0, lon=2.5)
    never = Position(device_id="x\x00", protocol="osmand", fix_time=NOW, valid=True, lat=1, lon=1)
    rows = [row_for("position", bad, "coordinates out of range (91.0, 2.5)", NOW, ("http", request)),
            row_for("position", never, "device_id holds a NUL character", NOW, None)]
    await store.pool.execute(INSERT, *insert_args(rows))

    listed = _cli("quarantine", "list", "--database-url", clean_database_url)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and "2 entries" in listed.stderr
    assert lines[0].split("\t")[2:6] == ["osmand/-", "x\ufffd", "position",
                                          "device_id holds a NUL character"]
    assert lines[1].split("\t")[2:6] == ["osmand/http", "fixed", "position",
                                          "coordinates out of range (91.0, 2.5)"]
    assert lines[1].split("\t")[6] == request[:16].hex()

    replayed = _cli("quarantine", "replay", "--database-url", clean_database_url)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.strip() == ("replayed 2 quarantined entries: 1 stored, "
                                       "1 quarantined again, 0 skipped")
    [stored] = await store.track("fixed", limit=10)
    assert (stored.lat, stored.lon, stored.fix_time) == (1.5, 2.5, NOW)
    state = await store.pool.fetch("SELECT device_id, replayed_at IS NOT NULL AS done FROM quarantine"
                                   " ORDER BY id")
    assert [(r["device_id"], r["done"]) for r in state] == [("fixed", True), ("x\ufffd", False)]
    again = _cli("quarantine", "replay", "--database-url", clean_database_url)
    assert again.stdout.strip() == ("replayed 1 quarantined entries: 0 stored, "
                                    "1 quarantined again, 0 skipped")


class _SlowRaw:
    """The real store, whose raw-frame write waits for ``go`` (or fails once)."""

    def __init__(self, store) -> None:
        self.store = store
        self.go = asyncio.Event()
        self.fail = False

    async def write_raw(self, rows) -> None:
        await self.go.wait()
        if self.fail:
            self.fail = False
            raise ConnectionError("database down")
        await self.store.write_raw(rows)


async def _archived(store) -> list[bytes]:
    return [bytes(r["data"]) for r in await store.pool.fetch("SELECT data FROM raw_frames ORDER BY id")]


async def test_raw_archive_keeps_the_newest_when_a_flush_overlaps(store) -> None:
    slow = _SlowRaw(store)
    archive = RawArchive(slow, Metrics(), max_pending=3, period=3600)
    for i in range(3):
        archive.record("gt06", "tcp", ("127.0.0.1", 1), 1, None, bytes([i]), "bad")
    flush = asyncio.create_task(archive.flush())
    await asyncio.sleep(0.05)
    for i in range(3, 6):                       # arrive while the first three are being written
        archive.record("gt06", "tcp", ("127.0.0.1", 1), 1, None, bytes([i]), "bad")
    slow.go.set()
    await flush
    await archive.flush()
    assert await _archived(store) == [bytes([i]) for i in range(6)] and archive.dropped == 0

    slow.go.clear()
    slow.fail = True
    for i in range(6, 8):
        archive.record("gt06", "tcp", None, 1, None, bytes([i]), "bad")
    flush = asyncio.create_task(archive.flush())
    await asyncio.sleep(0.05)
    for i in range(8, 10):
        archive.record("gt06", "tcp", None, 1, None, bytes([i]), "bad")
    slow.go.set()
    await flush                                  # failed: 6..9 wait, the oldest (6) over the bound
    await archive.flush()
    assert (await _archived(store))[6:] == [bytes([i]) for i in (7, 8, 9)]
    assert archive.dropped == 1


async def test_shutdown_under_back_pressure_does_not_resume_reading(clean_database_url,
                                                                    caplog) -> None:
    settings = load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_enabled": False, "spool": "off",
        "listeners": [{"protocol": "gt06", "transport": "tcp", "port": 0, "host": "127.0.0.1"}],
        "queue_high_water": 2, "queue_low_water": 1, "batch_max_age": 0.5})
    gw = Gateway(settings)
    await gw.start()
    device = get_protocol("gt06").device("867777000000001")
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.ports[("gt06", "tcp")])
    writer.write(device.hello())
    await asyncio.wait_for(reader.read(64), 10)
    fixes = [Fix(time=NOW - timedelta(seconds=60 - i), lat=1.0, lon=2.0) for i in range(5)]
    writer.write(b"".join(device.encode_fixes([f]).data for f in fixes))
    await writer.drain()
    async with asyncio.timeout(5):
        while not gw.conns.paused:
            await asyncio.sleep(0.01)
    received = bytearray()

    async def collect() -> None:
        try:
            while chunk := await reader.read(4096):
                received.extend(chunk)
        except ConnectionResetError:  # closed with our last frame unread
            pass

    collector = asyncio.create_task(collect())
    stopping = asyncio.create_task(gw.stop())
    await asyncio.sleep(0)
    writer.write(device.encode_fixes([Fix(time=NOW, lat=1.0, lon=2.0)]).data)  # after the stop
    await stopping
    await asyncio.wait_for(collector, 10)
    writer.close()
    assert gw.conns.paused                        # never resumed by the final flush
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert await gw_store_count(clean_database_url) == 5
    assert received.count(b"\x78\x78\x05\x12") == 5       # the five committed fixes ACKed


async def gw_store_count(dsn: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM positions")
    finally:
        await conn.close()


async def test_sos_alarm_on_the_fix_time_of_a_location_is_kept(clean_database_url) -> None:
    """GT06: a location, then a 0x16 SOS alarm carrying the same GPS block (the
    same fix time): the alarm is merged into the stored fix and an alarm event
    exists; the device resending the alarm is a true resend, absorbed."""
    from protocols.gt06.device import encode_alarm

    settings = load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_enabled": False, "spool": "off",
        "listeners": [{"protocol": "gt06", "transport": "tcp", "port": 0, "host": "127.0.0.1"}],
        "batch_max_age": 0.02})
    gw = Gateway(settings)
    await gw.start()
    try:
        device = get_protocol("gt06").device("867777000000002", tz_word=None)   # dates in UTC
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.ports[("gt06", "tcp")])
        writer.write(device.hello())
        await asyncio.wait_for(reader.read(64), 10)
        fix = Fix(time=NOW - timedelta(seconds=30), lat=54.5, lon=25.25, speed_kmh=30)
        for frame in (device.encode_fixes([fix]).data, encode_alarm(fix, 0x20, msg_type=0x16, alarm=0x01),
                      encode_alarm(fix, 0x20, msg_type=0x16, alarm=0x01)):
            writer.write(frame)
            await asyncio.wait_for(reader.read(64), 10)             # each one ACKed after commit
        writer.close()
        [stored] = await gw.store.track("867777000000002", limit=10)
        assert stored.fix_time == fix.time and stored.attributes["alarm"] == "sos"
        events = await gw.store.pool.fetch(
            "SELECT time, type, attributes FROM events WHERE device_id = '867777000000002'")
        assert [(e["time"], e["type"], e["attributes"]["alarm"]) for e in events] == [
            (fix.time, "alarm", "sos")]
        assert gw.metrics.merged_positions._value.get() == 1
        assert gw.metrics.duplicates._value.get() == 2          # the resent alarm: fix and event
    finally:
        await gw.stop()
