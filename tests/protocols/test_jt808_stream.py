"""JT/T 808 streams (splits, resync, bounds), the device side and property tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from protocols._connection import ConnectionOptions
from protocols._device import DeviceAck
from protocols._errors import FramingError, ProtocolError
from protocols._records import Fix
from protocols.jt808 import Jt808Connection, Jt808Device
from protocols.jt808.decode import DECODERS
from test_jt808 import LOCATION_BODY, NOW, frame, general
from _harness import chunked, feed_garbage

HEARTBEAT = frame(0x0002, b"", 1)
LOCATION = frame(0x0200, LOCATION_BODY, 2)


def positions_of(decoded) -> list:
    return [p for d in decoded for p in d.positions]


def test_whole_byte_by_byte_and_every_split():
    stream = HEARTBEAT + LOCATION
    whole = Jt808Connection().feed(stream, NOW)
    assert [d.reply for d in whole] == [general(1, 0x0002), general(2, 0x0200, serial=1)]
    conn = Jt808Connection()
    bytewise = [d for b in stream for d in conn.feed(bytes((b,)), NOW)]
    assert bytewise == whole
    for cut in range(len(stream) + 1):
        conn = Jt808Connection()
        assert conn.feed(stream[:cut], NOW) + conn.feed(stream[cut:], NOW) == whole
        assert conn.buffered == 0


def test_garbage_between_frames_is_skipped():
    conn = Jt808Connection()
    decoded = conn.feed(b"\x00\xffjunk" + LOCATION + b"\x13\x37" + LOCATION + b"zz", NOW)
    assert len(positions_of(decoded)) == 2 and conn.buffered == 0 and conn._framer.skipped == 10


def test_empty_frame_between_frames():
    decoded = Jt808Connection().feed(HEARTBEAT + b"\x7e" + LOCATION, NOW)  # empty frame "7E 7E"
    assert len(positions_of(decoded)) == 1


def test_unterminated_frame_is_bounded():
    conn = Jt808Connection(options=ConnectionOptions(max_frame_size=256))
    with pytest.raises(FramingError):
        conn.feed(b"\x7e" + bytes(300), NOW)
    assert conn.closed and conn.buffered == 0


def test_text_and_binary_on_one_stream():
    decoded = Jt808Connection().feed(b"(013912345678,1,001,BASE,2,TIME)" + LOCATION, NOW)
    assert decoded[0].reply == b"(013912345678,1,001,BASE,2,20240305102030)"
    assert len(decoded[1].positions) == 1


def test_device_hello_and_acks_2013_and_2019():
    for device_id, version in (("13912345678", None), ("864717003283581", 1)):
        dev = Jt808Device(device_id)
        conn = Jt808Connection()
        (d,) = conn.feed(dev.hello(), NOW)
        assert d.login == device_id
        assert dev.receive_data(d.reply[:5]) == []
        assert dev.receive_data(d.reply[5:]) == [DeviceAck("hello")] and dev.hello_acked
        (d,) = conn.feed(dev.heartbeat(), NOW)
        assert dev.receive_data(d.reply) == [DeviceAck("other", token=1)]


def test_device_rejected():
    dev = Jt808Device("13912345678")
    (d,) = Jt808Connection().feed(dev.hello(), NOW)
    assert dev.receive_data(d.reject_reply) == [DeviceAck("rejected")] and not dev.hello_acked


fixes = st.builds(
    Fix,
    time=st.integers(0, 90 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 2, tzinfo=timezone.utc) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 65535).map(lambda v: v / 10), course_deg=st.integers(0, 359).map(float),
    altitude_m=st.integers(-500, 9000).map(float), satellites=st.integers(0, 40), valid=st.booleans(),
    attributes=st.fixed_dictionaries({"ignition": st.booleans(), "odometer": st.integers(0, 10**9)}),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(fixes, min_size=1, max_size=3), min_size=1, max_size=3),
       st.lists(st.integers(0, 10_000), max_size=8), st.sampled_from(["13912345678", "864717003283581"]))
def test_round_trip_device_to_connection(packets, cuts, device_id):
    dev = Jt808Device(device_id)
    stream = dev.hello()
    tokens = []
    for batch in packets:
        out = dev.encode_fixes(batch)
        assert out.count == len(batch)
        tokens.append(out.token)
        stream += out.data
    conn = Jt808Connection()
    decoded = [d for chunk in chunked(stream, cuts) for d in conn.feed(chunk, NOW)]
    sent = [f for batch in packets for f in batch]
    got = positions_of(decoded)
    assert len(got) == len(sent)
    for fix, p in zip(sent, got):
        assert p.device_id == device_id and p.fix_time == fix.time.replace(microsecond=0)
        assert abs(p.lat - fix.lat) <= 0.5e-6 + 1e-12 and abs(p.lon - fix.lon) <= 0.5e-6 + 1e-12
        assert (p.speed_kmh, p.course_deg, p.altitude_m) == (fix.speed_kmh, fix.course_deg, fix.altitude_m)
        assert (p.satellites, p.valid) == (fix.satellites, fix.valid)
        assert p.attributes["ignition"] == fix.attributes["ignition"]
        assert p.attributes["odometer"] == fix.attributes["odometer"] // 100 * 100
    acks = dev.receive_data(b"".join(d.reply for d in decoded))
    assert [a.token for a in acks if a.kind == "fixes"] == tokens and dev.hello_acked


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=6))
def test_garbage_stream_only_protocol_errors_and_bounded(chunks):
    limit = 512
    conn = Jt808Connection(options=ConnectionOptions(max_frame_size=limit))
    feed_garbage(conn, chunks, NOW, limit)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(DECODERS) + [0x0100, 0x0102, 0x0002, 0x0109, 0x1234]),
       st.binary(max_size=120), st.booleans())
def test_random_bodies_decode_or_raise_protocol_error(msg_id, body, with_basic):
    if with_basic:
        body = LOCATION_BODY[:28] + body
    try:
        Jt808Connection().receive_frame(frame(msg_id, body[:1023]), NOW)
    except ProtocolError:
        pass
