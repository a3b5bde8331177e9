"""Galileosky: framing, tag decoding and replies with hand-built vectors (fact
sheet, GalileoSky v5.1 manual section 12); no Traccar frames."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols import ChecksumError, FramingError, MalformedError
from protocols._checksum import crc16_modbus
from protocols._connection import ConnectionOptions
from protocols.galileo import SPEC, GalileoConnection, GalileoFramer
from protocols.galileo.encode import encode_command, wrap
from protocols.registry import get

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "868204001234567"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def packet(tags_hex: str, header: int = 0x01, archive: bool = False) -> bytes:
    tags = bytes.fromhex(tags_hex)
    body = bytes((header,)) + (len(tags) | (0x8000 if archive else 0)).to_bytes(2, "little") + tags
    return body + crc16_modbus(body).to_bytes(2, "little")


HEAD = packet("0182" "0213" "03" + IMEI.encode().hex() + "040100")
RECORD_A = ("100100"                       # record number 1
            "2040c3e165"                   # 2024-03-01T12:00:00Z
            "3009027642030cbd8101"         # valid, 9 satellites, 54.687234, 25.279756
            "3321028c0a"                   # 54.5 km/h, 270.0 degrees
            "34f4ff"                       # altitude -12 m
            "350c"                         # HDOP 1.2
            "403831"                       # status
            "413831"                       # power 12.6 V
            "420410"                       # battery 4.1 V
            "43e7"                         # deviceTemp -25
            "500a00"                       # adc0 10
            "9040e20100"                   # iButton 123456
            "c1fa3a4006"                   # fuel 100 %, coolant 18, rpm 200
            "d440e20100"                   # odometer 123456
            "e21f000000")                  # userData0 31
RECORD_B = "100200" "207cc3e165" "3023027642030cbd8101"   # no fix (flag 0x2_), 3 satellites
MAIN = packet(RECORD_A + RECORD_B, archive=True)
EXPECTED_A = {"index": 1, "status": 12600, "power": 12.6, "battery": 4.1, "deviceTemp": -25,
              "adc0": 10, "driverUniqueId": "123456", "fuel": 100.0, "temp1": 18, "rpm": 200.0,
              "odometer": 123456, "userData0": 31}


def ack(frame: bytes) -> bytes:
    return b"\x02" + frame[-2:]


def feed(chunks, conn=None):
    conn = conn or GalileoConnection()
    out = []
    for chunk in chunks:
        out.extend(conn.feed(chunk, NOW))
    return conn, out


def test_crc16_modbus_catalogue_check():
    assert crc16_modbus(b"123456789") == 0x4B37


def test_spec():
    assert get("galileo") is SPEC
    assert SPEC.default_port == 5034 and SPEC.transports == ("tcp",)


def test_wrap_matches_hand_built():
    assert wrap(bytes.fromhex(RECORD_A + RECORD_B), archive=True) == MAIN


def test_head_packet_logs_in_with_immediate_reply():
    conn = GalileoConnection()
    d = conn.receive_frame(HEAD, NOW)
    assert d.login == IMEI and conn.device_id == IMEI
    assert d.reply == ack(HEAD) and d.defer_reply is False and not d.positions


def test_main_packet_records():
    conn = GalileoConnection(device_id=IMEI)
    d = conn.receive_frame(MAIN, NOW)
    assert d.reply == ack(MAIN) and d.defer_reply is True and d.checksum_ok
    a, b = d.positions
    assert a.device_id == IMEI and a.fix_time == T0 and a.valid is True
    assert (a.lat, a.lon) == (54.687234, 25.279756)
    assert a.speed_kmh == 54.5 and a.course_deg == 270.0 and a.altitude_m == -12.0
    assert a.satellites == 9 and a.hdop == 1.2
    assert a.attributes == EXPECTED_A
    assert b.valid is False and b.satellites == 3
    assert b.attributes == {"index": 2, "cellPosition": True}  # correctness 2: from cell towers
    assert b.fix_time == datetime(2024, 3, 1, 12, 1, tzinfo=timezone.utc)


def test_before_identification_no_records_no_reply():
    d = GalileoConnection().receive_frame(MAIN, NOW)
    assert d.reply is None and not d.positions


def test_command_answer_event_and_outdated_copy():
    conn = GalileoConnection(device_id=IMEI)
    answer = packet("03" + IMEI.encode().hex() + "040000" "e007000000" "e1" "05" + b"OUT 1".hex())
    d = conn.receive_frame(answer, NOW)
    (event,) = d.events
    assert event.type == "commandResult" and event.time == NOW
    assert event.attributes == {"deviceId": 0, "index": 7, "result": "OUT 1"}
    assert not d.positions and d.reply == ack(answer) and d.defer_reply
    (last,) = [p for p in conn.receive_frame(packet(RECORD_A), NOW).positions]
    d = conn.receive_frame(answer, NOW)
    (copy,) = d.positions
    assert copy.fix_time == last.fix_time and copy.attributes["outdated"] is True
    assert copy.attributes["result"] == "OUT 1"


def test_variable_and_skipped_tags():
    conn = GalileoConnection(device_id=IMEI)
    tags = ("2040c3e165" "3009027642030cbd8101" "5b01020304050607"
            "ea03aabbcc" "fe0300010203" "70aaaa")
    decoded = conn.receive_frame(packet(tags), NOW)
    (p,) = decoded.positions
    assert p.attributes == {"userDataArray": "aabbcc", "refrigerationUnit": "01020304050607",
                            "io254_513": "03", "thermometer0Id": 0xAA, "thermometer0": -86}
    assert decoded.unknown_items == 1  # extended tag 0x0201 is not in the table


def test_unknown_tag_keeps_the_rest_of_the_packet():
    frame = packet("2040c3e165" "0f0001")
    decoded = GalileoConnection(device_id=IMEI).receive_frame(frame, NOW)
    (event,) = decoded.events
    assert event.type == "status" and event.attributes == {"io15": "0001"}
    assert event.time == datetime.fromtimestamp(0x65e1c340, timezone.utc)
    assert decoded.unknown_items == 1 and decoded.reply == b"\x02" + frame[-2:]


def test_cut_short_is_malformed():
    with pytest.raises(MalformedError):
        GalileoConnection(device_id=IMEI).receive_frame(packet("2040c3e1"), NOW)
    with pytest.raises(MalformedError):
        GalileoConnection(device_id=IMEI).receive_frame(b"\x01\x00", NOW)


def test_compressed_packet():
    body = ("13f0b01238e466e17600" "02" "4133" "3831" "2103"     # alarm, tags 0x41 and 0x33
            "13f0bf3238e466e17400" "00")                          # no fix, no tags
    frame = packet(body.replace("2103", "21028c0a"), header=0x08)
    d = GalileoConnection(device_id=IMEI).receive_frame(frame, NOW)
    a, b = d.positions
    assert d.reply == ack(frame) and d.defer_reply
    assert a.fix_time == T0 and a.valid
    assert a.lon == pytest.approx(25.000076293945312) and a.lat == pytest.approx(54.67595100402832)
    assert a.attributes == {"alarm": "general", "power": 12.6}
    assert a.speed_kmh == 54.5 and a.course_deg == 270.0
    assert b.valid is False and b.fix_time == datetime(2024, 3, 1, 12, 1, tzinfo=timezone.utc)


def test_compressed_time_from_last_year_after_new_year():
    frame = packet("78495c1238e466e17400" "00", header=0x08)
    now = datetime(2024, 1, 1, 0, 10, tzinfo=timezone.utc)
    (p,) = GalileoConnection(device_id=IMEI).receive_frame(frame, now).positions
    assert p.fix_time == datetime(2023, 12, 31, 23, 0, tzinfo=timezone.utc)


def test_photo_part_ack():
    frame = packet("ffd8ffe0", header=0x07)
    d = GalileoConnection(device_id=IMEI).receive_frame(frame, NOW)
    assert d.reply == b"\x07" + frame[-2:] and not d.defer_reply


IRIDIUM = bytes.fromhex(
    "01" "0038"                          # header, length 56 (big-endian)
    "01001c" "00000001" + IMEI.encode().hex() + "00" "0001" "0000" "65e1c340"
    "03000b" "03" "21a8f8" "46aba5" "00000002"                # south, west
    "020008" "2040c3e165" "34f4ff")


def test_iridium_envelope():
    d = GalileoConnection().receive_frame(IRIDIUM, NOW)
    assert d.login == IMEI and d.reply is None
    (p,) = d.positions
    assert p.fix_time == T0 and p.altitude_m == -12.0
    assert p.lat == pytest.approx(-(33 + 43.256 / 60)) and p.lon == pytest.approx(-(70 + 43.941 / 60))


def test_checksum_flag_and_strict():
    bad = MAIN[:-1] + bytes((MAIN[-1] ^ 0xFF,))
    d = GalileoConnection(device_id=IMEI).receive_frame(bad, NOW)
    assert d.checksum_ok is False and len(d.positions) == 2 and d.reply == ack(bad)
    with pytest.raises(ChecksumError):
        GalileoConnection(device_id=IMEI, options=ConnectionOptions(strict_checksum=True)) \
            .receive_frame(bad, NOW)


def test_command_packet():
    cmd = encode_command(IMEI, "Out 1,1")
    tags = b"\x03" + IMEI.encode() + bytes.fromhex("040000" "e000000000" "e107") + b"Out 1,1"
    assert cmd == bytes((1, len(tags), 0)) + tags + crc16_modbus(cmd[:-2]).to_bytes(2, "little")


def test_stream_whole_byte_by_byte_and_every_split():
    stream = HEAD + MAIN + IRIDIUM
    for chunks in ([stream], [bytes((b,)) for b in stream]):
        _, out = feed(chunks)
        assert [len(d.positions) for d in out] == [0, 2, 1]
    for cut in range(1, len(stream)):
        _, out = feed([stream[:cut], stream[cut:]])
        assert [d.reply for d in out] == [ack(HEAD), ack(MAIN), None]
        assert out[1].positions[0].attributes == EXPECTED_A


def test_tiny_packet_without_tags():
    _, out = feed([HEAD, packet("")])
    assert out[1].reply == ack(packet("")) and not out[1].positions


def test_garbage_header_closes():
    conn = GalileoConnection()
    with pytest.raises(FramingError) as info:
        conn.feed(HEAD + b"\x55\x00\x00", NOW)
    assert len(info.value.decoded) == 1 and conn.closed


def test_framer_max_size():
    framer = GalileoFramer(max_frame_size=100)
    with pytest.raises(FramingError):
        framer.next_frame(bytearray(b"\x01\x64\x00" + bytes(10)))
