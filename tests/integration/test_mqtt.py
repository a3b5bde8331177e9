"""MQTT ingestion in process, against a real broker (tests/mqtt_broker.py) and
a real PostgreSQL: each payload format end to end into the database, PUBACK
only after the commit, garbage counted/archived/acknowledged, shared
subscriptions routed, reconnect and resubscribe."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import pytest

from gateway.runtime.app import Gateway
from gateway.mqtt.client import AsyncMqttClient
from gateway.settings import MqttBrokerSettings, load_settings
from protocols import Fix
from protocols.nmea.device import sentence
from protocols.registry import get as get_protocol
from tests.mqtt_broker import unique

pytestmark = pytest.mark.integration

T = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def settings(database_url: str, broker, subscriptions: list[dict], client_id: str, **extra):
    values = {"database_url": database_url, "api_enabled": False, "spool": "off",
              "batch_max_age": 0.05,
              "listeners": [{"protocol": "gt06", "port": 0, "host": "127.0.0.1"}],
              "mqtt": {"brokers": [{"url": broker.url, "version": broker.version,
                                    "client_id": client_id, "session_expiry": 60,
                                    "subscriptions": subscriptions}]}}
    values.update(extra)
    return load_settings(env={}, overrides=values)


async def start_gateway(database_url, broker, subscriptions, client_id=None, **extra) -> Gateway:
    gw = Gateway(settings(database_url, broker, subscriptions, client_id or unique("gw-"), **extra))
    await gw.start()
    assert gw.mqtt.brokers[0].client.subscribed.is_set()
    return gw


async def publisher(broker) -> AsyncMqttClient:
    client = AsyncMqttClient(MqttBrokerSettings(url=broker.url, version=broker.version,
                                                client_id=unique("pub-")),
                             manual_ack=False, persistent=False)
    assert await client.start(10)
    return client


async def publish(broker, items: list[tuple[str, bytes]]) -> None:
    client = await publisher(broker)
    try:
        await asyncio.gather(*(client.publish(topic, payload) for topic, payload in items))
    finally:
        await client.close()


async def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)


def metric(gw: Gateway, name: str) -> float:
    return sum(s.value for m in gw.metrics.registry.collect() for s in m.samples
               if s.name == name)


async def track(store, device_id: str, n: int, timeout: float = 10.0):
    async def check():
        rows = await store.track(device_id, limit=1000)
        return rows if len(rows) >= n else None
    return await eventually(check, timeout) or await store.track(device_id, limit=1000)


# -- each format end to end -------------------------------------------------------------

async def test_owntracks_location_stored_other_types_acked(store, database_url, mqtt_broker) -> None:
    user = unique("u")
    gw = await start_gateway(database_url, mqtt_broker, [{"filter": "owntracks/+/+", "format": "owntracks"}])
    try:
        await publish(mqtt_broker, [
            (f"owntracks/{user}/phone", b'{"_type":"location","tid":"ph","lat":54.68916,'
                                        b'"lon":25.2798,"tst":1772600767,"alt":112,"vel":36,'
                                        b'"cog":270,"acc":8,"batt":64,"bs":2}'),
            (f"owntracks/{user}/phone", b'{"_type":"lwt","tst":1772600768}'),
            (f"owntracks/{user}/phone", b'{"_type":"transition","event":"enter","tst":1772600769}'),
        ])
        rows = await track(store, f"{user}:phone", 1)
    finally:
        await gw.stop()
    assert len(rows) == 1
    p = rows[0]
    assert (p.device_id, p.protocol, p.fix_time, p.valid) == (f"{user}:phone", "owntracks", T, True)
    assert (p.lat, p.lon, p.altitude_m, p.speed_kmh, p.course_deg) == (54.68916, 25.2798, 112.0, 36.0, 270.0)
    assert p.attributes == {"accuracy": 8.0, "batteryLevel": 64, "charge": True}
    assert metric(gw, "uvis_mqtt_messages_total") == 3
    assert metric(gw, "uvis_mqtt_decode_errors_total") == 0


async def test_uvis_json_positions_and_events(store, db_pool, database_url, mqtt_broker) -> None:
    base, dev = unique("uj"), unique("d")
    gw = await start_gateway(database_url, mqtt_broker, [
        {"filter": f"{base}/payload/#", "format": "uvis-json"},
        {"filter": f"{base}/topic/+", "format": "uvis-json", "device_id": "topic:-1"},
    ])
    try:
        await publish(mqtt_broker, [
            (f"{base}/payload/x", b'[{"device_id":"%s","fix_time":"2026-03-04T05:06:07.250Z",'
                                  b'"lat":-33.5,"lon":151.25,"altitude_m":12.5,"speed_kmh":88.0,'
                                  b'"course_deg":45.0,"satellites":11,"hdop":0.75,"valid":false,'
                                  b'"attributes":{"ignition":true,"power":12.4}},'
                                  b'{"device_id":"%s","time":"2026-03-04T07:06:08+02:00",'
                                  b'"type":"alarm","attributes":{"alarm":"sos"}}]' % (dev.encode(), dev.encode())),
            (f"{base}/topic/{dev}", b'{"fix_time":"2026-03-04T05:06:09Z","lat":1.0,"lon":2.0,'
                                    b'"protocol":"custom"}'),
        ])
        rows = await track(store, dev, 2)
        events = await eventually(lambda: db_pool.fetch(
            "SELECT time, type, protocol, attributes FROM events WHERE device_id = $1", dev))
    finally:
        await gw.stop()
    assert [(p.fix_time, p.protocol, p.valid, p.lat, p.lon, p.altitude_m, p.speed_kmh, p.course_deg,
             p.satellites, p.hdop, p.attributes) for p in rows] == [
        (T.replace(microsecond=250_000), "uvis-json", False, -33.5, 151.25, 12.5, 88.0, 45.0, 11, 0.75,
         {"ignition": True, "power": 12.4}),
        (T.replace(second=9), "custom", True, 1.0, 2.0, None, None, None, None, None, {}),
    ]
    assert [(e["time"], e["type"], e["protocol"]) for e in events] == [
        (T.replace(second=8), "alarm", "uvis-json")]


async def test_nmea_sentences_with_the_device_id_from_the_topic(store, database_url, mqtt_broker) -> None:
    base, imei = unique("nm"), "356000000000101"
    gw = await start_gateway(database_url, mqtt_broker, [{"filter": f"{base}/+", "format": "nmea"}])
    try:
        rmc = sentence("GPRMC,050607.000,A,5456.7210,N,02401.0572,E,12.500,270.00,040326,,,A")
        await publish(mqtt_broker, [(f"{base}/{imei}", rmc)])
        rows = await track(store, imei, 1)
    finally:
        await gw.stop()
    assert [(p.protocol, p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg) for p in rows] == [
        ("nmea", T, 54.94535, 24.01762, 23.15, 270.0)]  # 12.5 knots


async def test_teltonika_codec8_frames_as_devices_publish_them(store, database_url, mqtt_broker) -> None:
    base, imei = unique("tt"), "352093081452251"
    gw = await start_gateway(database_url, mqtt_broker, [
        {"filter": f"{base}/+/data", "format": "teltonika", "device_id": "topic:-2"}])
    fixes = [Fix(time=T, lat=54.6891667, lon=25.2798333, speed_kmh=61, course_deg=123, altitude_m=140,
                 satellites=12),
             Fix(time=T.replace(second=37), lat=-12.0461, lon=-77.0428, speed_kmh=0, course_deg=0,
                 altitude_m=-5, satellites=4)]
    device = get_protocol("teltonika").device(imei)
    try:
        await publish(mqtt_broker, [(f"{base}/{imei}/data", device.encode_fixes([fix]).data) for fix in fixes])
        rows = await track(store, imei, 2)
    finally:
        await gw.stop()
    assert [(p.protocol, p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg, p.altitude_m, p.satellites)
            for p in rows] == [("teltonika", f.time, f.lat, f.lon, f.speed_kmh, f.course_deg, f.altitude_m,
                                f.satellites) for f in fixes]
    assert metric(gw, "uvis_positions_total") == 2


# -- delivery ------------------------------------------------------------------------------

async def test_puback_only_after_commit_and_at_once_without_records(store, database_url,
                                                                     mqtt_broker) -> None:
    base = unique("ack")
    gw = await start_gateway(database_url, mqtt_broker,
                             [{"filter": f"owntracks/{base}/+", "format": "owntracks"}],
                             batch_max_age=0.8)
    client = gw.mqtt.brokers[0].client
    acks: list[tuple[float, int]] = []
    real_ack = client.client.ack

    def recording_ack(mid, qos):  # instrumentation: when paho sends each PUBACK
        acks.append((time.monotonic(), gw.writer.rows))
        return real_ack(mid, qos)

    client.client.ack = recording_ack
    try:
        started = time.monotonic()
        await publish(mqtt_broker, [(f"owntracks/{base}/p", b'{"_type":"lwt","tst":1}')])
        assert await eventually(lambda: asyncio.sleep(0, len(acks) == 1), 5)
        assert acks[0][0] - started < 0.5                       # no records: acknowledged at once
        await publish(mqtt_broker, [(f"owntracks/{base}/p",
                                     b'{"_type":"location","lat":1.5,"lon":2.5,"tst":1772600767}')])
        sent = time.monotonic()
        assert await eventually(lambda: asyncio.sleep(0, len(acks) == 2), 5)
    finally:
        await gw.stop()
    ack_time, rows_committed = acks[1]
    assert rows_committed == 1                                  # the batch had committed
    assert ack_time - sent >= 0.6                               # it waited for the batch (0.8 s)
    assert [p.lat for p in await store.track(f"{base}:p", limit=10)] == [1.5]


async def test_garbage_counted_archived_and_acknowledged(store, db_pool, database_url, mqtt_broker) -> None:
    base, client_id = unique("gb"), unique("gw-")
    subs = [{"filter": f"{base}/+", "format": "uvis-json", "device_id": "topic:-1"}]
    gw = await start_gateway(database_url, mqtt_broker, subs, client_id)
    try:
        await publish(mqtt_broker, [(f"{base}/d1", b"\x00\xffnot json"),
                                    (f"{base}/d1", b'{"fix_time":"2026-03-04T05:06:07Z","lat":1,"lon":2}')])
        assert await track(store, "d1", 1)
    finally:
        await gw.stop()
    assert metric(gw, "uvis_mqtt_decode_errors_total") == 1
    raw = await db_pool.fetch("SELECT protocol, transport, remote, data, error FROM raw_frames")
    assert [(r["protocol"], r["transport"], r["remote"], bytes(r["data"])) for r in raw] == [
        ("uvis-json", "mqtt", f"{base}/d1", b"\x00\xffnot json")]
    assert raw[0]["error"].startswith("uvis-json: ")
    # everything was acknowledged before the graceful stop: the same session gets nothing again
    again = await start_gateway(database_url, mqtt_broker, subs, client_id)
    await asyncio.sleep(1.0)
    await again.stop()
    assert metric(again, "uvis_mqtt_messages_total") == 0


async def test_shared_subscription_messages_reach_their_subscription(store, database_url,
                                                                       mqtt_broker) -> None:
    """paho matched message callbacks against '$share/<group>/<filter>' itself,
    so they never fired for shared subscriptions; our routing uses the inner filter."""
    if not mqtt_broker.shared_subscriptions:
        pytest.skip(f"the test broker ({mqtt_broker.kind}) has no shared subscriptions")
    base = unique("sh")
    gw = await start_gateway(database_url, mqtt_broker, [
        {"filter": f"$share/{unique('g')}/{base}/+", "format": "uvis-json", "device_id": "topic:-1"}])
    try:
        await publish(mqtt_broker, [(f"{base}/dev7", b'{"fix_time":"2026-03-04T05:06:07Z","lat":3,"lon":4}')])
        rows = await track(store, "dev7", 1)
    finally:
        await gw.stop()
    assert [(p.lat, p.lon) for p in rows] == [(3.0, 4.0)]
    assert metric(gw, "uvis_mqtt_messages_total") == 1


async def test_reconnects_with_backoff_and_resubscribes(store, database_url, mqtt_broker) -> None:
    base, client_id = unique("rc"), unique("gw-")
    gw = await start_gateway(database_url, mqtt_broker, [
        {"filter": f"{base}/+", "format": "uvis-json", "device_id": "topic:-1"}], client_id)
    try:
        client = gw.mqtt.brokers[0].client
        # another client takes the session over: the broker drops our connection
        intruder = AsyncMqttClient(MqttBrokerSettings(url=mqtt_broker.url, version=mqtt_broker.version,
                                                      client_id=client_id, session_expiry=60),
                                   manual_ack=False)
        assert await intruder.start(10)
        await intruder.close()
        assert await eventually(lambda: asyncio.sleep(0, client.connects == 2 and client.subscribed.is_set()))
        await publish(mqtt_broker, [(f"{base}/r1", b'{"fix_time":"2026-03-04T05:06:07Z","lat":5,"lon":6}')])
        rows = await track(store, "r1", 1)
    finally:
        await gw.stop()
    assert [(p.lat, p.lon) for p in rows] == [(5.0, 6.0)]
    assert metric(gw, "uvis_mqtt_connects_total") == 2
