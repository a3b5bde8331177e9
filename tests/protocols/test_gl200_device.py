"""gl200 device side and property tests: device -> chunks -> connection round trips; garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from protocols._connection import ConnectionOptions
from protocols._device import DeviceAck
from protocols._errors import LocalProtocolError, ProtocolError
from protocols._records import Fix
from protocols.gl200 import Gl200Connection, Gl200Device, Gl200UdpConnection
from _harness import chunked

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)
IMEI = "864717003283581"
T0 = datetime(2024, 3, 5, 9, 0, 0, tzinfo=UTC)

fixes = st.builds(
    Fix,
    time=st.integers(0, 60 * 365 * 86400).map(lambda s: datetime(2000, 1, 1, tzinfo=UTC)
                                              + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 3000).map(lambda v: v / 10), course_deg=st.integers(0, 359).map(float),
    altitude_m=st.integers(-4000, 90000).map(lambda v: v / 10),
)


def test_report_bytes_exact():
    dev = Gl200Device(IMEI)
    out = dev.encode_fixes([Fix(time=T0, lat=-33.86882, lon=151.20929, speed_kmh=42.35,
                                course_deg=359.6, altitude_m=12.25)])
    assert out.data == (b"+RESP:GTFRI,1A0100,864717003283581,,0,0,1,1,42.4,0,12.2,151.209290,"
                        b"-33.868820,20240305090000,,,,,00,80,20240305090000,0001$")
    assert (out.token, out.count) == (1, 1)
    assert dev.heartbeat() == b"+ACK:GTHBD,1A0100,864717003283581,,20240305090000,0002$"
    assert dev.hello() == b"" and dev.hello_acked and not dev.expects_acks


def test_ack_mode_matches_counts_split_across_calls():
    dev = Gl200Device(IMEI, ack=True)
    first = dev.encode_fixes([Fix(time=T0, lat=1.0, lon=2.0)])
    second = dev.encode_fixes([Fix(time=T0, lat=1.0, lon=2.0)] * 3)
    assert (first.count, second.count) == (1, 3)
    assert dev.receive_data(b"+SACK:00") == []
    assert dev.receive_data(b"02$+SACK:GTHBD,1A0100,0009$+SAC") == [
        DeviceAck("fixes", second.token), DeviceAck("other")]
    assert dev.receive_data(b"K:0001$+SACK:0001$") == [DeviceAck("fixes", first.token),
                                                       DeviceAck("other")]


def test_session_with_server_in_ack_mode():
    dev = Gl200Device(IMEI, ack=True)
    conn = Gl200Connection(options=ConnectionOptions(extra={"ack": True}))
    packet = dev.encode_fixes([Fix(time=T0, lat=10.5, lon=-20.25)])
    (d,) = conn.feed(packet.data, NOW)
    assert d.defer_reply and dev.receive_data(d.reply) == [DeviceAck("fixes", packet.token)]
    (h,) = conn.feed(dev.heartbeat(), NOW)
    assert not h.defer_reply and dev.receive_data(h.reply) == [DeviceAck("other")]


def test_invalid_fix_is_an_outdated_position():
    dev = Gl200Device(IMEI)
    (d,) = Gl200Connection().feed(dev.encode_fixes([Fix(time=T0, lat=0, lon=0, valid=False)]).data,
                                  NOW)
    (p,) = d.positions
    assert not p.valid and p.attributes["outdated"] is True and p.fix_time == T0


@pytest.mark.parametrize("kwargs", [{"transport": "sctp"}, {"device_id": "12,3"}])
def test_device_misuse(kwargs):
    args = {"device_id": IMEI, **kwargs}
    with pytest.raises(LocalProtocolError):
        Gl200Device(args.pop("device_id"), **args)
    with pytest.raises(LocalProtocolError):
        Gl200Device(IMEI).encode_fixes([])


def check(fix: Fix, p) -> None:
    assert p.valid and p.device_id == IMEI
    assert p.fix_time == fix.time.replace(microsecond=0)
    assert abs(p.lat - fix.lat) <= 5e-7 + 1e-12 and abs(p.lon - fix.lon) <= 5e-7 + 1e-12
    assert abs(p.speed_kmh - fix.speed_kmh) <= 0.05 + 1e-9
    assert p.course_deg == round(fix.course_deg) % 360
    assert abs(p.altitude_m - fix.altitude_m) <= 0.05 + 1e-9


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(fixes, min_size=1, max_size=4), min_size=1, max_size=3),
       st.lists(st.integers(0, 10_000), max_size=8))
def test_round_trip_tcp(packets, cuts):
    dev = Gl200Device(IMEI)
    stream = b"".join(dev.encode_fixes(batch).data + b"\r\n" for batch in packets)
    conn = Gl200Connection()
    decoded = []
    for chunk in chunked(stream, cuts):
        decoded += conn.feed(chunk, NOW)
    positions = [p for d in decoded for p in d.positions]
    expected = [f for batch in packets for f in batch]
    assert len(positions) == len(expected) and decoded[0].login == IMEI
    for fix, p in zip(expected, positions):
        check(fix, p)
    assert conn.buffered == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(fixes, min_size=1, max_size=15))
def test_round_trip_udp(batch):
    dev = Gl200Device(IMEI, transport="udp")
    d = Gl200UdpConnection().receive_frame(dev.encode_fixes(batch).data, NOW)
    assert len(d.positions) == len(batch)
    for fix, p in zip(batch, d.positions):
        check(fix, p)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"+RESP:GTFRI,", b"+ACK:GTHBD,1A0100,", b"+RSP", b"+EVT\x07", b"+\x00",
                     b"$", b"\x00", b",", b"+BUFF:", b"+INF"]),
), max_size=30))
def test_garbage_stream_raises_only_protocol_errors(parts):
    conn = Gl200Connection(options=ConnectionOptions(max_frame_size=2048))
    data = b"".join(parts)
    for chunk in (data[:len(data) // 2], data[len(data) // 2:]):
        pending = chunk
        while True:
            try:
                conn.feed(pending, NOW)
                break
            except ProtocolError:
                if conn.closed:
                    return
                pending = b""
        assert conn.buffered <= 2048 + len(chunk)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(0, 200), st.binary(max_size=8))
def test_mutated_frames_raise_only_protocol_errors(prefix, at, junk):
    dev = Gl200Device(IMEI)
    frame = dev.encode_fixes([Fix(time=T0, lat=1.5, lon=2.5)]).data
    for candidate in (prefix, frame[:at] + junk + frame[at:], b"+RSP\x07" + prefix,
                      b"+\x00" + prefix):
        for conn in (Gl200Connection(), Gl200UdpConnection()):
            try:
                conn.receive_frame(candidate, NOW)
            except ProtocolError:
                pass
