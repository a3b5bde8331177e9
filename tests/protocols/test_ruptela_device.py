"""Ruptela device side and robustness: hypothesis round trips through the device
encoder, acknowledgements read back, random garbage only raises ProtocolError."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix, LocalProtocolError, ProtocolError
from protocols._device import DeviceAck
from protocols.ruptela import RuptelaConnection, RuptelaDevice
from protocols.ruptela.encode import HEARTBEAT_ACK, RECORDS_ACK

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "865851039253869"
BASE = datetime(2020, 1, 1, tzinfo=timezone.utc)

fixes = st.builds(
    Fix,
    time=st.integers(0, 10**8).map(lambda s: BASE + timedelta(seconds=s)),
    lat=st.floats(-90, 90), lon=st.floats(-180, 180),
    speed_kmh=st.integers(0, 300).map(float), course_deg=st.floats(0, 359.99),
    altitude_m=st.floats(0, 6000), satellites=st.integers(0, 30), valid=st.just(True),
    attributes=st.fixed_dictionaries({}, optional={
        "ignition": st.booleans(), "motion": st.booleans(),
        "power": st.integers(0, 30000).map(lambda mv: mv / 1000),
        "odometer": st.integers(0, 2**32 - 1)}),
)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(fixes, min_size=1, max_size=5), cuts=st.lists(st.integers(0, 2000), max_size=6),
       extended=st.booleans())
def test_round_trip(batch, cuts, extended):
    device = RuptelaDevice(IMEI, extended=extended)
    out = device.encode_fixes(batch)
    assert out.count == len(batch)
    conn = RuptelaConnection()
    decoded = []
    for chunk in split(out.data, cuts):
        decoded.extend(conn.feed(chunk, NOW))
    (d,) = decoded
    assert d.reply == RECORDS_ACK and d.defer_reply
    assert len(d.positions) == len(batch)
    for fix, p in zip(batch, d.positions):
        assert p.device_id == IMEI and p.valid
        assert p.fix_time == fix.time
        assert p.lat == pytest.approx(fix.lat, abs=0.6e-7)
        assert p.lon == pytest.approx(fix.lon, abs=0.6e-7)
        assert p.speed_kmh == fix.speed_kmh
        assert p.course_deg == pytest.approx(fix.course_deg, abs=0.006)
        assert p.altitude_m == pytest.approx(fix.altitude_m, abs=0.06)
        for key in ("ignition", "motion", "odometer"):
            assert p.attributes.get(key) == fix.attributes.get(key)
        if "power" in fix.attributes:
            assert p.attributes["power"] == pytest.approx(fix.attributes["power"])
    assert device.receive_data(d.reply) == [DeviceAck("fixes", out.token)]


def test_acks_in_order_split_and_heartbeat_ignored():
    device = RuptelaDevice(IMEI)
    fix = Fix(time=BASE, lat=1.0, lon=2.0)
    first, second = device.encode_fixes([fix]), device.encode_fixes([fix, fix])
    assert first.token != second.token and second.count == 2
    stream = RECORDS_ACK + HEARTBEAT_ACK + RECORDS_ACK
    acks = [a for b in stream for a in device.receive_data(bytes((b,)))]
    assert acks == [DeviceAck("fixes", first.token), DeviceAck("fixes", second.token)]


def test_invalid_fix_round_trip_and_heartbeat():
    device = RuptelaDevice(IMEI)
    assert device.hello() == b"" and device.hello_acked and device.expects_acks
    out = device.encode_fixes([Fix(time=BASE, lat=1.0, lon=2.0, valid=False)])
    (p,) = RuptelaConnection().receive_frame(out.data, NOW).positions
    assert p.valid is False
    d = RuptelaConnection().receive_frame(device.heartbeat(), NOW)
    assert d.reply == HEARTBEAT_ACK and not d.defer_reply


def test_device_limits():
    with pytest.raises(LocalProtocolError):
        RuptelaDevice("not-an-imei")
    with pytest.raises(LocalProtocolError):
        RuptelaDevice(IMEI, transport="udp")
    with pytest.raises(LocalProtocolError):
        RuptelaDevice(IMEI).encode_fixes([Fix(time=BASE, lat=0, lon=0)] * 21)
    full = [Fix(time=BASE, lat=0, lon=0, attributes={"ignition": True, "motion": True,
                                                      "power": 12.0, "battery": 4.0,
                                                      "odometer": 1})] * 20
    assert len(RuptelaDevice(IMEI, extended=True).encode_fixes(full).data) <= 1024


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6))
def test_random_stream(chunks):
    conn = RuptelaConnection()
    for chunk in chunks:
        if conn.closed:
            return
        try:
            conn.feed(chunk, NOW)
        except ProtocolError:
            pass
        assert conn.buffered <= 1024 + len(chunk)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_frames(blob):
    try:
        RuptelaConnection().receive_frame(blob, NOW)
    except ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(command=st.sampled_from([1, 2, 3, 4, 7, 9, 15, 16, 17, 37, 68]), body=st.binary(max_size=200))
def test_random_data_per_command(command, body):
    payload = bytes(8) + bytes((command,)) + body
    try:
        RuptelaConnection().receive_frame(len(payload).to_bytes(2, "big") + payload + b"\0\0", NOW)
    except ProtocolError:
        pass
