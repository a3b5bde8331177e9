"""Vendor payloads carried inside standard items: the 0xEB extension block
(``len u16 | id u16 | value``, ``len`` counting the id), the 0xEB time-zone
text, OBD ``$OBD-RT`` sentences (0xE6) and electronic-lock ``*M00`` strings (0x33)."""

from __future__ import annotations

from typing import Callable

from ._location import add_alarm

__all__ = ["decode_ext_eb", "decode_obd_text", "decode_lock_text", "EXT_ITEMS"]


def _u(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _fuel1(d: bytes, a: dict) -> None:
    if len(d) >= 2:
        a["fuel1"] = _u(d[0:2]) / 10.0


def _battery_mv(d: bytes, a: dict) -> None:
    if len(d) == 2:
        a["battery"] = _u(d) / 1000.0


def _sensor_status(d: bytes, a: dict) -> None:
    """0x0089: active-low status word; bit 12 clear = device removed (tamper switch)."""
    if len(d) == 4 and not _u(d) >> 12 & 1:
        add_alarm(a, "removing")


def _motion_status(d: bytes, a: dict) -> None:
    """0x00C5: active-low word; bit 6 clear = vibration alarm, bit 24 clear = moving."""
    if len(d) == 4:
        value = _u(d)
        if not value >> 6 & 1:
            add_alarm(a, "vibration")
        a["motion"] = not value >> 24 & 1


def _battery_level(d: bytes, a: dict) -> None:
    if len(d) == 1:
        a["batteryLevel"] = min(d[0], 100)


def _iccid_bcd(d: bytes, a: dict) -> None:
    if len(d) == 10:
        a["iccid"] = d.hex().rstrip("f")


def _power_cv(d: bytes, a: dict) -> None:
    if len(d) == 2:
        a["power"] = _u(d) / 100.0


EXT_ITEMS: dict[int, Callable[[bytes, dict], None]] = {
    0x0001: _fuel1, 0x002D: _battery_mv, 0x0089: _sensor_status, 0x00A8: _battery_level,
    0x00B2: _iccid_bcd, 0x00C5: _motion_status, 0x00CE: _power_cv, 0x00E1: _battery_level,
}


def decode_ext_eb(d: bytes, a: dict) -> None:
    if d.startswith(b"UTC") and d.isascii():
        a["timezone"] = d.decode("ascii")
        return
    i = 0
    while i + 4 <= len(d):
        size = _u(d[i:i + 2])
        if size < 2:
            return
        value = d[i + 4:i + 2 + size]
        handler = EXT_ITEMS.get(_u(d[i + 2:i + 4]))
        i += 2 + size
        if i > len(d):
            return
        if handler is not None:
            handler(value, a)


def decode_obd_text(d: bytes, a: dict) -> None:
    """0xE6 ``$OBD-RT,<battery V>,<rpm>,<speed>,...``."""
    if not d.startswith(b"$OBD-RT"):
        return
    fields = d.decode("latin-1").strip().split(",")
    if len(fields) > 2 and fields[2]:
        try:
            a["rpm"] = float(fields[2])
        except ValueError:
            pass


def decode_lock_text(d: bytes, a: dict) -> None:
    """0x33 ``*M00,<cmd>,<2 flags><battery 0.01 V, 3 digits>...``."""
    text = d.decode("latin-1")
    fields = text.split(",")
    if len(fields) >= 3 and fields[0] == "*M00" and len(fields[2]) >= 5 and fields[2][2:5].isdigit():
        a["battery"] = int(fields[2][2:5]) / 100.0
