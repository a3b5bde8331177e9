"""Xexun: exact vectors (whole lines and Traccar-style frames), both framing
modes, splits, resync, checksum policy, device round trips, garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from protocols import ChecksumError, MalformedError, ProtocolError
from protocols._connection import ConnectionOptions
from protocols._records import Decoded, Fix
from protocols.registry import get
from protocols.xexun import SPEC, XexunConnection, XexunDevice, XexunFramer
from protocols.xexun.encode import encode_engine_resume, encode_engine_stop
from _harness import chunked

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
IMEI = "861234567890126"
EXT = ConnectionOptions(extra={"extended": True})

RMC1 = b"GPRMC,142530.000,A,5230.1234,N,01322.5678,E,12.50,271.30,150724,,,A*55"
LINE1 = (b"240715142531,+15550001111," + RMC1 + b",F,ACC On, imei:" + IMEI.encode()
         + b",08,45.2,F:4.15V,1,135,1234,262,01,1A2B,3C4D\n\r")
FRAME1 = RMC1 + b",F,ACC On, imei:" + IMEI.encode() + b","
RMC2 = b"GNRMC,081500.250,V,0812.5000,S,11339.9500,W,0.00,,010125,,,N*7E"
LINE2 = b"250101081501,," + RMC2 + b",L,help me!,imei:" + IMEI.encode() + b",03,-12.5,L:3.5V/ADC1=0.20V,0\n\r"
FRAME2 = RMC2 + b",L,help me!,imei:" + IMEI.encode() + b","

T1 = datetime(2024, 7, 15, 14, 25, 30, tzinfo=UTC)
T2 = datetime(2025, 1, 1, 8, 15, 0, tzinfo=UTC)
LAT1, LON1 = 52 + 30.1234 / 60, 13 + 22.5678 / 60
LAT2, LON2 = -(8 + 12.5 / 60), -(113 + 39.95 / 60)


def brief(d: Decoded) -> list[tuple]:
    return [(p.device_id, p.fix_time, round(p.lat, 9), round(p.lon, 9), p.valid,
             p.attributes.get("alarm"), p.attributes.get("ignition")) for p in d.positions]


def r9(x: float) -> float:
    return round(x, 9)


EXPECTED = [[(IMEI, T1, r9(LAT1), r9(LON1), True, None, True)],
            [(IMEI, T2, r9(LAT2), r9(LON2), False, "sos", None)]]


def drain(conn, chunks, now=NOW):
    out, errors = [], []
    for chunk in chunks:
        data = chunk
        while True:
            try:
                out.extend(conn.feed(data, now))
                break
            except ProtocolError as exc:
                out.extend(exc.decoded)
                errors.append(exc)
                data = b""
    return out, errors


# ------------------------------------------------------------------ exact values


def test_whole_line_every_field():
    d = XexunConnection().receive_frame(LINE1, NOW)
    assert d.login == IMEI and d.reply is None and d.checksum_ok and not d.defer_reply
    (p,) = d.positions
    assert p.device_id == IMEI and p.protocol == "xexun" and p.fix_time == T1 and p.valid
    assert p.lat == pytest.approx(LAT1, abs=1e-12) and p.lon == pytest.approx(LON1, abs=1e-12)
    assert p.speed_kmh == pytest.approx(12.5 * 1.852) and p.course_deg == 271.3
    assert p.satellites == 8 and p.altitude_m == 45.2 and p.hdop is None
    assert p.attributes == {"serial": "240715142531", "number": "+15550001111", "signal": "F",
                            "ignition": True, "power": 4.15, "charge": True, "io4": "135",
                            "io5": "1234"}
    assert d.unknown_items == 2  # tail columns 4 and 5 are outside the catalogue


def test_second_line_gnrmc_south_west_invalid_sos_low_power_text():
    conn = XexunConnection(device_id=IMEI)
    d = conn.receive_frame(LINE2, NOW)
    assert d.login is None  # same device as before
    (p,) = d.positions
    assert (p.fix_time, p.valid, p.course_deg, p.speed_kmh) == (T2, False, None, 0.0)
    assert p.lat == pytest.approx(LAT2, abs=1e-12) and p.lon == pytest.approx(LON2, abs=1e-12)
    assert p.satellites == 3 and p.altitude_m == -12.5
    assert p.attributes == {"serial": "250101081501", "signal": "L", "alarm": "sos", "power": 3.5,
                            "adc1": 0.2, "charge": False}
    assert d.unknown_items == 0


def test_traccar_style_frame_has_no_head_or_tail_fields():
    (p,) = XexunConnection().receive_frame(FRAME1, NOW).positions
    assert p.attributes == {"signal": "F", "ignition": True}
    assert p.satellites is None and p.altitude_m is None


@pytest.mark.parametrize("text, attrs", [
    (b"ACCStart", {"ignition": True}), (b"acc off", {"ignition": False}),
    (b"ACCSTOP", {"ignition": False}), (b"Help me", {"alarm": "sos"}),
    (b"low battery", {"alarm": "lowBattery"}), (b"move!", {"alarm": "movement"}),
    (b"Moved!", {"alarm": "movement"}), (b"", {}), (b"whatever", {"event": "whatever"}),
])
def test_event_texts(text, attrs):
    frame = RMC1 + b",F," + text + b", imei:" + IMEI.encode() + b","
    d = XexunConnection().receive_frame(frame, NOW)
    (p,) = d.positions
    assert p.attributes == {"signal": "F", **attrs}
    assert d.unknown_items == (1 if "event" in attrs else 0)


def test_dropped_leading_zeros_missing_hemisphere_and_crlf_before_signal():
    rmc = b"GPRMC,235959.000,A,10.2368,N,811.2992,,1.00,0.00,311223,,,A*2D"
    (p,) = XexunConnection().receive_frame(rmc + b"\r\n,L,imei:10000000000000,", NOW).positions
    assert p.device_id == "10000000000000"
    assert p.lat == pytest.approx(10.2368 / 60, abs=1e-12)
    assert p.lon == pytest.approx(8 + 11.2992 / 60, abs=1e-12)
    assert p.fix_time == datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert p.attributes == {"signal": "L"}


def test_empty_time_and_date_take_the_server_clock():
    frame = b"GPRMC,.000,A,0.000000,S,0.0000,W,0.00,0.00,,00,0000.0,A*55,L,,imei:" + IMEI.encode() + b","
    d = XexunConnection().receive_frame(frame, NOW)
    (p,) = d.positions
    assert p.fix_time == NOW and p.lat == 0.0 and p.lon == 0.0 and not d.checksum_ok


def test_line_without_rmc_yields_no_record():
    d = XexunConnection().receive_frame(b",+15550001111,,L,, imei:" + IMEI.encode() + b",,,F:4.28V,1", NOW)
    assert d.positions == () and d.login == IMEI and d.reply is None


def test_checksum_mismatch_flagged_or_strict():
    bad = FRAME1.replace(b"*55", b"*00")
    d = XexunConnection().receive_frame(bad, NOW)
    assert not d.checksum_ok and len(d.positions) == 1
    with pytest.raises(ChecksumError):
        XexunConnection(options=ConnectionOptions(strict_checksum=True)).receive_frame(bad, NOW)


@pytest.mark.parametrize("frame", [
    b"GPRMC,142530.000,A,5230.1234,N*55,F,,imei:861234567890126,",  # short RMC
    b"GPRMC,142530.000,X,5230.1234,N,01322.5678,E,1,2,150724*55,F,imei:861234567890126,",
    b"GPRMC,142530.000,A,52x0.1234,N,01322.5678,E,1,2,150724*55,F,imei:861234567890126,",
    b"GPRMC,142530.000,A,5230.1234,N,01322.5678,E,1,2,150724,,,A,F,imei:861234567890126,",
    b"GPRMC,142530.000,A,5230.1234,N,01322.5678,E,1,2,150724*55,F,imei:12,",
    b"hello world", b"",
])
def test_malformed_frames_raise_malformed(frame):
    with pytest.raises(MalformedError):
        XexunConnection().receive_frame(frame, NOW)


# ------------------------------------------------------------------ framing: default mode


def test_default_framer_cuts_traccar_frames_and_drops_the_rest():
    framer = XexunFramer()
    buffer = bytearray(LINE1 + LINE2)
    assert framer.next_frame(buffer) == FRAME1
    assert framer.next_frame(buffer) == FRAME2
    assert framer.next_frame(buffer) is None
    assert len(buffer) <= 4  # the tail after the last IMEI is discarded


def test_default_framer_imei_at_end_of_line_without_comma():
    framer = XexunFramer()
    buffer = bytearray(b"xx" + FRAME1[:-1] + b"\r\n")
    assert framer.next_frame(buffer) == FRAME1[:-1]
    buffer = bytearray(FRAME1[:-1])
    assert framer.next_frame(buffer) is None  # more digits may come


@pytest.mark.parametrize("options", [ConnectionOptions(), EXT], ids=["default", "extended"])
def test_whole_byte_by_byte_and_every_split(options):
    data = LINE1 + LINE2
    whole, errors = drain(XexunConnection(options=options), [data])
    assert errors == [] and [brief(d) for d in whole] == EXPECTED
    single, errors = drain(XexunConnection(options=options), [data[i:i + 1] for i in range(len(data))])
    assert errors == [] and [brief(d) for d in single] == EXPECTED
    for cut in range(len(data) + 1):
        out, errors = drain(XexunConnection(options=options), [data[:cut], data[cut:]])
        assert errors == [] and [brief(d) for d in out] == EXPECTED, cut


def test_default_mode_garbage_between_and_after_reports():
    conn = XexunConnection()
    out, errors = drain(conn, [b"\x00\xff junk GPR" + LINE1 + b"\xfe\xfe" + LINE2 + b"garbage"])
    assert errors == [] and [brief(d) for d in out] == EXPECTED
    assert conn.buffered <= 4


def test_extended_mode_garbage_line_is_skipped():
    conn = XexunConnection(options=EXT)
    out, errors = drain(conn, [LINE1 + b"\x00\x01garbage\xff\n" + LINE2])
    assert [type(e) for e in errors] == [MalformedError] and not conn.closed
    assert [brief(d) for d in out] == EXPECTED


def test_default_mode_marker_without_imei_resyncs():
    conn = XexunConnection()
    out, errors = drain(conn, [b"GPRMC," + b"9" * 1100, LINE1])
    assert len(errors) >= 1 and all(isinstance(e, MalformedError) for e in errors)
    assert [brief(d) for d in out] == EXPECTED[:1] and not conn.closed


def test_report_without_imei_before_a_whole_one_is_dropped():
    out, errors = drain(XexunConnection(), [RMC2 + b",L,,\n" + LINE1])
    assert errors == [] and [brief(d) for d in out] == EXPECTED[:1]


def test_buffers_stay_bounded():
    for options in (ConnectionOptions(), EXT):
        conn = XexunConnection(options=options)
        for _ in range(30):
            try:
                conn.feed(b"GPRMC" + b"Z" * 600, NOW)
            except MalformedError:
                pass
            assert conn.buffered <= 1100 + 605 and not conn.closed


# ------------------------------------------------------------------ device, encode, spec


def test_device_report_bytes_and_no_acks():
    dev = XexunDevice(IMEI)
    fix = Fix(time=T1, lat=LAT1, lon=LON1, speed_kmh=12.5 * 1.852, course_deg=271.3,
              altitude_m=45.2, satellites=8)
    out = dev.encode_fixes([fix])
    assert out.data == (b"240715142530,+10000000000,GPRMC,142530.000,A,5230.1234,N,01322.5678,E,"
                        b"12.50,271.30,150724,,,A*55,F,, imei:861234567890126,08,45.2,F:4.10V,"
                        b"1,140,,,,,\n\r")
    assert (out.token, out.count) == (1, 1) and dev.encode_fixes([fix]).token == 2
    assert dev.hello() == b"" and dev.heartbeat() == b"" and dev.hello_acked
    assert not dev.expects_acks and dev.receive_data(b"") == []


def test_commands_and_spec():
    assert encode_engine_stop() == b"powercar123456 11"
    assert encode_engine_resume("000000") == b"powercar000000 00"
    assert get("xexun") is SPEC and SPEC.transports == ("tcp",) and SPEC.default_port == 5006
    assert SPEC.udp_connection is None and SPEC.connection_for("tcp") is XexunConnection


fixes = st.builds(
    Fix,
    time=st.integers(0, 79 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 30000).map(lambda c: c / 100), course_deg=st.integers(0, 35999).map(lambda c: c / 100),
    altitude_m=st.integers(-1000, 9000).map(float), satellites=st.integers(0, 24), valid=st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fixes, min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=8),
       st.booleans())
def test_round_trip_device_to_connection(batch, cuts, extended):
    dev = XexunDevice(IMEI)
    stream = b"".join(dev.encode_fixes([f]).data for f in batch)
    conn = XexunConnection(options=EXT if extended else ConnectionOptions())
    decoded = []
    for chunk in chunked(stream, cuts):
        decoded += conn.feed(chunk, NOW)
    positions = [p for d in decoded for p in d.positions]
    assert len(positions) == len(batch) and decoded[0].login == IMEI
    for fix, p in zip(batch, positions):
        assert p.fix_time == fix.time and p.valid == fix.valid
        assert abs(p.lat - fix.lat) <= 0.5 / 600000 + 1e-9
        assert abs(p.lon - fix.lon) <= 0.5 / 600000 + 1e-9
        assert p.speed_kmh == pytest.approx(fix.speed_kmh, abs=0.006 * 1.852)
        assert p.course_deg == pytest.approx(fix.course_deg, abs=1e-9)
        if extended:
            assert p.satellites == fix.satellites and p.altitude_m == fix.altitude_m


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=200), st.sampled_from([LINE1, FRAME2, b"GPRMC,", b"imei:1234567890,"])),
                max_size=6), st.booleans())
def test_garbage_stream_only_protocol_errors_and_bounded(chunks, extended):
    options = ConnectionOptions(max_frame_size=2048, extra={"extended": extended})
    conn = XexunConnection(options=options)
    for chunk in chunks:
        try:
            conn.feed(chunk, NOW)
        except ProtocolError:
            pass
        assert conn.buffered <= 2048 + len(chunk)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120), st.integers(0, 80))
def test_garbage_frames_decode_or_raise_protocol_errors(noise, at):
    frame = FRAME1[:at] + noise + FRAME1[at:]
    try:
        XexunConnection().receive_frame(frame, NOW)
    except ProtocolError:
        pass
