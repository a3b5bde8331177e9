"""No record stops the line: one sender of poison (values PostgreSQL refuses)
while 50 devices stream; every clean fix is acknowledged and stored exactly
once, the poison is repaired or quarantined with its raw frame, with the spool
off and with the batches going through the spool, and across a restart."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import asyncpg
import pytest

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from protocols import Fix
from protocols.gt06.device import encode_command_reply
from protocols.registry import get as get_protocol
from simulators.fleet import FleetConfig, run_fleet

from _stored import stored_keys

pytestmark = pytest.mark.integration

LISTENERS = [
    {"protocol": "gt06", "transport": "tcp", "port": 0, "host": "127.0.0.1"},
    {"protocol": "osmand", "transport": "http", "port": 0, "host": "127.0.0.1"},
]


def _settings(dsn: str, spool_dir: str | None) -> object:
    values = {"database_url": dsn, "api_enabled": False, "listeners": LISTENERS,
              "batch_max_age": 0.05, "spool": "on" if spool_dir else "off", "spool_dir": spool_dir}
    return load_settings(env={}, overrides=values)


async def _http(port: int, query: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /?{query} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return status


async def _poison(gw: Gateway, rounds: int) -> list[bytes]:
    """OsmAnd requests PostgreSQL would refuse, and a GT06 device whose command
    reply text holds NUL; returns the HTTP status lines."""
    http = gw.ports[("osmand", "http")]
    statuses = []
    base = int(time.time())
    device = get_protocol("gt06").device("869999000000001")
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.ports[("gt06", "tcp")])
    writer.write(device.hello())
    await asyncio.wait_for(reader.read(64), 10)
    for i in range(rounds):
        ts = base - 100 + i
        statuses.append(await _http(http, f"id=a%00b&lat=1&lon=1&timestamp={ts}"))
        statuses.append(await _http(http, f"id=osm-poison&lat=1&lon=1&timestamp={ts}&speed=1e39"))
        statuses.append(await _http(http, f"id=osm-poison&lat=2&lon=2&timestamp={ts + 1000}&x=%00"))
        writer.write(encode_command_reply(f"RELAY:OK\x00{i}", 100 + i))
        await writer.drain()
        await asyncio.sleep(0.1)
    writer.close()
    return statuses


async def _fleet(gw: Gateway, first_id: int, duration: float = 3.0):
    return await run_fleet(FleetConfig(
        protocol="gt06", devices=50, rate=2.0, duration=duration, host="127.0.0.1",
        port=gw.ports[("gt06", "tcp")], ack_timeout=10.0, drain_timeout=30.0, first_id=first_id,
        collect_keys=True))


async def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("through_spool", [False, True], ids=["no-spool", "spool"])
async def test_poison_beside_fifty_streaming_devices(clean_database_url, tmp_path,
                                                      through_spool) -> None:
    spool_dir = str(tmp_path / "spool") if through_spool else None
    gw = Gateway(_settings(clean_database_url, spool_dir))
    await gw.start()
    try:
        if through_spool:  # every batch of this run goes through the spool and its replay
            gw._spooling.degraded = True
        stats, statuses = await asyncio.gather(_fleet(gw, 870000000000000),
                                               _poison(gw, rounds=8))
        assert stats.errors == 0 and stats.sent >= 50 * 5, stats.summary()
        assert stats.acked == stats.sent and stats.acked_keys == stats.sent_keys
        assert all(s.startswith(b"HTTP/1.1 200") for s in statuses), statuses
        ids = sorted({d for d, _ in stats.acked_keys})

        async def all_stored() -> bool:
            return len(await stored_keys(clean_database_url, ids)) >= len(stats.acked_keys)
        await _wait(all_stored)
        rows = await stored_keys(clean_database_url, ids)
        assert sorted(rows) == sorted(stats.acked_keys)           # each ACKed fix exactly once
        if through_spool:
            assert gw._spooling.replayed_rows > 0
            await _wait(lambda: _true(not gw._spooling.degraded))
    finally:
        await gw.stop()
    conn = await asyncpg.connect(clean_database_url)
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    try:
        quarantined = await conn.fetch(
            "SELECT protocol, transport, device_id, reason, raw FROM quarantine ORDER BY id")
        assert len(quarantined) == 8                             # one per distinct poisoned fix
        assert {(q["protocol"], q["transport"], q["device_id"], q["reason"]) for q in quarantined} \
            == {("osmand", "http", "a\ufffdb", "device_id holds a NUL character")}
        assert all(bytes(q["raw"]).startswith(b"GET /?id=a%00b&lat=1&lon=1&timestamp=")
                   for q in quarantined)
        repaired = await conn.fetch(
            "SELECT speed_kmh, attributes FROM positions WHERE device_id = 'osm-poison' ORDER BY fix_time")
        assert len(repaired) == 16
        assert [r["speed_kmh"] for r in repaired[:8]] == [None] * 8
        assert all(r["attributes"]["invalid"] == ["speed_kmh"] for r in repaired[:8])
        assert all(r["attributes"]["x"] == "\ufffd" and r["attributes"]["invalid"] == ["attributes.x"]
                   for r in repaired[8:])
        replies = await conn.fetch("SELECT attributes FROM events WHERE device_id = '869999000000001'")
        assert len(replies) == 8 and all("\x00" not in str(r["attributes"]) for r in replies)
        print(f"\npoison beside 50 devices ({'through the spool' if through_spool else 'no spool'}):"
              f" {stats.acked}/{stats.sent} clean fixes ACKed, {len(rows)} stored once,"
              f" {len(quarantined)} quarantined, {len(repaired)} + {len(replies)} repaired")
    finally:
        await conn.close()

    # a restart replays nothing poisoned for ever, and devices go on being stored
    again = Gateway(_settings(clean_database_url, spool_dir))
    await again.start()
    try:
        more = await _fleet(again, 871000000000000, duration=1.0)
        assert more.acked == more.sent > 0
        ids = sorted({d for d, _ in more.acked_keys})
        assert sorted(await stored_keys(clean_database_url, ids)) == sorted(more.acked_keys)
        health = await again._health()
        assert health["status"] == "degraded"                   # quarantined in the last 5 min
        assert any("quarantined" in p for p in health["problems"])
    finally:
        await again.stop()


async def _true(value: bool) -> bool:
    return value
