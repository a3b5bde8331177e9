"""Wialon IPS 1.1 / 2.0: exact packets and answers, CRC policy, session rules,
TCP framing splits, UDP, device round trips, garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from protocols import ChecksumError, MalformedError, ProtocolError
from protocols._checksum import crc16_arc
from protocols._connection import ConnectionOptions
from protocols._records import Decoded, Fix
from protocols.registry import get
from protocols.wialon import SPEC, WialonConnection, WialonDevice, WialonUdpConnection
from protocols.wialon.encode import encode_command, encode_output
from _harness import chunked

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
IMEI = "861234567890126"
STRICT = ConnectionOptions(strict_checksum=True)

LOGIN2 = b"#L#2.0;861234567890126;NA;932E\r\n"
LOGIN1 = b"#L#861234567890126;secret\r\n"
D2 = ("#D#150724;142530;5230.123400;N;01322.567800;E;45.5;271;34.0;9;0.9;5;1;12.5,0.3;04A1B2;"
      "fuel:2:45.8,count1:1:564,hw:3:V4.5,bat:1:87,temp:1:-5,alarm:3:true;8754\r\n").encode()
SD1 = b"#SD#150724;142530;5230.1234;S;01322.5678;W;0;NA;NA;2\r\n"
B2 = (b"#B#150724;142531;5230.1240;N;01322.5680;E;46;272;35;8|"
      b"150724;142532;5230.1250;N;01322.5690;E;47;273;36;2;NA;NA;NA;NA;NA;NA|07D6\r\n")
M2 = b"#M#Hello driver;0798\r\n"
PING = b"#P#\r\n"

T0 = datetime(2024, 7, 15, 14, 25, 30, tzinfo=UTC)
LAT, LON = 52 + 30.1234 / 60, 13 + 22.5678 / 60


def login(conn, packet=LOGIN2):
    d = conn.receive_frame(packet, NOW)
    assert d.login == IMEI and d.reply == b"#AL#1\r\n" and d.reject_reply == b"#AL#0\r\n"
    assert not d.defer_reply and d.checksum_ok
    return conn


def test_crc_catalogue():
    assert crc16_arc(b"123456789") == 0xBB3D


def test_login_v2_and_v1():
    login(WialonConnection())
    conn = login(WialonConnection(), LOGIN1)
    assert conn.device_id == IMEI


def test_login_bad_crc_flagged_or_strict_and_empty_id_rejected():
    bad = LOGIN2.replace(b"932E", b"932F")
    d = WialonConnection().receive_frame(bad, NOW)
    assert d.login == IMEI and not d.checksum_ok
    with pytest.raises(ChecksumError):
        WialonConnection(options=STRICT).receive_frame(bad, NOW)
    assert WialonConnection().receive_frame(b"#L#;NA", NOW) == Decoded(reply=b"#AL#0\r\n")


def test_extended_data_v2_every_field():
    conn = login(WialonConnection())
    d = conn.receive_frame(D2, NOW)
    assert d.reply == b"#AD#1\r\n" and d.defer_reply and d.checksum_ok and d.login is None
    (p,) = d.positions
    assert (p.device_id, p.protocol, p.fix_time, p.valid) == (IMEI, "wialon", T0, True)
    assert p.lat == pytest.approx(LAT, abs=1e-12) and p.lon == pytest.approx(LON, abs=1e-12)
    assert (p.speed_kmh, p.course_deg, p.altitude_m, p.satellites, p.hdop) == (45.5, 271.0, 34.0, 9, 0.9)
    assert p.attributes == {"input": 5, "output": 1, "adc1": 12.5, "adc2": 0.3,
                            "driverUniqueId": "04A1B2", "fuel": 45.8, "count1": 564, "hw": "V4.5",
                            "batteryLevel": 87, "deviceTemp": -5, "alarm": True}


def test_short_data_v1_south_west_few_sats_invalid():
    conn = login(WialonConnection(), LOGIN1)
    d = conn.receive_frame(SD1, NOW)
    assert d.reply == b"#ASD#1\r\n" and d.defer_reply and d.checksum_ok
    (p,) = d.positions
    assert p.lat == pytest.approx(-LAT, abs=1e-12) and p.lon == pytest.approx(-LON, abs=1e-12)
    assert (p.valid, p.satellites, p.course_deg, p.altitude_m, p.speed_kmh) == (False, 2, None, None, 0.0)
    assert p.attributes == {}


def test_black_box_counts_records_and_marks_archive():
    conn = login(WialonConnection())
    d = conn.receive_frame(B2, NOW)
    assert d.reply == b"#AB#2\r\n" and d.defer_reply and d.checksum_ok
    assert [(p.fix_time.second, p.valid, p.satellites) for p in d.positions] == [(31, True, 8), (32, False, 2)]
    assert all(p.attributes == {"archive": True} for p in d.positions)


def test_black_box_skips_bad_items():
    conn = login(WialonConnection(), LOGIN1)
    d = conn.receive_frame(b"#B#150724;142531;5230.1240;N;01322.5680;E;46;272;35;8|junk|", NOW)
    assert d.reply == b"#AB#1\r\n" and len(d.positions) == 1


def test_ping_and_driver_message():
    conn = login(WialonConnection())
    assert conn.receive_frame(PING, NOW) == Decoded(reply=b"#AP#\r\n")
    d = conn.receive_frame(M2, NOW)
    (e,) = d.events
    assert (e.type, e.time, e.attributes) == ("message", NOW, {"result": "Hello driver"})
    assert d.reply == b"#AM#1\r\n" and d.defer_reply


def test_na_location_gives_event_and_na_time_gives_now():
    conn = login(WialonConnection(), LOGIN1)
    d = conn.receive_frame(b"#D#NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;NA;;NA;motion:3:false,Bat:3:77", NOW)
    (e,) = d.events
    assert d.positions == () and d.reply == b"#AD#1\r\n"
    assert (e.type, e.time, e.attributes) == ("status", NOW, {"motion": False, "batteryLevel": 77})


def test_time_fraction_minutes_over_sixty_and_short_d():
    conn = login(WialonConnection(), LOGIN1)
    (p,) = conn.receive_frame(b"#D#150724;142530.250000000;5364.0000;N;00130.0000;E;1;2;3;4", NOW).positions
    assert p.fix_time == T0.replace(microsecond=250000)
    assert p.lat == pytest.approx(53 + 64 / 60) and p.lon == pytest.approx(1.5)


@pytest.mark.parametrize("packet, answer", [
    (b"#SD#320724;142530;5230.1234;N;01322.5678;E;0;0;0;5", b"#ASD#0\r\n"),
    (b"#SD#150724;142530;52x0.1234;N;01322.5678;E;0;0;0;5", b"#ASD#10\r\n"),
    (b"#SD#150724;142530;5230.1234;N;01322.5678;E;fast;0;0;5", b"#ASD#11\r\n"),
    (b"#SD#150724;142530;5230.1234;N;01322.5678;E;0;0;0;many", b"#ASD#12\r\n"),
    (b"#D#150724;142530;5230.1234;N", b"#AD#-1\r\n"),
    (b"#D#150724;142530;5230.1234;N;01322.5678;E;0;0;0;5;x;NA;NA;NA;NA;NA", b"#AD#-1\r\n"),
])
def test_field_errors_answer_with_codes_and_no_record(packet, answer):
    conn = login(WialonConnection(), LOGIN1)
    assert conn.receive_frame(packet, NOW) == Decoded(reply=answer)


def test_data_crc_mismatch_flagged_or_strict():
    bad = D2.replace(b"8754", b"8755")
    conn = login(WialonConnection())
    d = conn.receive_frame(bad, NOW)
    assert not d.checksum_ok and len(d.positions) == 1
    strict = login(WialonConnection(options=STRICT))
    with pytest.raises(ChecksumError):
        strict.receive_frame(bad, NOW)


def test_data_before_login_yields_nothing_and_no_answer():
    conn = WialonConnection()
    for packet in (D2, SD1, B2, M2):
        assert conn.receive_frame(packet, NOW) == Decoded()
    assert conn.receive_frame(PING, NOW) == Decoded(reply=b"#AP#\r\n")


def test_unknown_type_and_garbage():
    conn = login(WialonConnection())
    d = conn.receive_frame(b"#US#firmware", NOW)
    assert d.unknown is not None and d.unknown.message_type == "US" and d.reply is None
    for junk in (b"hello", b"##", b"#d#x", b"#TOOLONG#x", b"\xff\xfe"):
        with pytest.raises(MalformedError):
            conn.receive_frame(junk, NOW)


# ------------------------------------------------------------------ TCP stream

SESSION = LOGIN2 + D2 + PING + B2
EXPECTED = [(IMEI, 0, b"#AL#1\r\n"), (None, 1, b"#AD#1\r\n"), (None, 0, b"#AP#\r\n"),
            (None, 2, b"#AB#2\r\n")]


def summary(results):
    return [(d.login, len(d.positions), d.reply) for d in results]


def test_stream_whole_byte_by_byte_every_split():
    assert summary(WialonConnection().feed(SESSION, NOW)) == EXPECTED
    conn = WialonConnection()
    out = [d for i in range(len(SESSION)) for d in conn.feed(SESSION[i:i + 1], NOW)]
    assert summary(out) == EXPECTED and conn.buffered == 0
    for cut in range(len(SESSION) + 1):
        conn = WialonConnection()
        out = conn.feed(SESSION[:cut], NOW) + conn.feed(SESSION[cut:], NOW)
        assert summary(out) == EXPECTED, cut


def test_stream_garbage_line_skipped_then_goes_on():
    conn = WialonConnection()
    out = conn.feed(LOGIN2, NOW)
    with pytest.raises(MalformedError) as info:
        conn.feed(b"\x00garbage\xff\r\n" + D2 + b"\x01\x02", NOW)
    assert info.value.decoded == [] and not conn.closed
    out += conn.feed(b"", NOW)
    assert summary(out) == EXPECTED[:2] and conn.buffered == 2


def test_stream_over_long_line_is_skipped_and_buffer_bounded():
    conn = login(WialonConnection(), LOGIN1)
    errors = 0
    for _ in range(8):
        try:
            conn.feed(b"#D#" + b"9" * 8000, NOW)
        except MalformedError:
            errors += 1
        assert conn.buffered <= 32 * 1024 + 8010
    assert errors == 1 and not conn.closed
    # the end of the long line is skipped silently, then SD1 decodes
    assert [d.reply for d in conn.feed(b"\r\n" + SD1, NOW)] == [b"#ASD#1\r\n"]


# ------------------------------------------------------------------ UDP


def test_udp_v2_and_v1_ids_in_front():
    conn = WialonUdpConnection()
    d = conn.receive_frame(b"2.0;" + IMEI.encode() + D2, NOW)
    assert d.login == IMEI and d.reply == b"#AD#1\r\n" and d.positions[0].device_id == IMEI
    d = conn.receive_frame(b"77777#SD#150724;142530;5230.1234;S;01322.5678;W;0;NA;NA;2", NOW)
    assert d.login == "77777" and d.positions[0].device_id == "77777"
    d = conn.receive_frame(b"77777" + SD1, NOW)
    assert d.login is None and len(d.positions) == 1


def test_udp_without_id_yields_nothing():
    assert WialonUdpConnection().receive_frame(SD1, NOW) == Decoded()


# ------------------------------------------------------------------ device, commands, spec


def test_device_tcp_v2_bytes_and_acks():
    dev = WialonDevice(IMEI)
    assert dev.hello() == LOGIN2 and dev.heartbeat() == PING and not dev.hello_acked
    fix = Fix(time=T0, lat=LAT, lon=LON, speed_kmh=0, course_deg=0, altitude_m=0, satellites=10)
    one = dev.encode_fixes([fix])
    assert one.data == (b"#D#150724;142530;5230.123400;N;01322.567800;E;0.00;0.00;0.0;10;"
                        b"NA;NA;NA;NA;NA;NA;" + b"%04X" % crc16_arc(
                            b"150724;142530;5230.123400;N;01322.567800;E;0.00;0.00;0.0;10;"
                            b"NA;NA;NA;NA;NA;NA;") + b"\r\n")
    two = dev.encode_fixes([fix, fix])
    assert two.data.startswith(b"#B#") and two.count == 2
    acks = dev.receive_data(b"#AL#1\r\n#AD#1\r")
    assert [a.kind for a in acks] == ["hello"] and dev.hello_acked
    acks = dev.receive_data(b"\n#AB#2\r\n#AP#\r\n")
    assert [(a.kind, a.token) for a in acks] == [("fixes", one.token), ("fixes", two.token), ("other", None)]
    assert WialonDevice(IMEI).receive_data(b"#AL#0\r\n") == [type(acks[0])("rejected")]


def test_device_v1_and_udp():
    assert WialonDevice(IMEI, version="1.1").hello() == b"#L#861234567890126;NA\r\n"
    udp = WialonDevice(IMEI, transport="udp")
    assert udp.hello() == b"" and udp.hello_acked and not udp.expects_acks
    assert udp.encode_fixes([Fix(time=T0, lat=1, lon=2)]).data.startswith(b"2.0;861234567890126#D#")


def test_commands_and_spec():
    assert encode_command("reboot") == b"reboot\r\n" and encode_output(2, True) == b"L2=1\r\n"
    assert get("wialon") is SPEC and SPEC.transports == ("tcp", "udp") and SPEC.default_port == 5039
    assert SPEC.connection_for("udp") is WialonUdpConnection


fixes = st.builds(
    Fix,
    time=st.integers(0, 79 * 365 * 86400).map(lambda s: datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 30000).map(lambda c: c / 100), course_deg=st.integers(0, 35999).map(lambda c: c / 100),
    altitude_m=st.integers(-1000, 9000).map(float), satellites=st.integers(0, 24),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(fixes, min_size=1, max_size=3), min_size=1, max_size=3),
       st.lists(st.integers(0, 10_000), max_size=8), st.sampled_from(["2.0", "1.1"]))
def test_round_trip_device_to_connection(packets, cuts, version):
    dev = WialonDevice(IMEI, version=version)
    stream = dev.hello()
    tokens = []
    for batch in packets:
        out = dev.encode_fixes(batch)
        tokens.append(out.token)
        stream += out.data
    conn = WialonConnection(options=STRICT)
    decoded = [d for chunk in chunked(stream, cuts) for d in conn.feed(chunk, NOW)]
    positions = [p for d in decoded for p in d.positions]
    flat = [f for batch in packets for f in batch]
    assert len(positions) == len(flat)
    for fix, p in zip(flat, positions):
        assert p.fix_time == fix.time and p.valid == (fix.satellites >= 3)
        assert abs(p.lat - fix.lat) <= 0.5e-6 / 60 + 1e-9 and abs(p.lon - fix.lon) <= 0.5e-6 / 60 + 1e-9
        assert p.speed_kmh == pytest.approx(fix.speed_kmh) and p.course_deg == pytest.approx(fix.course_deg)
        assert p.altitude_m == fix.altitude_m and p.satellites == fix.satellites
    acks = dev.receive_data(b"".join(d.reply for d in decoded))
    assert dev.hello_acked and [a.token for a in acks if a.kind == "fixes"] == tokens


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=200), st.sampled_from([LOGIN2, D2, B2, b"#D#", b"\r\n"])),
                max_size=6))
def test_garbage_stream_only_protocol_errors_and_bounded(chunks):
    conn = WialonConnection(options=ConnectionOptions(max_frame_size=1024))
    for chunk in chunks:
        while True:
            try:
                conn.feed(chunk, NOW)
                break
            except ProtocolError:
                chunk = b""
        assert conn.buffered <= 32 * 1024 + 2 + len(chunk) + 1024


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80), st.integers(0, 200), st.sampled_from([D2, B2, LOGIN2, SD1, M2]))
def test_garbage_frames_decode_or_raise_protocol_errors(noise, at, packet):
    for conn in (WialonConnection(device_id=IMEI), WialonUdpConnection(device_id=IMEI)):
        try:
            conn.receive_frame(packet[:at] + noise + packet[at:], NOW)
        except ProtocolError:
            pass
