"""TK103 ``(...)``: exact vectors, replies, identity, framing, device."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols import MalformedError, ProtocolError
from protocols._device import DeviceAck
from protocols._records import Decoded, Fix
from protocols.tk103 import SPEC, Tk103Connection, Tk103Device, Tk103Framer, Tk103UdpConnection
from protocols.tk103 import encode

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
ID = "012345678901"
LAT, LON = 52 + 30.1234 / 60, 13 + 22.5678 / 60
T0 = datetime(2024, 3, 5, 11, 30, 15, tzinfo=UTC)

HANDSHAKE = b"(012345678901BP00HSO)"
LOGIN = (b"(012345678901BP05861234567890123240305A5230.1234N01322.5678E012.5113015271.30"
         b"01000000L0001E240)")
BR00 = b"(012345678901BR00240305A5230.1234N01322.5678E012.5113015271.3001000000L0001E240)"
COMMA = b"(861234567890123,ZC15,050324,A,5230.1234N,01322.5678E,36.50,113015,90.25,35.0,8)"
RESULT = b"(861234567890123,ZC03,050324,113015,$SN: (42) ok;\r\nver 2.1 (beta)$)"


def one(data: bytes, conn=None) -> Decoded:
    return (conn or Tk103Connection()).receive_frame(data, NOW)


def test_spec():
    assert (SPEC.name, SPEC.default_port, SPEC.transports) == ("tk103", 5002, ("tcp", "udp"))
    assert SPEC.tcp_connection is Tk103Connection and SPEC.udp_connection is Tk103UdpConnection
    assert SPEC.device is Tk103Device


def test_handshake_answered_at_once():
    assert one(HANDSHAKE) == Decoded(login=ID, reply=b"(012345678901AP01HSO)")
    conn = Tk103Connection(device_id=ID)
    assert one(b"(012345678901BP00012345678901HSO01A4)", conn) == Decoded(
        reply=b"(012345678901AP01HSO)")


def test_login_reply_waits_for_the_position():
    d = one(LOGIN, Tk103Connection(device_id=ID))
    assert d.login == ID and d.reply == b"(012345678901AP05)" and d.defer_reply is True
    (p,) = d.positions
    assert (p.device_id, p.fix_time, p.valid) == (ID, T0, True)
    assert (p.lat, p.lon) == pytest.approx((LAT, LON), abs=1e-12)
    assert (p.speed_kmh, p.course_deg) == (12.5, 271.3)
    assert p.attributes == {"charge": True, "ignition": True, "in2": False, "panic": False,
                            "out2": False, "fuel": 0, "odometer": 123456}


def test_position_identifies_once():
    conn = Tk103Connection()
    assert one(BR00, conn).login == ID and one(BR00, conn).login is None
    assert one(BR00, conn).reply is None


def test_status_bits():
    frame = b"(012345678901BR00240305A5230.1234N01322.5678E000.0113015000.0010F9E123L00000000)"
    assert one(frame).positions[0].attributes == {
        "charge": False, "ignition": False, "in2": True, "panic": True, "out2": True,
        "blocked": True, "hs3": True, "door": True, "ls3": True, "ls2": True, "ls1": True,
        "fuel": 0x123, "odometer": 0}


def test_padded_fields_short_degrees_and_eleven_digit_id():
    frame = b"(01234567890BR00240305V 830.1234S 7322.5678W 46.0113015 87.3101000000L00000000)"
    (p,) = one(frame).positions
    assert p.device_id == "01234567890" and p.valid is False
    assert (p.lat, p.lon) == pytest.approx((-(8 + 30.1234 / 60), -(73 + 22.5678 / 60)), abs=1e-12)
    assert (p.speed_kmh, p.course_deg, p.fix_time) == (46.0, 87.31, T0)


def test_position_without_status_and_odometer():
    (p,) = one(b"(012345678901BR00240305A5230.1234N01322.5678E000.0113015123.45)").positions
    assert (p.fix_time, p.course_deg, p.attributes) == (T0, 123.45, {})


def test_bo01_alarm():
    frame = b"(012345678901BO012240305A5230.1234N01322.5678E000.0113015000.0001000000L00000000)"
    (p,) = one(frame).positions
    assert p.attributes["alarm"] == "sos" and p.fix_time == T0


def test_bq81_alarm():
    frame = b"(012345678901BQ81,ALARM,4,0,240305A5230.1234N01322.5678E050.0113015010.00,00000000)"
    (p,) = one(frame).positions
    assert p.attributes["alarm"] == "hardBraking" and p.speed_kmh == 50.0


def test_comma_position_ignition():
    d = one(COMMA)
    assert d.reply is None
    (p,) = d.positions
    assert (p.device_id, p.fix_time, p.speed_kmh, p.course_deg) == (
        "861234567890123", T0, 36.5, 90.25)
    assert (p.lat, p.lon) == pytest.approx((LAT, LON), abs=1e-12)
    assert p.attributes == {"ignition": True}


@pytest.mark.parametrize("code, attrs", [
    ("ZC11", {"alarm": "movement"}), ("DW32", {"alarm": "lowBattery"}),
    ("DW33", {"alarm": "powerCut"}), ("ZC16", {"ignition": False}), ("ZC17", {"alarm": "removing"}),
    ("DW3E", {"alarm": "sos"}), ("ZC26", {"alarm": "tampering"}), ("DW40", {"alarm": "lowPower"}),
    ("DW42", {"ignition": True}), ("ZC07", {}), ("BP05", {}),
])
def test_comma_codes(code, attrs):
    frame = f"(861234567890123,{code},050324,V,5230.1234N,01322.5678W,0.0,113015,0.0)".encode()
    (p,) = one(frame).positions
    assert p.attributes == attrs and p.valid is False and p.lon == pytest.approx(-LON)


def test_comma_bp05_gets_no_reply():
    assert one(b"(861234567890123,BP05,050324,A,5230.1234N,01322.5678E,0,113015,0)").reply is None


def test_battery():
    (e,) = one(b"(861234567890123,ZC20,050324,113015,5,395,124,1)").events
    assert (e.type, e.time, e.attributes) == ("status", T0, {
        "batteryLevel": 80, "battery": 3.95, "power": 12.4})
    (e,) = one(b"(861234567890123,ZC20,050324,113015,255,65535,65535,0)").events
    assert e.attributes == {}


def test_command_result_with_parenthesis_in_text():
    (e,) = one(RESULT).events
    assert (e.type, e.time) == ("commandResult", T0)
    assert e.attributes == {"result": "SN: (42) ok;\r\nver 2.1 (beta)"}


def test_lbs_wifi():
    frame = b"(861234567890123,DW5E,262,1,4001,12345,1,00:11:22:33:44:55*-61*6,050324,113015)"
    (e,) = one(frame).events
    assert (e.type, e.time) == ("network", T0)
    assert e.attributes == {"mcc": 262, "mnc": 1, "lac": 4001, "cid": 12345, "wifiCount": 1,
                            "alarm": "sos"}


def test_bz00_cell():
    (e,) = one(b"(012345678901BZ00,262,001,0fa1,3039,0fa1,3040,40)").events
    assert (e.type, e.time, e.attributes) == ("network", NOW, {
        "mcc": 262, "mnc": 1, "lac": 0xFA1, "cid": 0x3039})


def test_cell_list():
    frame = b"(012345678901BZ00,{262,1,4001,12345}\n{262,1,4001,12346}\n,0000ABCD)"
    (e,) = one(frame).events
    assert e.attributes == {"mcc": 262, "mnc": 1, "lac": 4001, "cid": 12345, "cellCount": 2,
                            "odometer": 0xABCD}


def test_vin_and_bms():
    assert one(b"(012345678901BV001HGCM82633A004352)").events[0].attributes == {
        "vin": "1HGCM82633A004352"}
    assert one(b"(012345678901BS500A0B0C)").events[0].attributes == {"bmsData": "0A0B0C"}
    assert one(b"(012345678901BS5190:0102,91:A0B0)").events[0].attributes == {
        "bms90": "0102", "bms91": "A0B0"}


def test_unsupported_command_is_unknown_without_reply():
    d = one(b"(012345678901BQ86,0,0a0b,240305113015,01000001)")
    assert d.unknown is not None and d.unknown.message_type == "BQ86"
    assert not d.positions and not d.events and d.reply is None


@pytest.mark.parametrize("frame", [
    b"(ABC)", b"(012345678901)", b"(012345678901br00)", b"(012345678901BR00garbage)",
    b"(012345678901BR00241305A5230.1234N01322.5678E000.0113015000.00)",
    b"(012345678901BR00240305A9230.1234N01322.5678E000.0113015000.00)",
    b"(861234567890123,ZC11,050324,A,5230.1234N)",
    b"(861234567890123,ZC11,050324,A,5230.1234X,01322.5678E,0,113015,0)",
    b"(012345678901BV00SHORT)", b"(012345678901BZ00,1,2,zz,yy)", b"(01234\xff5678901BR00)",
])
def test_malformed_frames_raise(frame):
    with pytest.raises(MalformedError):
        one(frame)


def test_commands():
    assert encode.single_position(ID) == b"(012345678901AP00)"
    assert encode.periodic(ID, 30) == b"(012345678901AR00001E0000)"
    assert encode.stop_periodic(ID) == b"(012345678901AR0000000000)"
    assert encode.engine_stop(ID) == b"(012345678901AV010)"
    assert encode.engine_resume(ID) == b"(012345678901AV011)"
    assert encode.output(ID, 1) == b"(012345678901AV001)"
    assert encode.reboot(ID) == b"(012345678901AT00)" and encode.version(ID) == b"(012345678901AP07)"


# ---------------------------------------------------------------- stream

SESSION = b"\r\nnoise$)" + HANDSHAKE + LOGIN + b"\r\n" + BR00 + COMMA + RESULT
EXPECTED = [(ID, 0, 0, b"(012345678901AP01HSO)"), (ID, 1, 0, b"(012345678901AP05)"),
            (None, 1, 0, None), ("861234567890123", 1, 0, None), (None, 0, 1, None)]


def drain(conn, chunks):
    out, errors = [], []
    for chunk in chunks:
        data = chunk
        while True:
            try:
                out.extend(conn.feed(data, NOW))
                break
            except ProtocolError as exc:
                out.extend(exc.decoded)
                errors.append(exc)
                data = b""
    return out, errors


def summary(results):
    return [(d.login, len(d.positions), len(d.events), d.reply) for d in results]


def test_whole_stream():
    conn = Tk103Connection()
    out, errors = drain(conn, [SESSION])
    assert errors == [] and summary(out) == EXPECTED and conn.buffered == 0
    assert out[4].events[0].attributes["result"] == "SN: (42) ok;\r\nver 2.1 (beta)"


def test_byte_by_byte():
    conn = Tk103Connection()
    out, errors = drain(conn, [SESSION[i:i + 1] for i in range(len(SESSION))])
    assert errors == [] and summary(out) == EXPECTED and conn.buffered == 0


def test_split_at_every_offset():
    for cut in range(len(SESSION) + 1):
        out, errors = drain(Tk103Connection(), [SESSION[:cut], SESSION[cut:]])
        assert errors == [] and summary(out) == EXPECTED, cut


def test_framer_keeps_incomplete_text_frame():
    framer, buf = Tk103Framer(), bytearray(b"xx(1BR00$)$)(2")
    assert framer.next_frame(buf) == b"(1BR00$)$)" and buf == bytearray(b"(2")
    buf = bytearray(b"(1ZC03,$text) still open")
    assert framer.next_frame(buf) is None and buf == bytearray(b"(1ZC03,$text) still open")
    buf = bytearray(b"no frame start")
    assert framer.next_frame(buf) is None and buf == bytearray()


def test_overlong_unterminated_frame_resyncs():
    conn = Tk103Connection()
    out, errors = drain(conn, [b"(012345678901BR00" + b"9" * 1100, BR00])
    assert len(errors) == 1 and isinstance(errors[0], MalformedError) and not errors[0].fatal
    assert summary(out) == [(ID, 1, 0, None)] and conn.buffered == 0


def test_bad_frame_does_not_stop_the_stream():
    out, errors = drain(Tk103Connection(), [b"(ABC)" + BR00])
    assert len(errors) == 1 and summary(out) == [(ID, 1, 0, None)]


def test_udp_bare_and_several_frames():
    conn = Tk103UdpConnection()
    assert conn.receive_frame(HANDSHAKE[1:-1], NOW) == Decoded(
        login=ID, reply=b"(012345678901AP01HSO)")
    d = conn.receive_frame(BR00 + COMMA, NOW)
    assert len(d.positions) == 2 and d.login == "861234567890123"
    d = conn.receive_frame(b"(ABC)" + BR00[:-1], NOW)  # closing ")" optional on UDP
    assert len(d.positions) == 1


# ---------------------------------------------------------------- device

FIX = Fix(time=T0, lat=-33.5, lon=151.25, speed_kmh=12.34, course_deg=90.5,
          attributes={"ignition": True})


def test_device_messages():
    dev = Tk103Device(ID)
    assert dev.hello() == HANDSHAKE and dev.heartbeat() == HANDSHAKE
    out = dev.encode_fixes([FIX])
    assert out.data == (b"(012345678901BR00240305A3330.0000S15115.0000E012.3113015090.50"
                        b"01000000L00000000)")
    assert dev.expects_acks is False and dev.encode_fixes([FIX]).token != out.token


def test_device_reads_replies_split_anywhere():
    replies = b"(012345678901AP01HSO)(012345678901AP00)(012345678901AP05)"
    for cut in range(len(replies) + 1):
        dev = Tk103Device(ID)
        acks = dev.receive_data(replies[:cut]) + dev.receive_data(replies[cut:])
        assert [a.kind for a in acks] == ["hello", "command", "hello"], cut  # AP00 is answered
        assert dev.hello_acked


def test_device_session_through_connection():
    dev = Tk103Device(ID)
    out = Tk103Connection().feed(dev.hello() + dev.encode_fixes([FIX]).data, NOW)
    assert dev.receive_data(out[0].reply) == [DeviceAck("hello")]
    (p,) = out[1].positions
    assert (p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg) == (T0, -33.5, 151.25, 12.3, 90.5)
    assert p.attributes["ignition"] is True
