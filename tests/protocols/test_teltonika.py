"""Teltonika: framing, decoding and replies, with hand-built vectors (fact sheet,
Teltonika "Data Sending Protocols"); no Traccar frames."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols import ChecksumError, FramingError, MalformedError
from protocols._checksum import crc16_arc
from protocols._connection import ConnectionOptions
from protocols.registry import get
from protocols.teltonika import SPEC, TeltonikaConnection, TeltonikaFramer, TeltonikaUdpConnection
from protocols.teltonika.encode import encode_command, encode_udp_ack

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "864275071234567"
HANDSHAKE = bytes.fromhex("000f") + IMEI.encode()

# One Codec 8 record, field by field.
RECORD_8 = bytes.fromhex(
    "0000018df9e2b3f4"      # 2024-03-01T12:00:00.500Z in ms
    "01"                    # priority
    "0f116278"              # longitude 25.2797560 * 1e7
    "20989c14"              # latitude 54.6872340 * 1e7
    "0070"                  # altitude 112 m
    "010e"                  # angle 270
    "09"                    # satellites
    "0036"                  # speed 54 km/h
    "ef"                    # event IO ID 239
    "0e"                    # 14 IO elements
    "06" "ef01" "f001" "1504" "0100" "c805" "fd02"          # 1-byte values
    "03" "423138" "431004" "b60009"                       # 2-byte values
    "02" "100001e240" "c700000315"                        # 4-byte values
    "03" "4e0102030405060708" "0b0000000000000001"        # 8-byte values
    "c90000000000000000"
)
DATA_8 = bytes.fromhex("0801") + RECORD_8 + bytes.fromhex("01")
PACKET_8 = (bytes.fromhex("00000000") + len(DATA_8).to_bytes(4, "big") + DATA_8
            + crc16_arc(DATA_8).to_bytes(4, "big"))

EXPECTED_ATTRIBUTES = {
    "priority": 1, "event": 239, "ignition": True, "motion": True, "rssi": 4, "in1": False,
    "sleepMode": 5, "greenDrivingType": 2, "alarm": "hardBraking", "power": 12.6,
    "battery": 4.1, "odometer": 123456, "tripOdometer": 789,
    "driverUniqueId": "0807060504030201", "iccid": "1",
    "io201": 0,  # LLS 1 fuel level is a 2-byte element: sent with 8 bytes it stays raw
}


def decode_stream(chunks, conn=None):
    conn = conn or TeltonikaConnection()
    out = []
    for chunk in chunks:
        out.extend(conn.feed(chunk, NOW))
    return conn, out


def test_crc16_arc_catalogue_check():
    assert crc16_arc(b"123456789") == 0xBB3D


def test_spec():
    assert get("teltonika") is SPEC
    assert SPEC.default_port == 5027 and SPEC.transports == ("tcp", "udp")
    assert SPEC.udp_connection is TeltonikaUdpConnection


def test_handshake_reply_and_login():
    conn = TeltonikaConnection()
    decoded = conn.receive_frame(HANDSHAKE, NOW)
    assert decoded.login == IMEI
    assert decoded.reply == b"\x01" and decoded.reject_reply == b"\x00"
    assert decoded.defer_reply is False and not decoded.positions
    assert conn.device_id == IMEI


def test_codec8_record_fields():
    conn = TeltonikaConnection(device_id=IMEI)
    decoded = conn.receive_frame(PACKET_8, NOW)
    assert decoded.reply == bytes.fromhex("00000001") and decoded.defer_reply is True
    assert decoded.checksum_ok is True
    (p,) = decoded.positions
    assert p.device_id == IMEI and p.protocol == "teltonika"
    assert p.fix_time == datetime(2024, 3, 1, 12, 0, 0, 500000, tzinfo=timezone.utc)
    assert (p.lat, p.lon) == (54.687234, 25.279756)
    assert (p.altitude_m, p.course_deg, p.speed_kmh, p.satellites) == (112.0, 270.0, 54.0, 9)
    assert p.valid is True and p.hdop == 0.9
    assert p.attributes == EXPECTED_ATTRIBUTES


def test_zero_satellites_is_not_valid():
    record = RECORD_8[:21] + b"\x00" + RECORD_8[22:]
    data = bytes.fromhex("0801") + record + bytes.fromhex("01")
    packet = b"\x00" * 4 + len(data).to_bytes(4, "big") + data + crc16_arc(data).to_bytes(4, "big")
    (p,) = TeltonikaConnection(device_id=IMEI).receive_frame(packet, NOW).positions
    assert p.valid is False and p.satellites == 0


def test_session_handshake_then_packet_stream():
    conn, out = decode_stream([HANDSHAKE + PACKET_8 + b"\xff"])
    assert [d.reply for d in out] == [b"\x01", b"\x00\x00\x00\x01", None]
    assert out[1].positions[0].device_id == IMEI
    assert out[2].positions == () and out[2].events == ()


@pytest.mark.parametrize("split", range(1, len(HANDSHAKE + PACKET_8)))
def test_split_at_every_offset(split):
    stream = HANDSHAKE + PACKET_8
    _, out = decode_stream([stream[:split], stream[split:]])
    assert [d.reply for d in out] == [b"\x01", b"\x00\x00\x00\x01"]
    assert out[1].positions[0].attributes == EXPECTED_ATTRIBUTES


def test_byte_by_byte_and_second_frame():
    stream = HANDSHAKE + PACKET_8 + PACKET_8
    conn, out = decode_stream([bytes([b]) for b in stream])
    assert len(out) == 3 and all(len(d.positions) == 1 for d in out[1:])
    assert conn.buffered == 0


def test_followed_by_garbage_closes():
    conn, out = decode_stream([HANDSHAKE + PACKET_8])
    with pytest.raises(FramingError) as info:
        conn.feed(b"\x00\x01garbage", NOW)
    assert info.value.fatal and conn.closed and conn.buffered == 0


def test_avl_before_handshake_yields_nothing():
    decoded = TeltonikaConnection().receive_frame(PACKET_8, NOW)
    assert decoded.positions == () and decoded.reply is None


def test_ping_frame():
    framer = TeltonikaFramer()
    buffer = bytearray(b"\xff" + HANDSHAKE)
    assert framer.next_frame(buffer) == b"\xff"
    assert framer.next_frame(buffer) == HANDSHAKE
    assert TeltonikaConnection().receive_frame(b"\xff", NOW).reply is None


@pytest.mark.parametrize("stream", [
    bytes.fromhex("0100") + b"x" * 300,              # handshake longer than any IMEI
    bytes.fromhex("0000000100000010"),               # preamble not zero
    bytes.fromhex("0000000000000001"),               # data length below 3
    bytes.fromhex("0000000000010000"),               # over 32 KiB
])
def test_unframeable_stream_is_fatal(stream):
    with pytest.raises(FramingError):
        decode_stream([stream])


def test_crc_mismatch_lenient_and_strict():
    bad = PACKET_8[:-1] + bytes([PACKET_8[-1] ^ 0xFF])
    decoded = TeltonikaConnection(device_id=IMEI).receive_frame(bad, NOW)
    assert decoded.checksum_ok is False and len(decoded.positions) == 1
    strict = TeltonikaConnection(device_id=IMEI, options=ConnectionOptions(strict_checksum=True))
    with pytest.raises(ChecksumError):
        strict.receive_frame(bad, NOW)


def test_truncated_records_are_malformed_not_fatal():
    data = DATA_8[:30]
    packet = b"\x00" * 4 + len(data).to_bytes(4, "big") + data + crc16_arc(data).to_bytes(4, "big")
    conn = TeltonikaConnection(device_id=IMEI)
    with pytest.raises(MalformedError) as info:
        conn.feed(packet, NOW)
    assert not info.value.fatal
    assert conn.feed(PACKET_8, NOW)[0].reply == b"\x00\x00\x00\x01"


def _packet(data: bytes) -> bytes:
    return b"\x00" * 4 + len(data).to_bytes(4, "big") + data + crc16_arc(data).to_bytes(4, "big")


def test_codec12_response_is_command_result_event_without_reply():
    text = b"DOUT1:1 Timeout:INFINITY\r\n"
    data = bytes.fromhex("0c0106") + len(text).to_bytes(4, "big") + text + b"\x01"
    decoded = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(data), NOW)
    assert decoded.reply is None and decoded.positions == ()
    (event,) = decoded.events
    assert (event.type, event.time, event.device_id) == ("commandResult", NOW, IMEI)
    assert event.attributes == {"result": "DOUT1:1 Timeout:INFINITY"}


def test_codec12_response_after_a_fix_also_repeats_the_last_position():
    """Traccar compatibility: the result rides on an outdated copy of the last
    fix (same device and fix time, so the store absorbs it as a duplicate)."""
    conn = TeltonikaConnection(device_id=IMEI)
    (fix,) = conn.receive_frame(PACKET_8, NOW).positions
    text = b"DOUT1:1"
    data = bytes.fromhex("0c0106") + len(text).to_bytes(4, "big") + text + b"\x01"
    decoded = conn.receive_frame(_packet(data), NOW)
    assert [e.attributes for e in decoded.events] == [{"result": "DOUT1:1"}]
    (copy,) = decoded.positions
    assert (copy.device_id, copy.fix_time, copy.lat, copy.lon) == (IMEI, fix.fix_time, fix.lat, fix.lon)
    assert copy.attributes == {"result": "DOUT1:1", "outdated": True}
    assert decoded.reply is None


def test_codec12_binary_response_is_hex():
    data = bytes.fromhex("0c010600000003") + b"\x01\x02\x80" + b"\x01"
    (event,) = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(data), NOW).events
    assert event.attributes == {"result": "010280"}


def test_codec13_message_with_timestamp():
    text = b"GTSL|6|1|0|99887766|1|\r\n"
    data = (bytes.fromhex("0d0106") + (len(text) + 4).to_bytes(4, "big")
            + (1700000000).to_bytes(4, "big") + text + b"\x01")
    (event,) = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(data), NOW).events
    assert event.time == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert event.attributes == {"result": "GTSL|6|1|0|99887766|1|", "driverUniqueId": "99887766"}


def test_camera_message_and_unknown_codec_are_unknown():
    camera = bytes.fromhex("0c010d0000000100") + b"\x01"
    decoded = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(camera), NOW)
    assert decoded.unknown is not None and decoded.events == () and decoded.reply is None
    decoded = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(bytes.fromhex("990000")), NOW)
    assert decoded.unknown.message_type == 0x99 and decoded.reply is None


def test_encode_command_codec12():
    frame = encode_command("setdigout 1")
    assert frame.hex() == ("00000000" "00000013" "0c0105" "0000000b") + b"setdigout 1".hex() + "01" \
        + f"{crc16_arc(frame[8:-4]):08x}"
    assert len(frame) == 0x13 + 12


def test_codec8e_variable_group_and_ble_tags():
    record = bytes.fromhex(
        "0000018df9e2b3f4" "00" "0f116278" "20989c14" "0070" "010e" "09" "0036"
        "2a4f"              # event IO 10831
        "0003"              # 3 elements
        "0001" "00ef01"     # 1-byte: ignition
        "0001" "00420fa0"   # 2-byte: power 4000 mV
        "0000" "0000"       # no 4- or 8-byte values
        "0002"              # variable-length group
        "2a4f" "0018" "01" "16" "0001d6" "0106aabbccddeeff" "0d0101" "0e020c1c" "0202806e"
        "0c80" "0002" "beef"
    )
    data = bytes.fromhex("8e01") + record + b"\x01"
    (p,) = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(data), NOW).positions
    assert p.attributes == {
        "priority": 0, "event": 10831, "ignition": True, "power": 4.0,
        "tag1Rssi": -42, "tag1Id": "aabbccddeeff", "tag1LowBattery": 1, "tag1Battery": 3100,
        "tag1Voltage": 3100, "io3200": "beef"}


def test_codec16_generation_type():
    record = bytes.fromhex(
        "0000018df9e2b3f4" "00" "0f116278" "20989c14" "0070" "010e" "00" "0000"
        "00f0" "05" "02" "01" "00f000" "01" "00b50012" "00" "00")
    data = bytes.fromhex("1001") + record + b"\x01"
    (p,) = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(data), NOW).positions
    assert p.attributes == {"priority": 0, "event": 240, "motion": False, "pdop": 1.8}
    assert p.valid is False


def test_codec7_gh3000_records():
    stamp = (1 << 30) | 283996800          # priority 1, 2016-01-01T00:00:00Z
    gps = (bytes.fromhex("1f") + bytes.fromhex("425a0000") + bytes.fromhex("41c80000")
           + bytes.fromhex("0064") + b"\x40" + b"\x3c" + b"\x07")
    record1 = stamp.to_bytes(4, "big") + b"\x03" + gps + bytes.fromhex("01f001")
    record2 = (stamp + 60).to_bytes(4, "big") + b"\x02" + bytes.fromhex("01f000")
    data = bytes.fromhex("0702") + record1 + record2 + b"\x02"
    decoded = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(data), NOW)
    (p,) = decoded.positions
    assert p.fix_time == datetime(2016, 1, 1, tzinfo=timezone.utc)
    assert (p.lat, p.lon, p.altitude_m, p.course_deg, p.speed_kmh, p.satellites) == \
        (54.5, 25.0, 100.0, 90.0, 60.0, 7)
    assert p.attributes == {"priority": 1, "motion": True}
    (event,) = decoded.events
    assert event.type == "status" and event.attributes == {"priority": 1, "motion": False}
    assert decoded.reply == b"\x00\x00\x00\x02" and decoded.defer_reply


def test_codec8_extended_16_byte_group():
    record = RECORD_8[:24] + bytes.fromhex("00" "01" "01ef01" "00" "00" "00" "01" "05") + bytes(16)
    data = bytes.fromhex("0801") + record + b"\x01"
    (p,) = TeltonikaConnection(device_id=IMEI).receive_frame(_packet(data), NOW).positions
    assert p.attributes == {"priority": 1, "event": 0, "ignition": True, "io5": "00" * 16}


def test_framed_packet_with_wrong_length_field():
    wrong = PACKET_8[:4] + (0).to_bytes(4, "big") + PACKET_8[8:]
    decoded = TeltonikaConnection(device_id=IMEI).receive_frame(wrong, NOW)
    assert decoded.positions[0].attributes == EXPECTED_ATTRIBUTES


# --- UDP ---------------------------------------------------------------------

def _datagram(packet_id: int, avl_id: int, data: bytes, imei: str = IMEI) -> bytes:
    body = (packet_id.to_bytes(2, "big") + b"\x01" + bytes([avl_id])
            + len(imei).to_bytes(2, "big") + imei.encode() + data)
    return len(body).to_bytes(2, "big") + body


def test_udp_datagram_and_ack_bytes():
    conn = TeltonikaUdpConnection()
    decoded = conn.receive_frame(_datagram(0xCAFE, 0x22, DATA_8), NOW)
    assert decoded.reply == bytes.fromhex("0005cafe012201")
    assert decoded.defer_reply is True and decoded.login == IMEI
    (p,) = decoded.positions
    assert p.device_id == IMEI and p.attributes == EXPECTED_ATTRIBUTES
    assert encode_udp_ack(0x0102, 0x7F, 3) == bytes.fromhex("00050102017f03")


def test_udp_truncated_is_malformed():
    with pytest.raises(MalformedError):
        TeltonikaUdpConnection().receive_frame(_datagram(1, 1, DATA_8)[:-20], NOW)
    with pytest.raises(MalformedError):
        TeltonikaUdpConnection().receive_frame(b"\x00\x05", NOW)
