"""Suntech: exact decoding of each report family (vectors written from the fact sheet)."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest

from protocols import MalformedError
from protocols._connection import ConnectionOptions
from protocols.registry import get
from protocols.suntech import SPEC, SuntechConnection
from protocols.suntech.encode import encode_legacy_command, encode_universal_command

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


def decode(text: str | bytes, conn: SuntechConnection | None = None):
    conn = conn or SuntechConnection()
    frame = text.encode("latin-1") if isinstance(text, str) else text
    return conn.receive_frame(frame, NOW)


def only_position(decoded):
    assert decoded.events == () and len(decoded.positions) == 1
    return decoded.positions[0]


def test_spec():
    assert get("suntech") is SPEC
    assert SPEC.default_port == 5011 and SPEC.transports == ("tcp",)
    assert SPEC.udp_connection is None


LEGACY_STT = ("ST300STT;205012345;04;512;20230514;08:15:30;3a2f1c;-23.550520;-046.633308;"
              "045.120;181.50;9;1;123456;12.64;100001;2;0042")


def test_legacy_st300_status():
    d = decode(LEGACY_STT)
    p = only_position(d)
    assert d.login == "205012345" and d.reply is None and d.defer_reply is False
    assert (p.device_id, p.protocol, p.fix_time, p.valid) == (
        "205012345", "suntech", datetime(2023, 5, 14, 8, 15, 30, tzinfo=UTC), True)
    assert (p.lat, p.lon, p.speed_kmh, p.course_deg, p.satellites, p.altitude_m) == (
        -23.55052, -46.633308, 45.12, 181.5, 9, None)
    assert p.attributes == {
        "type": "STT", "versionFw": "512",
        "odometer": 123456, "power": 12.64, "ignition": True, "in1": False, "in2": False,
        "in3": False, "out1": False, "out2": True, "status": 2, "index": 42}
    assert d.unknown_items == 0


def test_login_only_on_first_report_and_on_change():
    conn = SuntechConnection()
    assert decode(LEGACY_STT, conn).login == "205012345"
    assert decode(LEGACY_STT, conn).login is None
    assert decode("SA200ALV;654321", conn).login == "654321"
    assert conn.device_id == "654321"


def test_sa200_without_model_column():
    p = only_position(decode("SA200STT;123456;125;20240102;03:04:05;1a2b3c;+12.500000;"
                             "-070.250000;010.500;090.00;7;0;5000;12.00;010000;1;0001"))
    assert (p.device_id, p.fix_time, p.valid, p.lat, p.lon) == (
        "123456", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), False, 12.5, -70.25)
    assert p.attributes["in1"] is True and p.attributes["ignition"] is False
    assert p.attributes["index"] == 1 and p.attributes["odometer"] == 5000


def test_st600_with_network_columns_and_st500_without_cell():
    p = only_position(decode("ST600STT;008001234;20;419;20220101;00:00:01;0bf1a893;334;20;2f19;"
                             "30;+20.500000;-100.700000;000.000;000.00;10;1;777;13.10;00000000;"
                             "1;5"))
    assert (p.lat, p.lon, p.satellites, p.attributes["odometer"]) == (20.5, -100.7, 10, 777)
    p = only_position(decode("ST500STT;205000001;07;843;20210707;07:07:07;+19.300000;"
                             "-099.100000;001.000;010.00;6;1;141;12.80;1;1;9"))
    assert (p.lat, p.lon, p.attributes["ignition"], p.attributes["index"]) == (19.3, -99.1, True, 9)


@pytest.mark.parametrize("header,tail,expected,unknown", [
    ("SA200EMG", "1", {"alarm": "sos"}, 0),
    ("ST300EMG", "3", {"alarm": "powerCut"}, 0),
    ("ST300EMG", "4", {}, 0),
    ("ST300EMG", "9", {"emergencyId": 9}, 1),
    ("ST300ALT", "41", {"alarm": "powerCut", "alertId": 41}, 0),
    ("ST300ALT", "132", {"alarm": "door", "alertId": 132}, 0),
    ("ST300ALT", "33", {"alertId": 33}, 0),
    ("ST300ALT", "99", {"alertId": 99}, 1),
    ("ST300EVT", "7", {"event": 7}, 0),
])
def test_legacy_alarm_and_event_types(header, tail, expected, unknown):
    model = "" if header.startswith("SA") else "04;"
    d = decode(f"{header};100200300;{model}300;20200202;02:02:02;1f;+01.000000;"
               f"+002.000000;000.000;000.00;5;1;10;12.00;000000;{tail}")
    p = only_position(d)
    base = {"odometer": 10, "power": 12.0, "ignition": False, "in1": False, "in2": False,
            "in3": False, "out1": False, "out2": False, "type": header[5:], "versionFw": "300"}
    assert p.attributes == base | expected
    assert d.unknown_items == unknown


def test_keep_alive_yields_nothing():
    d = decode("SA200ALV;654321")
    assert (d.positions, d.events, d.reply, d.login) == ((), (), None, "654321")


def test_command_answer():
    d = decode("ST300CMD;Res;205012345;512;Preset;RPT;60;;1")
    assert d.positions == () and len(d.events) == 1
    e = d.events[0]
    assert (e.device_id, e.type, e.time, e.attributes) == (
        "205012345", "commandResult", NOW, {"type": "CMD", "result": "512;Preset;RPT;60;;1"})


UEX_HEAD = ("ST300UEX;205000777;04;512;20230101;10:00:00;1f;+10.000000;+020.000000;"
            "000.000;000.00;8;1;0;12.50;000000;")


@pytest.mark.parametrize("data,expected", [
    ("ID:CAFE\r\n", {"serial": "ID:CAFE"}),
    ("GTSL|6|1|0|4477|2|", {"driverUniqueId": "4477"}),
    ('CabAVL"CabMensaje,0,41.5,12.25,,,FinMensaje"FinAVL\r\n', {"fuel1": 41.5, "fuel2": 12.25}),
    ("t_0=1E;N_0=0100.5;N_1=0010.0;Q_D=0A\r\n",
     {"temp0": 30, "fuel0": 256.5, "fuel1": 16.0, "drivingQuality": 10, "fuel": 272.5}),
])
def test_legacy_uex_payloads(data, expected):
    p = only_position(decode(f"{UEX_HEAD}{len(data)};{data};5C;000060;4.1;1"))
    extra = {k: v for k, v in p.attributes.items() if k not in (
        "odometer", "power", "ignition", "in1", "in2", "in3", "out1", "out2", "type",
        "versionFw")}
    assert extra == expected | {"hours": 3_600_000, "battery": 4.1}


def test_uex_length_not_landing_on_separator_falls_back():
    p = only_position(decode(UEX_HEAD.encode() + b"3;\x01\x02\x10\x90\xfe;77"))
    assert p.attributes["serial"] == "\x01\x02\x10\x90\xfe"


def test_extras_recognised_by_shape():
    p = only_position(decode(LEGACY_STT + ";000090;3.9;0;0.00;0;0.00;0.00;00A1B2C3D4E5F6;1;"
                             "28AA:+21.5;:;28BB:-3.0"))
    assert {k: p.attributes[k] for k in ("hours", "battery", "archive", "driverUniqueId",
                                         "temp1", "temp3")} == {
        "hours": 5_400_000, "battery": 3.9, "archive": True, "driverUniqueId": "00A1B2C3D4E5F6",
        "temp1": 21.5, "temp3": -3.0}
    assert "temp2" not in p.attributes


def test_extras_by_position_when_configured():
    conn = SuntechConnection(options=ConnectionOptions(
        extra={"hbm": 1, "includeAdc": True, "includeRpm": True, "includeTemp": True}))
    p = only_position(decode(LEGACY_STT + ";000002;4.0;1;1.50;0;2.25;1800;00000000000000;0;"
                             ":;28CC:+7.5;:", conn))
    attrs = p.attributes
    assert (attrs["hours"], attrs["battery"], attrs["adc1"], attrs["adc2"], attrs["adc3"],
            attrs["rpm"], attrs["temp2"]) == (120_000, 4.0, 1.5, 0.0, 2.25, 1800.0, 7.5)
    assert "archive" not in attrs and "driverUniqueId" not in attrs and "temp1" not in attrs
    off = SuntechConnection(options=ConnectionOptions(extra={"hbm": 0}))
    assert "hours" not in only_position(decode(LEGACY_STT + ";000002;4.0;1", off)).attributes


ST410 = ("ST410STT;007001234;426;01;24153;724;4;-65;365;0" + ";0;0;0;0;0;0" * 6 +
         ";3.98;0;0176;2;016;20200106;19:18:04;-15.500000;-056.000000;001.000;238.28;6;1;201")


def test_st410_with_fix_and_without():
    p = only_position(decode(ST410))
    assert (p.device_id, p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg, p.satellites,
            p.valid) == ("007001234", datetime(2020, 1, 6, 19, 18, 4, tzinfo=UTC), -15.5, -56.0,
                         1.0, 238.28, 6, True)
    assert p.attributes == {"type": "STT", "versionFw": "426", "battery": 3.98,
                            "archive": True, "index": 176, "status": 2}
    d = decode("ST419STT;807000001;306;41;04" + ";1;724;2;-65;5221;255" +
               ";0;0;0;0;0;0" * 6 + ";3.92;1;0185;1;003;;;;;;;;")
    assert d.positions == () and len(d.events) == 1
    assert d.events[0].attributes == {"type": "STT", "versionFw": "306", "battery": 3.92,
                                      "index": 185, "status": 1}


def test_st910_variants():
    p = only_position(decode("ST910;Alert;123456;410;20141018;18:30:12;+37.400000;+126.800000;"
                             "000.000;000.00;0;4.0;1;6002"))
    assert (p.fix_time, p.valid, p.lat, p.lon, p.attributes) == (
        datetime(2014, 10, 18, 18, 30, 12, tzinfo=UTC), False, 37.4, 126.8,
        {"type": "Alert", "versionFw": "410", "alarm": "general"})
    p = only_position(decode("ST910;Location;485195;20170409;22:37:41;3be0133057;+24.800000;"
                             "-107.500000;000.070;000.00;1;286734;72"))
    assert (p.valid, p.lat, p.lon, p.attributes) == (
        True, 24.8, -107.5, {"type": "Location", "odometer": 286734})


UNIVERSAL_STT = ("STT;0560009999;BFFFFF;56;1.0.15;0;20200219;20:52:25;00008D6C;334;20;0925;24;"
                 "+20.700000;-103.400000;12.50;45.00;19;1;00000101;00000010;2;1;1765;"
                 "00008003;0.5;12.14;136598")


def test_universal_status_with_assign_mask():
    conn = SuntechConnection()
    p = only_position(decode(UNIVERSAL_STT, conn))
    assert (p.device_id, p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg, p.satellites) == (
        "0560009999", datetime(2020, 2, 19, 20, 52, 25, tzinfo=UTC), 20.7, -103.4, 12.5, 45.0, 19)
    assert p.attributes == {
        "type": "STT", "versionFw": "1.0.15", "archive": True, "rssi": 24, "input": 101, "ignition": True,
        "output": 10, "mode": 2, "reason": 1, "index": 1765, "io1": 0.5, "io2": 12.14,
        "io16": 136598}
    assert conn.universal is True


def test_universal_alert_and_leftovers():
    p = only_position(decode("ALT;0950000001;3FFFFF;95;1.0.11;1;20221017;21:41:30;02F2F402;334;"
                             "20;0F1D;45;-25.500000;+100.100000;0.00;0.00;18;0;00000000;00000000;"
                             "42;2;1440,360;+23.0;0002"))
    assert p.valid is False
    assert p.attributes == {
        "type": "ALT", "versionFw": "1.0.11", "rssi": 45, "input": 0, "ignition": False,
        "output": 0, "alertId": 42, "alarm": "sos", "alertModifier": 2, "alertData": "1440,360", "assign1": "+23.0",
        "assign2": "0002"}


def test_universal_res_ble_and_unknown():
    e = decode("RES;4300000001;04;02;OK").events[0]
    assert (e.type, e.attributes) == ("commandResult", {"type": "RES", "result": "04;02;OK"})
    p = only_position(decode("BLE;1140000001;114;1.0.1;20211001;17:27:09;+28.400000;-82.500000;"
                             "1;-43;-46;-41;ACB89523EF68;247;3;4"))
    assert (p.lat, p.lon, p.attributes) == (28.4, -82.5, {
        "type": "BLE", "versionFw": "1.0.1", "tag1Rssi": -43, "tag1RssiMin": -46, "tag1RssiMax": -41,
        "tag1Id": "ACB89523EF68", "tag1Samples": 247, "tag1Major": 3, "tag1Minor": 4})
    d = decode("XYZ;4300000001;1")
    assert d.unknown is not None and d.unknown.message_type == "XYZ" and d.positions == ()


def universal_binary(kind: int, device: str, fields: bytes, mask: int = 0x3FFFFF) -> bytes:
    body = bytes.fromhex(device) + mask.to_bytes(3, "big") + fields
    return bytes([kind]) + struct.pack(">H", len(body)) + body


BINARY_FIELDS = (bytes([0x34]) + bytes([1, 0, 3]) + b"\x01" + bytes([19, 10, 5, 18, 8, 4])
                 + bytes(4) + bytes(2) + bytes(2) + bytes(2) + bytes([31])
                 + struct.pack(">II", 4_717_013, 0x80000000 | 74_057_345)
                 + struct.pack(">HH", 1234, 8786) + bytes([14, 1, 0x03, 0x00]))


def test_universal_binary_status():
    p = only_position(decode(universal_binary(0x81, "0520001338", BINARY_FIELDS + b"\x02\x03\x00")))
    assert (p.device_id, p.fix_time, p.valid, p.lat, p.lon, p.speed_kmh, p.course_deg,
            p.satellites) == ("0520001338", datetime(2019, 10, 5, 18, 8, 4, tzinfo=UTC), True,
                              4.717013, -74.057345, 12.34, 87.86, 14)
    assert p.attributes == {"versionFw": "1.0.3", "rssi": 31, "input": 3, "ignition": True,
                            "output": 0}


def test_universal_binary_alert_with_driver():
    frame = universal_binary(0x82, "0580000055", BINARY_FIELDS + bytes([59]) + b"\x00\x08"
                             + bytes.fromhex("1d00000113f3f801") + b"\x00\x00")
    p = only_position(decode(frame))
    assert p.attributes["driverUniqueId"] == "1d00000113f3f801"
    assert p.attributes["alertModifier"] == 8 and "alarm" not in p.attributes
    assert p.attributes["alertId"] == 59
    frame = universal_binary(0x82, "0580000055", BINARY_FIELDS + bytes([42]) + b"\x00\x01")
    assert only_position(decode(frame)).attributes["alarm"] == "sos"


def zip_frame(flags: int = 0xE6) -> bytes:
    body = (b"\x10" + bytes.fromhex("5113408770") + b"\x28" + b"\x81\x3f"
            + bytes([24, 12, 23, 0, 22, 4]) + b"\x10\x51" + b"\x29"
            + bytes.fromhex("0c063565") + bytes.fromhex("2d793653")
            + bytes.fromhex("000538") + bytes.fromhex("001a30") + bytes([flags])
            + struct.pack(">I", 23486038) + bytes.fromhex("0c45") + b"\x11" + b"\x01" + b"\x00\x75")
    return b"\x02" + struct.pack(">H", len(body)) + body + b"\x03"


def test_zip_report():
    p = only_position(decode(zip_frame()))
    assert (p.device_id, p.fix_time, p.valid, p.lat, p.lon, p.speed_kmh, p.course_deg,
            p.satellites) == ("511340877", datetime(2024, 12, 23, 0, 22, 4, tzinfo=UTC), True,
                              -12.063565, -45.793653, 5.38, 26.3, 6)
    assert p.attributes == {"odometer": 23486038, "power": 12.45, "ignition": True,
                            "in1": False, "in2": False, "in3": False, "out1": True,
                            "out2": False, "event": 1, "type": "STT"}
    q = only_position(decode(zip_frame(0x05)))
    assert (q.valid, q.lat, q.lon, q.satellites) == (False, 12.063565, 45.793653, 5)


@pytest.mark.parametrize("frame", [
    "ST300STT;1;04;512;2023051;08:15:30;+1.0;+2.0;0;0;1;1;0;0;0;0;0",
    "ST300STT;1;04;512;20231314;08:15:30;+1.0;+2.0;0;0;1;1;0;0;0;0;0",
    "ST300STT;1;04;512;20230514;08:15:30;+91.0;+2.0;0;0;1;1;0;0;0;0;0",
    "ST300STT;1;04;512;20230514;08:15:30;+1.0",
    "STT;1;ZZ",
    "ST300CMD;Nope;1",
    "hello",
])
def test_malformed_reports(frame):
    with pytest.raises(MalformedError):
        decode(frame)


def test_commands_follow_the_dialect():
    conn = SuntechConnection()
    decode(LEGACY_STT, conn)
    assert conn.encode_command("engineStop") == b"ST300CMD;205012345;02;Enable1\r"
    decode(UNIVERSAL_STT, conn)
    assert conn.encode_command("reboot") == b"CMD;0560009999;03;03\r"
    assert encode_legacy_command("123456", "positionSingle") == b"SA200CMD;123456;02;StatusReq\r"
    assert encode_universal_command("1", "outputOff3") == b"CMD;1;04;10\r"
