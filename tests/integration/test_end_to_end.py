"""End to end over real sockets: simulated devices -> gateway -> real
PostgreSQL -> API. Every acknowledged fix must be stored exactly once."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta, timezone

import aiohttp
import asyncpg
import pytest

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from protocols import Fix
from protocols.registry import get as get_protocol
from simulators.fleet import FleetConfig, run_fleet
from tests.integration._api import time_text, token_for

from _stored import stored_keys

pytestmark = pytest.mark.integration

RECENT = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)

LISTENERS = [
    {"protocol": "gt06", "transport": "tcp", "port": 0, "host": "127.0.0.1"},
    {"protocol": "teltonika", "transport": "tcp", "port": 0, "host": "127.0.0.1"},
    {"protocol": "teltonika", "transport": "udp", "port": 0, "host": "127.0.0.1"},
    {"protocol": "nmea", "transport": "tcp", "port": 0, "host": "127.0.0.1", "options": {"ack": True}},
    {"protocol": "nmea", "transport": "udp", "port": 0, "host": "127.0.0.1"},
]


def make_settings(database_url: str, **extra) -> object:
    values = {"database_url": database_url, "api_host": "127.0.0.1", "api_port": 0,
              "listeners": LISTENERS, "batch_max_age": 0.05}
    values.update(extra)
    return load_settings(env={}, overrides=values)


@pytest.fixture
async def gateway(clean_database_url):
    gw = Gateway(make_settings(clean_database_url))
    await gw.start()
    try:
        yield gw
    finally:
        await gw.stop()


@pytest.mark.parametrize("protocol, transport, first_id", [
    ("gt06", "tcp", 861000000000000),
    ("teltonika", "tcp", 862000000000000),
    ("teltonika", "udp", 863000000000000),
    ("nmea", "tcp", 864000000000000),
])
async def test_fleet_every_acknowledged_fix_stored_once(gateway, clean_database_url, protocol,
                                                        transport, first_id) -> None:
    config = FleetConfig(protocol=protocol, transport=transport, devices=20, rate=4.0, duration=2.0,
                         host="127.0.0.1", port=gateway.ports[(protocol, transport)], ack_timeout=3.0,
                         first_id=first_id, collect_keys=True,
                         device_options={"ack": True} if protocol == "nmea" else {})
    stats = await run_fleet(config)
    assert stats.errors == 0
    assert stats.sent >= 20 * 4 and stats.sent == len(stats.sent_keys)
    assert stats.acked == stats.sent and stats.pending == 0
    assert stats.acked_keys == stats.sent_keys
    ids = sorted({d for d, _ in stats.sent_keys})
    rows = await stored_keys(clean_database_url, ids)
    assert len(rows) == len(set(rows)) == stats.acked            # exactly once
    assert set(rows) == stats.acked_keys

    # the API serves them
    auth = {"Authorization": f"Bearer {await token_for(clean_database_url)}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        base = f"http://127.0.0.1:{gateway.api_port}/api/v1"
        async with http.get(f"{base}/devices/{ids[0]}/positions", params={"limit": "1000"}) as r:
            assert r.status == 200
            body = await r.json()
        expected_times = sorted(t for d, t in stats.acked_keys if d == ids[0])
        assert [p["fix_time"] for p in body["items"]] == [time_text(t) for t in expected_times]
        assert body["next"] is None
        assert {p["device_id"] for p in body["items"]} == {ids[0]}
        assert body["items"][0]["protocol"] == protocol
        async with http.get(f"{base}/positions/latest", params={"limit": "10000"}) as r:
            latest = {p["device_id"]: p["fix_time"] for p in (await r.json())["items"]}
        assert {d for d in ids} <= set(latest)
        async with http.get(f"{base}/devices") as r:
            devices = {d["device_id"]: d for d in (await r.json())["items"]}
        assert devices[ids[0]]["protocol"] == protocol


async def test_nmea_over_udp_without_acks_stores_every_fix(gateway, clean_database_url) -> None:
    config = FleetConfig(protocol="nmea", transport="udp", devices=5, rate=4.0, duration=1.0,
                         host="127.0.0.1", port=gateway.ports[("nmea", "udp")],
                         first_id=865000000000000, collect_keys=True)
    stats = await run_fleet(config)
    assert stats.acked == 0 and stats.sent >= 20
    ids = sorted({d for d, _ in stats.sent_keys})
    for _ in range(100):
        rows = await stored_keys(clean_database_url, ids)
        if len(rows) == stats.sent:
            break
        await asyncio.sleep(0.05)
    assert set(rows) == stats.sent_keys and len(rows) == stats.sent


async def _tcp(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def test_resent_fix_is_acknowledged_again_and_stored_once(gateway, clean_database_url) -> None:
    device = get_protocol("gt06").device("866000000000001")
    reader, writer = await _tcp(gateway.ports[("gt06", "tcp")])
    writer.write(device.hello())
    acks = device.receive_data(await asyncio.wait_for(reader.read(1024), 5))
    assert [a.kind for a in acks] == ["hello"]
    # a recent fix: not late for a TimescaleDB compression horizon (positions_late)
    fix = Fix(time=RECENT, lat=54.5, lon=25.25, speed_kmh=40, course_deg=90)
    packet = device.encode_fixes([fix])
    for _ in range(3):  # the device did not see our ACK and resends the same packet
        writer.write(packet.data)
        acks = device.receive_data(await asyncio.wait_for(reader.read(1024), 5))
        assert [(a.kind, a.token) for a in acks] == [("fixes", packet.token)]
    writer.close()
    rows = await stored_keys(clean_database_url, ["866000000000001"])
    assert rows == [("866000000000001", fix.time)]
    assert gateway.metrics.duplicates._value.get() == 2


async def test_ack_waits_for_the_commit(gateway, clean_database_url) -> None:
    """With the positions table locked, the fix cannot commit: no ACK yet;
    the ACK arrives once the lock is released and the row is there."""
    device = get_protocol("gt06").device("866000000000002")
    reader, writer = await _tcp(gateway.ports[("gt06", "tcp")])
    writer.write(device.hello())
    device.receive_data(await asyncio.wait_for(reader.read(1024), 5))
    locker = await asyncpg.connect(clean_database_url)
    try:
        tx = locker.transaction()
        await tx.start()
        await locker.execute("LOCK TABLE positions IN ACCESS EXCLUSIVE MODE")
        fix = Fix(time=RECENT + timedelta(seconds=1), lat=-33.5, lon=-70.25)
        packet = device.encode_fixes([fix])
        writer.write(packet.data)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(reader.read(1024), 1.0)
        await tx.rollback()
    finally:
        await locker.close()
    acks = device.receive_data(await asyncio.wait_for(reader.read(1024), 10))
    assert [(a.kind, a.token) for a in acks] == [("fixes", packet.token)]
    assert await stored_keys(clean_database_url, ["866000000000002"]) == [("866000000000002", fix.time)]
    writer.close()


async def test_garbage_closes_only_that_connection(gateway, clean_database_url) -> None:
    port = gateway.ports[("teltonika", "tcp")]
    good = get_protocol("teltonika").device("866000000000003")
    r1, w1 = await _tcp(port)
    w1.write(good.hello())
    assert [a.kind for a in good.receive_data(await asyncio.wait_for(r1.read(1024), 5))] == ["hello"]
    r2, w2 = await _tcp(port)
    w2.write(b"\x00\x00\x00\x00\x7f\xff\xff\xff" + os.urandom(64))  # impossible AVL length
    assert await asyncio.wait_for(r2.read(1024), 5) == b""           # closed by the gateway
    fix = Fix(time=datetime(2026, 1, 2, 3, 4, 7, tzinfo=timezone.utc), lat=1.5, lon=2.5)
    packet = good.encode_fixes([fix])
    w1.write(packet.data)
    acks = good.receive_data(await asyncio.wait_for(r1.read(1024), 5))
    assert [(a.kind, a.token) for a in acks] == [("fixes", packet.token)]
    w1.close()
    w2.close()
    errors = gateway.metrics.decode_errors.labels("teltonika", "tcp")._value.get()
    assert errors == 1


async def test_idle_connection_is_closed(clean_database_url) -> None:
    listeners = [dict(LISTENERS[0], idle_timeout=0.3)]
    gw = Gateway(make_settings(clean_database_url, listeners=listeners, api_enabled=False))
    await gw.start()
    try:
        reader, writer = await _tcp(gw.ports[("gt06", "tcp")])
        assert await asyncio.wait_for(reader.read(1024), 5) == b""
        writer.close()
    finally:
        await gw.stop()


async def test_allow_list_refuses_unknown_devices(clean_database_url) -> None:
    gw = Gateway(make_settings(clean_database_url, register_unknown_devices=False,
                               allowed_devices=["866000000000010"], api_enabled=False))
    await gw.start()
    try:
        port = gw.ports[("teltonika", "tcp")]
        for imei, answer in (("866000000000010", b"\x01"), ("866000000000011", b"\x00")):
            device = get_protocol("teltonika").device(imei)
            reader, writer = await _tcp(port)
            writer.write(device.hello())
            assert await asyncio.wait_for(reader.read(1), 5) == answer
            if answer == b"\x00":
                assert await asyncio.wait_for(reader.read(1), 5) == b""  # and closed
            writer.close()
        assert gw.metrics.devices_rejected.labels("teltonika", "tcp")._value.get() == 1
    finally:
        await gw.stop()


async def test_back_pressure_pauses_reading_and_loses_nothing(clean_database_url) -> None:
    """A stalled database fills the bounded queue: reading pauses above the
    high-water mark, resumes below the low-water mark, and nothing is lost."""
    gw = Gateway(make_settings(clean_database_url, queue_high_water=40, queue_low_water=10,
                               batch_max_rows=20, api_enabled=False))
    await gw.start()
    paused: list[bool] = []
    gw.writer.add_pressure_listener(paused.append)
    locker = await asyncpg.connect(clean_database_url)
    try:
        config = FleetConfig(protocol="teltonika", transport="tcp", devices=30, rate=10.0, duration=2.5,
                             host="127.0.0.1", port=gw.ports[("teltonika", "tcp")],
                             first_id=867000000000000, collect_keys=True, ack_timeout=5.0)
        fleet = asyncio.create_task(run_fleet(config))
        await asyncio.sleep(0.5)
        async with locker.transaction():
            await locker.execute("LOCK TABLE positions IN ACCESS EXCLUSIVE MODE")
            await asyncio.sleep(1.0)
            assert paused == [True]
            assert all(p.transport.is_reading() is False for p in gw.conns.live)
        stats = await fleet
    finally:
        await locker.close()
        await gw.stop()
    # pause and resume alternate, starting paused and ending resumed
    assert len(paused) >= 2 and paused[::2] == [True] * len(paused[::2])
    assert paused[1::2] == [False] * len(paused[1::2]) and paused[-1] is False
    assert stats.acked == stats.sent and stats.errors == 0
    rows = await stored_keys(clean_database_url, sorted({d for d, _ in stats.sent_keys}))
    assert set(rows) == stats.acked_keys and len(rows) == stats.acked


async def test_metrics_and_health(gateway, clean_database_url) -> None:
    auth = {"Authorization": f"Bearer {await token_for(clean_database_url)}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        base = f"http://127.0.0.1:{gateway.api_port}"
        async with http.get(f"{base}/health") as r:
            assert r.status == 200
            assert (await r.json())["status"] == "ok"
        async with http.get(f"{base}/metrics") as r:
            text = await r.text()
        for name in ("uvis_frames_total", "uvis_positions_total", "uvis_decode_errors_total",
                     "uvis_checksum_mismatches_total", "uvis_batch_rows", "uvis_batch_commit_seconds",
                     "uvis_ingest_queue_rows", "uvis_connections_open"):
            assert name in text
        async with http.get(f"{base}/api/v1/devices/nosuch/positions") as r:
            assert r.status == 404
        async with http.get(f"{base}/api/v1/positions/latest", params={"limit": "0"}) as r:
            assert r.status == 400
        async with http.get(f"{base}/api/v1/devices/x/positions", params={"from": "yesterday"}) as r:
            assert r.status == 400
