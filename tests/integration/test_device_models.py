"""Per-device models over real sockets and a real PostgreSQL.

A GT06 0x13 heartbeat's last two status bytes are alarm + language by default
and an LW* device's external power word: the gateway looks the device's model
up when it logs in (devices.attributes->>'model', PATCH /api/v1/devices/{id})
and the listener's ``model`` is the default for devices without one.
"""

from __future__ import annotations

import asyncio

import aiohttp
import asyncpg
import pytest

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from protocols.gt06 import device as gt06_device
from protocols.gt06 import encode
from protocols.gt06._device_messages import encode_status
from tests.integration._api import token_for

pytestmark = pytest.mark.integration

LW = "866000000000801"      # stored model LW4G-4B
PLAIN = "866000000000802"   # a device row without a model
NEW = "866000000000803"     # not in the database before it logs in
BASE = {"status": 70, "ignition": True, "charge": True, "blocked": False, "armed": False,
        "batteryLevel": 100, "rssi": 4}
#: status bytes 01 2C: an SOS alarm and language 0x2C, or LW*: 30.0 V, or SEEWORLD: 1 V
HEARTBEAT = encode_status(2, alarm=0x01, language=0x2C)


def settings(url: str, top: dict | None = None, **listener) -> object:
    return load_settings(env={}, overrides={
        "database_url": url, "api_host": "127.0.0.1", "api_port": 0, "batch_max_age": 0.02,
        "listeners": [{"protocol": "gt06", "port": 0, "host": "127.0.0.1", **listener}],
        **(top or {})})


