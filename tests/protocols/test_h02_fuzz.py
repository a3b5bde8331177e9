"""H02 property tests: device -> random chunks -> connection round trips; garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from protocols._connection import ConnectionOptions
from protocols._errors import ProtocolError
from protocols._records import Fix
from protocols.h02 import H02Connection, H02Device, H02UdpConnection
from protocols.h02.decode import DECODERS
from _harness import chunked, feed_garbage

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
KN = 1.852
TICK = 1 / 600000  # 0.0001 minute

fixes = st.builds(
    Fix,
    time=st.integers(0, 79 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 999 * KN), course_deg=st.integers(0, 359).map(float),
    valid=st.booleans(), attributes=st.sampled_from([{}, {"ignition": True}, {"ignition": False}]),
)


def check(fix: Fix, p, speed_step: float) -> None:
    assert p.fix_time == fix.time.replace(microsecond=0)
    assert abs(p.lat - fix.lat) <= TICK / 2 + 1e-9 and abs(p.lon - fix.lon) <= TICK / 2 + 1e-9
    assert abs(p.speed_kmh - fix.speed_kmh) <= speed_step * KN / 2 + 1e-9
    assert p.course_deg == fix.course_deg and p.valid == fix.valid
    assert p.attributes["ignition"] is bool(fix.attributes.get("ignition"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fixes, min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=8),
       st.booleans(), st.sampled_from(["1234567890", "123456789012345"]))
def test_round_trip_device_to_connection(batch, cuts, binary, device_id):
    dev = H02Device(device_id, binary=binary, ack=True)
    stream, tokens = b"", []
    for fix in batch:
        out = dev.encode_fixes([fix])
        tokens.append(out.token)
        stream += out.data
    extra = {"ack": True}
    if binary and len(device_id) == 15:
        # a buffer ending at byte 32 of a first 42-byte frame can read as a whole
        # short frame (both clocks plausible): such devices set message_length
        extra["message_length"] = 42
    conn = H02Connection(options=ConnectionOptions(extra=extra))
    decoded = []
    for chunk in chunked(stream, cuts):
        decoded += conn.feed(chunk, NOW)
    assert decoded[0].login == device_id
    positions = [p for d in decoded for p in d.positions]
    assert len(positions) == len(batch)
    for fix, p in zip(batch, positions):
        check(fix, p, 1.0 if binary else 0.01)
        assert p.device_id == device_id
    acks = dev.receive_data(b"".join(d.reply for d in decoded))
    assert [a.token for a in acks if a.kind == "fixes"] == tokens


@settings(max_examples=100, deadline=None)
@given(fixes)
def test_udp_round_trip(fix):
    dev = H02Device("1234567890", transport="udp")
    d = H02UdpConnection().receive_frame(dev.encode_fixes([fix]).data, NOW)
    check(fix, d.positions[0], 0.01)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=6))
def test_garbage_stream_only_protocol_errors_and_bounded(chunks):
    limit = 512
    conn = H02Connection(device_id="1", options=ConnectionOptions(max_frame_size=limit))
    feed_garbage(conn, chunks, NOW, limit)


_FIELD = st.one_of(st.text("0123456789.-ABVNSEWFf ", max_size=12), st.sampled_from(
    ["A", "V", "N", "S", "E", "W", "", "050324", "101530", "FFFFFBFF", "5130.1234", "-51-30.1"]))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(DECODERS) + ["V1", "V4", "V19", "XX"]), st.lists(_FIELD, max_size=16),
       st.sampled_from(["1234567890", ""]))
def test_random_text_decodes_or_raises_protocol_error(kind, fields, device_id):
    frame = ("*HQ," + ",".join([device_id, kind] + fields) + "#").encode()
    try:
        H02Connection(device_id="9").receive_frame(frame, NOW)
    except ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=31, max_size=46))
def test_random_binary_decodes_or_raises_protocol_error(body):
    try:
        H02Connection().receive_frame(b"$" + body, NOW)
    except ProtocolError:
        pass


def test_a_42_byte_frame_cut_at_32_waits_when_only_its_own_clock_reads_as_one() -> None:
    """The size guess: 32 bytes whose short-frame clock is no clock (month 14)
    are the start of a 42-byte frame (15-digit id), not a short frame."""
    fix = Fix(time=datetime(2000, 1, 2, 4, 14, 56, tzinfo=timezone.utc), lat=1.0, lon=2.0)
    frame = H02Device("123456789012345", binary=True).encode_fixes([fix]).data
    assert len(frame) == 42 and frame[6:9].hex() == "123450" and frame[9:12].hex() == "041456"
    conn = H02Connection(options=ConnectionOptions())
    assert conn.feed(frame[:32], NOW) == []
    [decoded] = conn.feed(frame[32:], NOW)
    assert decoded.login == "123456789012345"
    assert decoded.positions[0].fix_time == fix.time
