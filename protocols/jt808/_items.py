"""Additional information items after the location basic block: ``id u8 | len u8 | value``.

Standard items (JT/T 808-2013 table 27 / 2019 table 28): 0x01 odometer
(0.1 km), 0x02 fuel (0.1 L), 0x14 video alarm, 0x2B analog inputs, 0x30
signal strength, 0x31 satellites. Vendor items above 0x50 are decoded only in
the layouts real terminals were seen to send; an item whose length does not
fit its layout is skipped. Key ``sat`` is moved to Position.satellites.
"""

from __future__ import annotations

from typing import Callable

from .._binary import bcd_digits
from .._errors import MalformedError
from ._location import add_alarm
from ._vendor import decode_ext_eb, decode_obd_text, decode_lock_text

__all__ = ["decode_items", "ITEMS"]

Item = Callable[[bytes, dict], None]


def _u(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _odometer(d: bytes, a: dict) -> None:
    if len(d) == 4:
        a["odometer"] = _u(d) * 100  # 0.1 km -> m


def _fuel(d: bytes, a: dict) -> None:
    if len(d) == 2:
        a["fuel"] = _u(d) / 10.0


def _video_alarm(d: bytes, a: dict) -> None:
    if len(d) == 4:
        a["videoAlarm"] = _u(d)


def _analog(d: bytes, a: dict) -> None:
    if len(d) == 4:
        value = _u(d)
        a["adc1"] = value & 0xFFFF
        a["adc2"] = value >> 16


def _rssi(d: bytes, a: dict) -> None:
    if len(d) == 1:
        a["rssi"] = d[0]


def _satellites(d: bytes, a: dict) -> None:
    if len(d) == 1:
        a["sat"] = d[0]


def _battery_level_u8(d: bytes, a: dict) -> None:
    if len(d) == 1:
        a["batteryLevel"] = min(d[0], 100)


def _temperatures(d: bytes, a: dict) -> None:
    """0x51: u16 per sensor, sign in bit 15, magnitude in 0.1 degC; 0xFFFF = absent."""
    for i in range(0, len(d) - 1, 2):
        raw = _u(d[i:i + 2])
        if raw == 0xFFFF:
            continue
        value = (raw & 0x7FFF) / 10.0
        a[f"temp{i // 2 + 1}"] = -value if raw & 0x8000 else value


def _battery_decile(d: bytes, a: dict) -> None:
    """0x56: battery level in tenths (first byte)."""
    if len(d) == 2 and d[0] <= 10:
        a["batteryLevel"] = d[0] * 10


def _alarm_ext(d: bytes, a: dict) -> None:
    """0x57: 64-bit extended alarm word; bit 16 is the door alarm."""
    if len(d) == 8 and _u(d) >> 16 & 1:
        add_alarm(a, "door")


def _event_driver(d: bytes, a: dict) -> None:
    """0x60: event code u16 [, 6 reserved bytes, 8-byte driver card number]."""
    if len(d) >= 2:
        a["event"] = _u(d[0:2])
    if len(d) >= 16:
        a["driverUniqueId"] = d[8:16].decode("latin-1")


def _power_centivolt(d: bytes, a: dict) -> None:
    if len(d) == 2:
        a["power"] = _u(d) / 100.0


def _locks(d: bytes, a: dict) -> None:
    """0x63: 11 bytes per padlock: id (6), battery mV (2), 3 status bytes."""
    for n, i in enumerate(range(0, len(d) - 10, 11), 1):
        a[f"lock{n}Id"] = d[i:i + 6].hex()
        a[f"lock{n}Battery"] = _u(d[i + 6:i + 8]) / 1000.0


def _battery_centivolt(d: bytes, a: dict) -> None:
    if len(d) == 2:
        a["battery"] = _u(d) / 100.0


def _iccid_text(d: bytes, a: dict) -> None:
    text = d.decode("latin-1").strip("\x00 ")
    if text.isalnum():
        a["iccid"] = text


def _dtcs(d: bytes, a: dict) -> None:
    text = d.decode("latin-1").strip("\x00 ")
    if text:
        a["dtcs"] = text.replace(",", " ")


def _driver_name(d: bytes, a: dict) -> None:
    text = d.split(b"\x00", 1)[0].decode("latin-1").strip()
    if text:
        a["driver"] = text


def _power_decivolt(d: bytes, a: dict) -> None:
    if len(d) == 2:
        a["power"] = _u(d) / 10.0


def _charge_level(d: bytes, a: dict) -> None:
    """0xE4: charging state, battery level (%)."""
    if len(d) == 2:
        a["charge"] = d[0] == 1
        a["batteryLevel"] = min(d[1], 100)


def _motion(d: bytes, a: dict) -> None:
    if len(d) == 1:
        a["motion"] = d[0] == 1


def _power_millivolt(d: bytes, a: dict) -> None:
    if len(d) == 4:
        a["power"] = _u(d) / 1000.0


def _imei_bcd(d: bytes, a: dict) -> None:
    if len(d) == 8:
        try:
            a["imei"] = bcd_digits(d).lstrip("0")
        except MalformedError:
            pass


def _steps_or_ids(d: bytes, a: dict) -> None:
    """0xF8: step counter (2 bytes), or type, IMEI (8 BCD), ICCID (10), model."""
    if len(d) == 2:
        a["steps"] = _u(d)
    elif len(d) >= 19:
        imei = d[1:9].hex()
        if imei.isdigit():
            a["imei"] = imei.lstrip("0")
        a["iccid"] = d[9:19].hex().rstrip("f")


ITEMS: dict[int, Item] = {
    0x01: _odometer, 0x02: _fuel, 0x06: _battery_level_u8, 0x14: _video_alarm, 0x2B: _analog,
    0x30: _rssi, 0x31: _satellites, 0x33: decode_lock_text, 0x51: _temperatures,
    0x56: _battery_decile, 0x57: _alarm_ext, 0x60: _event_driver, 0x61: _power_centivolt,
    0x63: _locks, 0x69: _battery_centivolt, 0x71: _iccid_text, 0xA0: _dtcs, 0xBC: _driver_name,
    0xD4: _battery_level_u8, 0xD5: _battery_centivolt, 0xE1: _power_decivolt,
    0xE4: _charge_level, 0xE5: _motion, 0xE6: decode_obd_text, 0xEB: decode_ext_eb,
    0xF1: _power_millivolt, 0xF6: _imei_bcd, 0xF8: _steps_or_ids, 0xFE: _battery_level_u8,
}


def decode_items(body: bytes, offset: int, attrs: dict) -> None:
    """Walk ``id | len | value`` items from ``offset`` to the end; a truncated item ends the walk."""
    end = len(body)
    i = offset
    while i + 2 <= end:
        item_id = body[i]
        size = body[i + 1]
        data = body[i + 2:i + 2 + size]
        i += 2 + size
        if len(data) < size:
            return
        handler = ITEMS.get(item_id)
        if handler is not None:
            handler(data, attrs)
