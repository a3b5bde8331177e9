"""GT06: every protocol number and vendor layout (exact records), the battery management
record, and frames whose tail does not fit their layout. Built from the device-side encoders."""

from __future__ import annotations

import pytest
from test_gt06_catalogue import (
    FIX,
    NOW,
    T,
    assert_fix,
    decode,
    only_event,
    only_position,
)

from protocols._checksum import crc16_x25
from protocols.gt06 import device as dev
from protocols.gt06 import encode


@pytest.mark.parametrize("msg_type", [0x12, 0x16, 0x22, 0x26, 0x27, 0xA0, 0xA4])
def test_tail_shorter_than_its_layout_keeps_the_gps_block(msg_type):
    body = dev.gps_block(FIX) + b"\x09\x01"  # a cell cut short
    p, d = only_position(encode.packet(msg_type, body, 3))
    assert_fix(p)
    assert d.reply == encode.ack(msg_type, 3)


def test_layout_that_does_not_fit_is_not_an_error():
    # NT layout (source, IMEI, date, GPS) whose cell length points past the end of the frame
    content = b"\x01" + bytes.fromhex("0864717003283581") + dev.gps_block(FIX)[:6] + dev.gps_block(FIX) \
        + b"\xff" + bytes(16)
    e, d = only_event(encode.packet(0x22, content, 3))
    assert (e.type, e.time, e.attributes) == ("status", NOW, {}) and d.reply == encode.ack(0x22, 3)


def test_battery_management_system_record():
    body = (b"SN000001" + int(T.timestamp()).to_bytes(4, "big") + bytes((87,)) + (5000).to_bytes(2, "big")
            + bytes((90,)) + (6000).to_bytes(2, "big") + bytes((98,)) + (2981).to_bytes(2, "big")
            + (1500).to_bytes(2, "big") + (52100).to_bytes(2, "big") + (321).to_bytes(2, "big")
            + b"".join((3700 + i).to_bytes(2, "big") for i in range(14)) + (10).to_bytes(2, "big")
            + (20).to_bytes(2, "big") + b"BARCODE123".ljust(16, b" ") + (7).to_bytes(2, "big")
            + b"ACME".ljust(16, b"\x00") + (1).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(4, "big"))
    e, d = only_event(encode.packet(0x40, body, 8))
    a = e.attributes
    assert e.time == T and d.reply == encode.ack(0x40, 8)
    assert (a["relativeCapacity"], a["remainingCapacity"], a["absoluteCapacity"], a["fullCapacity"]) == (87, 5000, 90, 6000)
    assert a["batteryHealth"] == 98 and a["batteryTemp"] == pytest.approx(25.0)
    assert (a["current"], a["battery"], a["cycleIndex"]) == (1500, pytest.approx(52.1), 321)
    assert [a[f"batteryCell{i}"] for i in range(1, 15)] == [pytest.approx((3700 + i) / 1000) for i in range(14)]
    assert (a["currentChargeInterval"], a["maxChargeInterval"], a["barcode"], a["batteryVersion"]) == (10, 20, "BARCODE123", 7)
    assert (a["manufacturer"], a["batteryStatus"], a["controllerStatus"], a["controllerFault"]) == ("ACME", 1, 2, 3)


# ---- every protocol number and vendor layout ---------------------------------------------------

G = dev.gps_block(FIX)
C2 = dev.cell_2g()
C4 = dev.cell_4g()
U16 = lambda v: v.to_bytes(2, "big")
U32 = lambda v: v.to_bytes(4, "big")
IMEI_BCD = bytes.fromhex("0864717003283581")

