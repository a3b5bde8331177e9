"""GT06: exact vectors (written from the fact sheet), replies, framing, device side."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from protocols._checksum import crc16_x25
from protocols._connection import ConnectionOptions
from protocols._device import DeviceAck
from protocols._errors import ChecksumError, FramingError, MalformedError
from protocols._records import Fix
from protocols.gt06 import SPEC, Gt06Connection, Gt06Device, Gt06Framer, encode
from protocols.gt06.connection import parse_login

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)
IMEI = "123456789012345"


def x25_reference(data: bytes) -> int:
    """Bit-by-bit CRC-16/X-25 (reflected 0x1021 = 0x8408, init and xorout 0xFFFF)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def frame(msg_type: int, content: bytes, serial: int, *, extended: bool = False, bad_crc: bool = False) -> bytes:
    """A frame assembled by hand with the reference CRC."""
    length = 1 + len(content) + 4
    head = length.to_bytes(2, "big") if extended else bytes((length,))
    checked = head + bytes((msg_type,)) + content + serial.to_bytes(2, "big")
    crc = x25_reference(checked) ^ (0x0101 if bad_crc else 0)
    return (b"yy" if extended else b"xx") + checked + crc.to_bytes(2, "big") + b"\r\n"


def ack_bytes(msg_type: int, serial: int) -> bytes:
    return frame(msg_type, b"", serial)


# 2024-03-05 10:20:30, 9 satellites, 54.94535 N 24.01762 W, 60 km/h, 270 deg, fixed, ACC on
GPS = bytes.fromhex("1803050a141e" "c9" "05e51e7e" "0293a9e4" "3c" "dd0e")
LBS = bytes.fromhex("01cc00287d001fb8")
LOGIN = frame(0x01, bytes.fromhex("0123456789012345" "3620" "3200"), 1)  # GMT+8:00
LOGIN_UTC = frame(0x01, bytes.fromhex("0123456789012345" "3620" "0000"), 1)  # GMT+0:00
LOCATION = frame(0x12, GPS + LBS, 0x42)
FIX_TIME = datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)


def logged_in() -> Gt06Connection:
    conn = Gt06Connection()
    conn.receive_frame(LOGIN_UTC, NOW)
    return conn


def test_crc_catalogue_check_value():
    assert crc16_x25(b"123456789") == 0x906E
    assert x25_reference(b"123456789") == 0x906E


def test_spec():
    assert (SPEC.name, SPEC.default_port, SPEC.transports) == ("gt06", 5023, ("tcp",))
    assert SPEC.udp_connection is None and SPEC.tcp_connection is Gt06Connection


def test_ack_bytes_exact():
    assert encode.ack(0x01, 1) == bytes.fromhex("787805010001d9dc0d0a")
    assert encode.ack(0x12, 0x42) == ack_bytes(0x12, 0x42)
    assert encode.ack_extended(0x70, 3) == frame(0x70, b"", 3, extended=True)


def test_login_reply_and_identity():
    conn = Gt06Connection()
    d = conn.receive_frame(LOGIN, NOW)
    assert d.login == IMEI and conn.device_id == IMEI
    assert d.reply == bytes.fromhex("787805010001d9dc0d0a") and d.defer_reply is False
    assert d.positions == () and d.events == () and d.checksum_ok
    assert conn.model == 0x3620 and conn.login_utc_offset_min == 480


@pytest.mark.parametrize("word,minutes", [(0x3200, 480), (0x2120, 330), (0x2128, -330), (0x0000, 0)])
def test_login_time_zone_word(word, minutes):
    content = bytes.fromhex("0123456789012345") + b"\x36\x20" + word.to_bytes(2, "big")
    assert parse_login(content) == (IMEI, 0x3620, minutes)


def test_login_without_time_zone_and_bad_bcd():
    assert parse_login(bytes.fromhex("0123456789012345") + b"\x00\x01") == (IMEI, 1, None)
    with pytest.raises(MalformedError):
        parse_login(bytes.fromhex("0a23456789012345"))
    with pytest.raises(MalformedError):
        parse_login(b"\x01\x23")


