"""Galileosky device side and robustness: hypothesis round trips through the
device encoder, acknowledgements read back, garbage only raises ProtocolError."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix, LocalProtocolError, ProtocolError
from protocols._device import DeviceAck
from protocols.galileo import GalileoConnection, GalileoDevice

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "868204001234567"
BASE = datetime(2020, 1, 1, tzinfo=timezone.utc)

fixes = st.builds(
    Fix,
    time=st.integers(0, 10**8).map(lambda s: BASE + timedelta(seconds=s)),
    lat=st.floats(-90, 90), lon=st.floats(-180, 180),
    speed_kmh=st.integers(0, 3000).map(lambda v: v / 10), course_deg=st.floats(0, 359.9),
    altitude_m=st.integers(-400, 9000).map(float), satellites=st.integers(0, 15),
    valid=st.booleans(),
    attributes=st.fixed_dictionaries({}, optional={
        "power": st.integers(0, 30000).map(lambda mv: mv / 1000),
        "odometer": st.integers(0, 2**32 - 1)}),
)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(fixes, min_size=1, max_size=5), cuts=st.lists(st.integers(0, 2000), max_size=6))
def test_round_trip(batch, cuts):
    device = GalileoDevice(IMEI)
    conn = GalileoConnection()
    (hello,) = conn.feed(device.hello(), NOW)
    assert hello.login == IMEI and device.receive_data(hello.reply) == [DeviceAck("hello")]
    assert device.hello_acked
    out = device.encode_fixes(batch)
    decoded = []
    for chunk in split(out.data, cuts):
        decoded.extend(conn.feed(chunk, NOW))
    (d,) = decoded
    assert d.defer_reply and len(d.positions) == len(batch)
    for fix, p in zip(batch, d.positions):
        assert p.device_id == IMEI and p.valid == fix.valid and p.fix_time == fix.time
        assert p.lat == pytest.approx(fix.lat, abs=0.6e-6)
        assert p.lon == pytest.approx(fix.lon, abs=0.6e-6)
        assert p.speed_kmh == pytest.approx(fix.speed_kmh, abs=0.051)
        assert p.course_deg == pytest.approx(fix.course_deg, abs=0.051)
        assert p.altitude_m == fix.altitude_m and p.satellites == fix.satellites
        assert p.attributes.get("odometer") == fix.attributes.get("odometer")
        if "power" in fix.attributes:
            assert p.attributes["power"] == pytest.approx(fix.attributes["power"])
    assert device.receive_data(d.reply) == [DeviceAck("fixes", out.token)]


def test_acks_split_and_out_of_order():
    device = GalileoDevice(IMEI)
    fix = Fix(time=BASE, lat=1.0, lon=2.0)
    first, second = device.encode_fixes([fix]), device.encode_fixes([fix, fix])
    conn = GalileoConnection(device_id=IMEI)
    r1 = conn.receive_frame(first.data, NOW).reply
    r2 = conn.receive_frame(second.data, NOW).reply
    stream = r2 + b"\x07\x00\x00" + r1
    acks = [a for b in stream for a in device.receive_data(bytes((b,)))]
    assert acks == [DeviceAck("fixes", second.token), DeviceAck("fixes", first.token)]


def test_device_limits():
    with pytest.raises(LocalProtocolError):
        GalileoDevice("123")
    with pytest.raises(LocalProtocolError):
        GalileoDevice(IMEI, transport="udp")
    with pytest.raises(LocalProtocolError):
        GalileoDevice(IMEI).encode_fixes([Fix(time=BASE, lat=0, lon=0)] * 21)
    full = [Fix(time=BASE, lat=0, lon=0, attributes={"power": 12.0, "battery": 4.0,
                                                      "odometer": 1})] * 20
    assert len(GalileoDevice(IMEI).encode_fixes(full).data) <= 1000


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6))
def test_random_stream(chunks):
    conn = GalileoConnection(device_id=IMEI)
    for chunk in chunks:
        if conn.closed:
            return
        try:
            conn.feed(chunk, NOW)
        except ProtocolError:
            pass
        assert conn.buffered <= 32 * 1024 + len(chunk)


@settings(max_examples=300, deadline=None)
@given(header=st.sampled_from([0x01, 0x07, 0x08]), body=st.binary(max_size=300))
def test_random_frames(header, body):
    for frame in (bytes((header,)) + len(body).to_bytes(2, "little") + body,
                  bytes((header,)) + body):
        try:
            GalileoConnection(device_id=IMEI).receive_frame(frame, NOW)
        except ProtocolError:
            pass


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=120))
def test_random_iridium(body):
    frame = b"\x01" + (len(body) + 3).to_bytes(2, "big") + b"\x01\x00\x1c" + body
    try:
        GalileoConnection().receive_frame(frame, NOW)
    except ProtocolError:
        pass
