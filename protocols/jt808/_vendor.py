"""Vendor items with their own inner catalogues: OBD blocks (0x80, 0x91, 0xE6
text, 0xF3), extension TLVs (0xEB, 0xEA, 0xE8), cell towers and Wi-Fi lists
(0xE1, 0xEB, 0xF0, 0xEC/0xF4), BLE tags and sensors (0xE6, 0xF3, 0xF6).

Inner ids and scaling as Traccar's Jt808ProtocolDecoder reads them
(traccar/traccar); inner ids not listed are kept as ``<item>_<id>`` (e.g.
``eb_4660``) so nothing a terminal sends is dropped.
"""

from __future__ import annotations

from typing import Callable

from ._catalogue import Scalar, Text, read_scalar, read_text
from ._layouts import u
from ._location import add_alarm

__all__ = ["VENDOR_LAYOUTS", "OBD_80", "OBD_F3", "EB_ITEMS", "EA_ITEMS", "E8_ALARMS", "E8_STATUS"]

#: 0x80 sub-items (id u8, len u8)
OBD_80: dict[int, Scalar | Text] = {
    0x01: Scalar("odometer", 4, mul=100), 0x02: Scalar("fuel", 2, div=10),
    0x03: Scalar("obdSpeed", 2, div=10), 0x61: Scalar("power", 2, div=100),
    0x69: Scalar("battery", 2, div=100), 0x80: Scalar("obdSpeed", 1), 0x81: Scalar("rpm", 2),
    0x82: Scalar("power", 2, div=10), 0x83: Scalar("engineLoad", 1),
    0x84: Scalar("coolantTemp", 1, add=-40), 0x85: Scalar("fuelConsumption", 2),
    0x86: Scalar("intakeTemp", 1, add=-40), 0x87: Scalar("intakeFlow", 2),
    0x88: Scalar("intakePressure", 1), 0x89: Scalar("throttle", 1), 0x8B: Text("vin"),
    0x8C: Scalar("obdOdometer", 4, mul=100), 0x8D: Scalar("tripOdometer", 2, mul=1000),
    0x8E: Scalar("fuel", 1), 0xCC: Text("iccid"),
}

#: 0xF3 OBD sub-items (id u16, len u8)
OBD_F3: dict[int, Scalar | Text] = {
    0x0002: Scalar("obdSpeed", 2, div=10), 0x0003: Scalar("rpm", 2),
    0x0004: Scalar("power", 2, div=1000), 0x0005: Scalar("obdOdometer", 4, mul=100),
    0x0007: Scalar("fuelConsumption", 2, div=10), 0x0008: Scalar("engineLoad", 2, div=10),
    0x0009: Scalar("coolantTemp", 2, add=-40), 0x000B: Scalar("intakePressure", 2),
    0x000C: Scalar("intakeTemp", 2, add=-40), 0x000D: Scalar("intakeFlow", 2),
    0x000E: Scalar("throttle", 2, mul=100, div=255, floor=True), 0x0050: Text("vin"),
    0x0052: Text("calid"), 0x0100: Scalar("tripOdometer", 2, div=10),
    0x0102: Scalar("tripFuel", 2, div=10), 0x0112: Scalar("hardAccelerationCount", 2),
    0x0113: Scalar("hardDecelerationCount", 2), 0x0114: Scalar("hardCorneringCount", 2),
}

#: 0xEB extension sub-items (len u16 counting the id, id u16) with a plain reading
EB_ITEMS: dict[int, Scalar] = {
    0x00A8: Scalar("batteryLevel", 1), 0x00CE: Scalar("power", 2, div=100),
    0x00E1: Scalar("batteryLevel", 1),
}

#: 0xEA external sensor sub-items (id u8, len u8)
EA_ITEMS: dict[int, Scalar] = {
    0x13: Scalar("externalIlluminance", 2), 0x14: Scalar("externalAirPressure", 2),
    0x15: Scalar("externalHumidity", 2, div=10), 0x16: Scalar("externalTemp", 2, div=10, add=-50),
}

#: 0xE8 extended event type u16 -> Traccar alarm (0x0C03/0x0C04 are ignition on/off)
E8_ALARMS: dict[int, str] = {
    0x0001: "fault", 0x0400: "hardAcceleration", 0x0412: "hardAcceleration",
    0x0401: "hardBraking", 0x0413: "hardBraking", 0x0402: "hardCornering",
    0x0414: "hardCornering", 0x0403: "overspeed", 0x0405: "accident", 0x0416: "accident",
    0x0417: "accident", 0x0406: "vibration", 0x0407: "tow", 0x0408: "geofenceEnter",
    0x0409: "geofenceExit", 0x040C: "door", 0x0415: "laneChange", 0x0C01: "sos",
    0x0C02: "lowPower", 0x0C05: "general", 0x0C0E: "powerCut", 0x0C0F: "lowBattery",
    0x0C10: "powerOff", 0x0C12: "tampering",
}

