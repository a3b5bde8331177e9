"""JT/T 808 catalogue: one case per item variant (built with the device encoder), the 32
alarm bits, the time forms, the position-carrying messages and a round trip over the catalogue."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols._records import Fix
from protocols.jt808 import Jt808Connection, Jt808Device
from protocols.jt808._catalogue import ITEMS, Scalar
from protocols.jt808.constants import ALARM_BITS, TRACCAR_ALARMS
from protocols.jt808.device import encode_basic, encode_item, encode_location_body, encode_scalar

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
T0 = datetime(2024, 3, 15, 0, 25, 30, tzinfo=timezone.utc)
FIX = Fix(time=T0, lat=22.54321, lon=114.123456, speed_kmh=60.5, course_deg=270.0, altitude_m=35.0,
          satellites=0, valid=True)
BASE = {"ignition": False, "blocked": False, "charge": False, "status": 2}
H = bytes.fromhex
LABEL = bytes(range(16))


def _decode(items: list[bytes], *, alarm: int = 0, status: int = 0):
    device = Jt808Device("13912345678")
    body = encode_location_body(FIX, alarm=alarm, status=status, items=items)
    return Jt808Connection().receive_frame(device.message(0x0200, body), NOW)


# (item id, value bytes, attributes the item adds) -- one case per catalogue variant at least
CASES = [
    (0x01, H("000004D2"), {"odometer": 123400}),
    (0x02, H("01C8"), {"fuel": 45.6}),
    (0x02, H("8032"), {"fuel": 50}),  # bit 15: percent
    (0x03, H("025D"), {"obdSpeed": 60.5}),
    (0x04, H("0102"), {"alarmEventId": 258}),
    (0x05, H("20FF21"), {"tire1Pressure": 32, "tire3Pressure": 33}),
    (0x06, H("55"), {"batteryLevel": 85}),
    (0x06, H("FFF6"), {"compartmentTemp": -10}),
    (0x11, H("00"), {"overspeedAreaType": 0}),
    (0x11, H("020000007B"), {"overspeedAreaType": 2, "overspeedAreaId": 123}),
    (0x12, H("01000001C801"), {"areaType": 1, "areaId": 456, "areaDirection": 1}),
    (0x13, H("00000315012C00"), {"routeId": 789, "routeTime": 300, "routeTimeResult": 0}),
    (0x14, H("00000005"), {"videoAlarm": 5}),
    (0x15, H("00000003"), {"videoLoss": 3}),
    (0x16, H("00000001"), {"videoOcclusion": 1}),
    (0x17, H("0001"), {"storageFault": 1}),
    (0x18, H("000101"), {"drivingBehavior": 1, "fatigueLevel": 1}),
    (0x25, H("00000003"), {"input": 3}),
    (0x2A, H("0002"), {"ioStatus": 2}),
    (0x2B, H("04D20929"), {"adc1": 12.34, "adc2": 23.45}),
    (0x30, H("17"), {"rssi": 23}),
    (0x31, H("0A"), {"sat": 10}),
    (0x64, H("00000001" "00" "02") + bytes(25) + LABEL, {"adasAlarm": 2, "alarmLabel": LABEL.hex()}),
    (0x65, H("00000001" "00" "05") + bytes(25) + LABEL, {"dmsAlarm": 5, "alarmLabel": LABEL.hex()}),
    (0x66, H("00000001" "01") + bytes(19) + LABEL + H("00"), {"tpmsAlarm": 1, "alarmLabel": LABEL.hex()}),
    (0x67, b"12345678", {"password": "12345678"}),
    (0x67, H("00000001" "00" "02") + bytes(19) + LABEL, {"bsdAlarm": 2, "alarmLabel": LABEL.hex()}),
    (0x67, b"87654321\x00\x00", {"password": "87654321"}),
    (0x0B, H("01"), {"lockCommand": 1}),
    (0x0B, H("01000004D2"), {"lockCommand": 1, "lockCard": 1234}),
    (0x0B, H("01000004D200"), {"lockCommand": 1, "lockCard": 1234, "unlockResult": 0}),
    (0x0B, H("01") + b"123456" + H("01"), {"lockCommand": 1, "lockPassword": "123456", "unlockResult": 1}),
    (0x33, H("02"), {"mode": 2}),
    (0x33, b"*M00,X0,00412,1", {"battery": 4.12}),
    (0x51, H("80170105FFFF"), {"temp1": -2.3, "temp2": 26.1}),
    (0x56, H("0800"), {"batteryLevel": 80}),
    (0x57, H("0100" "0000" "00010000"), {"alarm": "hardAcceleration,door"}),
    (0x60, H("0003"), {"event": 3}),
    (0x60, H("0062") + bytes(6) + b"ABCD1234", {"event": 0x62, "driverUniqueId": "ABCD1234"}),
    (0x61, H("04B0"), {"power": 12.0}),
    (0x63, H("112233445566" "0FA0" "31" "00" "1F"),
     {"lock1Id": "112233445566", "lock1Battery": 4.0, "lock1Seal": True}),
    (0x68, H("2328"), {"batteryLevel": 90.0}),
    (0x69, H("0190"), {"battery": 4.0}),
    (0x70, H("00000001" "00" "02"), {"alarm": "hardBraking"}),
    (0x77, H("01" "ABCDEF" "0118" "5A" "00"),
     {"tire1SensorId": "abcdef", "tire1Pressure": 7.0, "tire1Temp": 40, "tire1Status": 0}),
    (0x80, H("01" "81020BB8" "840164"), {"rpm": 3000, "coolantTemp": 60}),
    (0x82, H("0078"), {"power": 12.0}),
    (0x91, H("0078" "0BB8" "3C" "FF" "80" "64" "0000" "04D2" "0000" "00000000" "0000" "2710"),
     {"battery": 12.0, "rpm": 3000, "obdSpeed": 60, "throttle": 100, "engineLoad": 50, "coolantTemp": 60,
      "fuelConsumption": 12.34, "fuelUsed": 100.0}),
    (0x94, b"1HGCM82633A004352", {"vin": "1HGCM82633A004352"}),
    (0xA0, b"P0100,P0200", {"dtcs": "P0100 P0200"}),
    (0xA7, H("04D20929"), {"adc1": 12.34, "adc2": 23.45}),
    (0xAC, H("0001E240"), {"odometer": 123456}),
    (0xBC, b" Zhang \x00", {"driver": "Zhang"}),
    (0xBD, b"D123", {"driverUniqueId": "D123"}),
    (0xCC, b"89860412345678901234", {"iccid": "89860412345678901234"}),
    (0xD0, H("00000008"), {"alarm": "vibration"}),
    (0xD3, H("0078"), {"power": 12.0}),
    (0xD4, H("50"), {"batteryLevel": 80}),
    (0xD4, H("FF"), {"charge": True}),
    (0xD4, H("000004D2"), {"driverUniqueId": "1234"}),
    (0xD5, H("0190"), {"battery": 4.0}),
    (0xD5, H("01" "1122334455" "6677889900" "5A" "0000"),
     {"lock1Id": "1122334455", "lock1Card": "6677889900", "lock1Battery": 90, "lock1Locked": True}),
    (0xDA, H("000105"), {"string": True, "motion": True, "cover": False}),
    (0xDA, H("00010D00"), {"string": True, "motion": True, "cover": True}),
    (0xE1, H("50"), {"batteryLevel": 80}),
    (0xE1, H("0078"), {"power": 12.0}),
    (0xE1, H("000004D2"), {"driverUniqueId": "1234"}),
    (0xE1, H("01CC0000" "00251C" "00000FA1" "1F"),
     {"cellTowers": [{"mcc": 460, "mnc": 0, "lac": 9500, "cid": 4001, "rssi": 31}]}),
    (0xE2, H("000001F4"), {"fuel": 50.0}),
    (0xE3, H("00550190"), {"batteryLevel": 85, "battery": 4.0}),
    (0xE4, H("0055"), {"charge": True, "batteryLevel": 85}),
    (0xE4, H("015500"), {"batteryLevel": 85}),
    (0xE5, H("01"), {"motion": True}),
    (0xE6, b"$OBD-RT,12.5,3000,60,,,90", {"power": 12.5, "rpm": 3000.0, "obdSpeed": 60.0, "coolantTemp": 90}),
    (0xE6, H("01" "112233445566" "F580" "3200"), {"temp1": -(11 + 128 / 255), "humidity1": 50.0}),
    (0xE7, H("0003") + bytes(6), {"alarm": "vibration,sos"}),
    (0xE8, H("010203"), {"lockStatus": 0x010203}),
    (0xE8, H("0C01"), {"alarm": "sos"}),
    (0xE8, H("2003" "07" "01" "05" "019F" "1F" "04B0"),
     {"charge": True, "batteryLevel": 83, "battery": 4.15, "rssi": 31, "power": 12.0}),
    (0xE9, H("50"), {"batteryLevel": 80}),
    (0xE9, H("000004D2"), {"driverUniqueId": "1234"}),
    (0xE9, H("000004D200"), {"driverUniqueId": "1234"}),
    (0xEA, H("01" "16020258" "1103000102"),
     {"externalTemp": 10.0, "externalAlarms": 1, "alarmThresholdType": 2}),
    (0xEB, H("01CC00" "251C0FA11F"),
     {"cellTowers": [{"mcc": 460, "mnc": 0, "lac": 9500, "cid": 4001, "rssi": 31}]}),
    (0xEB, b"UTC+08", {"timezone": "UTC+08"}),
    (0xEB, H("000C00B2" "89860412345678901234" "0004002D0FA5" "000300A85C" "00060089FFFFEFFE"
             "000600C5FE7FFFBF"),
     {"iccid": "89860412345678901234", "battery": 4.005, "batteryLevel": 92,
      "alarm": "powerOff,removing,vibration", "motion": True}),
    (0xEC, H("112233445566C4"), {"wifiAccessPoints": [{"mac": "11:22:33:44:55:66", "rssi": -60}]}),
    (0xED, b"CARD01", {"card": "CARD01"}),
    (0xEE, H("1F" "2EE0" "0FA0" "08"), {"rssi": 31, "power": 12.0, "battery": 4.0, "sat": 8}),
    (0xF0, H("01CC" "0001" "00000FA1" "0000251C" "1F"),
     {"cellTowers": [{"mcc": 460, "mnc": 1, "lac": 9500, "cid": 4001, "rssi": 31}]}),
    (0xF1, H("00002EE0"), {"power": 12.0}),
    (0xF2, b"V1.2.3", {"versionFw": "V1.2.3"}),
    (0xF3, H("0003020BB8" "000E020080"), {"rpm": 3000, "throttle": 50}),
    (0xF3, H("04" "112233445566" "C4" "0FA0"), {"tag1Mac": "112233445566", "tag1Rssi": -60, "tag1Battery": 4.0}),
    (0xF4, H("112233445566C4"), {"wifiAccessPoints": [{"mac": "11:22:33:44:55:66", "rssi": -60}]}),
    (0xF5, H("01F4"), {"illuminance": 500}),
    (0xF6, H("03FE"), {"airPressure": 1022}),
    (0xF6, H("0864717003283581"), {"imei": "864717003283581"}),
    (0xF6, H("02" "03" "0C41" "00F4"), {"event": 2, "motion": True, "lightSensor": 3137, "temp1": 24.4}),
    (0xF7, H("01C2"), {"humidity": 45.0}),
    (0xF7, H("00000FA0" "02" "55"), {"battery": 4.0, "charge": True, "batteryLevel": 85}),
    (0xF8, H("1388"), {"steps": 5000}),
    (0xF8, H("01" "0864717003283581" "89860412345678901234"), {"iccid": "89860412345678901234"}),
    (0xF9, H("0044" "000C" "FF9C" "00000000"), {"hdop": 1.2, "temp3": -10.0}),
    (0xFB, b"ABCU1234567", {"container": "ABCU1234567"}),
    (0xFC, H("03"), {"geofence": 3}),
    (0xFE, H("55"), {"batteryLevel": 85}),
    (0xFE, H("0078"), {"power": 12.0}),
    (0xFE, H("0001E240"), {"odometer": 123456}),
    (0xFE, H("7C" "0104" "00000003"), {"alarm": "hardAcceleration,hardBraking"}),
    (0xFE, H("005500"), {"batteryLevel": 85}),
]


def _variant(item_id: int, size: int) -> int:
    return next(n for n, (sizes, _) in enumerate(ITEMS[item_id].variants) if sizes is None or size in sizes)


def test_every_catalogue_variant_has_a_case():
    covered = {(i, _variant(i, len(v))) for i, v, _ in CASES}
    assert covered == {(i, n) for i, item in ITEMS.items() for n in range(len(item.variants))}


@pytest.mark.parametrize("item_id, value, expected", CASES,
                         ids=[f"{i:02X}-{len(v)}" for i, v, _ in CASES])
def test_catalogue_item(item_id, value, expected):
    d = _decode([encode_item(item_id, value)])
    (p,) = d.positions
    attrs = dict(p.attributes)
    if "sat" in expected:
        attrs["sat"] = p.satellites
    if "hdop" in expected:
        attrs["hdop"] = p.hdop
    assert attrs == {**BASE, **expected} and d.unknown_items == 0


def test_unknown_items_are_kept_and_counted():
    items = [encode_item(0x7F, H("01020304")), encode_item(0xC3, H("0A0B0C")), encode_scalar(0x30, 9)]
    d = _decode(items)
    assert d.positions[0].attributes == {**BASE, "io127": 0x01020304, "io195": "0a0b0c", "rssi": 9}
    assert d.unknown_items == 2


def test_item_of_a_length_outside_the_catalogue_is_kept():
    d = _decode([encode_item(0x01, H("0102"))])  # odometer is always 4 bytes
    assert d.positions[0].attributes == {**BASE, "io1": 0x0102} and d.unknown_items == 1


def test_vendor_inner_unknowns_are_kept():
    d = _decode([encode_item(0xEB, H("00041234ABCD"))])
    assert d.positions[0].attributes == {**BASE, "eb_4660": 0xABCD}


EXPECTED_BITS = {bit: name for name, bits in TRACCAR_ALARMS for bit in bits}


@pytest.mark.parametrize("bit", range(32))
def test_alarm_bit(bit):
    (p,) = _decode([], alarm=1 << bit).positions
    if bit in EXPECTED_BITS:
        assert p.attributes["alarm"] == EXPECTED_BITS[bit] and "alarmFlags" not in p.attributes
    else:
        assert p.attributes["alarmFlags"] == ALARM_BITS[bit] and "alarm" not in p.attributes


def test_alarm_order_is_traccars():
    (p,) = _decode([], alarm=(1 << 30) | (1 << 7) | 1 | (1 << 21)).positions
    assert p.attributes["alarm"] == "sos,lowBattery,accident"
    assert p.attributes["alarmFlags"] == "routeInOut"


def test_status_bits():
    (p,) = _decode([], status=0x0401 | 1 << 16 | 1 << 26).positions
    assert p.attributes == {"ignition": True, "blocked": True, "door": True, "charge": True,
                            "status": 0x04010403}
