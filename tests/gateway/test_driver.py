"""The one driver (gateway/transports/driver.py): every source drives its
sans-IO connections through it, and the classification is the same for all:
a decoded frame is handed on, a ProtocolError is peer garbage (counted,
described with a hex prefix; live: logged, archived, charged to the budget),
anything else is a decoder bug (live: counted, the session ends; decode and
replay: it surfaces)."""

from __future__ import annotations

import ast
import pathlib
from datetime import datetime, timezone

import pytest

from gateway.runtime.budgets import Budget, ErrorBudget
from gateway.runtime.guard import Guard
from gateway.runtime.ingest import DeviceGate, Ingest
from gateway.runtime.metrics import Metrics
from gateway.settings.limits import LimitsSettings
from gateway.transports.driver import SKIP, Driver, LiveRules, OfflineRules, Stop
from protocols import Fix, MalformedError
from protocols._connection import ConnectionOptions
from protocols.registry import get

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOW = datetime(2026, 5, 6, 7, 8, 10, tzinfo=timezone.utc)
FIX = Fix(time=datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc), lat=51.5, lon=-0.125)
#: calls that drive a sans-IO connection; only the driver makes them
DRIVING = {"next_decoded", "receive_frame", "receive_data", "feed"}
#: ... except where a payload decoder decodes a protocol frame nested in an
#: MQTT payload (its errors reach the driver that called it)
NESTED = {"gateway/mqtt/payloads.py"}


def test_only_the_driver_drives_protocol_connections() -> None:
    found = []
    for path in sorted((ROOT / "gateway").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in {"gateway/transports/driver.py", *NESTED}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in DRIVING
                    and not (isinstance(node.func.value, ast.Attribute)
                             and node.func.value.attr == "_proxy")):  # the PROXY header parser
                found.append(f"{name}:{node.lineno} calls .{node.func.attr}()")
    assert found == []


class Buggy:
    """A connection whose decoder has a bug (raises IndexError on input)."""

    device_id = "dev-1"
    closed = False
    last_frame = b"\x01\x02"

    def receive_data(self, data: bytes) -> None:
        pass

    def next_decoded(self, now):
        raise IndexError("index out of range")

    def receive_frame(self, data: bytes, now):
        raise IndexError("index out of range")


def gt06(device: str = "864717003283581"):
    return get("gt06").tcp_connection(options=ConnectionOptions())


def test_offline_rules_describe_protocol_errors_and_let_bugs_surface() -> None:
    rules = OfflineRules()
    driver = Driver(gt06(), rules)
    device = get("gt06").device("864717003283581")
    driver.receive(device.hello() + b"\x78\x78\x05\x01\xff\xff\x0d\x0a" + device.encode_fixes([FIX]).data)
    out = []
    while (decoded := driver.next(NOW)) is not None:
        if decoded is not SKIP:
            out.append(decoded)
    assert [d.login for d in out][:1] == ["864717003283581"] and out[1].positions[0].lat == 51.5
    assert rules.errors == 1 and driver.stop is None
    assert rules.take_error() == "MalformedError: gt06: login without a terminal id [ffff]"
    assert rules.take_error() is None  # taken
    with pytest.raises(IndexError):
        Driver(Buggy(), OfflineRules()).frame(b"\x01", NOW)


def live(limits: LimitsSettings | None = None):
    metrics = Metrics()
    guard = Guard(limits or LimitsSettings(exempt_networks=()), metrics)
    ingest = Ingest(lambda *a, **k: None, DeviceGate(True), guard=guard)
    return ingest, metrics.for_listener("gt06", "tcp"), metrics


def test_live_rules_count_a_bug_and_end_the_session() -> None:
    ingest, pm, metrics = live()
    driver = Driver(Buggy(), LiveRules(ingest, pm, "gt06", "tcp"), ("192.0.2.1", 4000), 7,
                    Budget(ingest.guard.budget("gt06")))
    assert driver.frame(b"\x01", NOW) is SKIP
    assert driver.stop == Stop("bug", "IndexError: index out of range")
    assert metrics.registry.get_sample_value("uvis_decoder_bugs_total",
                                             {"protocol": "gt06", "transport": "tcp"}) == 1


def test_live_rules_charge_the_budget_and_stop_at_its_end() -> None:
    ingest, pm, metrics = live()
    budget = Budget(ErrorBudget(frames=2, bytes=1000, ratio=0.5, min_frames=10))
    driver = Driver(gt06(), LiveRules(ingest, pm, "gt06", "tcp"), ("192.0.2.1", 4000), 7, budget)
    for expected in (None, None, Stop):
        assert driver.bad(MalformedError("gt06: garbage", data=b"\x00\x01"), b"\x00\x01") is SKIP
        if expected is None:
            assert driver.stop is None
    assert driver.stop.reason == "abuse" and driver.stop.detail == "3 bad frames before a valid one"
    assert metrics.registry.get_sample_value("uvis_decode_errors_total",
                                             {"protocol": "gt06", "transport": "tcp"}) == 3


class Message:
    def __init__(self, topic: str, payload: bytes, mid: int) -> None:
        self.topic, self.payload, self.mid = topic, payload, mid
        self.qos, self.dup = 1, False


def test_mqtt_messages_go_through_the_driver() -> None:
    """Garbage is a decode error, a decoder's IndexError a decoder bug (not a
    "malformed payload" as before), a good message reaches the writer; every
    one is acknowledged (after its commit)."""
    from gateway.mqtt.ingest import BrokerIngest
    from gateway.settings import MqttBrokerSettings, MqttSubscriptionSettings

    submitted = []
    metrics = Metrics()
    ingest = Ingest(lambda p, e, on_commit, frame=None: (submitted.append((p, e)), on_commit and on_commit()),
                    DeviceGate(True), guard=Guard(LimitsSettings(), metrics))
    broker = MqttBrokerSettings(url="mqtt://127.0.0.1:1", subscriptions=(
        MqttSubscriptionSettings(filter="fleet/+", format="uvis-json", device_id="topic:-1"),))
    mqtt = BrokerIngest(broker, ingest, metrics)
    acks = []
    mqtt.client.ack = lambda mid, qos, generation: acks.append(mid) or True
    good = b'{"fix_time":"2026-03-04T05:06:07Z","lat":1,"lon":2}'
    mqtt._on_message(Message("fleet/d1", b"\x00not json", 1), 0)
    mqtt._on_message(Message("fleet/d1", good, 2), 0)
    mqtt.routes[0].driver.conn.decoder.decode = lambda *a: [][1]  # a bug in a payload decoder
    mqtt._on_message(Message("fleet/d1", good, 3), 0)
    sample = metrics.registry.get_sample_value
    labels = {"protocol": "uvis-json", "transport": "mqtt"}
    assert sample("uvis_decode_errors_total", labels) == 1
    assert sample("uvis_decoder_bugs_total", labels) == 1
    assert [q.device_id for p, _ in submitted for q in p] == ["d1"]
    assert acks == [1, 2, 3]
