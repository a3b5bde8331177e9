"""TK103 property tests: device -> random chunks -> connection round trips; garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from protocols._errors import ProtocolError
from protocols._records import Fix
from protocols.tk103 import Tk103Connection, Tk103Device, Tk103UdpConnection
from _harness import chunked

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
ID = "012345678901"
RES = 0.5 / 600000 + 1e-9  # 4-decimal minutes

fixes = st.builds(
    Fix,
    time=st.integers(0, 79 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 999.9), course_deg=st.floats(0, 359.99), valid=st.booleans(),
    attributes=st.sampled_from([{}, {"ignition": True}, {"ignition": False}]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fixes, min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=8))
def test_round_trip_device_to_connection(batch, cuts):
    dev = Tk103Device(ID)
    stream = dev.hello() + b"".join(dev.encode_fixes([f]).data for f in batch)
    conn = Tk103Connection()
    decoded = []
    for chunk in chunked(stream, cuts):
        decoded += conn.feed(chunk, NOW)
    assert decoded[0].login == ID and conn.buffered == 0
    positions = [p for d in decoded for p in d.positions]
    assert len(positions) == len(batch)
    for fix, p in zip(batch, positions):
        assert p.device_id == ID and p.valid == fix.valid
        assert p.fix_time == fix.time.replace(microsecond=0)
        assert abs(p.lat - fix.lat) <= RES and abs(p.lon - fix.lon) <= RES
        assert abs(p.speed_kmh - fix.speed_kmh) <= 0.05 + 1e-9
        assert abs(p.course_deg - fix.course_deg) <= 0.005 + 1e-9
        assert p.attributes["ignition"] is bool(fix.attributes.get("ignition"))
    assert [a.kind for a in dev.receive_data(decoded[0].reply)] == ["hello"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=1500), st.lists(st.integers(0, 2000), max_size=6))
def test_garbage_only_raises_protocol_errors(data, cuts):
    conn = Tk103Connection()
    for chunk in chunked(data, cuts):
        pending = chunk
        while True:
            try:
                conn.feed(pending, NOW)
                break
            except ProtocolError as exc:
                assert not exc.fatal
                pending = b""
        assert conn.buffered <= 1024 + len(chunk)
    try:
        Tk103UdpConnection().receive_frame(data, NOW)
    except ProtocolError:
        pass


frame_like = st.lists(
    st.sampled_from(["(", ")", "$", "012345678901", "861234567890123", ",", "BR00", "BP05", "BP00",
                     "BO01", "BQ81", "BZ00", "BV00", "BS51", "ZC20", "ZC03", "DW5B", "DW3B",
                     "{", "}", "240305", "A", "V", "5230.1234", "N", "S", "01322.5678", "E", "W",
                     "012.5", "113015", "271.30", "01000000", "L", "0001E240", "ALARM", "90:",
                     "\r\n", " ", "zz"]),
    min_size=1, max_size=30).map(lambda parts: "".join(parts).encode())


@settings(max_examples=300, deadline=None)
@given(frame_like)
def test_frame_shaped_garbage(data):
    conn = Tk103Connection()
    pending = data
    while True:
        try:
            conn.feed(pending, NOW)
            break
        except ProtocolError as exc:
            assert not exc.fatal
            pending = b""
    try:
        Tk103UdpConnection().receive_frame(data, NOW)
    except ProtocolError:
        pass
