"""Structured additional-information items (standard, active safety, simple vendor ones).

Each function reads one item's value into the attributes and returns False
when the value does not have the layout (the item is then kept as io<id>).
Layouts: JT/T 808-2019 table 28, JT/T 1078-2016 table 13, the active-safety
alarm items (T/JSATL 12-2017 tables 4-26..4-30); vendor layouts as Traccar's
Jt808ProtocolDecoder reads them (see _catalogue.py).
"""

from __future__ import annotations

from typing import Callable

from ._location import add_alarm

__all__ = ["LAYOUTS", "u"]


def u(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _fuel(d: bytes, a: dict) -> None:
    """0x02: 0.1 L; terminals that report a percentage set bit 15."""
    raw = u(d)
    a["fuel"] = raw & 0x7FFF if raw & 0x8000 else raw / 10.0


def _tire_pressures(d: bytes, a: dict) -> None:
    """0x05 (2019): one byte per wheel from the front, left to right; 0xFF = no wheel."""
    for n, value in enumerate(d, 1):
        if value != 0xFF:
            a[f"tire{n}Pressure"] = value


def _overspeed_info(d: bytes, a: dict) -> None:
    """0x11: location type (0 none, 1 circle, 2 rectangle, 3 polygon, 4 route) [, area id u32]."""
    a["overspeedAreaType"] = d[0]
    if len(d) == 5:
        a["overspeedAreaId"] = u(d[1:5])


def _area_info(d: bytes, a: dict) -> None:
    """0x12: location type, area/route id u32, direction (0 in, 1 out)."""
    a["areaType"], a["areaId"], a["areaDirection"] = d[0], u(d[1:5]), d[5]


def _route_time(d: bytes, a: dict) -> None:
    """0x13: route id u32, driving time u16 s, result (0 too short, 1 too long)."""
    a["routeId"], a["routeTime"], a["routeTimeResult"] = u(d[0:4]), u(d[4:6]), d[6]


def _analog(d: bytes, a: dict) -> None:
    """0x2B / 0xA7: two u16 in 0.01 V; adc1 is the first on the wire (Traccar's order)."""
    a["adc1"] = u(d[0:2]) / 100.0
    a["adc2"] = u(d[2:4]) / 100.0


def _driving_behavior(d: bytes, a: dict) -> None:
    """0x18: behaviour flags u16 (bit 0 fatigue, 1 phone, 2 smoking) [, fatigue level]."""
    a["drivingBehavior"] = u(d[0:2])
    if len(d) == 3:
        a["fatigueLevel"] = d[2]


def _label(d: bytes, a: dict) -> None:
    """The 16-byte alarm label closing an active-safety item (terminal id, time, serial, count)."""
    a["alarmLabel"] = d[-16:].hex()


def _adas(d: bytes, a: dict):
    """0x64: alarm id u32, status, type, level, ... (47 bytes with the label)."""
    if len(d) < 6:
        return False
    a["adasAlarm"] = d[5]
    if len(d) >= 47:
        _label(d, a)


def _dms(d: bytes, a: dict):
    """0x65: alarm id u32, status, type, level, fatigue, ... (47 bytes with the label)."""
    if len(d) < 6:
        return False
    a["dmsAlarm"] = d[5]
    if len(d) >= 47:
        _label(d, a)


def _tpms(d: bytes, a: dict):
    """0x66: alarm id u32, status, speed, altitude, lat, lon, time, vehicle status, label (40)."""
    if len(d) < 40:
        return False
    a["tpmsAlarm"] = d[4]
    a["alarmLabel"] = d[24:40].hex()


def _bsd(d: bytes, a: dict):
    """0x67: alarm id u32, status, type (1 rear, 2 left rear, 3 right rear), ... label (41);
    shorter values are a vendor e-lock password (its first 8 characters)."""
    if len(d) < 8:
        return False
    if len(d) < 41:
        a["password"] = d[:8].decode("latin-1")
        return None
    a["bsdAlarm"] = d[5]
    _label(d, a)


def _lock_command(d: bytes, a: dict) -> None:
    """0x0B: command [, card u32 | password (6 ASCII)] [, unlock result when the length is even]."""
    a["lockCommand"] = d[0]
    i = 1
    if 5 <= len(d) <= 6:
        a["lockCard"] = u(d[1:5])
        i = 5
    elif len(d) >= 7:
        a["lockPassword"] = d[1:7].decode("latin-1")
        i = 7
    if len(d) % 2 == 0:
        a["unlockResult"] = d[i]


def _lock_text(d: bytes, a: dict):
    """0x33 ``*M00,<cmd>,<2 flags><battery 0.01 V, 3 digits>...``."""
    text = d.decode("latin-1")
    if not text.startswith("*M00") or not text[10:13].isdigit():
        return False
    a["battery"] = int(text[10:13]) / 100.0


def _temperatures(d: bytes, a: dict):
    """0x51: u16 per sensor (1 to 8), sign in bit 15, magnitude in 0.1 degC; 0xFFFF = absent."""
    if not d or len(d) % 2:
        return False
    for n in range(len(d) // 2):
        raw = u(d[2 * n:2 * n + 2])
        if raw != 0xFFFF:
            value = (raw & 0x7FFF) / 10.0
            a[f"temp{n + 1}"] = -value if raw & 0x8000 else value


def _battery_decile(d: bytes, a: dict) -> None:
    """0x56: battery level in tenths, reserved byte."""
    a["batteryLevel"] = d[0] * 10


def _driving_alarms(d: bytes, a: dict) -> None:
    """0x57: alarms u16 (bit 8 acceleration, 9 braking, 10 cornering), switches u16, alarms u32
    (bit 16 door)."""
    first = u(d[0:2])
    for bit, name in ((8, "hardAcceleration"), (9, "hardBraking"), (10, "hardCornering")):
        if first >> bit & 1:
            add_alarm(a, name)
    if u(d[4:8]) >> 16 & 1:
        add_alarm(a, "door")


def _event_driver(d: bytes, a: dict):
    """0x60: event code u16; events 0x61-0x66 carry lock id (6) and an 8-character card."""
    if len(d) < 2:
        return False
    event = u(d[0:2])
    a["event"] = event
    if 0x61 <= event <= 0x66 and len(d) >= 16:
        a["driverUniqueId"] = d[8:16].decode("latin-1")


def _locks(d: bytes, a: dict) -> None:
    """0x63: 11 bytes per padlock: id (6), battery mV u16, seal ('1' sealed), state, rssi."""
    for n in range(1, len(d) // 11 + 1):
        i = (n - 1) * 11
        a[f"lock{n}Id"] = d[i:i + 6].hex()
        a[f"lock{n}Battery"] = u(d[i + 6:i + 8]) / 1000.0
        a[f"lock{n}Seal"] = d[i + 8] == 0x31


def _behavior_alarm(d: bytes, a: dict):
    """0x70: alarm id u32, status, type (1 acceleration, 2 braking, 3 cornering, 0x16 crash)."""
    if len(d) < 6:
        return False
    name = {1: "hardAcceleration", 2: "hardBraking", 3: "hardCornering", 0x16: "accident"}.get(d[5])
    if name:
        add_alarm(a, name)


def _tires(d: bytes, a: dict) -> None:
    """0x77: [index, sensor id (3), pressure u16 (10 bits, 1/40 bar), temperature +50, status]."""
    for i in range(0, len(d) - 7, 8):
        n = d[i]
        a[f"tire{n}SensorId"] = d[i + 1:i + 4].hex()
        a[f"tire{n}Pressure"] = (u(d[i + 4:i + 6]) & 0x3FF) / 40.0
        a[f"tire{n}Temp"] = d[i + 6] - 50
        a[f"tire{n}Status"] = d[i + 7]


def _dtcs(d: bytes, a: dict) -> None:
    a["dtcs"] = d.decode("latin-1").strip(" \x00").replace(",", " ")


def _user_status(d: bytes, a: dict) -> None:
    """0xD0: bit 3 vibration."""
    if u(d) >> 3 & 1:
        add_alarm(a, "vibration")


def _level_or_charge(d: bytes, a: dict) -> None:
    """One byte: battery level in percent; 0xFF means charging."""
    if d[0] == 0xFF:
        a["charge"] = True
    else:
        a["batteryLevel"] = d[0]


def _driver_number(d: bytes, a: dict):
    """A driver number u32 (the first four bytes)."""
    if len(d) < 4:
        return False
    a["driverUniqueId"] = str(u(d[0:4]))


def _lock_list(d: bytes, a: dict) -> None:
    """0xD5: count, then [id (5), card (5), battery %, status u16 (bit 5 clear = locked)]."""
    for n in range(1, d[0] + 1):
        i = 1 + (n - 1) * 13
        a[f"lock{n}Id"] = d[i:i + 5].hex()
        a[f"lock{n}Card"] = d[i + 5:i + 10].hex()
        a[f"lock{n}Battery"] = d[i + 10]
        a[f"lock{n}Locked"] = not u(d[i + 11:i + 13]) >> 5 & 1


def _string_lock(d: bytes, a: dict):
    """0xDA: string cut count u16, status (bit 0 string, 2 motion, 3 cover)."""
    if len(d) < 3:
        return False
    status = d[2]
    a["string"], a["motion"], a["cover"] = bool(status & 1), bool(status & 4), bool(status & 8)


def _battery_e3(d: bytes, a: dict):
    """0xE3: reserved, battery level %, battery 0.01 V."""
    if len(d) < 4:
        return False
    a["batteryLevel"] = d[1]
    a["battery"] = u(d[2:4]) / 100.0


def _charge_level(d: bytes, a: dict):
    """0xE4: charge state (0 = charging), battery level %."""
    if len(d) < 2:
        return False
    if d[0] == 0:
        a["charge"] = True
    a["batteryLevel"] = d[1]


def _motion(d: bytes, a: dict) -> None:
    a["motion"] = d[0] == 1


def _alarm_e7(d: bytes, a: dict) -> None:
    """0xE7: alarm word u16: bit 0 vibration, bits 1-3 SOS buttons."""
    word = u(d[0:2])
    if word & 1:
        add_alarm(a, "vibration")
    if word & 0x0E:
        add_alarm(a, "sos")


def _status_ee(d: bytes, a: dict) -> None:
    """0xEE: rssi, power mV u16, battery mV u16, satellites."""
    a["rssi"], a["power"], a["battery"], a["sat"] = d[0], u(d[1:3]) / 1000.0, u(d[3:5]) / 1000.0, d[5]


def _imei(d: bytes, a: dict) -> None:
    """0xF6 (8 bytes): BCD IMEI with a leading pad nibble."""
    a["imei"] = d.hex()[1:]


def _battery_f7(d: bytes, a: dict):
    """0xF7: battery mV u32 [, status (2/3 charging)] [, battery level %]."""
    if len(d) < 4:
        return False
    a["battery"] = u(d[0:4]) / 1000.0
    if len(d) >= 5 and d[4] in (2, 3):
        a["charge"] = True
    if len(d) >= 6:
        a["batteryLevel"] = d[5]


def _identity_f8(d: bytes, a: dict):
    """0xF8: working mode, IMEI (8 BCD), ICCID (10 bytes)."""
    if len(d) < 19:
        return False
    a["iccid"] = d[9:19].hex()


def _masked_f9(d: bytes, a: dict) -> None:
    """0xF9: mask u16; bit 0 GNSS age (4), 1 ACC time (4), 2 HDOP u16 /10, 3 GNSS time (6),
    5 intervals (8), 6 temperature s16 /10 + thresholds (4)."""
    mask = u(d[0:2])
    i = 2
    for bit, size in ((0, 4), (1, 4), (2, 2), (3, 6), (5, 8), (6, 6)):
        if not mask >> bit & 1:
            continue
        if bit == 2:
            a["hdop"] = u(d[i:i + 2]) / 10.0
        elif bit == 6:
            a["temp3"] = int.from_bytes(d[i:i + 2], "big", signed=True) / 10.0
        i += size


def _alarms_fe(d: bytes, a: dict) -> None:
    """0xFE (other lengths): mark 0x7C, then [type, len, value] (type 1: alarm bits u32);
    without the mark: reserved byte, battery level %."""
    if d[0] != 0x7C:
        a["batteryLevel"] = d[1]
        return
    i = 1
    names = ("hardAcceleration", "hardBraking", "hardCornering", "accident", "tampering")
    while i + 2 <= len(d):
        kind, size = d[i], d[i + 1]
        if kind == 0x01:
            word = u(d[i + 2:i + 6])
            for bit, name in enumerate(names):
                if word >> bit & 1:
                    add_alarm(a, name)
        i += 2 + size


LAYOUTS: dict[str, Callable[[bytes, dict], object]] = {
    "fuel": _fuel, "tire_pressures": _tire_pressures, "overspeed_info": _overspeed_info,
    "area_info": _area_info, "route_time": _route_time, "analog": _analog,
    "driving_behavior": _driving_behavior, "adas": _adas, "dms": _dms, "tpms": _tpms, "bsd": _bsd,
    "lock_command": _lock_command, "lock_text": _lock_text, "temperatures": _temperatures,
    "battery_decile": _battery_decile, "driving_alarms": _driving_alarms,
    "event_driver": _event_driver, "locks": _locks, "behavior_alarm": _behavior_alarm,
    "tires": _tires, "dtcs": _dtcs, "user_status": _user_status,
    "level_or_charge": _level_or_charge, "driver_number": _driver_number, "lock_list": _lock_list,
    "string_lock": _string_lock, "battery_e3": _battery_e3, "charge_level": _charge_level,
    "motion": _motion, "alarm_e7": _alarm_e7, "status_ee": _status_ee, "imei": _imei,
    "battery_f7": _battery_f7, "identity_f8": _identity_f8, "masked_f9": _masked_f9,
    "alarms_fe": _alarms_fe,
}
