"""Commands to MQTT devices against a real broker and a real PostgreSQL: a device
known from its uvis-json messages gets its command published at QoS 1 on the
configured topic and answers on the configured answer topic."""

from __future__ import annotations

import asyncio
import json

import pytest

from gateway.runtime.app import Gateway
from gateway.mqtt.client import AsyncMqttClient
from gateway.settings import MqttBrokerSettings, load_settings
from storage import commands as queue
from storage.commands import CommandLimits, CommandWaiter
from tests.mqtt_broker import unique

pytestmark = pytest.mark.integration


async def test_mqtt_device_gets_its_command_and_answers(clean_database_url, db_pool, mqtt_broker):
    base, device = unique("cmd"), unique("d")
    gw = Gateway(load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_enabled": False, "spool": "off",
        "batch_max_age": 0.05, "listeners": [{"protocol": "gt06", "port": 0, "host": "127.0.0.1"}],
        "commands": {"sweep_interval": 0.3, "mqtt_topic": f"{base}/{{device}}/cmd",
                     "mqtt_answer_filter": f"{base}/+/answer"},
        "mqtt": {"brokers": [{"url": mqtt_broker.url, "version": mqtt_broker.version,
                              "client_id": unique("gw-"), "session_expiry": 60,
                              "subscriptions": [{"filter": f"{base}/+/data", "format": "uvis-json",
                                                 "device_id": "topic:-2"}]}]}}))
    received: list[tuple[str, dict]] = []
    got = asyncio.Event()

    def on_message(message, _generation) -> None:     # the device: read, answer
        body = json.loads(message.payload)
        received.append((message.topic, body))
        got.set()
        device_client.publish(f"{base}/{device}/answer", json.dumps(
            {"id": body["id"], "ok": True, "result": "RELAY OK", "meaning": "engine cut"}).encode())

    device_client = AsyncMqttClient(
        MqttBrokerSettings(url=mqtt_broker.url, version=mqtt_broker.version, client_id=unique("dev-")),
        on_message=on_message, subscriptions=[(f"{base}/{device}/cmd", 1)], manual_ack=False,
        persistent=False)
    await gw.start()
    try:
        assert await device_client.start(10)
        row = await queue.enqueue(db_pool, device, "engineStop", {}, "ops", CommandLimits())
        await asyncio.sleep(0.5)
        assert (await queue.get(db_pool, row.id)).state == "queued"   # not seen on MQTT yet
        await device_client.publish(f"{base}/{device}/data",
                                    b'{"fix_time":"2026-03-04T05:06:09Z","lat":1.0,"lon":2.0}')
        final = await CommandWaiter(db_pool).wait(db_pool, row.id, 10.0)
        assert (final.state, final.answer_text, final.answer_meaning, final.answer_ok,
                final.answer_serial, final.attempts) == (
            "answered", "RELAY OK", "engine cut", True, str(row.id), 1)
        assert received == [(f"{base}/{device}/cmd",
                             {"id": row.id, "type": "engineStop", "params": {}})]
        assert bytes.fromhex(final.sent_hex) == json.dumps(
            {"id": row.id, "type": "engineStop", "params": {}}, separators=(",", ":")).encode()
    finally:
        await device_client.close()
        await gw.stop()