#: 0xE8 type 0x2005 status sub-items (id u16, len u8)
E8_STATUS: dict[int, Scalar] = {
    0x0001: Scalar("battery", 2, div=100), 0x0002: Scalar("dataUsage", 4),
    0x0003: Scalar("batteryLevel", 1), 0x0007: Scalar("hdop", 2, div=10),
    0x2001: Scalar("power", 2, div=10),
}


def _set(spec, data: bytes, a: dict) -> bool:
    if isinstance(spec, Text):
        a[spec.key] = read_text(spec, data)
        return True
    if len(data) != spec.size:
        return False
    a[spec.key] = read_scalar(spec, data)
    return True


def _keep(prefix: str, sub: int, data: bytes, a: dict) -> int:
    a[f"{prefix}_{sub}"] = u(data) if len(data) in (1, 2, 4, 8) else data.hex()
    return 1


def obd_extension(d: bytes, a: dict) -> int:
    """0x80: content byte skipped by the caller, then [id u8, len u8, value] to the end."""
    unknown, i = 0, 0
    while i + 2 <= len(d):
        sub, size = d[i], d[i + 1]
        value = d[i + 2:i + 2 + size]
        i += 2 + size
        if sub == 0xA0:
            a["dtcs"] = value.decode("latin-1").replace(",", " ")
        elif sub == 0x56 and size == 2:
            a["batteryLevel"] = value[1]
        elif sub not in OBD_80 or not _set(OBD_80[sub], value, a):
            unknown += _keep("obd", sub, value, a)
    return unknown


def _obd_91(d: bytes, a: dict):
    if len(d) < 22:
        return False
    a["battery"], a["rpm"], a["obdSpeed"] = u(d[0:2]) / 10.0, u(d[2:4]), d[4]
    a["throttle"], a["engineLoad"], a["coolantTemp"] = d[5] * 100 // 255, d[6] * 100 // 255, d[7] - 40
    a["fuelConsumption"] = u(d[10:12]) / 100.0
    a["fuelUsed"] = u(d[20:22]) / 100.0


def _tower(mcc: int, mnc: int, lac: int, cid: int, rssi: int | None = None) -> dict:
    cell = {"mcc": mcc, "mnc": mnc, "lac": lac, "cid": cid}
    if rssi is not None:
        cell["rssi"] = rssi
    return cell


def _cells_e1(d: bytes, a: dict):
    """0xE1 (12+ bytes): mcc u16, mnc u16, [lac u24, cid u32, rssi]; other lengths: driver number."""
    if len(d) >= 12 and (len(d) - 4) % 8 == 0:
        mcc, mnc = u(d[0:2]), u(d[2:4])
        cells = [_tower(mcc, mnc, u(d[i:i + 3]), u(d[i + 3:i + 7]), d[i + 7])
                 for i in range(4, len(d), 8)]
        a["cellTowers"] = [c for c in cells if 0 < c["lac"] <= 0xFFFF and c["cid"] <= 0xFFFFFFF]
    elif len(d) >= 4:
        a["driverUniqueId"] = str(u(d[0:4]))
    else:
        return False


def _cells_f0(d: bytes, a: dict) -> None:
    """0xF0: [mcc u16, mnc u16, cid u32, lac u32, rssi]."""
    a["cellTowers"] = [_tower(u(d[i:i + 2]), u(d[i + 2:i + 4]), u(d[i + 8:i + 12]), u(d[i + 4:i + 8]),
                              d[i + 12]) for i in range(0, len(d) - 12, 13)]


def _wifi(d: bytes, a: dict) -> None:
    """0xEC / 0xF4: [mac (6), rssi s8]."""
    a["wifiAccessPoints"] = [{"mac": d[i:i + 6].hex(":"), "rssi": d[i + 6] - 256 * (d[i + 6] > 127)}
                             for i in range(0, len(d) - 6, 7)]


def _custom(d: bytes, i: int) -> float:
    """Signed integer part + fraction in 1/255 (BLE sensors of 0xE6)."""
    whole = d[i] - 256 if d[i] > 127 else d[i]
    value = abs(whole) + d[i + 1] / 255.0
    return -value if whole < 0 else value


_OBD_RT = ("power", "rpm", "obdSpeed", "throttle", "engineLoad", "coolantTemp", "fuelConsumption",
           "fuelConsumption", "tripOdometer", "obdOdometer", "tripFuelUsed", "fuelUsed")


def obd_rt(text: str, a: dict) -> None:
    """``$OBD-RT,<power V>,<rpm>,<speed>,<throttle>,<load>,<coolant>,<instant>,<average>,
    <trip>,<odometer>,<trip fuel>,<fuel used>``; empty fields are skipped."""
    for key, field in zip(_OBD_RT, text.strip().split(",")[1:]):
        if field:
            a[key] = int(field) if key == "coolantTemp" else float(field)