#: (name, type, extended, content, expected kind, expected attributes (exact, whole dict))
LAYOUTS = [
    ("0x10 GPS", 0x10, False, G, "position", {}),
    ("0x11 GPS + long cell", 0x11, False, G + U16(460) + U16(1) + U16(0x287D) + U32(0x1FB8), "position", {}),
    ("0x12 GPS + cell", 0x12, False, G + C2, "position", {}),
    ("0x12 + mileage", 0x12, False, G + C2 + U32(5000), "position", {"odometer": 5000}),
    ("0x12 + ACC/mode/re-upload", 0x12, False, G + C2 + b"\x01\x02\x01", "position", {"ignition": True, "archive": True}),
    ("0x12 VXT01", 0x12, False, G + C2 + b"\x3a" + U16(1234) + b"\x04\x00", "position",
     {"status": 0x3A, "ignition": True, "charge": False, "blocked": False, "armed": False, "rssi": 4,
      "alarm": "overspeed", "power": 12.34}),
    ("0x12 Benway temperature", 0x12, False, G + C2 + U16(0x8000 | 0x1000 | 0x0200 | 25), "position",
     {"ignition": True, "in2": False, "temp1": -25}),
    ("0x12 Benway ADC", 0x12, False, G + C2 + U16(0x4000 | 0x2000 | 300), "position",
     {"ignition": False, "in2": True, "adc1": 300}),
    ("0x12 S5", 0x12, False, G + C2 + b"\x02" + U16(1206) + b"\x04\x01" + U16(55) + b"\x85" + U32(3289), "position",
     {"status": 2, "ignition": True, "charge": False, "blocked": False, "armed": False, "rssi": 4, "alarm": "sos",
      "power": 12.06, "oil": 55, "temp1": -5, "odometer": 32890}),
    ("0x12 WeTrust", 0x12, False, G + C2 + U32(34460) + b"\x010" + b"\x01\x00" + U16(15), "position",
     {"odometer": 34460, "card": "0", "alarm": "general", "cardStatus": 0, "drivingTime": 15}),
    ("0x12 GT06E card", 0x12, False, G + C2 + U32(7) + b"\x4b" + b"K1".ljust(75) + b"\x00\x01", "position",
     {"odometer": 7, "card": "K1"}),
    ("0x12 QH302R", 0x12, False, IMEI_BCD + G + C2, "position", {}),
    ("0x16 VXT01", 0x16, False, G + C2 + b"\x22\x04\x03\x01\x02", "position",
     {"status": 0x22, "ignition": True, "charge": False, "blocked": False, "armed": False, "batteryLevel": 66,
      "rssi": 3, "alarm": "sos"}),
    ("0x16 SeeWorld", 0x16, False, G + b"\x09" + C2[:5] + U32(0x1FB8) + b"\x00\x5d\x4b\x13\x02", "position",
     {"status": 0, "ignition": False, "charge": False, "blocked": False, "armed": False, "batteryLevel": 93,
      "rssi": 0x4B, "alarm": "tampering"}),
    ("0x16 VL103 driver", 0x16, False, G + b"\x09" + C2 + b"\x00\x06\x04\x00\x02" + bytes.fromhex("c3000001453f9201"),
     "position", {"status": 0, "ignition": False, "charge": False, "blocked": False, "armed": False,
                  "batteryLevel": 100, "rssi": 4, "driverUniqueId": "c3000001453f9201"}),
    ("0x17 RFID", 0x17, False, G + C2 + bytes.fromhex("bf0000012ca7e001") + b"\x01", "position",
     {"driverUniqueId": "bf0000012ca7e001"}),
    ("0x18 cells", 0x18, False, G[:6] + C2 + bytes(40), "network", {}),
    ("0x19 cell + status", 0x19, False, C2 + b"\x10\x05\x04\x00\x02", "alarm",
     {"status": 0x10, "ignition": False, "charge": False, "blocked": False, "armed": False, "batteryLevel": 83,
      "rssi": 4, "alarm": "powerCut"}),
    ("0x19 SPACE10X cells", 0x19, False, C2 + bytes(10), None, None),
    ("0x1A GPS + phone", 0x1A, False, G + b"13800138000".ljust(21, b"\x00") + b"\x00\x02", "position",
     {"phone": "13800138000"}),
    ("0x1E GPS", 0x1E, False, G, "position", {}),
    ("0x22 SeeWorld", 0x22, False, G + C2[:5] + U32(0x1FB8) + b"\x01\x00\x00" + U32(9684) + U32(60)
     + U16(0x8000 | 32) + U16(45), "position", {"ignition": True, "odometer": 9684, "temp1": -0.32, "humidity": 0.45}),
    ("0x22 NT", 0x22, False, b"\x01" + IMEI_BCD + G[:6] + G + b"\x09" + C2 + b"\x46" + U16(2436) + b"\x28\x4c\x00\x02"
     + (18059).to_bytes(3, "big") + (37).to_bytes(3, "big") + b"\x00\x00", "position",
     {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False, "rssi": 0x4C,
      "power": 24.36, "battery": 4.0, "odometer": 18059, "hours": 2_220_000}),
    ("0x23 heartbeat", 0x23, False, b"\x07" + U16(410) + b"\x04\x02", "status",
     {"armed": True, "ignition": True, "charge": True, "battery": 4.1, "rssi": 4}),
    ("0x24 SR411 mini", 0x24, False, G + C2 + b"\x01" + U16(1261) + U16(404) + bytes(10), "position",
     {"ignition": True, "power": 12.61, "battery": 4.04}),
    ("0x24 cells", 0x24, False, G[:6] + C2 + bytes(30), "network", {}),
    ("0x25 NT driver", 0x25, False, b"\x01" + IMEI_BCD + G[:6] + G + b"\x0a" + C2[:5] + U32(0x1FB8) + b"\x04"
     + b"\x46" + U16(1297) + b"\x2a\x47\x00\x02" + bytes(3) + (1412).to_bytes(3, "big") + b"\x04\x01\xab\xcd\xef",
     "position", {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False, "rssi": 0x47,
                  "power": 12.97, "battery": 4.2, "odometer": 0, "hours": 84_720_000, "driverUniqueId": "abcdef"}),
    ("0x28 cells", 0x28, False, G[:6] + C2 + bytes(40), "network", {}),
    ("0x2C cells + Wi-Fi", 0x2C, False, G[:6] + C2 + bytes(45), "network", {}),
    ("0x2E cells", 0x2E, False, G[:6] + C2 + bytes(40), "network", {}),
    ("0x31 SL4X", 0x31, False, G + U16(460) + U16(1) + U16(0x287D) + bytes(8) + b"\x01\x05\x00"
     + (-12).to_bytes(2, "big", signed=True), "position", {"ignition": True, "event": 5, "archive": False}),
    ("0x32 GPS + cell + status", 0x32, False, G + b"\x09" + C2 + b"\x46\x06\x04\x01\x02", "position",
     {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False, "batteryLevel": 100,
      "rssi": 4, "alarm": "sos"}),
    ("0x32 AZ735 without fix", 0x32, True, G[:6] + b"\x00" + b"\x09" + C2 + b"\x21\x00\x00\x05\x00", "status",
     {"rssi": 0x21, "status": 5}),
    ("0x33 cells + Wi-Fi", 0x33, False, G[:6] + C2 + bytes(10), "network", {}),
    ("0x34 X1", 0x34, False, U32(0) + G + U16(0) + U32(40573) + U16(460) + b"\x00" + U16(0x287D) + U32(0x1FB8)
     + U32(4892715) + U16(1219) + U16(420) + U32(2 << 20) + b"\x02\x01" + U16(448) + U16(3), "position",
     {"odometer": 40573, "driverUniqueId": "4892715", "battery": 12.19, "power": 4.2, "input": 2, "output": 1,
      "adc1": 4.48, "adc2": 0.03}),
    ("0x34 SL4X cells", 0x34, False, G[:6] + bytes(44), "network", {}),
    ("0x35 photo announcement", 0x35, False, bytes(26), None, None),
    ("0x36 VL103 GPS + driver", 0x36, False, G + C2 + bytes(14) + bytes.fromhex("c3000001453f9201"), "position",
     {"driverUniqueId": "c3000001453f9201"}),
    ("0x38 GPS + typed cell", 0x38, True, G + b"\x0e\x01" + b"\x01" + C2 + b"\x30", "position",
     {"event": 14, "archive": True}),
    ("0x41 multimedia", 0x41, True, bytes(40), None, None),
    ("0x61 iButton", 0x61, False, IMEI_BCD + G + C2[:5] + U32(0x1FB8) + U32(0x139) + U16(0x5581), "position",
     {"driverUniqueId": "20534657"}),
    ("0xA1 4G cells", 0xA1, False, G[:6] + C4 + bytes(40), "network", {}),
    ("0xA2 LW4G", 0xA2, False, G + C4 + b"\x01" + b"\x41" + U16(1250) + b"\x05\x04\x00\x02" + U32(19249) + U32(7)
     + bytes(8) + U16(512), "position",
     {"status": 0x41, "ignition": False, "charge": False, "blocked": False, "armed": True, "batteryLevel": 83,
      "rssi": 4, "power": 12.5, "odometer": 19249, "hours": 7000, "input": 512}),
    ("0xA2 cells + Wi-Fi", 0xA2, False, G[:6] + C4 + bytes(30), "network", {}),
    ("0xA3 SeeWorld status", 0xA3, False, b"\x46\x00\x01\x06\x64\x0c\x01", "alarm",
     {"status": 0x46, "ignition": True, "charge": True, "blocked": False, "armed": False, "batteryLevel": 0,
      "rssi": 1, "alarm": "overspeed"}),
    ("0xA3 pedometer", 0xA3, False, bytes(9) + U32(600) + bytes(6), "status", {"steps": 600}),
    ("0xA3 single fence", 0xA3, False, G + C2 + b"\x01\x00\x00", "position", {"ignition": True}),
    ("0xA5 4G cell + status", 0xA5, False, C4 + b"\x02\x05\x04\x13\x02", "alarm",
     {"status": 2, "ignition": True, "charge": False, "blocked": False, "armed": False, "batteryLevel": 83,
      "rssi": 4, "alarm": "tampering"}),
    ("0xA7 cell", 0xA7, False, G[:6] + C2 + bytes(20), "network", {}),
    ("0xF2 peripheral", 0xF2, True, U32(int(T.timestamp())) + U16(0x000C) + b"\x05\x47\x01" + U16(12) + b"\x00"
     + U16(0x000A) + U16(12) + b"\x01" + bytes.fromhex("c4a82828ccfe") + b"\x03\x09\x02" + b"\xab\xcd", "status",
     {"externalBatteryLevel": 71, "externalBatteryCharge": True, "externalBatteryCycles": 12,
      "mac": "c4a82828ccfe", "event": 3, "eventData": 9, "dataType": 2, "dataDetails": "abcd"}),
    ("0xF3 Wi-Fi", 0xF3, False, bytes.fromhex("240305102030") + b"\x00", "network", {}),
    ("0x9B serial text", 0x9B, True, b"\x03D7520A62\r\n", "commandResult", {"result": "D7520A62"}),
    ("0x9B serial binary", 0x9B, True, b"\x03\x80\xd6\x00", "commandResult", {"result": "80d600"}),
]


