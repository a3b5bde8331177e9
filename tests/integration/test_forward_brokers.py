"""Forwarding to the real brokers of this machine: Mosquitto (MQTT QoS 1),
RabbitMQ (AMQP publisher confirms), NATS JetStream (publish acks). Every
committed record arrives, in order per device. Each test skips, naming the
reason, when its broker does not answer."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import UTC, datetime

import pytest
from _forward_helpers import (
    answers,
    event,
    in_order_per_device,
    key_of,
    pos,
    wait_until,
)

from gateway.forward.loop import ForwardService
from gateway.forward.metrics import ForwardMetrics
from gateway.forward.settings import ForwardDestinationSettings, ForwardSettings

pytestmark = pytest.mark.integration

MQTT = os.environ.get("UVIS_TEST_FORWARD_MQTT", "127.0.0.1:1883")
AMQP = os.environ.get("UVIS_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
NATS = os.environ.get("UVIS_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _need(host_port: str, what: str) -> None:
    host, port = host_port.rsplit(":", 1)
    if not answers(host, int(port)):
        pytest.skip(f"{what} does not answer on {host_port}")


async def _forward_and_collect(store, database_url, url: str, received: list, **kw) -> None:
    """Write 3 batches (5 devices, positions and events), forward them, wait
    until ``received`` holds every one."""
    destination = ForwardDestinationSettings(name=f"broker-{uuid.uuid4().hex[:8]}", url=url,
                                             start="earliest", batch_max_age=0.05,
                                             batch_max_records=64, **kw)
    svc = ForwardService(ForwardSettings(destinations=(destination,), lease_retry=0.2,
                                         poll_interval=0.2), database_url, store.pool,
                         ForwardMetrics())
    await svc.start()
    try:
        for batch in range(3):
            await store.write([pos(f"d{i % 5}", batch * 100 + i) for i in range(50)],
                              [event("d2", batch * 100 + 99)], datetime.now(UTC))
        await wait_until(lambda: len(received) >= 153, 30, "153 messages")
        await asyncio.sleep(0.3)
    finally:
        await svc.stop()


def _check(messages: list[dict]) -> None:
    keys = [key_of(m) for m in messages]
    assert len(keys) == len(set(keys)) == 153
    assert sum(1 for k in keys if k[0] == "event") == 3
    assert {k[1] for k in keys} == {f"d{i}" for i in range(5)}
    assert in_order_per_device(messages)


async def test_mqtt_qos1_every_record_in_order(store, database_url):
    _need(MQTT, "Mosquitto")
    import aiomqtt

    host, port = MQTT.rsplit(":", 1)
    prefix = f"fwdtest/{uuid.uuid4().hex[:8]}"
    received: list[dict] = []
    topics: list[str] = []

    async def consume(client) -> None:
        async for message in client.messages:
            topics.append(str(message.topic))
            received.append(json.loads(message.payload))

    async with aiomqtt.Client(host, int(port), identifier=f"uvis-t-{uuid.uuid4().hex[:8]}") as client:
        await client.subscribe(f"{prefix}/#", qos=1)
        task = asyncio.create_task(consume(client))
        try:
            await _forward_and_collect(store, database_url,
                                       f"mqtt://{MQTT}/{prefix}/{{kind}}/{{device_id}}", received)
        finally:
            task.cancel()
    _check(received)
    assert {t.rsplit("/", 2)[1] for t in topics} == {"position", "event"}
    assert all(t.endswith("/" + m["device_id"]) for t, m in zip(topics, received))


async def test_amqp_publisher_confirms_every_record_in_order(store, database_url):
    host = AMQP.split("@")[-1].split("/")[0]
    _need(host if ":" in host else host + ":5672", "RabbitMQ")
    import aio_pika

    exchange_name = f"uvis-fwd-test-{uuid.uuid4().hex[:8]}"
    received: list[dict] = []
    keys: list[str] = []
    conn = await aio_pika.connect(AMQP)
    try:
        channel = await conn.channel()
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.TOPIC,
                                                  durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, "#")

        async def on_message(message) -> None:
            async with message.process():
                keys.append(message.routing_key)
                received.append(json.loads(message.body))
                assert message.message_id == received[-1]["id"]

        await queue.consume(on_message)
        url = AMQP.rstrip("/") + "/" + exchange_name
        await _forward_and_collect(store, database_url, url, received)
        await exchange.delete()
    finally:
        await conn.close()
    _check(received)
    assert all(k == f"{m['kind']}.{m['device_id']}" for k, m in zip(keys, received))


@pytest.mark.parametrize("per_message", [1, 50])
async def test_nats_jetstream_acks_every_record_in_order(store, database_url, per_message):
    _need(NATS.split("//")[-1], "NATS")
    import nats

    stream = f"UVISTEST{uuid.uuid4().hex[:8].upper()}"
    subject = f"fwdtest.{stream.lower()}"
    nc = await nats.connect(NATS)
    received: list[dict] = []
    try:
        js = nc.jetstream()
        try:
            await js.add_stream(name=stream, subjects=[f"{subject}.>"])
        except Exception as exc:  # noqa: BLE001
            pytest.skip(f"NATS on {NATS} has no JetStream ({exc})")

        async def on_message(msg) -> None:
            data = json.loads(msg.data)
            received.extend(data if isinstance(data, list) else [data])
            await msg.ack()

        sub = await js.subscribe(f"{subject}.>", cb=on_message, ordered_consumer=True)
        await _forward_and_collect(store, database_url,
                                   f"{NATS}/{subject}.{{kind}}.{{device_id}}", received,
                                   message_max_records=per_message)
        info = await js.stream_info(stream)
        if per_message == 1:
            assert info.state.messages == 153
        else:  # arrays of one subject's records (a device's positions, its events)
            assert 15 <= info.state.messages < 153
        await sub.unsubscribe()
        await js.delete_stream(stream)
    finally:
        await nc.close()
    _check(received)


async def test_amqp_connects_again_after_losing_the_broker(store):
    host = AMQP.split("@")[-1].split("/")[0]
    _need(host if ":" in host else host + ":5672", "RabbitMQ")
    import aio_pika

    from gateway.forward.destinations import make_destination
    from gateway.forward.messages import build_message
    from storage.ingest_log import IngestRecord

    exchange_name = f"uvis-fwd-test-{uuid.uuid4().hex[:8]}"
    destination = make_destination(ForwardDestinationSettings(
        name="amqp-reconnect", url=AMQP.rstrip("/") + "/" + exchange_name))
    await destination.open()
    conn = await aio_pika.connect(AMQP)
    try:
        channel = await conn.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange_name, "#")
        record = IngestRecord(kind="position", xid=1, seq=1, received_at=datetime.now(UTC),
                              record=pos("d1", 1))
        message = build_message(record, None)
        await destination._conn.close()            # the connection is gone (broker restart)
        assert await destination.send([message]) == []
        got = await queue.get(timeout=5)
        assert got.message_id == message.id and json.loads(got.body)["device_id"] == "d1"
        await channel.exchange_delete(exchange_name)
    finally:
        await destination.close()
        await conn.close()
