"""Meitrack: exact decoding of AAA/AFF/CCC/CCE/D00/AAC frames and the replies (vectors
built from the fact sheet and the vendor's GPRS protocol documents)."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest

from protocols import ChecksumError, MalformedError
from protocols._checksum import sum8
from protocols._connection import ConnectionOptions
from protocols.meitrack import SPEC, MeitrackConnection, MeitrackUdpConnection
from protocols.meitrack.encode import encode_command, encode_frame

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
IMEI = "353358017784062"


def device_frame(content: str | bytes, flag: str = "F", imei: str = IMEI) -> bytes:
    return encode_frame(imei, content, flag, mark=b"$$")


def decode(frame: bytes, conn=None):
    return (conn or MeitrackConnection()).receive_frame(frame, NOW)


def test_spec_and_vendor_command_examples():
    assert SPEC.default_port == 5020 and SPEC.transports == ("tcp", "udp")
    assert SPEC.udp_connection is MeitrackUdpConnection
    # examples from the MEITRACK T622 GPRS protocol document
    assert encode_command(IMEI, "positionSingle") == b"@@Q25,353358017784062,A10*6A\r\n"
    assert encode_frame(IMEI, "C49,3,2", "c") == b"@@c29,353358017784062,C49,3,2*4B\r\n"
    head = b"@@M33,353358017784062,C01,0,12222*"
    assert encode_command(IMEI, "engineStop", "M") == head + b"%02X\r\n" % sum8(head)


def test_device_frame_layout():
    frame = device_frame("AAC,1", "z", "861451040910625")
    assert frame == b"$$z27,861451040910625,AAC,1*%02X\r\n" % sum8(frame[:-4])
    assert len(frame) == frame.index(b",") + 27


AAA = ("AAA,1,22.538169,-114.075958,100313095653,A,5,21,46.5,181,1.2,-14,5810,148,"
       "460|0|10133|4172,8400,0001|0002|0003|0191|0573,,,3,1A32,011A2C|02FF38")


def test_aaa_report():
    d = decode(device_frame(AAA))
    assert d.login == IMEI and d.reply is None and d.checksum_ok and d.events == ()
    (p,) = d.positions
    assert (p.device_id, p.protocol, p.fix_time, p.valid, p.lat, p.lon) == (
        IMEI, "meitrack", datetime(2010, 3, 13, 9, 56, 53, tzinfo=UTC), True, 22.538169,
        -114.075958)
    assert (p.satellites, p.speed_kmh, p.course_deg, p.hdop, p.altitude_m) == (
        5, 46.5, 181.0, 1.2, -14.0)
    assert p.attributes == {
        "event": 1, "alarm": "sos", "rssi": 21, "odometer": 5810, "hours": 148_000,
        "input": 0x84, "output": 0, "adc1": 1, "adc2": 2, "adc3": 3, "battery": 4.01,
        "power": 13.95, "fuel": 26.5, "temp1": 67.0, "temp2": -2.0}


def test_aaa_model_scale_decimal_volts_and_rfid():
    conn = MeitrackConnection(options=ConnectionOptions(extra={"model": "MVT380"}))
    (p,) = decode(device_frame("AAA,35,1,2,200202020238,V,0,4,0,0,0,0,0,0,1|2|3|4,0000,"
                               "0000|0000|0000|0200|0100"), conn).positions
    assert (p.valid, p.attributes["battery"], p.attributes["power"]) == (False, 3.0, 12.0)
    (p,) = decode(device_frame("AAA,37,1,2,200202020238,A,9,4,0,0,0,0,0,0,1|2|3|4,0000,"
                               "4.33|12.96|1.92|2.72|2.69,00C0FFEE,,1,0000")).positions
    assert {k: p.attributes[k] for k in ("battery", "power", "driverUniqueId", "fuel")} == {
        "battery": 4.33, "power": 12.96, "driverUniqueId": "00C0FFEE", "fuel": 0.0}
    assert "alarm" not in p.attributes and p.attributes["event"] == 37


def test_aff_is_confirmed_with_its_serial():
    d = decode(device_frame("AFF,0004," + AAA[4:], "J"))
    assert len(d.positions) == 1 and d.positions[0].lat == 22.538169
    assert d.reply == b"@@J30,353358017784062,AFF,0004*%02X\r\n" % sum8(
        b"@@J30,353358017784062,AFF,0004*")
    assert d.defer_reply is True


def ccc_packet(records: list[tuple], flag: str = "X") -> bytes:
    rec = struct.Struct("<BiiIBBBHHHhII4HHHHHI")
    body = struct.pack("<HHI", 0x0102, 0x34, 7) + b"".join(rec.pack(*r) for r in records)
    return device_frame(b"CCC," + body, flag)


CCC_REC = (1, -7266504, 112743651, 454157253, 1, 9, 19, 61, 270, 12, -5, 80083, 180092,
           460, 0, 0x2797, 0x1A2B, 2, 5, 419, 1218, 0)


def test_ccc_records_and_ack():
    d = decode(ccc_packet([CCC_REC, CCC_REC[:3] + (454157263,) + CCC_REC[4:]]))
    assert len(d.positions) == 2 and d.defer_reply is True
    assert d.reply == b"@@X27,353358017784062,CCC,2*%02X\r\n" % sum8(
        b"@@X27,353358017784062,CCC,2*")
    p = d.positions[0]
    assert (p.fix_time, p.valid, p.lat, p.lon, p.speed_kmh, p.course_deg, p.altitude_m,
            p.satellites, p.hdop) == (datetime(2014, 5, 23, 10, 47, 33, tzinfo=UTC), True,
                                      -7.266504, 112.743651, 61.0, 270.0, -5.0, 9, 1.2)
    assert p.attributes == {"event": 1, "alarm": "sos", "rssi": 19, "odometer": 80083,
                            "hours": 180_092_000, "status": 2, "adc1": 5, "battery": 4.19,
                            "power": 12.18}
    assert d.positions[1].fix_time == datetime(2014, 5, 23, 10, 47, 43, tzinfo=UTC)


def tlv(groups: list[list[tuple[int, bytes]]]) -> bytes:
    out = bytearray()
    for size, params in zip((1, 2, 4, 0), groups):
        out.append(len(params))
        for pid, value in params:
            out += (bytes([0xFE, pid & 0xFF]) if pid > 0xFF else bytes([pid]))
            out += value if size else bytes([len(value)]) + value
    return bytes(out)


def cce_record(groups) -> bytes:
    body = struct.pack("<H", sum(len(g) for g in groups)) + tlv(groups)
    return struct.pack("<H", len(body)) + body


CCE_GROUPS = [
    [(0x01, b"\x13"), (0x05, b"\x01"), (0x06, b"\x0b"), (0x07, b"\x18"), (0xFE69, b"\x5a")],
    [(0x08, struct.pack("<H", 88)), (0x09, struct.pack("<H", 359)), (0x0A, struct.pack("<H", 9)),
     (0x0B, struct.pack("<h", -12)), (0x19, struct.pack("<H", 412)),
     (0x1A, struct.pack("<H", 1270))],
    [(0x02, struct.pack("<i", -33866543)), (0x03, struct.pack("<i", 151190148)),
     (0x04, struct.pack("<I", 757382400)), (0x0C, struct.pack("<I", 65551)),
     (0x0D, struct.pack("<I", 3600)), (0xFEF4, struct.pack("<I", 90))],
    [(0x0E, bytes(12)), (0xFE31, b"\x02\x0720240101093000_CH2.jpg"),
     (0xFE73, b"\x01\x04Cold" + bytes.fromhex("a1b2c3d4e5f6") + b"\x64"
      + struct.pack("<hH", -1280, 12800) + bytes(8)),
     (0xFEA8, bytes([1, 55, 2, 66, 0, 0, 0]))],
]


def test_cce_record_parameters():
    data = struct.pack("<IH", 0, 2) + cce_record(CCE_GROUPS) + cce_record(
        [[(0x05, b"\x00")], [], [(0x04, struct.pack("<I", 757382410))], []])
    d = decode(device_frame(b"CCE," + data, "b"))
    assert d.reply is None and d.checksum_ok and len(d.positions) == 2
    p = d.positions[0]
    assert (p.fix_time, p.valid, p.lat, p.lon, p.speed_kmh, p.course_deg, p.hdop,
            p.altitude_m, p.satellites) == (datetime(2024, 1, 1, 0, 0, tzinfo=UTC), True,
                                            -33.866543, 151.190148, 88.0, 359.0, 0.9,
                                            -12.0, 11)
    assert p.attributes == {
        "event": 19, "alarm": "overspeed", "rssi": 24, "batteryLevel": 55, "battery": 4.12,
        "power": 12.7, "odometer": 65551, "hours": 5_400_000,
        "image": "2024-01-01/20240101093000_CH2.jpg", "tagName": "Cold",
        "tagMac": "a1b2c3d4e5f6", "tagTemp": -5.0, "tagHumidity": 50.0, "battery2Level": 66,
        "alarmType": 7, "tagBattery": 100}
    q = d.positions[1]
    assert (q.fix_time, q.valid, q.lat, q.lon, q.attributes) == (
        datetime(2024, 1, 1, 0, 0, 10, tzinfo=UTC), False, 0.0, 0.0, {})


def test_cce_cut_short_keeps_earlier_records():
    data = struct.pack("<IH", 0, 2) + cce_record(CCE_GROUPS) + b"\x30\x00\x05\x00\x09"
    assert len(decode(device_frame(b"CCE," + data)).positions) == 1
    with pytest.raises(MalformedError):
        decode(device_frame(b"CCE," + struct.pack("<IH", 0, 1) + b"\x30\x00\x05\x00\x09"))


def test_heartbeat_photo_and_answers():
    d = decode(device_frame("AAC,1", "z"))
    assert (d.positions, d.events, d.defer_reply) == ((), (), False)
    assert d.reply == b"@@z27,353358017784062,AAC,1*%02X\r\n" % sum8(
        b"@@z27,353358017784062,AAC,1*")
    d = decode(device_frame(b"D00,pic_1.jpg,3,0,\xff\xd8\xff\xe0", "O"))
    assert d.reply == encode_frame(IMEI, "D00,pic_1.jpg,1", "O") and d.defer_reply is False
    assert decode(device_frame(b"D00,pic_1.jpg,3,2,\xff\xd9", "O")).reply is None
    d = decode(device_frame("C01,OK", "M"))
    assert d.reply is None and d.positions == ()
    (e,) = d.events
    assert (e.device_id, e.type, e.time, e.attributes) == (
        IMEI, "commandResult", NOW, {"result": "C01,OK"})


def test_checksums_flagged_or_rejected():
    good = device_frame(AAA)
    bad = good[:-4] + (b"00" if good[-4:-2] != b"00" else b"01") + b"\r\n"
    assert decode(bad).checksum_ok is False and len(decode(bad).positions) == 1
    strict = MeitrackConnection(options=ConnectionOptions(strict_checksum=True))
    with pytest.raises(ChecksumError):
        decode(bad, strict)
    assert decode(good, strict).checksum_ok is True
    no_sum = good[:-5]  # no "*hh\r\n"
    assert decode(no_sum).checksum_ok is False


def test_udp_datagram():
    conn = MeitrackUdpConnection()
    d = conn.receive_frame(ccc_packet([CCC_REC], "q"), NOW)
    assert d.login == IMEI and len(d.positions) == 1 and d.reply.startswith(b"@@q27,")


@pytest.mark.parametrize("frame", [
    b"$$F160,",
    b"$$Fxx,353358017784062,AAA*00",
    b"$$F20,353358017784062*00",
    b"##F20,353358017784062,AAA*00",
    device_frame("AAA,1,2"),
    device_frame("AAA,1,95.0,2,200202020238,A,0,4,0,0,0,0,0,0,1|2|3|4,0000,"),
    device_frame("AAA,1,5.0,2,201302020238,A,0,4,0,0,0,0,0,0,1|2|3|4,0000,"),
    device_frame(b"CCC," + bytes(4)),
    device_frame("D00,x.jpg"),
])
def test_malformed(frame):
    with pytest.raises(MalformedError):
        decode(frame)
