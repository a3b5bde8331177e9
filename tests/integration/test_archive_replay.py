"""The raw frame archive and `uvis-gateway replay`: frames that failed to
decode are kept whole; replaying them with today's decoders stores what they
yield, once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import asyncpg
import pytest

from gateway.runtime.app import Gateway
from gateway.cli.replay import replay
from gateway.settings import load_settings
from protocols import Fix
from protocols.registry import get as get_protocol

pytestmark = pytest.mark.integration

FIX = Fix(time=datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc), lat=-12.5, lon=130.75)


def settings(dsn: str, **extra):
    values = {"database_url": dsn, "api_enabled": False, "batch_max_age": 0.05,
              "listeners": [{"protocol": "teltonika", "transport": "tcp", "port": 0,
                             "host": "127.0.0.1"}]}
    values.update(extra)
    return load_settings(env={}, overrides=values)


async def raw_rows(dsn: str) -> list:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch("SELECT protocol, transport, remote, session, device_id, data, error"
                                " FROM raw_frames ORDER BY id")
    finally:
        await conn.close()


async def test_a_frame_that_fails_is_archived_whole(clean_database_url) -> None:
    gw = Gateway(settings(clean_database_url))
    await gw.start()
    device = get_protocol("teltonika").device("869000000000001")
    bad = bytes.fromhex("00000000" "0000000a" "08" "01" "0000") + b"\x00" * 6 + bytes(4)  # cut record
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.ports[("teltonika", "tcp")])
        writer.write(device.hello())
        assert [a.kind for a in device.receive_data(await reader.read(1))] == ["hello"]
        writer.write(bad)
        good = device.encode_fixes([FIX])
        writer.write(good.data)                       # the session goes on after a skipped frame
        assert [a.kind for a in device.receive_data(await asyncio.wait_for(reader.read(4), 5))] == ["fixes"]
        writer.close()
    finally:
        await gw.stop()
    (row,) = await raw_rows(clean_database_url)
    assert (row["protocol"], row["transport"], row["device_id"]) == ("teltonika", "tcp", "869000000000001")
    assert bytes(row["data"]) == bad and row["error"] and row["remote"].startswith("127.0.0.1:")


async def test_replay_recovers_history_once(store, clean_database_url) -> None:
    """Frames archived by a gateway that could not decode them (here: archived
    by hand) are decoded by replay; a second replay stores nothing new."""
    device = get_protocol("gt06").device("869000000000002")
    login, location = device.hello(), device.encode_fixes([FIX]).data
    t0 = datetime(2026, 3, 4, 5, 6, 8, tzinfo=timezone.utc)
    await store.write_raw([
        (t0, "gt06", "tcp", "10.0.0.1:5000", 77, None, login, "decoder bug"),
        (t0 + timedelta(seconds=1), "gt06", "tcp", "10.0.0.1:5000", 77, "869000000000002", location,
         "decoder bug"),
        (t0 + timedelta(seconds=2), "gt06", "tcp", "10.0.0.2:5000", 78, None, b"\x78\x78\x01", "short"),
    ])
    stats = await replay(store, "gt06", t0, t0 + timedelta(minutes=1))
    assert stats == {"frames": 3, "decoded": 2, "failed": 1, "positions": 1, "events": 0,
                     "inserted": 1, "duplicates": 0}
    (position,) = await store.track("869000000000002", limit=10)
    assert (position.fix_time, position.lat, position.lon) == (FIX.time, FIX.lat, FIX.lon)
    again = await replay(store, "gt06", t0, t0 + timedelta(minutes=1))
    assert (again["inserted"], again["duplicates"]) == (0, 1)
    outside = await replay(store, "gt06", t0 + timedelta(minutes=1), t0 + timedelta(minutes=2))
    assert outside["frames"] == 0


async def test_archive_all_frames_then_replay_from_the_command_line(clean_database_url) -> None:
    gw = Gateway(settings(clean_database_url, archive_all_frames=True))
    await gw.start()
    device = get_protocol("teltonika").device("869000000000003")
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.ports[("teltonika", "tcp")])
        writer.write(device.hello())
        assert [a.kind for a in device.receive_data(await reader.read(1))] == ["hello"]
        writer.write(device.encode_fixes([FIX]).data)
        await asyncio.wait_for(reader.read(4), 5)
        writer.close()
    finally:
        await gw.stop()
    rows = await raw_rows(clean_database_url)
    assert [r["error"] for r in rows] == [None, None] and len({r["session"] for r in rows}) == 1
    run = await asyncio.to_thread(subprocess.run, [
        sys.executable, "-m", "gateway.cli", "replay", "--database-url", clean_database_url,
        "--protocol", "teltonika", "--from", "2000-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z"],
        capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "replayed 2 teltonika frames" in run.stdout
    assert "2 decoded, 0 still failing; 1 positions and 0 events, 0 new rows stored, 1 already there" \
        in run.stdout
