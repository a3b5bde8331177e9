"""Totem: exact frames of every variant, replies, checksum policy, framing
(splits, CR LF, resync, bounds), device round trips, garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from protocols import ChecksumError, MalformedError, ProtocolError
from protocols._checksum import crc16_modbus, xor8
from protocols._connection import ConnectionOptions
from protocols._device import DeviceAck
from protocols._records import Decoded, Fix
from protocols.registry import get
from protocols.totem import SPEC, TotemConnection, TotemDevice, TotemFramer
from protocols.totem.encode import encode_ack_new, encode_command
from _harness import chunked

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
IMEI = "861234567890126"
T0 = datetime(2024, 7, 15, 14, 25, 30, tzinfo=UTC)
LAT, LON = 52 + 30.1234 / 60, 13 + 22.5678 / 60
STRICT = ConnectionOptions(strict_checksum=True)
ACK_OK = b"ACK OK\r\n"

OLD1 = (b"$$B2861234567890126|01$GPRMC,142530.000,A,5230.1234,N,01322.5678,E,12.50,271.30,150724,"
        b",,A*55|01.5|00.9|01.2|000101000001|20240715142531|14151250|0012D888|00003|12.5000|0042|3BD0")
OLD2 = (b"$$7E861234567890126|11150724142530|A|5230.1234|N|01322.5678|E|10.5|90|1.2|101100000110|"
        b"14112|0012|253162F5|25|3.2500|0043|86FB")
OLD3 = (b"$$72861234567890126|30150724142530C001142130010020002502612AB34CDA0809001002.3000123452"
        b"30.1234N01322.5678E0044150D")
OLD_ZERO = (b"$$72861234567890126|AA000000000000|V|0000.0000|N|00000.0000|E|0|0|0|000000000000|00000|"
            b"0000|00000000|0|0|0000|1D63")
NEW_AA = (b"$$0108AA861234567890126|C00040002407151425304213000A1A2B3C4D091809012002.100000425230.123"
          b"4N01322.5678E00455C")
NEW_05 = (b"$$013605861234567890126|500098002407151425304150012003400560078001900201A2B3C4D012620725"
          b"18006502.100000425230.1234S01322.5678W0021004658")
NEW_E2 = b"$$0070E2861234567890126|240715142530,13.376130,52.502057,0012345678|6A"
NEW_E5 = (b"$$0107E5861234567890126|240715142530,13.376130,52.502057,v1,1500,20,8,12600,2100,64,3,40,"
          b"85,30,45,12,70,|15")
NEW_E6 = b"$$0064E6861234567890126|240715142530,13.376130,52.502057,0,0,|63"


def one(frame: bytes, conn=None) -> tuple[Decoded, object]:
    d = (conn or TotemConnection(options=STRICT)).receive_frame(frame, NOW)
    assert d.checksum_ok and len(d.positions) == 1 and d.positions[0].device_id == IMEI
    return d, d.positions[0]


def test_crc_catalogue():
    assert crc16_modbus(b"123456789") == 0x4B37


def test_new_timed_report():
    d, p = one(NEW_AA)
    assert d.reply == b"$$0014AA004504" and d.defer_reply and d.login == IMEI
    assert (p.fix_time, p.valid, p.speed_kmh, p.course_deg, p.satellites, p.hdop) == (T0, True, 120.0, 90.0, 9, 2.1)
    assert p.lat == pytest.approx(LAT, abs=1e-12) and p.lon == pytest.approx(LON, abs=1e-12)
    assert p.attributes == {"status": 0xC0004000, "alarm": "sos", "ignition": True, "charge": False,
                            "out1": False, "out2": False, "out3": False, "battery": 4.2, "power": 13.0,
                            "adc1": 10, "rssi": 18, "odometer": 42000}


def test_new_alarm_report_with_every_optional_group():
    d, p = one(NEW_05)
    assert d.reply == b"$$0014AA004607"
    assert (p.valid, p.speed_kmh, p.course_deg, p.satellites) == (True, 65.0, 180.0, 7)  # bit 12 with temp2
    assert p.lat == pytest.approx(-LAT, abs=1e-12) and p.lon == pytest.approx(-LON, abs=1e-12)
    assert p.attributes == {"status": 0x50009800, "alarm": "geofenceEnter", "ignition": True,
                            "charge": True, "out1": False, "out2": False, "out3": False,
                            "battery": 4.15, "adc1": 18, "adc2": 52, "adc3": 86, "adc4": 120,
                            "temp1": "0019", "temp2": "0020", "rssi": 25, "odometer": 42000,
                            "temp3": "0021"}
    assert d.unknown_items == 2  # status bits 15 and 11 are outside the catalogue


def test_new_rfid_and_obd():
    d, p = one(NEW_E2)
    assert d.reply == b"$$0014AA678|40"  # Traccar echoes the 4 characters before the checksum
    assert (p.fix_time, p.valid, p.lat, p.lon) == (T0, True, 52.502057, 13.37613)
    assert p.attributes == {"driverUniqueId": "0012345678"}
    d, p = one(NEW_E5)
    assert (p.lat, p.lon) == (52.502057, 13.37613)  # longitude first, read correctly
    assert p.attributes == {"odometer": 1500, "fuelUsed": 20, "fuelConsumption": 8, "power": 12.6,
                            "rpm": 2100, "obdSpeed": 64, "coolantTemp": 85, "intakeTemp": 30,
                            "engineLoad": 45, "throttle": 12, "fuel": 70}


def test_new_unknown_type_is_answered_immediately():
    d = TotemConnection().receive_frame(NEW_E6, NOW)
    assert d.positions == () and d.unknown is not None and d.unknown.message_type == "E6"
    assert d.reply == b"$$0014AA,0,|49" and not d.defer_reply and d.login == IMEI


def test_old1_gprmc():
    d, p = one(OLD1)
    assert d.reply == ACK_OK and d.defer_reply
    assert (p.fix_time, p.valid, p.course_deg, p.hdop) == (T0, True, 271.3, 0.9)
    assert p.speed_kmh == pytest.approx(12.5 * 1.852)
    assert p.attributes == {"alarm": "sos", "pdop": 1.5, "vdop": 1.2, "in3": False, "in4": False,
                            "in1": True, "in2": False, "out1": True, "out2": False, "charge": True,
                            "battery": 4.15, "power": 1250, "odometer": 12500.0, "status": 0b101000001,
                            "temp1": "00003"}


def test_old2_fields():
    d, p = one(OLD2)
    assert (p.fix_time, p.valid, p.course_deg, p.hdop) == (T0, True, 90.0, 1.2)
    assert p.speed_kmh == pytest.approx(10.5 * 1.852)
    assert p.attributes == {"alarm": "overspeed", "antenna": False, "charge": True, "in1": True,
                            "in2": False, "in3": False, "in4": False, "in5": False, "in6": False,
                            "out1": True, "out2": True, "out3": False, "out4": True, "battery": 4.1,
                            "power": 12.0, "adc1": "0012", "temp1": "25", "odometer": 3250.0,
                            "status": 0b101100000110}


def test_old3_fixed_width():
    d, p = one(OLD3)
    assert (p.fix_time, p.valid, p.course_deg, p.satellites) == (T0, True, 90.0, 8)
    assert p.speed_kmh == pytest.approx(10 * 1.852)
    assert p.attributes == {"io1": "C001", "battery": 4.2, "power": 13.0, "adc1": "0010",
                            "adc2": "0200", "temp1": "025", "temp2": "026", "pdop": 2.3,
                            "odometer": 1234000.0, "alarm": "parking", "charge": True}


def test_all_zero_date_gives_no_record_but_an_answer():
    d = TotemConnection(options=STRICT).receive_frame(OLD_ZERO, NOW)
    assert d.positions == () and d.reply == ACK_OK and not d.defer_reply and d.checksum_ok


def test_checksums_flagged_or_strict():
    for good, bad in ((NEW_AA, NEW_AA[:-2] + b"00"), (OLD1, OLD1[:-4] + b"0000")):
        d = TotemConnection().receive_frame(bad, NOW)
        assert not d.checksum_ok and len(d.positions) == 1
        with pytest.raises(ChecksumError):
            TotemConnection(options=STRICT).receive_frame(bad, NOW)


@pytest.mark.parametrize("frame", [
    b"hello", b"$$", b"$$0108AA861234567890126C0004000", b"$$0108AAabc|C000", b"$$B2861234567890126",
    NEW_AA.replace(b"N013", b"X013"), OLD1.replace(b"|01.5|", b"|x.5|"), OLD2.replace(b"|A|", b"|Q|"),
    OLD3[:-10] + OLD3[-6:], NEW_E2.replace(b"240715", b"249915"),
])
def test_malformed_frames(frame):
    with pytest.raises(MalformedError):
        TotemConnection().receive_frame(frame, NOW)


def test_framed_input_may_keep_crlf():
    d, _ = one(OLD1 + b"\r\n")
    assert d.reply == ACK_OK


# ------------------------------------------------------------------ stream framing

STREAM = NEW_AA + OLD1 + b"\r\n" + NEW_E2 + OLD3 + b"\r\n"
EXPECTED = [(1, b"$$0014AA004504"), (1, ACK_OK), (1, b"$$0014AA678|40"), (1, ACK_OK)]


def summary(results):
    return [(len(d.positions), d.reply) for d in results]


def test_stream_whole_byte_by_byte_every_split():
    assert summary(TotemConnection().feed(STREAM, NOW)) == EXPECTED
    conn = TotemConnection()
    assert summary([d for i in range(len(STREAM)) for d in conn.feed(STREAM[i:i + 1], NOW)]) == EXPECTED
    for cut in range(len(STREAM) + 1):
        conn = TotemConnection()
        assert summary(conn.feed(STREAM[:cut], NOW) + conn.feed(STREAM[cut:], NOW)) == EXPECTED, cut


def test_framer_skips_noise_and_keeps_a_split_marker():
    framer = TotemFramer()
    buffer = bytearray(b"\x00junk$")
    assert framer.next_frame(buffer) is None and buffer == bytearray(b"$")
    buffer += NEW_AA[1:]
    assert framer.next_frame(buffer) == NEW_AA and buffer == bytearray()
    buffer = bytearray(b"$$$" + NEW_AA)
    assert framer.next_frame(buffer) == NEW_AA and buffer == bytearray()


def test_bad_length_drops_marker_and_resyncs():
    conn = TotemConnection()
    with pytest.raises(MalformedError) as info:
        conn.feed(b"$$ZZ garbage $$0005" + NEW_AA + b"\x01", NOW)
    assert not info.value.fatal and not conn.closed
    out = []
    while True:
        try:
            out += conn.feed(b"", NOW)
            break
        except MalformedError:
            continue
    assert summary(out) == EXPECTED[:1] and conn.buffered == 0


def test_buffer_bounded():
    conn = TotemConnection(options=ConnectionOptions(max_frame_size=1024))
    for _ in range(40):
        try:
            conn.feed(b"$$0999AA" + b"1" * 100, NOW)
        except ProtocolError:
            pass
        assert conn.buffered <= 1024 + 108
        if conn.closed:
            break


# ------------------------------------------------------------------ device, commands, spec


def test_device_frame_and_acks():
    dev = TotemDevice(IMEI)
    fix = Fix(time=T0, lat=LAT, lon=LON, speed_kmh=120, course_deg=90, satellites=9)
    out = dev.encode_fixes([fix])
    assert out.data == (b"$$0108AA861234567890126|00004000240715142530421300001A2B3C4D092009012001.0"
                        b"00000005230.1234N01322.5678E0001" + out.data[-2:])
    d = TotemConnection(options=STRICT).receive_frame(out.data, NOW)
    assert d.reply == encode_ack_new(b"0001") == b"$$0014AA000104"
    assert dev.receive_data(d.reply[:5]) == []
    assert [(a.kind, a.token) for a in dev.receive_data(d.reply[5:])] == [("fixes", out.token)]
    assert dev.receive_data(b"$$0014AA000104") == [DeviceAck("other")]  # already acknowledged
    assert dev.hello() == b"" and dev.hello_acked and dev.expects_acks


def test_commands_and_spec():
    assert encode_command("reboot") == b"$$0020CF000000,006" + b"%02X" % xor8(b"$$0020CF000000,006")
    frame = encode_command("engineStop", "123456")
    assert frame[:-2] == b"$$0024CF123456,025,C,1" and len(frame) == 24
    assert get("totem") is SPEC and SPEC.transports == ("tcp",) and SPEC.default_port == 5007


fixes = st.builds(
    Fix,
    time=st.integers(0, 99 * 365 * 86400).map(lambda s: datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 999).map(float), course_deg=st.integers(0, 359).map(float),
    satellites=st.integers(0, 99), valid=st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fixes, min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=8))
def test_round_trip_device_to_connection(batch, cuts):
    dev = TotemDevice(IMEI)
    outs = [dev.encode_fixes([f]) for f in batch]
    conn = TotemConnection(options=STRICT)
    decoded = [d for chunk in chunked(b"\r\n".join(o.data for o in outs), cuts) for d in conn.feed(chunk, NOW)]
    positions = [p for d in decoded for p in d.positions]
    assert len(positions) == len(batch)
    for fix, p in zip(batch, positions):
        assert p.fix_time == fix.time and p.valid == fix.valid
        assert abs(p.lat - fix.lat) <= 0.5 / 600000 + 1e-9 and abs(p.lon - fix.lon) <= 0.5 / 600000 + 1e-9
        assert (p.speed_kmh, p.course_deg, p.satellites) == (fix.speed_kmh, fix.course_deg, fix.satellites)
    acks = dev.receive_data(b"".join(d.reply for d in decoded))
    assert [a.token for a in acks if a.kind == "fixes"] == [o.token for o in outs]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=200), st.sampled_from([NEW_AA, OLD1, b"$$", b"$$0", b"$$B2"])),
                max_size=6))
def test_garbage_stream_only_protocol_errors_and_bounded(chunks):
    conn = TotemConnection(options=ConnectionOptions(max_frame_size=1024))
    for chunk in chunks:
        while not conn.closed:
            try:
                conn.feed(chunk, NOW)
                break
            except ProtocolError:
                chunk = b""
        assert conn.buffered <= 1024 + len(chunk) + 200


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60), st.integers(0, 140),
       st.sampled_from([NEW_AA, NEW_05, NEW_E2, NEW_E5, OLD1, OLD2, OLD3]))
def test_garbage_frames_decode_or_raise_protocol_errors(noise, at, frame):
    try:
        TotemConnection().receive_frame(frame[:at] + noise + frame[at:], NOW)
    except ProtocolError:
        pass
