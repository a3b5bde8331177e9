"""Watch property tests: device -> random chunks -> connection round trips; garbage; escapes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from protocols._connection import ConnectionOptions
from protocols._errors import ProtocolError
from protocols._records import Fix
from protocols.watch import WatchConnection, WatchDevice, WatchFramer
from protocols.watch import encode
from protocols.watch.decode import DECODERS, HEALTH
from _harness import chunked, feed_garbage

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
DEV = "9705141740"

fixes = st.builds(
    Fix,
    time=st.integers(0, 79 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 500), course_deg=st.floats(0, 359.9),
    altitude_m=st.floats(-400, 9000), satellites=st.integers(0, 30), valid=st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fixes, min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=8),
       st.booleans(), st.sampled_from([("3G", None), ("SG", None), ("ZJ", "0042")]))
def test_round_trip_device_to_connection(batch, cuts, alarm, maker):
    dev = WatchDevice(DEV, manufacturer=maker[0], index=maker[1], alarm=alarm)
    stream, tokens = dev.hello(), []
    for fix in batch:
        out = dev.encode_fixes([fix])
        tokens.append(out.token)
        stream += out.data
    conn = WatchConnection()
    decoded = []
    for chunk in chunked(stream, cuts):
        decoded += conn.feed(chunk, NOW)
    assert decoded[0].login == DEV
    positions = [p for d in decoded for p in d.positions]
    assert len(positions) == len(batch)
    for fix, p in zip(batch, positions):
        assert p.fix_time == fix.time.replace(microsecond=0) and p.valid == fix.valid
        assert abs(p.lat - fix.lat) <= 5e-7 + 1e-12 and abs(p.lon - fix.lon) <= 5e-7 + 1e-12
        assert abs(p.speed_kmh - fix.speed_kmh) <= 0.005 + 1e-9
        assert abs(p.course_deg - fix.course_deg) <= 0.05 + 1e-9
        assert abs(p.altitude_m - fix.altitude_m) <= 0.05 + 1e-9 and p.satellites == fix.satellites
    acks = dev.receive_data(b"".join(d.reply for d in decoded if d.reply))
    assert acks[0].kind == "hello" and dev.hello_acked
    assert [a.token for a in acks if a.kind == "fixes"] == (tokens if alarm else [])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.lists(st.integers(0, 400), max_size=6))
def test_escaped_binary_content_survives_any_split(payload, cuts):
    data = b"[CS*1234567890*0000*TK," + encode.escape(payload) + b"]"
    framer, buf, frames = WatchFramer(), bytearray(), []
    for chunk in chunked(data, cuts):
        buf += chunk
        while (f := framer.next_frame(buf)) is not None:
            frames.append(f)
    assert frames == [b"[CS*1234567890*0000*TK," + payload + b"]"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=6))
def test_garbage_stream_only_protocol_errors_and_bounded(chunks):
    limit = 512
    conn = WatchConnection(options=ConnectionOptions(max_frame_size=limit))
    feed_garbage(conn, chunks, NOW, limit)


_FIELD = st.one_of(st.text("0123456789.-ABVNSEW ", max_size=10), st.sampled_from(
    ["A", "V", "N", "S", "", "050324", "101530", "00100000", "22.5", "-1"]))
_KINDS = sorted(DECODERS) + sorted(HEALTH) + ["UD", "UD_LTE", "AL", "WT", "XYZ"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_KINDS), st.lists(_FIELD, max_size=20), st.binary(max_size=20))
def test_random_content_decodes_or_raises_protocol_error(kind, fields, tail):
    content = ",".join([kind] + fields).encode() + tail
    try:
        WatchConnection().receive_frame(b"[3G*1234567890*0010*" + content + b"]", NOW)
    except ProtocolError:
        pass
