"""gl200 (Queclink @Track): exact text and binary vectors, replies, framing, UDP, commands.

Frames are written for these tests from the @Track layouts (fact sheet and
Queclink application notes); none is copied from the conformance set.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest

from protocols import MalformedError, ProtocolError
from protocols._connection import ConnectionOptions
from protocols.gl200 import SPEC, Gl200Connection, Gl200Framer, Gl200UdpConnection
from protocols.gl200 import encode

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
IMEI = "861234567890126"

# GV-style fixed report: power 12.65 V, one block, odometer 1523.4 km, hours, 2 analog inputs,
# battery 87 %, status 220300 (ignition on, moving, inputs 3, outputs 0)
FRI_GV = (b"+RESP:GTFRI,270A02," + IMEI.encode() + b",truck7,12650,10,1,"
          b"3,48.6,123,215.5,13.404954,52.520008,20240601113005,0262,0001,A1B2,0C3D4E5F,00,"
          b"1523.4,00123:45:06,,,87,220300,,,,20240601113007,0A1F$")
# GL300-style: two blocks, battery 64 %
FRI_GL = (b"+BUFF:GTFRI,1A0302," + IMEI.encode() + b",,0,0,2,"
          b"2,0.0,0,35.0,-3.703790,40.416775,20240601100000,0214,0007,1F2E,3D4C,00,"
          b"1,5.5,90,36.5,-3.703500,40.416900,20240601100100,0214,0007,1F2E,3D4C,00,"
          b"64,20240601100105,0B20$")
HBD = b"+ACK:GTHBD,1A0302," + IMEI.encode() + b",,20240601100200,0B21$"
INF = (b"+RESP:GTINF,270A02," + IMEI.encode() + b",truck7,21,89490200001234567890,23,0,1,"
       b"12650,,4.12,0,1,0,0,20240601113005,1250,0,,00,00,+0000,0,20240601113100,0A20$")


def fresh(**extra) -> Gl200Connection:
    return Gl200Connection(options=ConnectionOptions(extra=extra))


def test_spec():
    assert SPEC.name == "gl200" and SPEC.default_port == 5004
    assert SPEC.transports == ("tcp", "udp")
    assert SPEC.udp_connection is Gl200UdpConnection


def test_fixed_report_vehicle_layout():
    d = fresh().receive_frame(FRI_GV, NOW)
    assert d.login == IMEI and d.reply is None and d.defer_reply is False
    (p,) = d.positions
    assert (p.device_id, p.protocol, p.valid) == (IMEI, "gl200", True)
    assert p.fix_time == datetime(2024, 6, 1, 11, 30, 5, tzinfo=UTC)
    assert (p.lat, p.lon) == (52.520008, 13.404954)
    assert (p.speed_kmh, p.course_deg, p.altitude_m, p.hdop) == (48.6, 123.0, 215.5, 3.0)
    assert p.attributes == {
        "power": 12.65, "odometer": 1523400.0, "hours": ((123 * 60 + 45) * 60 + 6) * 1000,
        "batteryLevel": 87, "ignition": True, "motion": True, "input": 3, "output": 0}


def test_buffered_report_with_two_blocks():
    d = fresh().receive_frame(FRI_GL, NOW)
    assert [(p.fix_time.minute, p.lat, p.lon, p.speed_kmh, p.course_deg) for p in d.positions] == [
        (0, 40.416775, -3.70379, 0.0, 0.0), (1, 40.4169, -3.7035, 5.5, 90.0)]
    assert all(p.attributes == {"batteryLevel": 64, "archive": True} for p in d.positions)


def test_heartbeat_gets_its_sack_at_once():
    d = fresh().receive_frame(HBD, NOW)
    assert d.reply == b"+SACK:GTHBD,1A0302,0B21$"
    assert d.defer_reply is False and d.positions == () and d.events == ()
    assert d.unknown is None


def test_ack_mode_acknowledges_every_message_after_commit():
    conn = fresh(ack=True)
    d = conn.receive_frame(FRI_GV, NOW)
    assert d.reply == b"+SACK:0A1F$" and d.defer_reply is True
    d = conn.receive_frame(HBD, NOW)
    assert d.reply == b"+SACK:GTHBD,1A0302,0B21$" and d.defer_reply is False


def test_info_report_is_a_status_event():
    (e,) = fresh().receive_frame(INF, NOW).events
    assert (e.type, e.time) == ("status", datetime(2024, 6, 1, 11, 31, tzinfo=UTC))
    assert e.attributes == {"state": "21", "iccid": "89490200001234567890", "rssi": 23,
                            "battery": 4.12, "power": 12.65, "adc1": 1250, "adc2": 0,
                            "ignition": True, "motion": False}


@pytest.mark.parametrize(("frame", "key", "value"), [
    (b"+RESP:GTIGN,270A02," + IMEI.encode() + b",,600,2,0.0,0,100.0,2.352222,48.856613,"
     b"20240601080000,0208,0001,0A0B,0C0D,00,00012:00:00,1500.5,20240601080001,0001$",
     "ignition", True),
    (b"+RESP:GTIGF,270A02," + IMEI.encode() + b",,1200,2,0.0,0,100.0,2.352222,48.856613,"
     b"20240601090000,0208,0001,0A0B,0C0D,00,00012:20:00,1510.0,20240601090001,0002$",
     "ignition", False),
    (b"+RESP:GTSOS,1A0302," + IMEI.encode() + b",,0,0,1,1,0.0,0,20.0,2.352222,48.856613,"
     b"20240601090000,0208,0001,0A0B,0C0D,00,55,20240601090001,0003$", "alarm", "sos"),
    (b"+RESP:GTHBM,270A02," + IMEI.encode() + b",,12650,11,1,1,61.0,10,20.0,2.352222,"
     b"48.856613,20240601090000,0208,0001,0A0B,0C0D,00,100.0,20240601090001,0004$",
     "alarm", "hardAcceleration"),
    (b"+RESP:GTIDA,270A02," + IMEI.encode() + b",,,00AB12CD,1,1,1,0.0,0,20.0,2.352222,"
     b"48.856613,20240601090000,0208,0001,0A0B,0C0D,00,100.0,,,,,20240601090001,0005$",
     "driverUniqueId", "00AB12CD"),
    (b"+RESP:GTERI,270A02," + IMEI.encode() + b",,00000001,12650,10,1,1,0.0,0,20.0,2.352222,"
     b"48.856613,20240601090000,0208,0001,0A0B,0C0D,00,100.0,,,,90,210000,1,00FA,"
     b"20240601090001,0006$", "fuel", 250),
])
def test_report_attributes(frame, key, value):
    d = fresh().receive_frame(frame, NOW)
    (p,) = d.positions
    assert p.attributes[key] == value and p.valid and p.lon == 2.352222


def test_can_report_decodes_by_mask():
    frame = (b"+RESP:GTCAN,270A02," + IMEI.encode() + b",,00,1,20002107,WVWZZZ1JZXW000001,1,"
             b"H123456,P42.00,0.25,00000001,P77.50,20240601090001,0007$")
    (e,) = fresh().receive_frame(frame, NOW).events
    assert e.attributes == {"canState": 1, "vin": "WVWZZZ1JZXW000001", "ignition": True,
                            "obdOdometer": 12345600.0, "fuel": 42.0, "idleHours": 0.25,
                            "adBlueLevel": 77.5}


def test_command_ack_is_a_result_event():
    frame = b"+ACK:GTRTO,1A0302," + IMEI.encode() + b",,RTL,FFFF,20240601090001,0008$"
    (e,) = fresh().receive_frame(frame, NOW).events
    assert (e.type, e.attributes) == ("result", {"result": "RTO,RTL,FFFF"})


def test_report_without_fix_reuses_the_last_place():
    conn = fresh()
    no_fix = (b"+RESP:GTFRI,1A0302," + IMEI.encode() + b",,0,0,1,0,,,,,,,0214,0007,1F2E,3D4C,"
              b"00,50,20240601101000,0B30$")
    (p,) = conn.receive_frame(no_fix, NOW).positions
    assert (p.valid, p.lat, p.lon, p.fix_time) == (False, 0.0, 0.0,
                                                   datetime(2024, 6, 1, 10, 10, tzinfo=UTC))
    assert p.attributes == {"outdated": True}  # the tail is not read without a located block
    conn.receive_frame(FRI_GL, NOW)
    (p,) = conn.receive_frame(no_fix, NOW).positions
    assert (p.valid, p.lat, p.lon, p.fix_time.minute) == (False, 40.4169, -3.7035, 1)


def test_unknown_type_without_fix_is_counted_not_raised():
    conn = fresh()
    d = conn.receive_frame(b"+RESP:GTZZZ,1A0302," + IMEI.encode() + b",,1,2,20240601090001,0009$",
                           NOW)
    assert d.positions == () and d.events == ()
    assert d.unknown is not None and d.unknown.message_type == "GTZZZ"
    assert conn.unknown_count == 1


@pytest.mark.parametrize("frame", [
    b"+RESP:", b"+RESP:GTFRI", b"+XYZ:GTFRI,1A0302,1,2$", b"+RESP:GTFRI,nothex,123,4,5$",
    b"hello", b"+RESP:FRI,1A0302," + IMEI.encode() + b",,1$",
])
def test_malformed_text_raises_malformed(frame):
    with pytest.raises(MalformedError):
        fresh().receive_frame(frame, NOW)


def binary_report(imei: int, fix: tuple[float, float, datetime], speed10: int = 123,
                  course: int = 45, altitude: int = -12, head: bytes = b"+RSP") -> bytes:
    """A +RSP frame laid out as the fact sheet describes (mask without device name)."""
    lon, lat, t = fix
    body = struct.pack(">BHBB", 77, 12345, 0x22, 9)            # battery, power, motion, sats
    body += bytes((0x10, 1, 0, 2))                             # report type, number, accuracy
    body += struct.pack(">HBhhii", speed10 // 10, speed10 % 10, course, altitude,
                        round(lon * 1e6), round(lat * 1e6))
    body += struct.pack(">HBBBBB", t.year, t.month, t.day, t.hour, t.minute, t.second)
    body += bytes.fromhex("0262000112345678" "00")              # MCC MNC LAC cell reserved
    tail = bytes.fromhex("07E8060109000000AB")                 # send time, count
    fixed = bytes((0x1A,)) + b"\x01\x02\x02\x09" + imei.to_bytes(8, "big")
    length = 11 + len(fixed) + len(body) + len(tail) + 2
    return head + bytes((7,)) + bytes.fromhex("00FC1FBF") + struct.pack(">H", length) + fixed \
        + body + tail + b"\r\n"


BIN = binary_report(int(IMEI), (-9.137, 38.722, datetime(2024, 6, 1, 8, 59, 58, tzinfo=UTC)))


def test_binary_report():
    d = fresh().receive_frame(BIN, NOW)
    assert d.login == IMEI and d.reply is None
    (p,) = d.positions
    assert (p.lat, p.lon, p.fix_time) == (38.722, -9.137, datetime(2024, 6, 1, 8, 59, 58, tzinfo=UTC))
    assert (p.speed_kmh, p.course_deg, p.altitude_m, p.satellites) == (12.3, 45.0, -12.0, 9)
    assert p.attributes == {"type": 7, "batteryLevel": 77, "power": 12.345, "motion": True}


def test_buffered_binary_report_is_archive():
    frame = binary_report(int(IMEI), (1.0, 2.0, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
                          head=b"+BSP")
    (p,) = fresh().receive_frame(frame, NOW).positions
    assert p.attributes["archive"] is True and (p.lat, p.lon) == (2.0, 1.0)


def test_record_frame_yields_identity_only():
    frame = bytes.fromhex("2B000020" "00" "0861234567890126" "8203" "0003" "00" "00") + bytes(12)
    d = fresh().receive_frame(frame, NOW)
    assert d.login == IMEI and d.positions == () and d.unknown is not None


SESSION = FRI_GV + b"\r\n" + HBD + BIN + FRI_GL + INF
EXPECTED = [(IMEI, 1, 0, None), (None, 0, 0, b"+SACK:GTHBD,1A0302,0B21$"), (None, 1, 0, None),
            (None, 2, 0, None), (None, 0, 1, None)]


def summary(decoded):
    return [(d.login, len(d.positions), len(d.events), d.reply) for d in decoded]


def test_stream_whole_and_byte_by_byte():
    assert summary(fresh().feed(SESSION, NOW)) == EXPECTED
    conn = fresh()
    out = []
    for i in range(len(SESSION)):
        out += conn.feed(SESSION[i:i + 1], NOW)
    assert summary(out) == EXPECTED and conn.buffered == 0


def test_stream_split_at_every_offset():
    for cut in range(len(SESSION) + 1):
        conn = fresh()
        out = conn.feed(SESSION[:cut], NOW) + conn.feed(SESSION[cut:], NOW)
        assert summary(out) == EXPECTED, cut


def test_garbage_before_a_frame_is_skipped_and_reported():
    conn = fresh()
    with pytest.raises(MalformedError) as info:
        conn.feed(b"\x01\x02junk" + FRI_GV, NOW)
    assert info.value.fatal is False and info.value.decoded == []
    assert summary(conn.feed(b"", NOW)) == [EXPECTED[0]]


def test_frame_followed_by_garbage_then_frame():
    conn = fresh()
    out = conn.feed(FRI_GV, NOW)
    with pytest.raises(ProtocolError):
        conn.feed(b"zz\x00\xff" + HBD, NOW)
    out += conn.feed(b"", NOW)
    assert summary(out) == EXPECTED[:2]


def test_unterminated_text_is_bounded():
    framer = Gl200Framer(1024)
    buffer = bytearray(b"+RESP:GTFRI," + b"1" * 5000)
    with pytest.raises(MalformedError):
        framer.next_frame(buffer)
    assert len(buffer) == 0


def test_binary_with_impossible_length_resyncs():
    framer = Gl200Framer()
    buffer = bytearray(b"+RSP\x07\x00\xfc\x1f\xbf\x00\x02" + FRI_GV)
    with pytest.raises(MalformedError):
        framer.next_frame(buffer)
    assert framer.next_frame(buffer) == FRI_GV[:-1]


def test_nul_terminator_and_framed_without_terminator():
    framer = Gl200Framer()
    buffer = bytearray(HBD[:-1] + b"\x00")
    assert framer.next_frame(buffer) == HBD[:-1] and buffer == bytearray()
    assert fresh().receive_frame(HBD[:-1], NOW).reply == b"+SACK:GTHBD,1A0302,0B21$"


def test_udp_datagrams():
    conn = Gl200UdpConnection()
    d = conn.receive_frame(FRI_GL, NOW)
    assert d.login == IMEI and len(d.positions) == 2
    assert conn.receive_frame(HBD, NOW).reply == b"+SACK:GTHBD,1A0302,0B21$"


def test_commands():
    assert encode.position_request("gl300") == b"AT+GTRTO=gl300,1,,,,,,FFFF$"
    assert encode.reboot() == b"AT+GTRTO=,3,,,,,,FFFF$"
    assert encode.identification_request() == b"AT+GTRTO=,8,,,,,,FFFF$"
    assert encode.engine_stop() == b"AT+GTOUT=,1,,,0,0,0,0,0,0,0,,,,,,,FFFF$"
    assert encode.engine_resume("pw") == b"AT+GTOUT=pw,0,,,0,0,0,0,0,0,0,,,,,,,FFFF$"
    assert encode.encode_sack("00A1") == b"+SACK:00A1$"
    assert encode.encode_heartbeat_ack("270A02", "0001") == b"+SACK:GTHBD,270A02,0001$"
