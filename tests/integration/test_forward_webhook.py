"""Forwarding to a webhook, in process, on the real PostgreSQL and a real
HTTP receiver on 127.0.0.1: everything committed arrives, signed, in order
per device; failures retry, then go to the dead letters, then re-drive; a
receiver down for 30 s loses nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import msgspec
import pytest
from _forward_helpers import (
    SECRET,
    Receiver,
    event,
    in_order_per_device,
    key_of,
    pos,
    wait_until,
)

from gateway.forward.cmd import redrive
from gateway.forward.loop import ForwardService, backoff_delay
from gateway.forward.messages import message_id
from gateway.forward.metrics import ForwardMetrics
from gateway.forward.settings import ForwardDestinationSettings, ForwardSettings
from storage import forward_store
from storage.ingest_log import IngestRecord

pytestmark = pytest.mark.integration


def now() -> datetime:
    return datetime.now(UTC)


async def service(database_url, pool, **kw) -> tuple[ForwardService, ForwardMetrics]:
    kw.setdefault("start", "earliest")
    kw.setdefault("batch_max_age", 0.05)
    destination = ForwardDestinationSettings(**kw)
    metrics = ForwardMetrics()
    svc = ForwardService(ForwardSettings(destinations=(destination,), lease_retry=0.2,
                                         poll_interval=0.2, metrics_interval=0.2),
                         database_url, pool, metrics)
    await svc.start()
    return svc, metrics


async def test_everything_committed_arrives_signed_once_in_order(store, database_url):
    receiver = await Receiver().start()
    svc, metrics = await service(database_url, store.pool, name="hook", url=receiver.url,
                                 secret=SECRET, batch_max_records=40)
    try:
        expected = []
        for batch in range(5):
            positions = [pos(f"d{i % 4}", batch * 100 + i) for i in range(30)]
            events = [event("d1", batch * 100 + 99)]
            await store.write(positions, events, now())
            expected += [("position", p.device_id, p.fix_time) for p in positions]
            expected += [("event", e.device_id, e.time) for e in events]
        await wait_until(lambda: len(receiver.messages) >= len(expected), 20, "all messages")
        await asyncio.sleep(0.3)  # nothing more comes
    finally:
        await svc.stop()
        await receiver.stop()
    got = [key_of(m) for m in receiver.messages]
    assert sorted(got) == sorted((k, d, t.isoformat().replace("+00:00", "Z")) for k, d, t in expected)
    assert len(set(got)) == len(got) == 155
    assert in_order_per_device(receiver.messages)
    assert receiver.bad_signatures == 0
    assert all(len(k) == 32 for k in receiver.keys) and len(set(receiver.keys)) == len(receiver.keys)
    first = next(m for m in receiver.messages if m["device_id"] == "d1" and m["kind"] == "position")
    p = pos("d1", 1)
    assert first == {
        "id": message_id(IngestRecord(kind="position", xid=0, seq=0, received_at=now(), record=p)),
        "kind": "position", "received_at": first["received_at"], "group": None,
        "device_id": "d1", "protocol": "gt06", "fix_time": "2024-05-01T12:00:01Z", "valid": True,
        "lat": 22.501, "lon": 114.0, "altitude_m": None, "speed_kmh": 12.5, "course_deg": None,
        "satellites": None, "hdop": None, "attributes": {"n": 1}}
    assert metrics.delivered.labels("hook")._value.get() == 155
    assert metrics.retried.labels("hook")._value.get() == 0


async def test_filters_devices_and_event_types(store, database_url):
    receiver = await Receiver(secret=None).start()
    svc, _ = await service(database_url, store.pool, name="filtered", url=receiver.url,
                           devices=("d1", "d2"), event_types=("sos",))
    try:
        await store.write([pos("d1", 1), pos("d2", 2), pos("d3", 3)],
                          [event("d1", 4, "sos"), event("d1", 5, "overspeed"), event("d3", 6, "sos")],
                          now())
        await store.write([pos("d2", 7)], [], now())
        await wait_until(lambda: len(receiver.messages) >= 4, 20, "the filtered messages")
        await asyncio.sleep(0.5)
    finally:
        await svc.stop()
        await receiver.stop()
    assert sorted((m["kind"], m["device_id"], m.get("type")) for m in receiver.messages) == [
        ("event", "d1", "sos"), ("position", "d1", None), ("position", "d2", None),
        ("position", "d2", None)]


async def test_failures_retry_then_dead_letter_then_redrive(store, database_url):
    receiver = await Receiver().start()
    receiver.status = 500
    settings = dict(name="failing", url=receiver.url, secret=SECRET, max_attempts=3,
                    backoff_initial=0.05, backoff_max=0.1)
    svc, metrics = await service(database_url, store.pool, **settings)
    try:
        await store.write([pos("d1", s) for s in range(5)], [], now())
        await wait_until(lambda: metrics.dead_lettered.labels("failing")._value.get() == 5, 20,
                         "the dead letters")
        assert len(receiver.requests) == 3                  # 3 attempts of one batch
        assert metrics.retried.labels("failing")._value.get() == 10
        assert receiver.messages == []
        receiver.status = 200                              # the receiver is fixed
        await store.write([pos("d1", 10)], [], now())       # the stream goes on
        await wait_until(lambda: len(receiver.messages) == 1, 20, "the next message")
    finally:
        await svc.stop()
    letters = await forward_store.dead_letters(store.pool, destination="failing")
    assert [(d.device_id, d.attempts, d.reason) for d in letters] == [("d1", 3, "ConnectionError: HTTP 500")] * 5
    assert await forward_store.open_dead_letters(store.pool) == {"failing": 5}
    ids = [json.loads(bytes(d.payload))["id"] for d in letters]
    assert ids == [d.message_id for d in letters]
    try:
        stats = await redrive(store.pool, {"failing": ForwardDestinationSettings(**settings)})
    finally:
        await receiver.stop()
    assert stats == {"sent": 5, "failed": 0, "unknown": 0}
    assert [m["id"] for m in receiver.messages[1:]] == ids      # the same ids again
    assert [m["fix_time"] for m in receiver.messages[1:]] == [
        f"2024-05-01T12:00:0{s}Z" for s in range(5)]
    assert receiver.bad_signatures == 0
    assert await forward_store.open_dead_letters(store.pool) == {}


async def test_a_receiver_down_for_30_s_loses_nothing(store, database_url):
    receiver = await Receiver().start()
    svc, metrics = await service(database_url, store.pool, name="outage", url=receiver.url,
                                 secret=SECRET, backoff_initial=0.2, backoff_max=2.0,
                                 batch_max_records=50)
    try:
        second = 0
        for _ in range(3):
            await store.write([pos(f"d{i % 3}", second + i) for i in range(20)], [], now())
            second += 20
        await wait_until(lambda: len(receiver.messages) == 60, 20, "the first 60")
        await receiver.stop()                                    # down mid-stream
        for _ in range(30):                                      # 30 s of traffic while down
            await store.write([pos(f"d{i % 3}", second + i) for i in range(20)], [], now())
            second += 20
            await asyncio.sleep(1.0)
        assert len(receiver.messages) == 60
        await svc.refresh_lag()
        assert metrics.lag_records.labels("outage")._value.get() >= 550
        assert metrics.lag_seconds.labels("outage")._value.get() > 25
        await receiver.start()                                   # back, same port
        await wait_until(lambda: len(receiver.messages) >= second, 30, "everything")
        await asyncio.sleep(0.3)
        await svc.refresh_lag()
        assert metrics.lag_records.labels("outage")._value.get() == 0
        assert metrics.lag_seconds.labels("outage")._value.get() == 0
    finally:
        await svc.stop()
        await receiver.stop()
    keys = [(m["device_id"], m["fix_time"]) for m in receiver.messages]
    assert len(set(keys)) == second == 660                        # none missing
    assert in_order_per_device(receiver.messages)
    assert metrics.retried.labels("outage")._value.get() > 0
    assert metrics.dead_lettered.labels("outage")._value.get() == 0


async def test_traccar_mode_url_placeholders_and_json(store, database_url):
    receiver = await Receiver(secret=None).start()
    url = receiver.url + "?id={uniqueId}&lat={latitude}&lon={longitude}&speed={speed}&t={fixTime}"
    svc1, _ = await service(database_url, store.pool, name="traccar-url", url=url, format="traccar",
                            kinds=("positions",))
    svc2, _ = await service(database_url, store.pool, name="traccar-json", url=receiver.url,
                            format="traccar", kinds=("positions",))
    try:
        await store.write([pos("864717003283581", 1, speed_kmh=18.52)], [], now())
        await wait_until(lambda: len(receiver.requests) == 2, 20, "both requests")
    finally:
        await svc1.stop()
        await svc2.stop()
        await receiver.stop()
    get = next(r for r in receiver.requests if r.method == "GET")
    assert dict(get.query) == {"id": "864717003283581", "lat": "22.501", "lon": "114.0",
                               "speed": "10.0", "t": "1714564801000"}
    (body,) = receiver.messages
    assert body["device"]["uniqueId"] == "864717003283581"
    assert body["position"]["deviceId"] == 864717003283581 == body["device"]["id"]
    assert (body["position"]["latitude"], body["position"]["speed"]) == (22.501, 10.0)
    assert body["position"]["fixTime"] == "2024-05-01T12:00:01.000+00:00"


def test_backoff_is_jittered_and_capped():
    import random

    rng = random.Random(1)
    delays = [backoff_delay(n, 0.5, 8.0, rng) for n in range(1, 9)]
    caps = [0.5, 1, 2, 4, 8, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(delays, caps))
    assert len({round(d, 6) for d in delays}) == 8


def test_message_ids_are_stable_and_content_based():
    r = IngestRecord(kind="position", xid=1, seq=2, received_at=now(), record=pos("d1", 1))
    moved = msgspec.structs.replace(r, xid=9, seq=99)
    merged = msgspec.structs.replace(r, record=pos("d1", 1, attributes={"n": 1, "alarm": "sos"}))
    assert message_id(r) == message_id(moved) != message_id(merged)
    assert message_id(r).startswith("p-") and len(message_id(r)) == 26
