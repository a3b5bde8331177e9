"""GPS103 property tests: device -> random chunks -> connection round trips; garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from protocols._errors import ProtocolError
from protocols._records import Fix
from protocols.gps103 import Gps103Connection, Gps103Device, Gps103UdpConnection
from protocols.gps103.constants import KNOT_KMH
from _harness import chunked

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
IMEI = "861234567890123"
RES = 0.5 / 600000 + 1e-9  # 4-decimal minutes

fixes = st.builds(
    Fix,
    time=st.integers(0, 79 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 2, tzinfo=timezone.utc) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 300), course_deg=st.floats(0, 359.99),
    altitude_m=st.floats(-400, 9000), valid=st.booleans(),
)
offsets = st.integers(-43, 52).map(lambda q: q * 15)  # local time zones in (-11 h, +13 h]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fixes, min_size=1, max_size=4), offsets, st.lists(st.integers(0, 10_000), max_size=8))
def test_round_trip_device_to_connection(batch, offset, cuts):
    dev = Gps103Device(IMEI, utc_offset_minutes=offset)
    stream = dev.hello() + b"".join(dev.encode_fixes([f]).data for f in batch) + dev.heartbeat()
    conn = Gps103Connection()
    decoded = []
    for chunk in chunked(stream, cuts):
        decoded += conn.feed(chunk, NOW)
    assert decoded[0].login == IMEI and decoded[-1].reply == b"ON"
    positions = [p for d in decoded for p in d.positions]
    assert len(positions) == len(batch) and conn.buffered == 0
    for fix, p in zip(batch, positions):
        assert p.device_id == IMEI and p.valid == fix.valid
        assert p.fix_time == fix.time.replace(microsecond=0)
        assert abs(p.lat - fix.lat) <= RES and abs(p.lon - fix.lon) <= RES
        assert abs(p.speed_kmh - fix.speed_kmh) <= 0.0005 * KNOT_KMH + 1e-9
        assert abs(p.course_deg - fix.course_deg) <= 0.005 + 1e-9
        assert abs(p.altitude_m - fix.altitude_m) <= 0.05 + 1e-9
    assert dev.receive_data(b"".join(d.reply or b"" for d in decoded))[0].kind == "hello"
    assert dev.hello_acked


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600), st.lists(st.integers(0, 1000), max_size=6))
def test_garbage_only_raises_protocol_errors(data, cuts):
    conn = Gps103Connection()
    for chunk in chunked(data, cuts):
        pending = chunk
        while True:
            try:
                conn.feed(pending, NOW)
                break
            except ProtocolError:
                pending = b""
        assert conn.buffered <= conn.options.max_frame_size + len(chunk)
    try:
        Gps103UdpConnection().receive_frame(data, NOW)
    except ProtocolError:
        pass


report_like = st.lists(
    st.sampled_from(["imei:861234567890123", "tracker", "help me", "OBD", "L", "F", "A", "V",
                     "2403051430", "240305143015", "000000000", "113015.000", "31.0", "5230.1234",
                     "N", "S", "01322.5678", "E", "W", "", "0", "1", "12.5", "55.5%", "+22",
                     "1a2b", "P0101", "zz", "-", "9999.9999", "*"]),
    min_size=1, max_size=20).map(lambda parts: ",".join(parts).encode() + b";")


@settings(max_examples=300, deadline=None)
@given(st.lists(report_like, min_size=1, max_size=4))
def test_report_shaped_garbage(messages):
    conn = Gps103Connection()
    pending = b"".join(messages)
    while True:
        try:
            conn.feed(pending, NOW)
            break
        except ProtocolError as exc:
            assert not exc.fatal
            pending = b""
    assert conn.buffered == 0
