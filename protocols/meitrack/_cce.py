"""CCE record parameters (ids from the fact sheet, the vendor's CCE tables and
observed packets).

1-byte: 0x01 event, 0x05 valid, 0x06 satellites, 0x07 GSM signal, 0xFE69 battery %.
2-byte: 0x08 speed km/h, 0x09 course, 0x0A HDOP x10, 0x0B altitude (signed),
0x16-0x18 AD1-AD3, 0x19 battery 1/100 V, 0x1A power 1/100 V.
4-byte: 0x02 latitude, 0x03 longitude (signed 1e-6 degree), 0x04 time (seconds
since 2000-01-01 UTC), 0x0C odometer m, 0x0D runtime s, 0xFEF4 engine hours
(minutes; replaces the runtime as ``hours``).
N-byte: 0xFE31 picture (2 bytes, then the file name; ``image`` = its path on
the device, ``yyyy-mm-dd/<name>``), 0xFE73 BLE sensor tags (count, then per
tag: name length, name, MAC 6, 1 byte, temperature int16/256 degrees C,
humidity uint16/256 %, 8 bytes), 0xFEA8 batteries (byte 1 main battery %,
byte 3 second battery %). Other ids are skipped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from .._errors import MalformedError
from .._records import Position
from ._aaa import event_attributes
from .constants import EPOCH_2000, PROTOCOL

__all__ = ["decode_cce_record"]

_MINUTE_MS = 60_000
_TAG_TAIL = 6 + 1 + 2 + 2 + 8


def _s16(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


def _s32(v: int) -> int:
    return v - 0x1_0000_0000 if v & 0x8000_0000 else v


def _image(value: bytes, attrs: dict[str, Any]) -> None:
    name = value[2:].decode("latin-1")
    if len(name) >= 8 and name[:8].isdigit():
        name = f"{name[:4]}-{name[4:6]}-{name[6:8]}/{name}"
    if name:
        attrs["image"] = name


def _tags(value: bytes, attrs: dict[str, Any]) -> None:
    pos = 1
    for n in range(1, value[0] + 1 if value else 1):
        if pos >= len(value):
            return
        size = value[pos]
        name_end = pos + 1 + size
        if name_end + _TAG_TAIL > len(value):
            return
        prefix = "tag" if n == 1 else f"tag{n}"
        attrs[prefix + "Name"] = value[pos + 1:name_end].decode("latin-1")
        attrs[prefix + "Mac"] = value[name_end:name_end + 6].hex()
        t = name_end + 7
        attrs[prefix + "Temp"] = _s16(int.from_bytes(value[t:t + 2], "little")) / 256
        attrs[prefix + "Humidity"] = int.from_bytes(value[t + 2:t + 4], "little") / 256
        pos = name_end + _TAG_TAIL


def _batteries(value: bytes, attrs: dict[str, Any]) -> None:
    if len(value) >= 4:
        attrs["batteryLevel"] = value[1]
        attrs["battery2Level"] = value[3]


#: id -> (attribute, converter) for fixed-size values
_NUMBERS: dict[int, tuple[str, Callable[[int], Any]]] = {
    0x06: ("_sat", int), 0x07: ("rssi", int), 0xFE69: ("batteryLevel", int),
    0x08: ("_speed", float), 0x09: ("_course", float), 0x0A: ("_hdop", lambda v: v / 10),
    0x0B: ("_alt", lambda v: float(_s16(v))), 0x16: ("adc1", int), 0x17: ("adc2", int),
    0x18: ("adc3", int), 0x19: ("battery", lambda v: v / 100), 0x1A: ("power", lambda v: v / 100),
    0x02: ("_lat", lambda v: _s32(v) / 1e6), 0x03: ("_lon", lambda v: _s32(v) / 1e6),
    0x04: ("_time", int), 0x05: ("_valid", int), 0x0C: ("odometer", int),
    0x0D: ("hours", lambda v: v * 1000), 0xFEF4: ("_engine", lambda v: v * _MINUTE_MS),
}

_VARIABLE: dict[int, Callable[[bytes, dict[str, Any]], None]] = {
    0xFE31: _image, 0xFE73: _tags, 0xFEA8: _batteries,
}


def _params(data: bytes, pos: int, end: int, values: dict[str, Any]) -> None:
    for size in (1, 2, 4, 0):
        if pos >= end:
            raise MalformedError("meitrack: CCE record cut short")
        count = data[pos]
        pos += 1
        for _ in range(count):
            if pos >= end:
                raise MalformedError("meitrack: CCE record cut short")
            pid = data[pos]
            if pid == 0xFE:
                pid = 0xFE00 | data[pos + 1] if pos + 1 < end else -1
                pos += 1
            pos += 1
            length = size or (data[pos] if pos < end else 0)
            if not size:
                pos += 1
            if pos + length > end or pid < 0:
                raise MalformedError("meitrack: CCE parameter cut short")
            raw = data[pos:pos + length]
            pos += length
            if pid == 0x01:
                event_attributes(raw[0], values)
            elif size and pid in _NUMBERS:
                key, convert = _NUMBERS[pid]
                values[key] = convert(int.from_bytes(raw, "little"))
            elif not size and pid in _VARIABLE:
                _VARIABLE[pid](raw, values)


def decode_cce_record(imei: str, data: bytes, pos: int, end: int) -> Position:
    values: dict[str, Any] = {}
    _params(data, pos, end, values)
    lat, lon = values.pop("_lat", 0.0), values.pop("_lon", 0.0)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise MalformedError("meitrack: CCE coordinates out of range")
    engine = values.pop("_engine", None)
    if engine is not None:
        values["hours"] = engine
    fix_time = EPOCH_2000 + timedelta(seconds=values.pop("_time", 0))
    return Position(
        device_id=imei, protocol=PROTOCOL, fix_time=fix_time, valid=values.pop("_valid", 0) == 1,
        lat=lat, lon=lon, altitude_m=values.pop("_alt", None),
        speed_kmh=values.pop("_speed", None), course_deg=values.pop("_course", None),
        satellites=values.pop("_sat", None), hdop=values.pop("_hdop", None), attributes=values)