def test_location_exact():
    d = logged_in().receive_frame(LOCATION, NOW)
    (p,) = d.positions
    assert p.device_id == IMEI and p.protocol == "gt06"
    assert p.fix_time == FIX_TIME and p.valid is True
    assert p.lat == pytest.approx(98901630 / 1_800_000, abs=1e-9)
    assert p.lon == pytest.approx(-43231716 / 1_800_000, abs=1e-9)
    assert (p.speed_kmh, p.course_deg, p.satellites) == (60.0, 270.0, 9)
    assert p.attributes == {"ignition": True}
    assert d.reply == ack_bytes(0x12, 0x42) and d.defer_reply is True


def test_location_south_east_not_fixed_no_acc():
    gps = bytes.fromhex("1803050a141e" "c4" "05e51e7e" "0293a9e4" "00" "0010")
    (p,) = logged_in().receive_frame(frame(0x12, gps + LBS, 7), NOW).positions
    assert p.lat < 0 and p.lon > 0 and p.valid is False and p.course_deg == 16.0
    assert p.satellites == 4 and p.attributes == {}


def test_location_before_login_yields_nothing():
    d = Gt06Connection().receive_frame(LOCATION, NOW)
    assert d.positions == () and d.events == () and d.reply is None


def test_location_with_assumed_device():
    d = Gt06Connection(device_id="000000000000000").receive_frame(LOCATION, NOW)
    assert d.positions[0].device_id == "000000000000000"


def test_alarm_0x16_status_block():
    status = bytes((0x22, 0x04, 0x03, 0x01, 0x02))  # ACC on, SOS bits, level 4, GSM 3, SOS code
    d = logged_in().receive_frame(frame(0x16, GPS + b"\x09" + LBS + status, 9), NOW)
    (p,) = d.positions
    # the information bits and the alarm byte both say SOS: alarms accumulate (Traccar's addAlarm)
    assert p.attributes == {"status": 0x22, "ignition": True, "charge": False, "blocked": False,
                            "armed": False, "batteryLevel": 66, "rssi": 3, "alarm": "sos,sos"}
    assert d.reply == ack_bytes(0x16, 9) and d.defer_reply


@pytest.mark.parametrize("code,name", [(0x02, "powerCut"), (0x03, "vibration"), (0x04, "geofenceEnter"),
                                       (0x05, "geofenceExit"), (0x06, "overspeed"), (0x0E, "lowBattery"),
                                       (0x11, "powerOff"), (0x13, "tampering"), (0x14, "door")])
def test_alarm_codes(code, name):
    status = bytes((0x00, 0x06, 0x04, code, 0x02))
    (p,) = logged_in().receive_frame(frame(0x26, GPS + b"\x09" + LBS + status, 9), NOW).positions
    assert p.attributes["alarm"] == name and p.attributes["batteryLevel"] == 100


def test_heartbeat_status_event():
    d = logged_in().receive_frame(frame(0x13, bytes((0x46, 0x06, 0x04, 0x00, 0x02)), 0x10), NOW)
    (e,) = d.events
    assert (e.type, e.time, e.device_id) == ("status", NOW, IMEI)
    assert e.attributes == {"status": 0x46, "ignition": True, "charge": True, "blocked": False,
                            "armed": False, "batteryLevel": 100, "rssi": 4}
    assert d.reply == ack_bytes(0x13, 0x10) and d.defer_reply


def test_heartbeat_terminal_alarm_bits():
    (e,) = logged_in().receive_frame(frame(0x13, bytes((0x10, 0x50, 0x02, 0x00, 0x02)), 1), NOW).events
    assert e.attributes["alarm"] == "powerCut" and e.attributes["batteryLevel"] == 80


def test_gps_lbs_2_acc_and_mileage():
    tail = bytes((0x01, 0x00, 0x01)) + (123456).to_bytes(4, "big")
    (p,) = logged_in().receive_frame(frame(0x22, GPS + LBS + tail, 5), NOW).positions
    assert p.attributes == {"ignition": True, "event": 0, "archive": True, "odometer": 123456}


def test_4g_location():
    lbs4g = bytes.fromhex("01cc01" "00009a00" "000000000a6f2401")
    (p,) = logged_in().receive_frame(frame(0xA0, GPS + lbs4g + b"\x00\x00\x00", 5), NOW).positions
    assert p.attributes == {"ignition": False, "event": 0, "archive": False} and p.fix_time == FIX_TIME


