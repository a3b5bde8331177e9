"""Tag readers, built from the tag table in ``_catalogue.py``.

``TAGS``: tag -> (value size, handler); a handler gets the record being
built, the packet and the value's offset (little-endian values).
``VARIABLE`` tags carry their own length and are read by ``read_variable``.
"""

from __future__ import annotations

import struct
from typing import Any, Callable

from ._catalogue import EXTENDED_ROWS, TAG_ROWS, VARIABLE

__all__ = ["Record", "TAGS", "VARIABLE", "read_variable", "count_unknown"]

_U16 = struct.Struct("<H")
_I16 = struct.Struct("<h")
_U32 = struct.Struct("<I")
_COORDS = struct.Struct("<Bii")
_SPEED = struct.Struct("<HH")
_THERMO_OFF = (127, -128)   # identifier 127 with -128 C: the thermometer is disconnected


class Record:
    """Fields of one record while its tags are read."""

    __slots__ = ("time", "millis", "lat", "lon", "valid", "satellites", "speed", "course",
                 "altitude", "hdop", "imei", "attrs")

    def __init__(self) -> None:
        self.time: int | None = None
        self.millis = 0
        self.lat: float | None = None
        self.lon = 0.0
        self.valid = False
        self.satellites: int | None = None
        self.speed: float | None = None
        self.course: float | None = None
        self.altitude: float | None = None
        self.hdop: float | None = None
        self.imei: str | None = None
        self.attrs: dict[str, Any] = {}


Handler = Callable[[Record, bytes, int], None]


def _scaler(scale: "float | tuple[int, int] | None") -> Callable[[int], int | float]:
    if scale is None:
        return lambda v: v
    if isinstance(scale, tuple):
        return lambda v: v * scale[0] / scale[1]
    inverse = 1 / scale
    if scale < 1 and abs(inverse - round(inverse)) < 1e-9:
        divisor = round(inverse)
        return lambda v: v / divisor
    return lambda v: v * scale


def _number(key: str, size: int, signed: bool, scale: "float | tuple[int, int] | None") -> Handler:
    scaled = _scaler(scale)

    def handler(rec: Record, data: bytes, off: int) -> None:
        raw = int.from_bytes(data[off : off + size], "little", signed=signed)
        rec.attrs[key] = scaled(raw)
    return handler


def _hex(key: str, size: int) -> Handler:
    def handler(rec: Record, data: bytes, off: int) -> None:
        rec.attrs[key] = data[off : off + size].hex()
    return handler


def _decimal(key: str, size: int) -> Handler:
    """iButton key number as decimal text; 0 means no key attached."""
    def handler(rec: Record, data: bytes, off: int) -> None:
        value = int.from_bytes(data[off : off + size], "little")
        if value:
            rec.attrs[key] = str(value)
    return handler


def _imei(rec: Record, data: bytes, off: int) -> None:
    raw = data[off : off + 15]
    text = raw.decode("latin-1")
    rec.imei = text if text.isdigit() else raw.hex()


def _time(rec: Record, data: bytes, off: int) -> None:
    rec.time = _U32.unpack_from(data, off)[0]


def _millis(rec: Record, data: bytes, off: int) -> None:
    """0x21: 0..999 ms completing 0x20 (larger values are not milliseconds: ignored)."""
    value = _U16.unpack_from(data, off)[0]
    rec.millis = value if value < 1000 else 0


def _coords(rec: Record, data: bytes, off: int) -> None:
    """Satellites (low 4 bits), correctness (high 4 bits: 0 GNSS, 2 cell
    towers, else not correct), latitude, longitude (1e-6 degree, signed)."""
    flags, lat, lon = _COORDS.unpack_from(data, off)
    rec.valid = flags >> 4 == 0
    rec.satellites = flags & 0x0F
    rec.lat, rec.lon = lat / 1e6, lon / 1e6
    if flags >> 4 == 2:
        rec.attrs["cellPosition"] = True


def _speed(rec: Record, data: bytes, off: int) -> None:
    speed, course = _SPEED.unpack_from(data, off)
    rec.speed, rec.course = speed / 10, course / 10


def _altitude(rec: Record, data: bytes, off: int) -> None:
    rec.altitude = float(_I16.unpack_from(data, off)[0])


def _hdop(rec: Record, data: bytes, off: int) -> None:
    rec.hdop = data[off] / 10


def _can_a1(rec: Record, data: bytes, off: int) -> None:
    """0xC1: fuel level (0.4 %), coolant temperature (-40 C), rpm (0.125)."""
    fuel, coolant, rpm = struct.unpack_from("<BBH", data, off)
    rec.attrs["fuel"] = fuel * 0.4
    rec.attrs["temp1"] = coolant - 40
    rec.attrs["rpm"] = rpm * 0.125


def _fuel_temp(key: str) -> Handler:
    """RS485 [3..15]: relative fuel level (2 bytes) and temperature (signed byte)."""
    n = key[4:]

    def handler(rec: Record, data: bytes, off: int) -> None:
        level, temp = struct.unpack_from("<Hb", data, off)
        rec.attrs[key] = level
        rec.attrs[f"fuelTemp{n}"] = temp
    return handler