def _obd_or_sensors(d: bytes, a: dict):
    if len(d) >= 7 and d.startswith(b"$OBD-RT"):
        obd_rt(d.decode("latin-1"), a)
    elif len(d) >= 11 and len(d) % 11 == 0:
        for i in range(0, len(d), 11):
            n = d[i]
            a[f"temp{n}"] = _custom(d, i + 7)
            a[f"humidity{n}"] = _custom(d, i + 9)
    else:
        return False


def _extended_e8(d: bytes, a: dict):
    """0xE8 (not 3 bytes): extended type u16, then for 0x2002/0x2003/0x2005 a length byte and data."""
    kind = u(d[0:2])
    if kind == 0x2002:
        a["uploadMode"], a["buffered"] = d[3], d[4] == 1
    elif kind == 0x2003:
        a["charge"] = d[3] == 1
        if 1 <= d[4] <= 6:
            a["batteryLevel"] = d[4] * 100 // 6
        a["battery"], a["rssi"], a["power"] = u(d[5:7]) / 100.0, d[7], u(d[8:10]) / 100.0
    elif kind == 0x2005:
        _e8_status(d[3:], a)
    elif kind in (0x0C03, 0x0C04):
        a["ignition"] = kind == 0x0C03
    elif kind in E8_ALARMS:
        add_alarm(a, E8_ALARMS[kind])
    else:
        a["e8Event"] = kind


def _e8_status(d: bytes, a: dict) -> None:
    i = 0
    while i + 3 <= len(d):
        sub, size = u(d[i:i + 2]), d[i + 2]
        value = d[i + 3:i + 3 + size]
        i += 3 + size
        if sub == 0x0004:
            a["charge"] = value[0] == 0
        elif sub == 0x0005:
            a["iccid"] = value.hex()[:19]
        elif sub not in E8_STATUS or not _set(E8_STATUS[sub], value, a):
            _keep("e8", sub, value, a)


def _external_ea(d: bytes, a: dict):
    """0xEA: info type, then [id u8, len u8, value]; 0x11 alarms u16 + threshold type."""
    if len(d) <= 2:
        return False
    i = 1
    while i + 2 <= len(d):
        sub, size = d[i], d[i + 1]
        value = d[i + 2:i + 2 + size]
        i += 2 + size
        if sub == 0x11 and size >= 3:
            a["externalAlarms"], a["alarmThresholdType"] = u(value[0:2]), value[2]
        elif sub not in EA_ITEMS or not _set(EA_ITEMS[sub], value, a):
            _keep("ea", sub, value, a)


def _printable(d: bytes) -> bool:
    return bool(d) and all(0x20 <= b < 0x7F for b in d)