def test_time_request_immediate_even_before_login():
    d = Gt06Connection().receive_frame(frame(0x8A, b"", 7), NOW)
    assert d.reply == frame(0x8A, bytes.fromhex("1803050a141e"), 0)
    assert d.defer_reply is False and d.positions == () and d.events == ()


def test_command_results():
    text = b"Relay,1#OK"
    content = bytes((4 + len(text),)) + b"\x00\x00\x00\x01" + text + b"\x00\x02"
    d = logged_in().receive_frame(frame(0x15, content, 3), NOW)
    assert [(e.type, e.attributes) for e in d.events] == [("commandResult", {"result": "Relay,1#OK"})]
    assert d.reply is None
    wide = b"\x00\x00\x00\x01\x02" + "OK!".encode("utf-16-be")
    d = logged_in().receive_frame(frame(0x21, wide, 3, extended=True), NOW)
    assert d.events[0].attributes == {"result": "OK!"}


def test_info_transfer_voltage_and_iccid():
    d = logged_in().receive_frame(frame(0x94, b"\x00\x04\xd2", 4, extended=True), NOW)
    assert d.events[0].attributes == {"adc1": 12.34} and d.reply is None
    ids = bytes.fromhex("0123456789012345" "0460001234567890" "8986001234567890123f")
    (e,) = logged_in().receive_frame(frame(0x94, b"\x0a" + ids, 4, extended=True), NOW).events
    assert e.attributes["iccid"] == "8986001234567890123"
    assert e.attributes["imei"] == IMEI and e.attributes["imsi"] == "460001234567890"


def test_wifi_zero_length_frame_reply():
    body = bytes.fromhex("240305102030" "02" "0c4e2fa5640c" "4e2fa66e")
    raw = b"xx\x00\x69" + body + b"\r\n"
    d = logged_in().receive_frame(raw, NOW)
    assert d.reply == bytes.fromhex("78780069240305102030") + b"\r\n"
    assert d.events[0].type == "network" and d.checksum_ok


def test_unknown_type_is_acked_and_counted():
    conn = logged_in()
    d = conn.receive_frame(frame(0x7E, b"\x01\x02", 0x0203), NOW)
    assert d.unknown is not None and d.unknown.message_type == 0x7E
    assert d.reply == ack_bytes(0x7E, 0x0203) and d.defer_reply is False
    assert conn.unknown_count == 1
    d = conn.receive_frame(frame(0x7E, b"\x01", 1, extended=True), NOW)
    assert d.unknown is not None and d.reply is None


def test_checksum_mismatch_lenient_and_strict():
    bad = frame(0x12, GPS + LBS, 0x42, bad_crc=True)
    d = logged_in().receive_frame(bad, NOW)
    assert d.checksum_ok is False and len(d.positions) == 1
    strict = Gt06Connection(device_id=IMEI, options=ConnectionOptions(strict_checksum=True))
    with pytest.raises(ChecksumError):
        strict.receive_frame(bad, NOW)


def test_malformed_content_raises_protocol_error():
    # a GPS block whose date is no date (month 19) is what devices send before a fix: an Event
    bad_date = bytes.fromhex("18130505141e") + GPS[6:]
    d = logged_in().receive_frame(frame(0x12, bad_date + LBS, 1), NOW)
    assert d.positions == () and [(e.type, e.time, e.attributes) for e in d.events] == [
        ("status", NOW, {"ignition": True})]
    with pytest.raises(MalformedError):
        logged_in().receive_frame(b"xx\x05\x12\x00\x01", NOW)


# ---- framing ---------------------------------------------------------------------------

STREAM = LOGIN + LOCATION


def decode_stream(chunks) -> list:
    conn = Gt06Connection()
    out = []
    for chunk in chunks:
        out.extend(conn.feed(chunk, NOW))
    return out, conn


def summary(decoded) -> list:
    return [(d.login, [(p.fix_time, p.lat, p.lon) for p in d.positions], d.reply) for d in decoded]


EXPECTED = summary(decode_stream([STREAM])[0])


def test_stream_whole():
    assert len(EXPECTED) == 2 and EXPECTED[0][0] == IMEI and len(EXPECTED[1][1]) == 1


def test_stream_byte_by_byte():
    out, conn = decode_stream([bytes([b]) for b in STREAM])
    assert summary(out) == EXPECTED and conn.buffered == 0