def _thermometer(key: str) -> Handler:
    """Identifier (byte), temperature (signed byte, C); 127/-128 = disconnected."""
    def handler(rec: Record, data: bytes, off: int) -> None:
        ident, temp = struct.unpack_from("<Bb", data, off)
        rec.attrs[key + "Id"] = ident
        if (ident, temp) != _THERMO_OFF:
            rec.attrs[key] = temp
    return handler


def _ds1923(key: str) -> Handler:
    """Identifier, temperature (signed, C), humidity (x 100 / 255 %)."""
    def handler(rec: Record, data: bytes, off: int) -> None:
        ident, temp, humidity = struct.unpack_from("<Bbb", data, off)
        rec.attrs[key + "Id"] = ident
        rec.attrs[key + "Temp"] = temp
        rec.attrs[key + "Humidity"] = (humidity & 0xFF) * 100 / 255
    return handler


def _eco(rec: Record, data: bytes, off: int) -> None:
    """0x47 EcoDrive: acceleration, braking, cornering, bumps; 100 = 1 g."""
    for name, value in zip(("Acceleration", "Braking", "Cornering", "Bumps"), data[off : off + 4]):
        rec.attrs["eco" + name] = value / 100


_SPECIAL: dict[str, Handler] = {
    "imei": _imei, "time": _time, "millis": _millis, "coords": _coords, "speed": _speed,
    "altitude": _altitude, "hdop": _hdop, "canA1": _can_a1, "eco": _eco}
_FAMILIES: dict[str, Callable[[str], Handler]] = {
    "fuelTemp": _fuel_temp, "thermometer": _thermometer, "ds1923": _ds1923}


def _make(size: int, key: str, kind: str, scale: "float | tuple[int, int] | None") -> Handler:
    if kind in _SPECIAL:
        return _SPECIAL[kind]
    if kind in _FAMILIES:
        return _FAMILIES[kind](key)
    if kind == "x":
        return _hex(key, size)
    if kind == "d":
        return _decimal(key, size)
    return _number(key, size, kind == "s", scale)


def _skip(rec: Record, data: bytes, off: int) -> None:
    return None


TAGS: dict[int, tuple[int, Handler]] = {
    tag: (size, _skip if size == VARIABLE else _make(size, key, kind, scale))
    for tag, size, key, kind, scale, _name in TAG_ROWS}
#: variable-length tags: tag -> (key, kind)
_VARIABLE_KINDS = {tag: (key, kind) for tag, size, key, kind, _s, _n in TAG_ROWS if size == VARIABLE}


def _extended(rec: Record, raw: bytes) -> None:
    """0xFE: (2-byte tag, value) pairs. An extended tag outside the table ends
    the reading (its size is unknown): the rest is kept as ``io254_<tag>``."""
    off = 0
    while off + 2 <= len(raw):
        tag = _U16.unpack_from(raw, off)[0]
        off += 2
        row = EXTENDED_ROWS.get(tag)
        if row is None or off + row[0] > len(raw):
            rec.attrs[f"io254_{tag}"] = raw[off:].hex()
            return
        size, key, kind, scale = row
        value = raw[off : off + size]
        off += size
        if kind == "text":
            rec.attrs[key] = value.decode("latin-1").strip("\x00 ")
        elif kind == "x":
            rec.attrs[key] = value.hex()
        elif kind == "tempExt":  # sensor ID (2), temperature (signed, 1/256 C)
            ident, temp = struct.unpack("<Hh", value)
            rec.attrs[key + "Id"] = ident
            rec.attrs[key] = temp / 256
        elif kind == "satellites":  # visible, used, mean SNR, max SNR
            rec.attrs.update({key + "Visible": value[0], key + "Used": value[1],
                              key + "SnrMean": value[2], key + "SnrMax": value[3]})
        else:
            rec.attrs[key] = _scaler(scale)(int.from_bytes(value, "little"))


def read_variable(tag: int, data: bytes, off: int, end: int, rec: Record) -> int:
    """A tag with its own length at ``off``; returns the offset after it."""
    if tag == 0xFE:
        length = _U16.unpack_from(data, off)[0]
        off += 2
    else:
        length = data[off]
        off += 1
    if off + length > end:
        raise IndexError("variable-length tag beyond the packet")
    raw = data[off : off + length]
    key, kind = _VARIABLE_KINDS[tag]
    if kind == "text":
        rec.attrs[key] = raw.decode("latin-1").strip()
    elif kind == "hex":
        rec.attrs[key] = raw.hex()
    else:
        _extended(rec, raw)
    return off + length


def count_unknown(attrs: dict[str, Any]) -> int:
    """Items outside the catalogue: ``io<tag>`` and ``io254_<extended tag>`` keys."""
    return sum(1 for key in attrs if key[:2] == "io" and key[2:].replace("_", "").isdigit())
