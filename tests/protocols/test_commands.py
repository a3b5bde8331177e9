"""Commands to devices (issue 14, sans-IO part): the model, the registry, exact bytes per
protocol and command type, and the devices' answers decoded and linked to their command.

Vendor examples: Teltonika's Codec 12 ``getinfo`` packet (wiki "Teltonika Data Sending
Protocols"), Meitrack's ``@@Q25,353358017784062,A10*6A`` (MEITRACK GPRS Protocol), the
Queclink ``+ACK:GTRTO`` and H02 ``V4`` answers of shared/conformance/traccar. The other
frames are written out field by field and checked with the catalogue checksums.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce

import pytest

from protocols import registry
from protocols._checksum import crc16_arc, crc16_kermit, crc16_modbus, crc16_x25
from protocols._commands import COMMAND_TYPES, Command, CommandAnswer, CommandError
from protocols._records import Decoded, merge_decoded
from protocols.gl200.connection import Gl200Connection
from protocols.h02.connection import H02Connection
from protocols.jt808.connection import Jt808Connection
from protocols.jt808.device import Jt808Device
from protocols.teltonika.connection import TeltonikaConnection

NOW = datetime(2025, 3, 5, 10, 20, 30, tzinfo=UTC)

SUPPORTED = {
    "gt06": ["engineStop", "engineResume", "positionSingle", "positionPeriodic", "rebootDevice",
             "custom"],
    "teltonika": ["engineStop", "engineResume", "positionSingle", "rebootDevice",
                  "outputControl", "custom"],
    "jt808": ["engineStop", "engineResume", "positionSingle", "positionPeriodic",
              "positionStop", "rebootDevice", "custom"],
    "h02": ["engineStop", "engineResume", "positionPeriodic", "alarmArm", "alarmDisarm", "custom"],
    "gps103": ["engineStop", "engineResume", "positionSingle", "positionPeriodic",
               "positionStop", "alarmArm", "alarmDisarm", "custom"],
    "tk103": ["engineStop", "engineResume", "positionSingle", "positionPeriodic",
              "positionStop", "rebootDevice", "outputControl", "custom"],
    "meitrack": ["engineStop", "engineResume", "positionSingle", "positionPeriodic",
                 "positionStop", "outputControl", "alarmArm", "alarmDisarm", "custom"],
    "gl200": ["engineStop", "engineResume", "positionSingle", "rebootDevice", "custom"],
    "suntech": ["engineStop", "engineResume", "positionSingle", "rebootDevice",
                "outputControl", "custom"],
    "watch": ["positionSingle", "positionPeriodic", "rebootDevice", "custom"],
    "wialon": ["rebootDevice", "outputControl", "custom"],
    "ruptela": ["engineStop", "engineResume", "rebootDevice", "outputControl", "custom"],
    "galileo": ["outputControl", "custom"],
}


def cmd(kind: str, id: int = 0, **params) -> Command:
    return Command(type=kind, params=params, id=id)


# ----------------------------------------------------------------- the model and the registry


@pytest.mark.parametrize("protocol", sorted(SUPPORTED))
def test_supported_commands_per_protocol(protocol):
    assert registry.supported_commands(protocol) == SUPPORTED[protocol]
    assert set(SUPPORTED[protocol]) <= set(COMMAND_TYPES)


def test_protocols_without_commands_and_aliases():
    assert registry.supported_commands("nmea") == []
    assert registry.supported_commands("huabao") == SUPPORTED["jt808"]
    with pytest.raises(CommandError, match="no commands"):
        registry.encode_command("nmea", cmd("custom", data="x"), "1")


@pytest.mark.parametrize("protocol", sorted(SUPPORTED))
def test_unsupported_type_is_refused(protocol):
    missing = next(t for t in ("alarmArm", "outputControl", "positionStop", "engineStop",
                               "rebootDevice")
                   if t not in SUPPORTED[protocol])
    with pytest.raises(CommandError, match="not supported"):
        registry.encode_command(protocol, cmd(missing), "123456789012345", now=NOW)


@pytest.mark.parametrize("params, error", [
    ({}, "'interval' must be an integer"),
    ({"interval": "ten"}, "'interval' must be an integer"),
    ({"interval": True}, "'interval' must be an integer"),
    ({"interval": 0}, "outside"),
    ({"interval": 86401}, "outside"),
])
def test_interval_checked(params, error):
    with pytest.raises(CommandError, match=error):
        cmd("positionPeriodic", **params).interval()


def test_parameters_accept_traccar_keys():
    assert cmd("positionPeriodic", frequency="60").interval() == 60
    assert cmd("outputControl", index="2", data="1").index() == 2
    assert cmd("outputControl", index=2, data="1").on() is True
    assert cmd("outputControl", on=False).on() is False
    with pytest.raises(CommandError):
        cmd("outputControl", on="maybe").on()
    with pytest.raises(CommandError):
        cmd("outputControl", index=9).index()


@pytest.mark.parametrize("params", [{}, {"data": ""}, {"data": "a\nb"}, {"data": "é"},
                                    {"data": "x" * 1025}])
def test_custom_text_checked(params):
    with pytest.raises(CommandError):
        cmd("custom", **params).text()


def test_custom_hex_passes_through():
    assert cmd("custom", hex="7878").raw() == b"\x78\x78"
    assert cmd("custom", data="x").raw() is None
    for bad in ("78 7", "zz", ""):
        with pytest.raises(CommandError):
            cmd("custom", hex=bad).raw()
    for protocol in ("gt06", "jt808", "h02", "tk103", "meitrack", "galileo", "ruptela"):
        frame = registry.encode_command(protocol, cmd("custom", hex="0102ff"), "1234567890",
                                        now=NOW)
        assert frame == b"\x01\x02\xff", protocol


def test_merge_decoded_keeps_every_answer_in_order():
    a = CommandAnswer(protocol="x", serial=1)
    b = CommandAnswer(protocol="x", serial=2)
    assert merge_decoded([Decoded(answers=(a,)), Decoded(), Decoded(answers=(b,))]).answers == (a, b)
    assert merge_decoded([Decoded(answers=(a,))]).answers == (a,)


# --------------------------------------------------------------------- exact bytes per protocol


def gt06_0x80(text: str, flag: int, serial: int) -> bytes:
    body = bytes((4 + len(text),)) + flag.to_bytes(4, "big") + text.encode() + b"\x00\x02"
    checked = bytes((1 + len(body) + 4, 0x80)) + body + serial.to_bytes(2, "big")
    return b"\x78\x78" + checked + crc16_x25(checked).to_bytes(2, "big") + b"\r\n"


@pytest.mark.parametrize("command, text", [
    (cmd("engineStop", 0x01020304), "RELAY,1#"),
    (cmd("engineResume", 0x01020304), "RELAY,0#"),
    (cmd("positionSingle", 0x01020304), "WHERE#"),
    (cmd("positionPeriodic", 0x01020304, interval=30), "TIMER,30#"),
    (cmd("rebootDevice", 0x01020304), "RESET#"),
    (cmd("custom", 0x01020304, data="STATUS#"), "STATUS#"),
])
def test_gt06_bytes(command, text):
    frame = registry.encode_command("gt06", command, "864717003283581")
    assert frame == gt06_0x80(text, 0x01020304, 0x0304)
    assert gt06_0x80("RELAY,1#", 0x01020304, 0x0304) == bytes.fromhex(
        "787814800c0102030452454c41592c3123000203041deb0d0a")
    with pytest.raises(CommandError):
        registry.encode_command("gt06", cmd("positionPeriodic", interval=5), "1")


def test_teltonika_bytes_tcp_and_udp():
    # the wiki's Codec 12 example: getinfo
    assert registry.encode_command("teltonika", cmd("custom", data="getinfo"), "1") == bytes.fromhex(
        "000000000000000f0c010500000007676574696e666f0100004312")

    def tcp(text: str) -> bytes:
        data = b"\x0c\x01\x05" + len(text).to_bytes(4, "big") + text.encode("latin-1") + b"\x01"
        return bytes(4) + len(data).to_bytes(4, "big") + data + crc16_arc(data).to_bytes(4, "big")

    for command, text in [(cmd("engineStop"), "setdigout 1"), (cmd("engineResume"), "setdigout 0"),
                          (cmd("positionSingle"), "getrecord"), (cmd("rebootDevice"), "cpureset"),
                          (cmd("outputControl", index=3, on=True), "setdigout ??1"),
                          (cmd("outputControl", index=1, on=False), "setdigout 0")]:
        assert registry.encode_command("teltonika", command, "1") == tcp(text)
    udp = registry.encode_command("teltonika", cmd("engineStop", 0x0102), "356307042441013",
                                  transport="udp")
    data = b"\x0c\x01\x05\x00\x00\x00\x0bsetdigout 1\x01"
    body = b"\x01\x02\x01\x02\x00\x0f356307042441013" + data
    assert udp == len(body).to_bytes(2, "big") + body
    assert registry.encode_command("teltonika", cmd("custom", hex="00ff"), "1") == tcp("\x00\xff")


def jt808(msg_id: int, body: bytes, serial: int, terminal: str = "013912345678") -> bytes:
    content = (msg_id.to_bytes(2, "big") + len(body).to_bytes(2, "big") + bytes.fromhex(terminal)
               + serial.to_bytes(2, "big") + body)
    check = reduce(lambda a, b: a ^ b, content, 0)
    return b"\x7e" + (content + bytes((check,))).replace(b"\x7d", b"\x7d\x01").replace(
        b"\x7e", b"\x7d\x02") + b"\x7e"


@pytest.mark.parametrize("command, msg_id, body", [
    (cmd("engineStop", 0x1234), 0x8105, b"\xf0"),
    (cmd("engineResume", 0x1234), 0x8105, b"\xf1"),
    (cmd("rebootDevice", 0x1234), 0x8105, b"\x04"),
    (cmd("positionSingle", 0x1234), 0x8201, b""),
    (cmd("positionPeriodic", 0x1234, interval=30), 0x8103, bytes.fromhex("01" "00000029" "04" "0000001e")),
    (cmd("positionStop", 0x1234), 0x8202, bytes(6)),
    (cmd("custom", 0x1234, data="hi"), 0x8300, b"\x01hi"),
])
def test_jt808_bytes(command, msg_id, body):
    assert registry.encode_command("jt808", command, "013912345678") == jt808(msg_id, body, 0x1234)


def test_jt808_2019_terminal_and_escapes():
    frame = registry.encode_command("jt808", cmd("rebootDevice", 0x7E7D), "12345678901234567890")
    content = (b"\x81\x05\x40\x01\x01" + bytes.fromhex("12345678901234567890") + b"\x7e\x7d"
               + b"\x04")
    check = reduce(lambda a, b: a ^ b, content, 0)
    assert frame == b"\x7e" + (content + bytes((check,))).replace(b"\x7d", b"\x7d\x01").replace(
        b"\x7e", b"\x7d\x02") + b"\x7e"


@pytest.mark.parametrize("protocol, command, device, options, expected", [
    ("h02", cmd("engineStop"), "1234567890", {}, b"*HQ,1234567890,S20,102030,1,1#"),
    ("h02", cmd("engineResume"), "1234567890", {}, b"*HQ,1234567890,S20,102030,1,0#"),
    ("h02", cmd("alarmArm"), "1234567890", {}, b"*HQ,1234567890,SCF,102030,0,0#"),
    ("h02", cmd("alarmDisarm"), "1234567890", {}, b"*HQ,1234567890,SCF,102030,1,1#"),
    ("h02", cmd("positionPeriodic", interval=60), "1234567890", {}, b"*HQ,1234567890,S71,102030,22,60#"),
    ("h02", cmd("custom", data="D1,30"), "1234567890", {}, b"*HQ,1234567890,D1,102030,30#"),
    ("gps103", cmd("positionSingle"), "861234567890123", {}, b"**,imei:861234567890123,B"),
    ("gps103", cmd("positionPeriodic", interval=300), "861234567890123", {}, b"**,imei:861234567890123,C,05m"),
    ("gps103", cmd("positionStop"), "861234567890123", {}, b"**,imei:861234567890123,D"),
    ("gps103", cmd("engineStop"), "861234567890123", {}, b"**,imei:861234567890123,J"),
    ("gps103", cmd("engineResume"), "861234567890123", {}, b"**,imei:861234567890123,K"),
    ("gps103", cmd("alarmArm"), "861234567890123", {}, b"**,imei:861234567890123,L"),
    ("gps103", cmd("alarmDisarm"), "861234567890123", {}, b"**,imei:861234567890123,M"),
    ("gps103", cmd("custom", data="160"), "861234567890123", {}, b"**,imei:861234567890123,160"),
    ("tk103", cmd("positionSingle"), "123456789012", {}, b"(123456789012AP00)"),
    ("tk103", cmd("positionPeriodic", interval=30), "123456789012", {}, b"(123456789012AR00001E0000)"),
    ("tk103", cmd("positionStop"), "123456789012", {}, b"(123456789012AR0000000000)"),
    ("tk103", cmd("engineStop"), "123456789012", {}, b"(123456789012AV010)"),
    ("tk103", cmd("engineResume"), "123456789012", {}, b"(123456789012AV011)"),
    ("tk103", cmd("outputControl", index=1, on=True), "123456789012", {}, b"(123456789012AV001)"),
    ("tk103", cmd("rebootDevice"), "123456789012", {}, b"(123456789012AT00)"),
    ("tk103", cmd("custom", data="AP07"), "123456789012", {}, b"(123456789012AP07)"),
    ("meitrack", cmd("positionSingle", 16), "353358017784062", {}, b"@@Q25,353358017784062,A10*6A\r\n"),
    ("gl200", cmd("positionSingle", 0x1A2B), "1", {"password": "gl300"}, b"AT+GTRTO=gl300,1,,,,,,1A2B$"),
    ("gl200", cmd("rebootDevice", 0xFFFF), "1", {}, b"AT+GTRTO=,3,,,,,,FFFF$"),
    ("gl200", cmd("engineStop", 0xFFFF), "1", {}, b"AT+GTOUT=,1,,,0,0,0,0,0,0,0,,,,,,,FFFF$"),
    ("gl200", cmd("engineResume", 1), "1", {}, b"AT+GTOUT=,0,,,0,0,0,0,0,0,0,,,,,,,0001$"),
    ("gl200", cmd("custom", data="AT+GTRTO=gl300,8,,,,,,0001$"), "1", {}, b"AT+GTRTO=gl300,8,,,,,,0001$"),
    ("suntech", cmd("rebootDevice"), "205012345", {"universal": True}, b"CMD;205012345;03;03\r"),
    ("suntech", cmd("positionSingle"), "205012345", {"universal": True}, b"CMD;205012345;03;01\r"),
    ("suntech", cmd("outputControl", index=3, on=False), "205012345", {"universal": True}, b"CMD;205012345;04;10\r"),
    ("suntech", cmd("engineStop"), "205012345", {"prefix": "ST300"}, b"ST300CMD;205012345;02;Enable1\r"),
    ("suntech", cmd("engineResume"), "205012345", {}, b"SA200CMD;205012345;02;Disable1\r"),
    ("suntech", cmd("outputControl", index=2, on=True), "205012345", {}, b"SA200CMD;205012345;02;Enable2\r"),
    ("suntech", cmd("custom", data="03;01"), "205012345", {"universal": True}, b"CMD;205012345;03;01\r"),
    ("watch", cmd("positionSingle"), "8800000015", {}, b"[SG*8800000015*0002*CR]"),
    ("watch", cmd("positionPeriodic", interval=60), "8800000015", {}, b"[SG*8800000015*0009*UPLOAD,60]"),
    ("watch", cmd("rebootDevice"), "8800000015", {"manufacturer": "3G", "indexed": True},
     b"[SG*8800000015*0001*0005*RESET]"),
    ("watch", cmd("custom", data="SOS1,112"), "8800000015", {"manufacturer": "ZJ"},
     b"[ZJ*8800000015*0008*SOS1,112]"),
    ("wialon", cmd("rebootDevice"), "1", {}, b"reboot\r\n"),
    ("wialon", cmd("outputControl", index=2, on=True), "1", {}, b"L2=1\r\n"),
    ("wialon", cmd("custom", data="VER?"), "1", {}, b"VER?\r\n"),
])
def test_text_protocol_bytes(protocol, command, device, options, expected):
    assert registry.encode_command(protocol, command, device, now=NOW, **options) == expected


@pytest.mark.parametrize("command, text", [
    (cmd("engineStop", 0), "C01,0,12222"), (cmd("engineResume", 1), "C01,0,02222"),
    (cmd("alarmArm", 2), "C01,0,22122"), (cmd("alarmDisarm", 3), "C01,0,22022"),
    (cmd("positionPeriodic", 25, interval=60), "A12,6"), (cmd("positionStop", 51), "A12,0"),
    (cmd("outputControl", 52, index=5, on=True), "C01,0,22221"),
])
def test_meitrack_bytes(command, text):
    flag = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[command.id % 52]
    body = f",353358017784062,{text}*".encode()
    head = b"@@" + flag.encode() + str(len(body) - 1 + 5).encode() + body
    assert registry.encode_command("meitrack", command, "353358017784062") == (
        head + b"%02X\r\n" % (sum(head) & 0xFF))


def test_ruptela_bytes():
    def packet(command: int, data: bytes) -> bytes:
        payload = bytes((command,)) + data
        return len(payload).to_bytes(2, "big") + payload + crc16_kermit(payload).to_bytes(2, "big")

    assert registry.encode_command("ruptela", cmd("engineStop"), "1") == packet(108, b"pass immobilizer 10")
    assert registry.encode_command("ruptela", cmd("engineResume"), "1", password="1234") == packet(
        108, b"1234 resetimmob")
    assert registry.encode_command("ruptela", cmd("rebootDevice"), "1") == packet(108, b"pass reset")
    assert registry.encode_command("ruptela", cmd("outputControl", index=2, on=True), "1") == packet(
        117, bytes.fromhex("0000000200000001"))
    assert registry.encode_command("ruptela", cmd("custom", data="pass getver"), "1") == packet(
        108, b"pass getver")
    assert packet(108, b"pass immobilizer 10") == bytes.fromhex(
        "00146c7061737320696d6d6f62696c697a6572203130bc22")


def test_galileo_bytes():
    def packet(number: int, text: str) -> bytes:
        tags = (b"\x03868204005544720\x04\x00\x00\xe0" + number.to_bytes(4, "little")
                + b"\xe1" + bytes((len(text),)) + text.encode())
        body = b"\x01" + len(tags).to_bytes(2, "little") + tags
        return body + crc16_modbus(body).to_bytes(2, "little")

    imei = "868204005544720"
    assert registry.encode_command("galileo", cmd("outputControl", 9, index=1, on=True), imei) == packet(
        9, "Out 1,1")
    assert registry.encode_command("galileo", cmd("outputControl", 9, index=0, on=False), imei) == packet(
        9, "Out 0,0")
    assert registry.encode_command("galileo", cmd("custom", 2**32 + 5, data="status"), imei) == packet(
        5, "status")


def test_time_and_session_facts_are_arguments():
    with pytest.raises(CommandError, match="now="):
        registry.encode_command("h02", cmd("engineStop"), "1234567890")
    assert registry.answer_serial("h02", cmd("engineStop"), now=NOW) == "S20,102030"
    assert registry.answer_serial("gt06", cmd("engineStop", 2**32 + 1)) == 1
    assert registry.answer_serial("jt808", cmd("engineStop", 0x12345)) == 0x2345
    assert registry.answer_serial("teltonika", cmd("engineStop", 3)) is None
    assert registry.answer_serial("meitrack", cmd("engineStop", 16)) == "Q"
    assert registry.answer_serial("meitrack", cmd("positionSingle", 16)) is None
    assert registry.answer_serial("gl200", cmd("rebootDevice", 0x1A2B)) == 0x1A2B
    assert registry.answer_serial("tk103", cmd("positionPeriodic", interval=30)) == "AR00"
    assert registry.answer_serial("watch", cmd("positionPeriodic", interval=30)) == "UPLOAD"
    assert registry.answer_serial("ruptela", cmd("outputControl", index=1, on=True)) == 117
    assert registry.answer_serial("galileo", cmd("custom", 77, data="x")) == 77
    for protocol in ("gps103", "suntech", "wialon"):
        assert registry.answer_serial(protocol, cmd(SUPPORTED[protocol][0])) is None


# ----------------------------------------------------------- answers in the vendors' examples


def test_h02_v4_answers():
    c = H02Connection()
    (d,) = c.feed(b"*HQ,2020916012,V4,S20,DONE,130305,050316,A,2212.8745,N,11346.6574,E,14.28,"
                  b"028,220902,F7FFFBFF#", NOW)
    assert d.answers == (CommandAnswer(protocol="h02", device_id="2020916012", serial="S20,130305",
                                       reply_to="S20", ok=True, text="DONE", meaning="S20 DONE"),)
    assert len(d.positions) == 1
    (d,) = c.feed(b"*HQ,2020916012,V4,R8,ERROR,130305,050316,A,2212.8745,N,11346.6574,E,14.28,"
                  b"028,220902,FFFFFBFF#", NOW)
    assert (d.answers[0].serial, d.answers[0].ok, d.answers[0].text) == ("R8,130305", False, "ERROR")
    (d,) = c.feed(b"*HQ,2020916012,V4,S17,130305,050316,A,2212.8745,N,11346.6574,E,14.28,028,"
                  b"220902,FFFFFBFF#", NOW)
    assert (d.answers[0].serial, d.answers[0].ok, d.answers[0].text) == ("S17,130305", None, None)
    (d,) = c.feed(b"*HQ,2020916012,V1,130305,A,2212.8745,N,11346.6574,E,14.28,028,220902,FFFFFBFF#",
                  NOW)
    assert d.answers == ()


def test_gl200_ack_answer():
    (d,) = Gl200Connection().feed(
        b"+ACK:GTRTO,1A0800,860599000773978,GL300,VER,FFFF,20161006053520,0C19$", NOW)
    assert d.answers == (CommandAnswer(protocol="gl200", device_id="860599000773978", serial=0xFFFF,
                                       reply_to="GTRTO", ok=True, text="RTO,VER,FFFF",
                                       meaning="GTRTO accepted"),)
    (d,) = Gl200Connection().feed(
        b"+ACK:GTHBD,1A0800,860599000773978,GL300,20161006053520,0C19$", NOW)
    assert d.answers == ()


def test_jt808_general_response_results():
    dev = Jt808Device("013912345678")
    conn = Jt808Connection()
    for result, ok, meaning in ((0, True, "success"), (1, False, "failure"),
                                (3, False, "unsupported")):
        body = (0x1234).to_bytes(2, "big") + (0x8105).to_bytes(2, "big") + bytes((result,))
        (d,) = conn.feed(dev.message(0x0001, body), NOW)
        assert d.answers == (CommandAnswer(protocol="jt808", device_id="13912345678", serial=0x1234,
                                           reply_to="0x8105", ok=ok, hex=body.hex(), meaning=meaning),)


def test_teltonika_codec12_response_has_no_serial():
    conn = TeltonikaConnection()
    conn.feed(b"\x00\x0f356307042441013", NOW)
    data = b"\x0c\x01\x06\x00\x00\x00\x0bDOUT1:1 Ok!\x01"
    frame = bytes(4) + len(data).to_bytes(4, "big") + data + crc16_arc(data).to_bytes(4, "big")
    (d,) = conn.feed(frame, NOW)
    assert d.answers == (CommandAnswer(protocol="teltonika", device_id="356307042441013",
                                       text="DOUT1:1 Ok!", meaning="DOUT1:1 Ok!"),)
    assert d.reply is None


def test_gt06_answers_0x15_and_0x21_by_server_flag():
    from protocols.gt06.connection import Gt06Connection
    from protocols.gt06.device import encode_command_reply, encode_login

    conn = Gt06Connection()
    conn.feed(encode_login("864717003283581", 1), NOW)
    for extended, utf16 in ((False, False), (True, False), (True, True)):
        frame = encode_command_reply("Relay,1#OK", 9, extended=extended, utf16=utf16,
                                     server_flag=0xA1B2C3D4)
        (d,) = conn.feed(frame, NOW)
        assert d.answers == (CommandAnswer(protocol="gt06", device_id="864717003283581",
                                           serial=0xA1B2C3D4, text="Relay,1#OK",
                                           meaning="Relay,1#OK"),)
        assert [e.attributes for e in d.events] == [{"result": "Relay,1#OK"}]
