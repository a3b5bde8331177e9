"""GT06 property tests: device -> random chunks -> connection round trips; garbage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from _harness import chunked, feed_garbage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols._connection import ConnectionOptions
from protocols._errors import ProtocolError
from protocols._records import Fix
from protocols.gt06 import Gt06Connection, Gt06Device
from protocols.gt06.decode import DECODERS

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)
IMEI = "864717003283581"

fixes = st.builds(
    Fix,
    time=st.integers(0, 99 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 255).map(float), course_deg=st.integers(0, 359).map(float),
    satellites=st.integers(0, 15), valid=st.booleans(),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fixes, min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=8))
def test_round_trip_device_to_connection(batch, cuts):
    dev = Gt06Device(IMEI)
    stream = dev.hello()
    tokens = []
    for fix in batch:
        out = dev.encode_fixes([fix])
        tokens.append(out.token)
        stream += out.data
    conn = Gt06Connection()
    decoded = []
    for chunk in chunked(stream, cuts):
        decoded += conn.feed(chunk, NOW)
    assert decoded[0].login == IMEI
    positions = [p for d in decoded for p in d.positions]
    assert len(positions) == len(batch)
    for fix, p in zip(batch, positions):
        assert p.fix_time == fix.time.replace(microsecond=0)
        assert abs(p.lat - fix.lat) <= 0.5 / 1_800_000 + 1e-12
        assert abs(p.lon - fix.lon) <= 0.5 / 1_800_000 + 1e-12
        assert p.speed_kmh == fix.speed_kmh and p.course_deg == fix.course_deg
        assert p.satellites == fix.satellites and p.valid == fix.valid
    acks = dev.receive_data(b"".join(d.reply for d in decoded))
    assert [a.token for a in acks if a.kind == "fixes"] == tokens and dev.hello_acked


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=6))
def test_garbage_stream_only_protocol_errors_and_bounded(chunks):
    limit = 512
    conn = Gt06Connection(device_id=IMEI, options=ConnectionOptions(max_frame_size=limit))
    feed_garbage(conn, chunks, NOW, limit)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(DECODERS) + [0x01, 0x8A, 0x7E]), st.binary(max_size=80),
       st.booleans(), st.booleans())
def test_random_content_decodes_or_raises_protocol_error(msg_type, content, extended, crlf):
    length = len(content) + 5
    head = (b"yy" + length.to_bytes(2, "big")) if extended else b"xx" + bytes((length & 0xFF,))
    raw = head + bytes((msg_type,)) + content + b"\x00\x01\x00\x00" + (b"\r\n" if crlf else b"")
    conn = Gt06Connection(device_id=IMEI)
    try:
        conn.receive_frame(raw, NOW)
    except ProtocolError:
        pass
