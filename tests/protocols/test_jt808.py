"""JT/T 808: exact frames built from the standard's layout, exact replies."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import reduce

import pytest

from protocols._connection import ConnectionOptions
from protocols._errors import ChecksumError, MalformedError
from protocols.jt808 import SPEC, Jt808Connection
from protocols.jt808._header import luhn_digit, parse_frame, terminal_id
from protocols.jt808.framing import escape, unescape

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
PHONE = bytes.fromhex("013912345678")  # BCD terminal id -> "13912345678"


def xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def frame(msg_id: int, body: bytes, serial: int = 1, *, terminal: bytes = PHONE,
          version: int | None = None, bad_xor: bool = False) -> bytes:
    """Reference encoder written from the standard, independent of protocols.jt808.encode."""
    props = len(body) | (0x4000 if version is not None else 0)
    content = msg_id.to_bytes(2, "big") + props.to_bytes(2, "big")
    content += (bytes((version,)) if version is not None else b"") + terminal
    content += serial.to_bytes(2, "big") + body
    content += bytes((xor(content) ^ (0xFF if bad_xor else 0),))
    out = bytearray(b"\x7e")
    for b in content:
        out += {0x7E: b"\x7d\x02", 0x7D: b"\x7d\x01"}.get(b, bytes((b,)))
    return bytes(out + b"\x7e")


def general(reply_serial: int, reply_id: int, result: int = 0, serial: int = 0,
            terminal: bytes = PHONE, version: int | None = None) -> bytes:
    body = reply_serial.to_bytes(2, "big") + reply_id.to_bytes(2, "big") + bytes((result,))
    return frame(0x8001, body, serial, terminal=terminal, version=version)


# alarm SOS; status ACC + fixed + south + west; 22.543210 / 114.123456; 35 m; 60.5 km/h; 270 deg;
# 2024-03-15 08:25:30 GMT+8; odometer 123.4 km, fuel 45.6 L, RSSI 23, 10 satellites
BASIC = bytes.fromhex("00000001" "0000000f" "0157FB6A" "06CD62C0" "0023" "025D" "010E" "240315082530")
ITEMS = bytes.fromhex("010400000" "4D2" "020201C8" "300117" "31010A")
LOCATION_BODY = BASIC + ITEMS


def test_spec():
    assert (SPEC.name, SPEC.default_port, SPEC.transports, SPEC.aliases) == (
        "jt808", 5015, ("tcp",), ("huabao",))
    assert SPEC.udp_connection is None


def test_escape_both_ways():
    assert escape(b"\x30\x7e\x08\x7d\x55") == b"\x30\x7d\x02\x08\x7d\x01\x55"
    assert unescape(b"\x30\x7d\x02\x08\x7d\x01\x55") == b"\x30\x7e\x08\x7d\x55"
    assert unescape(b"\x7d\x01\x02") == b"\x7d\x02"  # an escaped 7D followed by a literal 02


def test_heartbeat_immediate_general_response():
    d = Jt808Connection().receive_frame(frame(0x0002, b"", 0x0101), NOW)
    assert d.reply == general(0x0101, 0x0002) and not d.defer_reply
    assert d.positions == () and d.events == () and d.login == "13912345678" and d.checksum_ok
    assert d.reply == bytes.fromhex("7e8001000501391234567800000101000200") + bytes((0xB6,)) + b"\x7e"


def test_register_reply_with_auth_code_and_rejection():
    body = bytes.fromhex("002C012F") + b"70111" + b"ABC-MODEL".ljust(20, b"\x00") + b"1234567" + b"\x01"
    d = Jt808Connection().receive_frame(frame(0x0100, body, 7), NOW)
    assert d.login == "13912345678" and not d.defer_reply and d.positions == ()
    assert d.reply == frame(0x8100, b"\x00\x07\x00" + b"13912345678", 0)
    assert d.reject_reply == frame(0x8100, b"\x00\x07\x04", 0)


def test_authentication_reply_and_rejection():
    conn = Jt808Connection()
    d = conn.receive_frame(frame(0x0102, b"13912345678", 2), NOW)
    assert d.login == "13912345678" and d.reply == general(2, 0x0102)
    assert d.reject_reply == general(2, 0x0102, result=1)
    d = conn.receive_frame(frame(0x0002, b"", 3), NOW)  # same session: serials go on, no new login
    assert d.login is None and d.reply == general(3, 0x0002, serial=1)


def test_location_exact_and_deferred_reply():
    d = Jt808Connection().receive_frame(frame(0x0200, LOCATION_BODY, 0x1234), NOW)
    (p,) = d.positions
    assert p.device_id == "13912345678" and p.protocol == "jt808"
    assert p.fix_time == datetime(2024, 3, 15, 0, 25, 30, tzinfo=timezone.utc)
    assert (p.valid, p.lat, p.lon) == (True, -22.54321, -114.123456)
    assert (p.altitude_m, p.speed_kmh, p.course_deg, p.satellites) == (35.0, 60.5, 270.0, 10)
    assert p.attributes == {"alarm": "sos", "ignition": True, "blocked": False, "charge": False,
                            "status": 0x0F, "odometer": 123400, "fuel": 45.6, "rssi": 23}
    assert d.reply == general(0x1234, 0x0200) and d.defer_reply


def test_location_time_zone_option():
    conn = Jt808Connection(options=ConnectionOptions(extra={"utc_offset_min": 0}))
    (p,) = conn.receive_frame(frame(0x0200, LOCATION_BODY), NOW).positions
    assert p.fix_time == datetime(2024, 3, 15, 8, 25, 30, tzinfo=timezone.utc)


def test_escaped_bytes_inside_location():
    # latitude 0x017E7D00 = 25.066752 degrees carries both flag and escape bytes
    body = bytes.fromhex("00000000" "00000002" "017E7D00" "06CD6AC0" "0000" "0000" "0000" "240315082530")
    raw = frame(0x0200, body, 0x7E7D)
    assert b"\x7d\x02" in raw and b"\x7d\x01" in raw
    d = Jt808Connection().receive_frame(raw, NOW)
    assert d.positions[0].lat == 25.066752
    assert d.positions[0].attributes == {"ignition": False, "blocked": False, "charge": False, "status": 2}
    assert d.reply == general(0x7E7D, 0x0200) and b"\x7d\x02\x7d\x01" in d.reply


def test_2019_header_with_version_and_long_id():
    terminal = bytes.fromhex("00000864717003283581")
    d = Jt808Connection().receive_frame(frame(0x0200, LOCATION_BODY, 9, terminal=terminal, version=1), NOW)
    assert d.positions[0].device_id == "864717003283581" and d.login == "864717003283581"
    assert d.reply == general(9, 0x0200, terminal=terminal, version=1)


def test_batch_0704_buffered():
    second = BASIC[:22] + bytes.fromhex("240315082600")
    body = bytes.fromhex("0002" "01") + len(LOCATION_BODY).to_bytes(2, "big") + LOCATION_BODY
    body += len(second).to_bytes(2, "big") + second
    d = Jt808Connection().receive_frame(frame(0x0704, body, 5), NOW)
    assert [p.fix_time.minute for p in d.positions] == [25, 26]
    assert all(p.attributes["archive"] is True for p in d.positions)
    assert d.positions[1].satellites is None and d.reply == general(5, 0x0704) and d.defer_reply


def test_batch_0210_and_battery_form():
    body = bytes((len(LOCATION_BODY),)) + LOCATION_BODY
    (p,) = Jt808Connection().receive_frame(frame(0x0210, body), NOW).positions
    assert p.lat == -22.54321
    d = Jt808Connection().receive_frame(frame(0x0210, bytes.fromhex("4F240315082530")), NOW)
    (e,) = d.events
    assert e.attributes == {"batteryLevel": 79} and e.time == datetime(2024, 3, 15, 0, 25, 30,
                                                                          tzinfo=timezone.utc)


def test_alarm_bits_join():
    body = bytes.fromhex("00020080" "00000002") + BASIC[8:]
    (p,) = Jt808Connection().receive_frame(frame(0x0200, body), NOW).positions
    assert p.attributes["alarm"] == "lowBattery,tampering"


def test_vendor_items():
    ext = bytes.fromhex("000C00B2" "89860412345678901234" "0004002D0FA5" "000300A85C" "0006008"
                        "9FFFFEFFF")
    items = bytes.fromhex("5104" "80170105") + bytes((0xEB, len(ext))) + ext + bytes.fromhex("E4020063")
    (p,) = Jt808Connection().receive_frame(frame(0x0200, BASIC + items), NOW).positions
    a = p.attributes
    assert (a["temp1"], a["temp2"]) == (-2.3, 26.1)
    assert (a["iccid"], a["battery"], a["batteryLevel"], a["charge"]) == (
        "89860412345678901234", 4.005, 99, True)
    assert a["alarm"] == "sos,removing"


def test_truncated_item_ends_walk():
    (p,) = Jt808Connection().receive_frame(frame(0x0200, BASIC + b"\x01\x04\x00"), NOW).positions
    assert "odometer" not in p.attributes


def test_checksum_lenient_and_strict():
    bad = frame(0x0200, LOCATION_BODY, bad_xor=True)
    d = Jt808Connection().receive_frame(bad, NOW)
    assert not d.checksum_ok and len(d.positions) == 1
    with pytest.raises(ChecksumError):
        Jt808Connection(options=ConnectionOptions(strict_checksum=True)).receive_frame(bad, NOW)


def test_unknown_message_gets_unsupported_result():
    d = Jt808Connection().receive_frame(frame(0x0F01, b"\x01\x02", 4), NOW)
    assert d.unknown is not None and d.unknown.message_type == 0x0F01
    assert d.reply == general(4, 0x0F01, result=3) and d.positions == ()


def test_command_results_and_attributes():
    conn = Jt808Connection()
    (e,) = conn.receive_frame(frame(0x1300, b"\x00\x01" + "Set OK!".encode("utf-16-be")), NOW).events
    assert (e.type, e.attributes, e.time) == ("commandResult", {"result": "Set OK!"}, NOW)
    body = b"\x00\x00" + b"ABCDE" + b"M1".ljust(20, b"\x00") + b"1234567"
    body += bytes.fromhex("89860412345678901234") + b"\x00" + b"\x03V10"
    (e,) = conn.receive_frame(frame(0x0107, body), NOW).events
    assert e.attributes == {"iccid": "89860412345678901234", "firmwareVersion": "V10"}


def test_time_sync_request_reply():
    d = Jt808Connection().receive_frame(frame(0x0109, b"", 3), NOW)
    assert d.reply == frame(0x8109, bytes.fromhex("07E803050A141E"), 0) and not d.defer_reply


def test_text_frame_time_request_and_command_result():
    conn = Jt808Connection()
    d = conn.receive_frame(b"(013912345678,1,001,BASE,2,TIME)", NOW)
    assert d.positions == () and d.events == ()
    assert d.reply == b"(013912345678,1,001,BASE,2,20240305102030)"
    d = conn.receive_frame(b"(ELOCK,OK)", NOW)  # no identity yet: nothing to attribute it to
    assert d.events == () and d.unknown.message_type == "text"
    conn.receive_frame(frame(0x0002, b""), NOW)
    (e,) = conn.receive_frame(b"(ELOCK,OK)", NOW).events  # the session's device
    assert (e.device_id, e.type, e.attributes) == ("13912345678", "commandResult", {"result": "(ELOCK,OK)"})


def test_terminal_ids():
    assert terminal_id(bytes.fromhex("000000000000")) == "0"
    assert luhn_digit("7992739871") == 3  # the textbook Luhn example
    assert terminal_id(bytes.fromhex("00000000000A")) == "109"  # 10 + Luhn digit 9


@pytest.mark.parametrize("raw", [b"\x7e\x02\x00\x7e", b"\x7e" + bytes(8) + b"\x7e", b""])
def test_short_frames_are_malformed(raw):
    with pytest.raises(MalformedError):
        Jt808Connection().receive_frame(raw, NOW)


def test_unescaped_frame_with_literal_7d_is_taken_as_is():
    body = bytes.fromhex("00000000" "00000002" "01587D01" "06CBFF66" "0000" "0000" "0000" "240315082530")
    content = bytes.fromhex("0200") + len(body).to_bytes(2, "big") + PHONE + b"\x00\x01" + body
    raw = b"\x7e" + content + bytes((xor(content),)) + b"\x7e"
    h, ok = parse_frame(raw)
    assert ok and h.body == body