@pytest.mark.parametrize("name,msg_type,extended,content,kind,expected", LAYOUTS, ids=[x[0] for x in LAYOUTS])
def test_layout(name, msg_type, extended, content, kind, expected):
    """Each protocol number / vendor layout; SL4X carries a (negative) altitude."""
    d = decode(encode.packet(msg_type, content, 0x21, extended=extended))
    if kind is None:
        assert d.positions == () and d.events == () and d.unknown is None
    elif kind == "position":
        (p,) = d.positions
        assert d.events == ()
        assert_fix(p)
        assert p.attributes == expected
        assert p.altitude_m == (-12.0 if name == "0x31 SL4X" else None)
    else:
        (e,) = d.events
        assert d.positions == () and (e.type, e.attributes) == (kind, expected)
    assert d.unknown_items == 0


def test_items_shorter_than_their_kind_are_kept_raw():
    e, d = only_event(dev.encode_modular([(0x0029, b"\x01\x02"), (0x0018, b"\x01\x90")], 6))
    assert e.attributes == {"io41": 0x0102, "battery": 4.0} and d.unknown_items == 1


def test_fuel_sensor_text_that_is_not_numbers_reports_nothing():
    e, d = only_event(dev.encode_info(0x0D, b"!AIOIL,02,x,y,524J,0100,z,0,00,93", 4))
    assert e.attributes == {} and d.unknown_items == 0