@pytest.mark.parametrize("cut", range(1, len(STREAM)))
def test_stream_split_at_every_offset(cut):
    out, conn = decode_stream([STREAM[:cut], STREAM[cut:]])
    assert summary(out) == EXPECTED and conn.buffered == 0


def test_garbage_before_and_between_frames_is_skipped():
    out, conn = decode_stream([b"\x00\xffGARBAGE\x79" + LOGIN + b"\x0d\x0a\x79junk" + LOCATION + b"\x01"])
    assert summary(out) == EXPECTED
    assert conn._framer.skipped == 10 + 7 + 1 and conn.buffered == 0


def test_framer_zero_length_falls_back_to_crlf():
    framer = Gt06Framer()
    wifi = b"xx\x00\x69" + bytes.fromhex("2403051020300200cc080c4e2fa564") + b"\r\n"
    buf = bytearray(wifi[:-1])
    assert framer.next_frame(buf) is None
    buf += wifi[-1:] + LOCATION
    assert framer.next_frame(buf) == wifi and framer.next_frame(buf) == LOCATION and not buf


def test_framer_short_length_field_cut_at_crlf():
    wrong = bytearray(LOCATION)
    wrong[2] -= 1  # announces one byte less than it carries
    buf = bytearray(wrong) + LOGIN
    framer = Gt06Framer()
    assert framer.next_frame(buf) == bytes(wrong) and framer.next_frame(buf) == LOGIN


def test_framer_oversize_header_resyncs():
    framer = Gt06Framer(max_frame_size=64)
    buf = bytearray(b"yy\xff\xff\x01\x02") + LOGIN
    assert framer.next_frame(buf) == LOGIN and framer.skipped == 6


def test_buffer_bound_raises_framing_error():
    conn = Gt06Connection(options=ConnectionOptions(max_frame_size=256))
    with pytest.raises(FramingError):
        conn.feed(b"xx\xf0\x12" + bytes(300), NOW)  # announces 245 bytes, no CR LF in 300


def test_extended_frame_decoded_from_stream():
    ext = frame(0x94, b"\x00\x04\xd2", 4, extended=True)
    out, _ = decode_stream([LOGIN + ext[:5], ext[5:]])
    assert out[1].events[0].attributes == {"adc1": 12.34}


# ---- device side -----------------------------------------------------------------------

def test_device_login_and_location_frames():
    dev = Gt06Device(IMEI)
    hello = dev.hello()
    assert hello == LOGIN
    fix = Fix(time=FIX_TIME, lat=54.94535, lon=-24.01762, speed_kmh=60, course_deg=270,
              satellites=9, attributes={"ignition": True})
    out = dev.encode_fixes([fix])
    assert out.token == 2 and out.count == 1
    # the device announced GMT+8:00, so it writes its dates in that zone: 18:20:30
    local = b"\x18\x03\x05\x12" + GPS[4:11]
    assert out.data == frame(0x12, local + (43231716).to_bytes(4, "big") + GPS[15:] + LBS, 2)
    assert dev.heartbeat() == frame(0x13, bytes((0x46, 6, 4, 0, 2)), 3)


def test_device_reads_split_acks():
    dev = Gt06Device(IMEI)
    dev.hello()
    out = dev.encode_fixes([Fix(time=FIX_TIME, lat=1.0, lon=2.0)])
    replies = b"\x00" + encode.ack(0x01, 1) + encode.ack(0x12, out.token) + encode.ack(0x13, 9)
    acks = []
    for i in range(len(replies)):
        acks += dev.receive_data(replies[i:i + 1])
    assert acks == [DeviceAck("hello"), DeviceAck("fixes", token=out.token), DeviceAck("other", token=9)]
    assert dev.hello_acked


def test_device_end_to_end_with_connection():
    dev = Gt06Device(IMEI)
    conn = Gt06Connection()
    (d,) = conn.feed(dev.hello(), NOW)
    assert dev.receive_data(d.reply) == [DeviceAck("hello")]
    out = dev.encode_fixes([Fix(time=FIX_TIME, lat=-33.5, lon=151.25, speed_kmh=12, course_deg=90)])
    (d,) = conn.feed(out.data, NOW)
    assert d.defer_reply and dev.receive_data(d.reply) == [DeviceAck("fixes", token=out.token)]
    p = d.positions[0]
    assert (p.lat, p.lon, p.speed_kmh, p.course_deg) == (-33.5, 151.25, 12.0, 90.0)
