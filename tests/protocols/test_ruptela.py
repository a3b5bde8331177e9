"""Ruptela: framing, decoding and replies with hand-built vectors (fact sheet,
Ruptela protocol v1.103 / FM protocols v1.67); no Traccar frames."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest

from protocols import ChecksumError, FramingError, MalformedError
from protocols._checksum import crc16_kermit
from protocols._connection import ConnectionOptions
from protocols.registry import get
from protocols.ruptela import SPEC, RuptelaConnection, RuptelaFramer
from protocols.ruptela.encode import (DTC_ACK, HEARTBEAT_ACK, IDENTIFICATION_ACK, RECORDS_ACK,
                                      encode_ack, encode_file_request, encode_set_output,
                                      encode_sms_command)

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "013227001564487"            # 15 digits with a leading zero
IMEI_BYTES = bytes.fromhex("00000c07a6bacd47")   # 13227001564487 as 8 bytes

RECORD_1 = bytes.fromhex(
    "65e1c340"      # 2024-03-01T12:00:00Z
    "00" "00"       # timestamp extension, priority
    "0f116278"      # longitude 25.2797560
    "20989c14"      # latitude 54.6872340
    "0460"          # altitude 1120 -> 112.0 m
    "6978"          # angle 27000 -> 270.00 degrees
    "09"            # satellites
    "0036"          # 54 km/h
    "0c"            # HDOP 1.2
    "07"            # event ID
    "04" "fb01" "0201" "20f6" "c805"           # ignition, in1, deviceTemp -10, io200
    "03" "1d3138" "4e00fa" "5e0fa0"            # power 12.6 V, temp0 25.0, rpm 1000
    "02" "410001e240" "a400000064"             # odometer 123456, tripOdometer 500
    "01" "220102030405060708"                  # driverUniqueId (hex)
)
EXPECTED_1 = {"event": 7, "ignition": True, "in1": True, "deviceTemp": -10, "io200": 5,
              "power": 12.6, "temp0": 25.0, "rpm": 1000.0, "odometer": 123456,
              "tripOdometer": 500, "driverUniqueId": "0102030405060708"}


def frame(command: int, data: bytes, imei: bytes = IMEI_BYTES) -> bytes:
    payload = imei + bytes((command,)) + data
    return struct.pack(">H", len(payload)) + payload + struct.pack(">H", crc16_kermit(payload))


RECORDS = frame(1, bytes.fromhex("0001") + RECORD_1)
NO_FIX_RECORD = bytes.fromhex("65e1c37c0000" "80000000" "80000000" "8000ffffffffffff" "05"
                              "01" "fb00" "00" "00" "00")
# Two parts of one merged record (command 68): part 0 of 1, then part 1 of 1.
EXTENDED = frame(68, bytes.fromhex(
    "0002"
    "65e1c340" "00" "10" "00" "0f116278" "20989c14" "0460" "6978" "09" "0036" "0c" "0005"
    "01" "019901" "00" "00" "00"                 # ignition (409)
    "65e1c340" "00" "11" "00" "0f116278" "20989c14" "0460" "6978" "09" "0036" "0c" "0005"
    "01" "019f00" "01" "0fa00123" "00" "00"      # gpsAntennaCut (415 = 0), io4000
))
DTC = frame(9, bytes.fromhex(
    "02"
    "00" "65e1c340" "0f116278" "20989c14" "01" "5030313030"   # P0100
    "00" "65e1c37c" "0f116278" "20989c14" "02" "4331323334"   # C1234, archive
))


def feed(chunks, conn=None):
    conn = conn or RuptelaConnection()
    out = []
    for chunk in chunks:
        out.extend(conn.feed(chunk, NOW))
    return conn, out


def test_crc16_kermit_catalogue_check():
    assert crc16_kermit(b"123456789") == 0x2189


def test_spec():
    assert get("ruptela") is SPEC
    assert SPEC.default_port == 5046 and SPEC.transports == ("tcp",)
    assert SPEC.udp_connection is None


def test_fixed_replies():
    assert RECORDS_ACK == bytes.fromhex("0002640113bc")
    assert encode_ack(68) == RECORDS_ACK
    assert DTC_ACK == bytes.fromhex("00026d01c4a4")
    assert IDENTIFICATION_ACK == bytes.fromhex("00027301cb25")
    assert HEARTBEAT_ACK == bytes.fromhex("00027401862d")
    assert encode_ack(1, accepted=False) == bytes.fromhex("00026400") + \
        crc16_kermit(b"\x64\x00").to_bytes(2, "big")


def test_commands():
    assert encode_sms_command("pass resetimmob") == (
        b"\x00\x10\x6cpass resetimmob" + crc16_kermit(b"\x6cpass resetimmob").to_bytes(2, "big"))
    body = bytes.fromhex("75" "00000001" "00000001")
    assert encode_set_output(1, 1) == b"\x00\x09" + body + crc16_kermit(body).to_bytes(2, "big")


def test_records_position():
    conn = RuptelaConnection()
    decoded = conn.receive_frame(RECORDS, NOW)
    assert decoded.login == IMEI and conn.device_id == IMEI
    assert decoded.reply == RECORDS_ACK and decoded.defer_reply is True
    assert decoded.checksum_ok
    (p,) = decoded.positions
    assert p.device_id == IMEI and p.protocol == "ruptela"
    assert p.fix_time == datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert p.valid is True
    assert (p.lat, p.lon) == (54.687234, 25.279756)
    assert p.altitude_m == 112.0 and p.course_deg == 270.0 and p.speed_kmh == 54.0
    assert p.satellites == 9 and p.hdop == 1.2
    assert p.attributes == EXPECTED_1


def test_login_only_on_new_identity():
    conn = RuptelaConnection()
    assert conn.receive_frame(RECORDS, NOW).login == IMEI
    assert conn.receive_frame(RECORDS, NOW).login is None


def test_no_fix_record_takes_last_location():
    conn = RuptelaConnection()
    (first,) = conn.receive_frame(RECORDS, NOW).positions
    (p,) = conn.receive_frame(frame(1, bytes.fromhex("0001") + NO_FIX_RECORD), NOW).positions
    assert p.valid is False and (p.lat, p.lon) == (first.lat, first.lon)
    assert p.fix_time == datetime(2024, 3, 1, 12, 1, tzinfo=timezone.utc)
    assert p.speed_kmh is None and p.altitude_m is None and p.satellites is None
    assert p.attributes == {"event": 5, "ignition": False}


def test_no_fix_record_without_history_is_at_zero():
    decoded = RuptelaConnection().receive_frame(frame(1, bytes.fromhex("0001") + NO_FIX_RECORD), NOW)
    (p,) = decoded.positions
    assert (p.valid, p.lat, p.lon) == (False, 0.0, 0.0)


def test_extended_records_merge():
    decoded = RuptelaConnection().receive_frame(EXTENDED, NOW)
    assert decoded.reply == RECORDS_ACK and decoded.defer_reply
    (p,) = decoded.positions
    assert p.attributes == {"event": 5, "ignition": True, "alarm": "gpsAntennaCut",
                            "gnssAntenna": 0, "io4000": 0x0123}
    assert decoded.unknown_items == 1


def test_dtc():
    decoded = RuptelaConnection().receive_frame(DTC, NOW)
    assert decoded.reply == DTC_ACK and decoded.defer_reply
    a, b = decoded.positions
    assert a.attributes == {"dtcs": "P0100"} and a.valid
    assert b.attributes == {"dtcs": "C1234", "archive": True}
    assert b.fix_time == datetime(2024, 3, 1, 12, 1, tzinfo=timezone.utc)
    assert (b.lat, b.lon) == (54.687234, 25.279756)


def test_identification_and_heartbeat_immediate():
    conn = RuptelaConnection()
    ident = conn.receive_frame(frame(15, b"\x01\x02FW1.0"), NOW)
    assert ident.reply == IDENTIFICATION_ACK and ident.defer_reply is False
    assert ident.login == IMEI and not ident.positions
    beat = conn.receive_frame(frame(16, b""), NOW)
    assert beat.reply == HEARTBEAT_ACK and beat.defer_reply is False and beat.login is None


def test_text_answers():
    conn = RuptelaConnection()
    decoded = conn.receive_frame(frame(7, b"  immobilizer on\r\n"), NOW)
    assert decoded.reply is None and not decoded.positions
    (event,) = decoded.events
    assert event.type == "commandResult" and event.time == NOW
    assert event.attributes == {"result": "immobilizer on"}
    (event,) = conn.receive_frame(frame(17, b"\x03"), NOW).events
    assert event.attributes == {"result": "3"}


def test_file_part_requests_the_next_one():
    name = b"PHOTO001"
    part = frame(37, bytes((2, 1)) + name + bytes.fromhex("0003" "0001") + b"\xff\xd8")
    decoded = RuptelaConnection().receive_frame(part, NOW)
    assert decoded.reply == encode_file_request(2, 1, name, 2)
    payload = bytes.fromhex("89" "02" "01") + name + bytes.fromhex("0002")
    assert decoded.reply == b"\x00\x0d" + payload + crc16_kermit(payload).to_bytes(2, "big")
    last = frame(37, bytes((2, 1)) + name + bytes.fromhex("0003" "0002"))
    assert RuptelaConnection().receive_frame(last, NOW).reply is None


def test_unknown_command():
    decoded = RuptelaConnection().receive_frame(frame(99, b"\x00"), NOW)
    assert decoded.unknown is not None and decoded.unknown.message_type == 99
    assert decoded.reply is None and not decoded.positions


def test_checksum_flag_and_strict():
    bad = RECORDS[:-1] + bytes((RECORDS[-1] ^ 1,))
    decoded = RuptelaConnection().receive_frame(bad, NOW)
    assert decoded.checksum_ok is False and len(decoded.positions) == 1
    strict = RuptelaConnection(options=ConnectionOptions(strict_checksum=True))
    with pytest.raises(ChecksumError):
        strict.receive_frame(bad, NOW)


def test_cut_short_is_malformed():
    with pytest.raises(MalformedError):
        RuptelaConnection().receive_frame(frame(1, bytes.fromhex("0002") + RECORD_1), NOW)
    with pytest.raises(MalformedError):
        RuptelaConnection().receive_frame(b"\x00\x01\x00\x00\x00", NOW)


def test_stream_whole_byte_by_byte_and_every_split():
    stream = RECORDS + DTC
    for chunks in ([stream], [bytes((b,)) for b in stream]):
        _, out = feed(chunks)
        assert [len(d.positions) for d in out] == [1, 2]
    for cut in range(1, len(stream)):
        _, out = feed([stream[:cut], stream[cut:]])
        assert [d.reply for d in out] == [RECORDS_ACK, DTC_ACK]
        assert out[0].positions[0].attributes == EXPECTED_1


def test_garbage_after_frame_closes():
    conn = RuptelaConnection()
    with pytest.raises(FramingError) as info:
        conn.feed(RECORDS + b"\x00\x03abc", NOW)
    assert len(info.value.decoded) == 1 and conn.closed


def test_framer_bounds():
    framer = RuptelaFramer()
    with pytest.raises(FramingError):
        framer.next_frame(bytearray(b"\x03\xfd"))        # 1021 + 4 > 1024
    buf = bytearray(b"\x03\xfc" + bytes(500))             # exactly 1024 once complete
    assert framer.next_frame(buf) is None and len(buf) == 502