def _eb_special(sub: int, v: bytes, a: dict) -> bool:
    """0xEB sub-items with a structured value; False when ``sub`` is not one of them."""
    if sub == 0x0001:
        a["fuel1"] = u(v[0:2]) / 10.0
    elif sub == 0x0023:
        a["fuel2"] = float(v[0:6].decode("ascii"))
    elif sub == 0x002D:
        if len(v) == 4:
            a["power"] = u(v) / 1000.0
        else:
            a["battery"] = u(v[0:2]) / 1000.0
    elif sub == 0x0089:
        word = u(v[0:4])
        if not word & 1:
            add_alarm(a, "powerOff")
        if not word >> 12 & 1:
            add_alarm(a, "removing")
    elif sub == 0x00B2:
        a["iccid"] = v[0:10].hex().rstrip("f")
    elif sub == 0x00B9:
        fields = v[1:].decode("ascii").split(",")
        a["wifiAccessPoints"] = [{"mac": fields[2 * i], "rssi": int(fields[2 * i + 1])}
                                 for i in range(len(fields) // 2)]
    elif sub == 0x00C5:
        _motion_word(u(v[0:4]), a)
    elif sub == 0x00C6:
        a["batteryAlarm"] = v[0]
        if v[0] in (3, 4):
            a["alarm"] = "lowBattery"
    elif sub == 0x00D8:
        a["cellTowers"] = [_tower(u(v[0:2]), v[2], u(v[3:5]), u(v[5:9]))]
    else:
        return False
    return True


def _motion_word(word: int, a: dict) -> None:
    """0xEB/0x00C5 active-low word: bit 6 clear = vibration; bits 23-24: 0 moving, 1 still."""
    if not word >> 6 & 1:
        add_alarm(a, "vibration")
    state = word >> 23 & 3
    if state in (0, 1):
        a["motion"] = state == 0


def _extension_eb(d: bytes, a: dict):
    """0xEB: cell list (mcc > 200, mnc, [lac u16, cid u16, rssi]), a printable time zone
    (``UTC+08``), or [len u16 (counting the id) | id u16 | value] sub-items."""
    if len(d) >= 3 and u(d[0:2]) > 200 and (len(d) - 3) % 5 == 0:
        mcc, mnc = u(d[0:2]), d[2]
        a["cellTowers"] = [_tower(mcc, mnc, u(d[i:i + 2]), u(d[i + 2:i + 4]), d[i + 4])
                           for i in range(3, len(d), 5)]
        return None
    if _printable(d):
        a["timezone"] = d.decode("ascii")
        return None
    i = 0
    while i + 4 <= len(d):
        size, sub = u(d[i:i + 2]), u(d[i + 2:i + 4])
        value = d[i + 4:i + 2 + size]
        i += 2 + size
        if size < 2 or i > len(d):
            return False
        if sub in EB_ITEMS and _set(EB_ITEMS[sub], value, a):
            continue
        if not _eb_special(sub, value, a):
            _keep("eb", sub, value, a)
    return None


def _obd_tlv_fits(d: bytes) -> bool:
    i = 0
    while i + 3 <= len(d):
        i += 3 + d[i + 2]
    return i == len(d)


def _obd_or_tags(d: bytes, a: dict) -> None:
    """0xF3: OBD [id u16, len u8, value] when the walk fits the item exactly, else BLE tags:
    mask, then per tag mac (6), rssi s8 and the masked fields (name 10, firmware 2,
    battery mV u16, temperature s16 /10, humidity s16 /10, accelerometer 6, 2 x reserved 2)."""
    if _obd_tlv_fits(d):
        i = 0
        while i + 3 <= len(d):
            sub, size = u(d[i:i + 2]), d[i + 2]
            value = d[i + 3:i + 3 + size]
            i += 3 + size
            if sub == 0x0051 and size:
                a["cvn"] = value.hex()
            elif sub not in OBD_F3 or not _set(OBD_F3[sub], value, a):
                _keep("f3", sub, value, a)
        return
    mask, i, n = d[0], 1, 0
    while i + 7 <= len(d):
        n += 1
        a[f"tag{n}Mac"] = d[i:i + 6].hex()
        a[f"tag{n}Rssi"] = d[i + 6] - 256 * (d[i + 6] > 127)
        i += 7
        i = _tag_fields(d, i, mask, n, a)


def _tag_fields(d: bytes, i: int, mask: int, n: int, a: dict) -> int:
    if mask & 1:
        a[f"tag{n}Name"] = d[i:i + 10].decode("latin-1").strip(" \x00")
        i += 10
    if mask & 2:
        i += 2
    if mask & 4:
        a[f"tag{n}Battery"] = u(d[i:i + 2]) / 1000.0
        i += 2
    if mask & 8:
        a[f"tag{n}Temp"] = int.from_bytes(d[i:i + 2], "big", signed=True) / 10.0
        i += 2
    if mask & 16:
        a[f"tag{n}Humidity"] = int.from_bytes(d[i:i + 2], "big", signed=True) / 10.0
        i += 2
    return i + 6 * bool(mask & 32) + 2 * bool(mask & 64) + 2 * bool(mask & 128)


def _s16(d: bytes, i: int) -> int:
    return int.from_bytes(d[i:i + 2], "big", signed=True)


def _sensor_event(d: bytes, a: dict) -> None:
    """0xF6 (not 2/8 bytes): event (2 = motion), mask; bit 0 light u16, 1 temperature s16 /10,
    2 humidity s16 /10, 3 g-sensor 3 x s16, 4 thresholds (10), 5 air pressure u16."""
    a["event"] = d[0]
    if d[0] == 2:
        a["motion"] = True
    mask, i = d[1], 2
    if mask & 1:
        a["lightSensor"], i = u(d[i:i + 2]), i + 2
    if mask & 2:
        a["temp1"], i = _s16(d, i) / 10.0, i + 2
    if mask & 4:
        a["humidity"], i = _s16(d, i) / 10.0, i + 2
    if mask & 8:
        a["gSensor"], i = f"[{_s16(d, i)},{_s16(d, i + 2)},{_s16(d, i + 4)}]", i + 6
    if mask & 16:
        i += 10
    if mask & 32:
        a["airPressure"] = u(d[i:i + 2])


VENDOR_LAYOUTS: dict[str, Callable[[bytes, dict], object]] = {
    "obd_extension": obd_extension, "obd_91": _obd_91, "cells_e1": _cells_e1,
    "cells_f0": _cells_f0, "wifi": _wifi, "obd_or_sensors": _obd_or_sensors,
    "extended_e8": _extended_e8, "external_ea": _external_ea, "extension_eb": _extension_eb,
    "obd_or_tags": _obd_or_tags, "sensor_event": _sensor_event,
}