async def session(port: int, imei: str, heartbeat: bytes = HEARTBEAT, together: bool = False) -> None:
    """Log in, send the heartbeat, read both ACKs (the heartbeat's after its commit).
    ``together``: login and heartbeat in one write (the session is held while the
    model is looked up, so the heartbeat is not decoded before)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(gt06_device.encode_login(imei, 1) + (heartbeat if together else b""))
        assert await asyncio.wait_for(reader.readexactly(10), 5) == encode.ack(0x01, 1)
        if not together:
            writer.write(heartbeat)
        serial = int.from_bytes(heartbeat[-6:-4], "big")
        assert await asyncio.wait_for(reader.readexactly(10), 5) == encode.ack(0x13, serial)
    finally:
        writer.close()
        await writer.wait_closed()


async def stored(url: str, device: str) -> list[tuple[str, dict]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT type, attributes::text FROM events WHERE device_id = $1 "
                                "ORDER BY received_at", device)
    finally:
        await conn.close()
    import json

    return [(r["type"], json.loads(r[1])) for r in rows]


def lookups(gw: Gateway) -> dict[str, float]:
    counter = gw.metrics.device_model_lookups
    return {result: counter.labels(result)._value.get() for result in ("hit", "miss", "error")}


async def test_stored_model_decodes_the_heartbeat_power(clean_database_url) -> None:
    conn = await asyncpg.connect(clean_database_url)
    try:
        await conn.execute(
            "INSERT INTO devices (device_id, protocol, first_seen, last_seen, attributes) VALUES "
            "($1, 'gt06', now(), now(), '{\"model\": \"LW4G-4B\"}'), "
            "($2, 'gt06', now(), now(), '{\"colour\": \"red\"}')", LW, PLAIN)
    finally:
        await conn.close()
    gw = Gateway(settings(clean_database_url))
    await gw.start()
    try:
        port = gw.ports[("gt06", "tcp")]
        await asyncio.gather(session(port, LW, together=True), session(port, PLAIN))
        assert await stored(clean_database_url, LW) == [("status", {**BASE, "power": 30.0})]
        assert await stored(clean_database_url, PLAIN) == [("alarm", {**BASE, "alarm": "sos"})]
        assert lookups(gw) == {"hit": 0.0, "miss": 2.0, "error": 0.0}
        queries = gw._ingest.gate.models.queries
        assert 1 <= queries <= 2  # one query per loop turn: both logins may share one
        # a reconnect within device_model_ttl is answered from the cache
        await session(port, LW, encode_status(3, alarm=0x00, language=0x7C))
        assert await stored(clean_database_url, LW) == [("status", {**BASE, "power": 30.0}),
                                                        ("status", {**BASE, "power": 12.4})]
        assert lookups(gw) == {"hit": 1.0, "miss": 2.0, "error": 0.0}
        assert gw._ingest.gate.models.queries == queries
    finally:
        await gw.stop()


async def test_listener_default_and_a_model_patched_through_the_api(clean_database_url) -> None:
    gw = Gateway(settings(clean_database_url, model="LW4G", top={"device_model_ttl": 0}))
    await gw.start()
    try:
        port = gw.ports[("gt06", "tcp")]
        await session(port, NEW)  # unknown to the database: the listener's LW4G
        assert await stored(clean_database_url, NEW) == [("status", {**BASE, "power": 30.0})]
        auth = {"Authorization": f"Bearer {await token_for(clean_database_url)}"}
        async with aiohttp.ClientSession(headers=auth) as http:
            async with http.patch(f"http://127.0.0.1:{gw.api_port}/api/v1/devices/{NEW}",
                                  json={"attributes": {"model": "SEEWORLD"}}) as r:
                assert r.status == 200
        await session(port, NEW, encode_status(3, alarm=0x01, language=0x2C))  # ttl 0: asked again
        assert (await stored(clean_database_url, NEW))[1] == ("status", {**BASE, "power": 1.0})
        assert lookups(gw) == {"hit": 0.0, "miss": 2.0, "error": 0.0}
    finally:
        await gw.stop()


async def test_meitrack_udp_frames_after_the_look_up_use_the_stored_model(clean_database_url) -> None:
    from datetime import datetime, timedelta, timezone

    from protocols._records import Fix
    from protocols.meitrack.device import aaa_report

    imei = "353358017784099"
    conn = await asyncpg.connect(clean_database_url)
    try:
        await conn.execute("INSERT INTO devices (device_id, protocol, first_seen, last_seen, attributes) "
                           "VALUES ($1, 'meitrack', now(), now(), '{\"model\": \"MVT380\"}')", imei)
    finally:
        await conn.close()
    gw = Gateway(load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_enabled": False, "batch_max_age": 0.02,
        "listeners": [{"protocol": "meitrack", "transport": "udp", "port": 0, "host": "127.0.0.1"}]}))
    await gw.start()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        asyncio.DatagramProtocol, remote_addr=("127.0.0.1", gw.ports[("meitrack", "udp")]))
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
    try:
        for second in (0, 1):
            fix = Fix(time=start + timedelta(seconds=second), lat=-33.866543, lon=151.190148,
                      speed_kmh=10, course_deg=90, satellites=9)
            transport.sendto(aaa_report(imei, fix, analog="0000|0000|0000|0800|0400"))
            for _ in range(100):  # the first datagram's look-up answers before the second
                await asyncio.sleep(0.05)
                if lookups(gw)["miss"] == 1.0 and not gw._ingest.gate.models._tasks:
                    break
        conn = await asyncpg.connect(clean_database_url)
        try:
            for _ in range(100):
                rows = await conn.fetch(
                    "SELECT (attributes->>'battery')::float8 AS battery, (attributes->>'power')::float8 "
                    "AS power FROM positions WHERE device_id = $1 ORDER BY fix_time", imei)
                if len(rows) == 2:
                    break
                await asyncio.sleep(0.05)
        finally:
            await conn.close()
        # the datagram that identified the device: the default scale (1/100 V); then MVT380's
        assert [tuple(r) for r in rows] == [(20.48, 10.24), (12.0, 48.0)]
    finally:
        transport.close()
        await gw.stop()
