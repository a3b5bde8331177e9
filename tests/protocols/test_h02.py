"""H02: exact vectors (written from the fact sheet), replies, framing, device side."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols._connection import ConnectionOptions
from protocols._device import DeviceAck
from protocols._errors import MalformedError, ProtocolError
from protocols._records import Fix
from protocols.h02 import SPEC, H02Connection, H02Device, H02Framer, H02UdpConnection
from protocols.h02 import encode
from protocols.h02._bcd import battery_level
from protocols.h02._position import parse_coordinate

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
DEV = "1234567890"
KN = 1.852

V1 = b"*HQ,1234567890,V1,101530,A,5130.1234,N,00007.5678,W,12.50,270,050324,FFFFFBFF#"
V1_TIME = datetime(2024, 3, 5, 10, 15, 30, tzinfo=timezone.utc)
V1_REPLY = b"*HQ,1234567890,V4,V1,20240305102030#"
# 10:15:30 05-03-24, 51 deg 30.1234' N, 0 deg 7.5678' W, battery 6 (100 %), 12 knots, 270 deg
BINARY = bytes.fromhex("24" "1234567890" "101530" "050324" "51301234" "06"
                       "000075678" "6" "012270" "fffffbff" "ff0000")
LAT = 51 + 30.1234 / 60
LON = -(7.5678 / 60)


def conn(**extra) -> H02Connection:
    return H02Connection(options=ConnectionOptions(extra=extra))


def test_spec():
    assert (SPEC.name, SPEC.default_port, SPEC.transports) == ("h02", 5013, ("tcp", "udp"))
    assert SPEC.tcp_connection is H02Connection and SPEC.udp_connection is H02UdpConnection
    assert SPEC.device is H02Device


def test_v1_exact():
    c = conn()
    d = c.receive_frame(V1, NOW)
    assert d.login == DEV and c.device_id == DEV
    (p,) = d.positions
    assert p.device_id == DEV and p.protocol == "h02" and p.fix_time == V1_TIME and p.valid
    assert p.lat == pytest.approx(LAT, abs=1e-12) and p.lon == pytest.approx(LON, abs=1e-12)
    assert p.speed_kmh == pytest.approx(12.5 * KN) and p.course_deg == 270.0
    assert p.attributes == {"status": 0xFFFFFBFF, "ignition": False}
    assert d.reply == V1_REPLY and d.defer_reply is True
    # the same device again: no new login
    assert c.receive_frame(V1, NOW).login is None


@pytest.mark.parametrize("status,alarm,ignition", [
    ("FFFFFFFE", "vibration", True), ("FFFFFBFD", "sos", False), ("FFFBFBFF", "sos", False),
    ("FFFFFBFB", "overspeed", False), ("FFF7FBFF", "powerCut", False), ("FFFFFFFF", None, True),
    ("FFF7FBFE", "vibration", False),
])
def test_status_word(status, alarm, ignition):
    frame = b"*HQ,1234567890,V1,101530,A,5130.1234,N,00007.5678,W,0,0,050324,%s#" % status.encode()
    (p,) = conn().receive_frame(frame, NOW).positions
    assert p.attributes.get("alarm") == alarm and p.attributes["ignition"] is ignition
    assert p.attributes["status"] == int(status, 16)


@pytest.mark.parametrize("text,hem,limit,expected", [
    ("5130.1234", "N", 90, 51 + 30.1234 / 60), ("-51-30.1234", "S", 90, -(51 + 30.1234 / 60)),
    ("51301234", "N", 90, 51 + 30.1234 / 60), ("012301234", "W", 180, -(12 + 30.1234 / 60)),
    ("07.5", "E", 180, 7.5 / 60), ("754.94900", "E", 180, 7 + 54.949 / 60),
])
def test_coordinate_forms(text, hem, limit, expected):
    assert parse_coordinate(text, hem, limit) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("text", ["", "5160.0000", "5130.", "ab30.1234", "-51", "9130.0000", "1e5"])
def test_coordinate_rejects(text):
    with pytest.raises(MalformedError):
        parse_coordinate(text, "N", 90)


def test_heartbeats_echoed_immediately():
    for frame, reply in ((b"*HQ,1234567890,HTBT#\r\n", b"*HQ,1234567890,HTBT#"),
                         (b"*HQ,1234567890,V0#", b"*HQ,1234567890,V0#")):
        d = conn().receive_frame(frame, NOW)
        assert d.reply == reply and not d.defer_reply and not d.positions and not d.events
        assert d.login == DEV


def test_nbr_event_and_reply():
    frame = (b"*HQ,1234567890,NBR,091500,262,01,0,2,4011,12345,40,4011,12346,33,"
             b"050324,FFFFFBFD#")
    d = conn().receive_frame(frame, NOW)
    (e,) = d.events
    assert e.type == "network" and e.time == datetime(2024, 3, 5, 9, 15, tzinfo=timezone.utc)
    assert e.attributes == {"status": 0xFFFFFBFD, "ignition": False, "alarm": "sos",
                            "mcc": 262, "mnc": 1, "lac": 4011, "cid": 12345, "cellCount": 2}
    assert d.reply == b"*HQ,1234567890,V4,NBR,20240305102030#" and d.defer_reply


def test_link_v3_vp1_sms():
    c = conn()
    (e,) = c.receive_frame(b"*HQ,1234567890,LINK,091500,18,7,55,1200,3,050324,FFFFFFFF#", NOW).events
    assert e.type == "status" and e.attributes == {
        "status": 0xFFFFFFFF, "ignition": True, "rssi": 18, "sat": 7, "batteryLevel": 55,
        "steps": 1200, "turnovers": 3}
    (e,) = c.receive_frame(b"*HQ,1234567890,V3,091500,26201,01,004011,012345,150,-70,0300,0,X,"
                           b"050324,FFFFFBFF#", NOW).events
    assert e.type == "network" and e.attributes["mcc"] == 262 and e.attributes["mnc"] == 1
    assert e.time == datetime(2024, 3, 5, 9, 15, tzinfo=timezone.utc)
    d = c.receive_frame(b"*HQ,1234567890,VP1,A,5130.1234,N,00007.5678,W,1.00,90.0,050324#", NOW)
    (p,) = d.positions
    assert p.fix_time == datetime(2024, 3, 5, tzinfo=timezone.utc) and p.course_deg == 90.0
    assert d.reply is None
    (e,) = c.receive_frame(b"*HQ,1234567890,VP1,V,262,01,12,4011,12345#", NOW).events
    # cells: <lac>,<cid>,<rssi> separated by Y; the first is the serving one
    assert e.attributes == {"mcc": 262, "mnc": 1, "lac": 12, "cid": 4011, "cellCount": 1}
    assert e.time == NOW
    (e,) = c.receive_frame(b"*HQ,1234567890,SMS,IP:1.2.3.4,5013\nAPN:x#", NOW).events
    assert e.type == "commandResult" and e.attributes == {"result": "IP:1.2.3.4,5013\nAPN:x"}


def test_position_variants():
    c = conn()
    # V4 answer to a command, then the position
    d = c.receive_frame(b"*HQ,1234567890,V4,S20,DONE,101000,101530,A,5130.1234,N,00007.5678,W,"
                        b"0,0,050324,FFFFFBFF#", NOW)
    (p,) = d.positions
    assert p.attributes["result"] == "S20,DONE" and p.fix_time == V1_TIME and d.reply is None
    # battery field between course and date, free tail
    (p,) = c.receive_frame(b"*HQ,1234567890,V1,101530,A,5130.1234,N,00007.5678,W,0,0,5,050324,"
                           b"FFFFFBFF,262,01,fa0,3039#", NOW).positions
    assert p.fix_time == V1_TIME
    assert p.attributes == {"status": 0xFFFFFBFF, "ignition": False, "io1": "262", "io2": "01",
                            "io3": "fa0", "io4": "3039"}
    # odometer, temperature, fuel, altitude, LAC, CID
    (p,) = c.receive_frame(b"*HQ,1234567890,V1,101530,A,5130.1234,N,00007.5678,W,0,0,050324,"
                           b"FFFFFBFF,1500,-5,42.5,120,0FA0,3039#", NOW).positions
    assert p.altitude_m == 120.0
    assert p.attributes == {"status": 0xFFFFFBFF, "ignition": False, "odometer": 1500,
                            "temp1": -5, "fuel": 42.5, "lac": 0x0FA0, "cid": 0x3039}
    # status after an IP address and an ICCID (V19)
    (p,) = c.receive_frame(b"*HQ,1234567890,V19,101530,V,5130.1234,N,00007.5678,W,0,0,050324,,"
                           b"10.0.0.1,89000000000000000001,FFFFFBFE#", NOW).positions
    assert not p.valid and p.attributes["alarm"] == "vibration"
    # no time or date: the server's clock; empty validity is invalid
    (p,) = c.receive_frame(b"*HQ,1234567890,V1,,,5130.1234,N,00007.5678,W,,,,FFFFFBFF#", NOW).positions
    assert p.fix_time == NOW and not p.valid and p.course_deg == 0.0 and p.speed_kmh == 0.0


def test_empty_id_uses_session_identity():
    frame = b"*HQ,,V1,101530,A,5130.1234,N,00007.5678,W,0,0,050324,FFFFFBFF#"
    assert conn().receive_frame(frame, NOW).positions == ()
    c = conn()
    c.receive_frame(V1, NOW)
    d = c.receive_frame(frame, NOW)
    assert d.positions[0].device_id == DEV and d.login is None


def test_no_fix_unknown_and_malformed():
    c = conn()
    d = c.receive_frame(b"*HQ,1234567890,V1,,V,,N,,E,0.00,0,,FFFFFBFF#", NOW)
    assert d.positions == () and d.events == () and d.reply == V1_REPLY and not d.defer_reply
    d = c.receive_frame(b"*HQ,1234567890,V1,000000,V,0.0000,0,0.0000,0,0,0,000000,ffffffff#", NOW)
    assert d.positions == ()
    d = c.receive_frame(b"*HQ,1234567890,XYZ,1,2#", NOW)
    assert d.unknown is not None and d.unknown.message_type == "XYZ" and d.reply is None
    assert c.receive_frame(b"*HQ,1234567890,#", NOW).unknown.message_type == ""
    with pytest.raises(MalformedError):
        c.receive_frame(b"*HQ,1234567890,V1,101530,A,5130.1234,N,00007.5678,W,0,0,320324,FFFFFBFF#", NOW)
    with pytest.raises(MalformedError):
        c.receive_frame(b"*HQ,12#", NOW)
    with pytest.raises(MalformedError):
        c.receive_frame(b"*HQ,12 34,V1#", NOW)
    with pytest.raises(MalformedError):
        c.receive_frame(b"\x01\x02", NOW)


def test_binary_exact():
    c = conn()
    d = c.receive_frame(BINARY, NOW)
    (p,) = d.positions
    assert d.login == DEV and d.reply is None
    assert p.fix_time == V1_TIME and p.valid is True
    assert p.lat == pytest.approx(LAT, abs=1e-12) and p.lon == pytest.approx(LON, abs=1e-12)
    assert p.speed_kmh == pytest.approx(12 * KN) and p.course_deg == 270.0
    assert p.attributes == {"status": 0xFFFFFBFF, "ignition": False, "batteryLevel": 100}
    # the long form (45 bytes) reads the same; 42 bytes: an 8-byte IMEI
    assert c.receive_frame(BINARY + bytes(13), NOW).positions == d.positions
    imei = bytes.fromhex("24" "1234567890123450") + BINARY[6:32] + bytes(7)
    assert len(imei) == 42
    (p,) = conn().receive_frame(imei, NOW).positions
    assert p.device_id == "123456789012345" and p.fix_time == V1_TIME


def test_binary_south_west_invalid_and_ack_option():
    frame = BINARY[:17] + bytes.fromhex("0000756780") + BINARY[22:]
    (p,) = conn().receive_frame(frame, NOW).positions
    assert p.lat == pytest.approx(-LAT) and p.lon == pytest.approx(LON) and not p.valid
    d = conn(ack=True).receive_frame(BINARY, NOW)
    assert d.reply == b"*HQ,1234567890,R12,102030#" and d.defer_reply
    d = conn(ack=True).receive_frame(V1.replace(b"V1", b"V2"), NOW)
    assert d.reply == b"*HQ,1234567890,R12,102030#"


@pytest.mark.parametrize("bad", [
    BINARY[:7] + b"\x99" + BINARY[8:],  # minute 99
    BINARY[:1] + b"\xab" + BINARY[2:],  # id not BCD
    BINARY[:20] + b"\xaa" + BINARY[21:],  # longitude not BCD
    BINARY[:13] + b"\x70" + BINARY[14:],  # latitude minutes 70
    BINARY[:20],  # too short
])
def test_binary_malformed(bad):
    with pytest.raises(MalformedError):
        conn().receive_frame(bad, NOW)


@pytest.mark.parametrize("code,level", [(0, None), (1, 0), (3, 20), (4, 60), (6, 100), (7, 7),
                                        (100, 100), (101, None), (0xF1, 1), (0xF6, 6), (0xF7, None)])
def test_battery_levels(code, level):
    assert battery_level(code) == level


def test_encode_commands():
    assert encode.command(DEV, "S20", NOW, "1", "1") == b"*HQ,1234567890,S20,102030,1,1#"
    assert encode.command(DEV, "SCF", NOW, "0", "0") == b"*HQ,1234567890,SCF,102030,0,0#"
    assert encode.ack_v4(DEV, "V1", NOW) == V1_REPLY
    assert encode.heartbeat_reply("HQ", DEV, "HTBT") == b"*HQ,1234567890,HTBT#"


# ---------------------------------------------------------------- framing

STREAM = V1 + b"\r\n" + BINARY + b"*HQ,1234567890,HTBT#"


def positions_and_replies(decoded):
    return ([p for d in decoded for p in d.positions], [d.reply for d in decoded])


def test_stream_whole_bytewise_and_every_split():
    reference = conn().feed(STREAM, NOW)
    assert len(reference) == 3
    expected = positions_and_replies(reference)
    c = conn()
    out = []
    for i in range(len(STREAM)):
        out += c.feed(STREAM[i:i + 1], NOW)
    assert positions_and_replies(out) == expected
    for cut in range(len(STREAM) + 1):
        c = conn()
        out = c.feed(STREAM[:cut], NOW) + c.feed(STREAM[cut:], NOW)
        assert positions_and_replies(out) == expected, cut
        assert c.buffered == 0


def test_garbage_between_frames_is_skipped():
    c = conn()
    out = c.feed(b"\x00\xffjunk\r\n" + V1 + b"\n\n??" + V1, NOW)
    assert len(out) == 2 and c._framer.skipped == 8 + 4


def test_binary_size_guess_and_option():
    framer = H02Framer()
    buf = bytearray(BINARY + bytes(13))  # exactly 45 bytes: the long form
    assert framer.next_frame(buf) == BINARY + bytes(13) and framer.binary_size == 45
    framer = H02Framer()
    buf = bytearray(BINARY + V1)  # a text frame right after 32 bytes
    assert framer.next_frame(buf) == BINARY and framer.binary_size == 32
    assert framer.next_frame(buf) == V1
    framer = H02Framer()
    buf = bytearray(BINARY + b"\x00")
    assert framer.next_frame(buf) is None  # could still be 42 or 45 bytes
    c = conn(message_length=45)
    out = c.feed(BINARY + bytes(13) + BINARY + bytes(13), NOW)
    assert len(out) == 2 and c.buffered == 0
    # 'X' frames: 32 bytes, unknown
    (d,) = conn().feed(b"X" + bytes(31), NOW)
    assert d.unknown is not None and d.unknown.message_type == "X"


def test_unterminated_text_is_dropped_and_stream_resyncs():
    c = conn()
    with pytest.raises(MalformedError):
        c.feed(b"*" + b"A" * 3000, NOW)
    assert not c.closed
    out = c.feed(V1, NOW)
    assert len(out) == 1 and out[0].positions and c.buffered == 0


def test_udp_datagram():
    u = H02UdpConnection()
    d = u.receive_frame(V1 + b"\r\n", NOW)
    assert d.positions[0].fix_time == V1_TIME and d.reply == V1_REPLY and d.login == DEV
    assert u.receive_frame(BINARY, NOW).positions[0].lat == pytest.approx(LAT)


# ---------------------------------------------------------------- device

def test_device_text_round_trip_and_acks():
    fix = Fix(time=V1_TIME, lat=LAT, lon=LON, speed_kmh=12.5 * KN, course_deg=270.0,
              attributes={"ignition": True})
    dev = H02Device(DEV)
    assert dev.hello() == b"" and dev.hello_acked and dev.expects_acks
    out = dev.encode_fixes([fix])
    assert out.data == (b"*HQ,1234567890,V1,101530,A,5130.1234,N,00007.5678,W,12.50,270,050324,"
                        b"FFFFFFFF#")
    out2 = dev.encode_fixes([fix])
    c = conn()
    decoded = c.feed(out.data + out2.data + dev.heartbeat(), NOW)
    replies = b"".join(d.reply for d in decoded)
    assert dev.receive_data(replies[:7]) == []
    assert dev.receive_data(replies[7:]) == [DeviceAck("fixes", out.token),
                                              DeviceAck("fixes", out2.token), DeviceAck("other")]


def test_device_binary():
    fix = Fix(time=V1_TIME, lat=LAT, lon=LON, speed_kmh=12 * KN, course_deg=270.0)
    dev = H02Device(DEV, binary=True)
    assert not dev.expects_acks
    data = dev.encode_fixes([fix]).data
    assert data == BINARY[:16] + b"\x64" + BINARY[17:]  # battery byte: 100 %
    acked = H02Device("123456789012345", binary=True, ack=True)
    out = acked.encode_fixes([fix])
    assert len(out.data) == 42
    d = conn(ack=True).receive_frame(out.data, NOW)
    assert d.positions[0].device_id == "123456789012345"
    assert acked.receive_data(d.reply) == [DeviceAck("fixes", out.token)]


def test_device_rejects_misuse():
    from protocols._errors import LocalProtocolError
    with pytest.raises(LocalProtocolError):
        H02Device(DEV, transport="http")
    with pytest.raises(LocalProtocolError):
        H02Device("12ab")
    with pytest.raises(LocalProtocolError):
        H02Device(DEV).encode_fixes([])


def test_errors_are_protocol_errors():
    assert issubclass(MalformedError, ProtocolError)
