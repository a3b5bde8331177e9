"""Teltonika device side: encoder -> chunks -> connection round trips, and our
replies read back by the device (handshake, TCP counts, UDP ACKs)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix, LocalProtocolError
from protocols._checksum import crc16_arc
from protocols._device import DeviceAck
from protocols.teltonika import Codec, TeltonikaConnection, TeltonikaDevice, TeltonikaUdpConnection
from _harness import chunked

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "864275071234567"
BASE = datetime(2020, 1, 1, tzinfo=timezone.utc)

fixes = st.builds(
    Fix,
    time=st.integers(0, 10**11).map(lambda ms: BASE + timedelta(milliseconds=ms)),
    lat=st.floats(-90, 90), lon=st.floats(-180, 180),
    speed_kmh=st.integers(0, 400).map(float), course_deg=st.integers(0, 359).map(float),
    altitude_m=st.integers(-400, 8000).map(float), satellites=st.integers(1, 40),
    valid=st.booleans(),
    attributes=st.fixed_dictionaries({}, optional={
        "ignition": st.booleans(), "motion": st.booleans(),
        "power": st.integers(0, 65535).map(lambda mv: mv / 1000),
        "odometer": st.integers(0, 2**32 - 1)}),
)


def check_same(fix: Fix, p) -> None:
    assert p.fix_time == fix.time
    assert abs(p.lat - fix.lat) <= 0.5e-7 + 1e-12 and abs(p.lon - fix.lon) <= 0.5e-7 + 1e-12
    assert (p.speed_kmh, p.course_deg, p.altitude_m) == (fix.speed_kmh, fix.course_deg, fix.altitude_m)
    assert p.valid is fix.valid
    assert p.satellites == (fix.satellites if fix.valid else 0)
    for key in ("ignition", "motion", "power", "odometer"):
        assert p.attributes.get(key) == fix.attributes.get(key)


@pytest.mark.parametrize("codec", [Codec.CODEC_8, Codec.CODEC_8E, Codec.CODEC_16])
@settings(max_examples=150, deadline=None)
@given(batch=st.lists(fixes, min_size=1, max_size=25), cuts=st.lists(st.integers(0, 10**6), max_size=8))
def test_tcp_round_trip(codec, batch, cuts):
    device = TeltonikaDevice(IMEI, codec=codec)
    conn = TeltonikaConnection()
    out = []
    for chunk in chunked(device.hello(), cuts):
        out.extend(conn.feed(chunk, NOW))
    assert device.receive_data(out[0].reply) == [DeviceAck("hello")] and device.hello_acked
    packet = device.encode_fixes(batch)
    assert packet.data[8] == codec and packet.count == len(batch)
    assert int.from_bytes(packet.data[-4:], "big") == crc16_arc(packet.data[8:-4])
    decoded = []
    for chunk in chunked(packet.data, cuts):
        decoded.extend(conn.feed(chunk, NOW))
    (d,) = decoded
    assert d.checksum_ok and d.defer_reply
    assert len(d.positions) == len(batch)
    for fix, p in zip(batch, d.positions):
        check_same(fix, p)
    assert device.receive_data(d.reply) == [DeviceAck("fixes", packet.token)]


@settings(max_examples=100, deadline=None)
@given(batch=st.lists(fixes, min_size=1, max_size=25))
def test_udp_round_trip(batch):
    device = TeltonikaDevice(IMEI, transport="udp")
    assert device.hello() == b"" and device.hello_acked
    conn = TeltonikaUdpConnection()
    packet = device.encode_fixes(batch)
    d = conn.receive_frame(packet.data, NOW)
    assert d.login == IMEI and d.defer_reply
    assert d.reply == bytes.fromhex("0005") + (packet.token & 0xFFFF).to_bytes(2, "big") \
        + bytes([1, packet.token & 0xFF, len(batch)])
    for fix, p in zip(batch, d.positions, strict=True):
        check_same(fix, p)
    assert device.receive_data(d.reply[:3]) == []
    assert device.receive_data(d.reply[3:]) == [DeviceAck("fixes", packet.token)]


def _fix(minute: int) -> Fix:
    return Fix(time=BASE + timedelta(minutes=minute), lat=54.0, lon=25.0)


def test_tcp_counts_acknowledge_oldest_first():
    device = TeltonikaDevice(IMEI)
    assert device.receive_data(b"\x01") == [DeviceAck("hello")]
    tokens = [device.encode_fixes([_fix(i)]).token for i in range(3)]
    assert len(set(tokens)) == 3
    acks = device.receive_data(b"\x00\x00\x00\x01\x00\x00")
    assert acks == [DeviceAck("fixes", tokens[0])]
    assert device.receive_data(b"\x00\x01\x00\x00\x00\x01") == [
        DeviceAck("fixes", tokens[1]), DeviceAck("fixes", tokens[2])]


def test_handshake_rejected():
    device = TeltonikaDevice(IMEI)
    assert device.hello() == bytes.fromhex("000f") + IMEI.encode()
    assert device.receive_data(b"\x00") == [DeviceAck("rejected")]
    assert device.hello_acked is False


def test_udp_acks_by_avl_packet_id_out_of_order():
    device = TeltonikaDevice(IMEI, transport="udp")
    first, second = device.encode_fixes([_fix(0)]), device.encode_fixes([_fix(1)])
    ack = lambda t: bytes.fromhex("0005") + t.to_bytes(2, "big") + bytes([1, t & 0xFF, 1])  # noqa: E731
    assert device.receive_data(ack(second.token) + ack(first.token)) == [
        DeviceAck("fixes", second.token), DeviceAck("fixes", first.token)]
    assert device.receive_data(ack(first.token)) == []  # already acknowledged


def test_codec8_packet_bytes():
    fix = Fix(time=datetime(2024, 3, 1, 12, 0, 0, 500000, tzinfo=timezone.utc), lat=54.687234,
              lon=25.279756, speed_kmh=54, course_deg=270, altitude_m=112, satellites=9,
              attributes={"ignition": True, "power": 12.6})
    data = TeltonikaDevice(IMEI).encode_fixes([fix]).data
    body = ("0801" "0000018df9e2b3f4" "00" "0f116278" "20989c14" "0070" "010e" "09" "0036"
            "00" "02" "01" "ef01" "01" "423138" "00" "00" "01")
    assert data.hex() == "00000000" + f"{len(body) // 2:08x}" + body \
        + f"{crc16_arc(bytes.fromhex(body)):08x}"


def test_encoder_limits_and_heartbeat():
    device = TeltonikaDevice(IMEI)
    assert device.max_fixes_per_packet == 25 and device.expects_acks
    assert device.heartbeat() == b"\xff"
    with pytest.raises(LocalProtocolError):
        device.encode_fixes([_fix(i) for i in range(26)])
    with pytest.raises(LocalProtocolError):
        TeltonikaDevice(IMEI, codec=Codec.CODEC_12)