def test_short_x1_record_keeps_its_gps_block():
    p, _ = only_position(encode.packet(0x34, bytes(4) + dev.gps_block(FIX) + bytes(10), 2))
    assert_fix(p)
    assert p.attributes == {}


def test_frame_with_miscounted_length_or_without_stop_bytes():
    good = dev.encode_upload_location(FIX, 0x0102, mileage=4321)
    checked = bytes((good[2] - 1,)) + good[3:-4]  # a clone's length byte, one short, under its CRC
    miscounted = b"xx" + checked + crc16_x25(checked).to_bytes(2, "big") + b"\r\n"
    for frame in (good, good[:-2], miscounted):
        p, d = only_position(frame)
        assert_fix(p)
        assert p.attributes == {"ignition": True, "event": 0, "archive": False, "odometer": 4321}
        assert d.reply == encode.ack(0x22, 0x0102) and d.checksum_ok
    # the same bytes with a CRC that does not verify: no serial to trust, content up to 0D 0A
    broken = miscounted[:-4] + b"\x00\x00\r\n"
    p, d = only_position(broken)
    assert_fix(p)
    assert "odometer" not in p.attributes and d.reply is None and not d.checksum_ok


def test_long_status_36_with_many_modules_is_a_status():
    modules = [(0x0018, (402).to_bytes(2, "big")), (0x006A, b"\x5f")] + [(0x0100 + i, b"\x00\x01") for i in range(6)]
    e, d = only_event(dev.encode_status_36(modules, 2, info=0x19, level=5, gsm=4, alarm=0))
    assert e.attributes["battery"] == pytest.approx(4.02, abs=1e-12) and e.attributes["batteryLevel"] == 0x5F
    assert d.unknown_items == 6


@pytest.mark.parametrize("word,temp", [(0x802B, 4.3), (0x002B, -4.3), (0x8000, 0.0)])
def test_status_16_byte_form_temperature_sign(word, temp):
    content = bytes((0x30,)) + (0x0203).to_bytes(2, "big") + b"\x00\x02\x55\x01" + bytes(7) + word.to_bytes(2, "big")
    e, _ = only_event(encode.packet(0x13, content, 1))
    assert e.attributes["batteryLevel"] == 0x55 and e.attributes["temp1"] == pytest.approx(temp, abs=1e-12)


def test_status_obd_form():
    signal = (3 << 10) | (4 << 5) | 21
    content = b"\x40" + signal.to_bytes(2, "big") + b"\x00\x02\x01\x04" + (1234).to_bytes(2, "big") + b"\x00\x00\x00" \
        + (-35).to_bytes(2, "big", signed=True)
    e, _ = only_event(encode.packet(0x13, content, 1))
    assert e.attributes == {"status": 0x40, "ignition": False, "charge": False, "blocked": False, "armed": False,
                            "rssi": 21, "sat": 7, "batteryLevel": 1, "power": 12.34, "temp1": -3.5}
