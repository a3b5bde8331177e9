"""The tag table: tag -> (value size, handler), little-endian values.

A handler gets the record being built, the packet and the value's offset.
``VARIABLE`` tags carry their own length (``0xE1``/``0xEA``: 1 byte, ``0xFE``:
2 bytes). One tag missing from this table makes the rest of a packet
unreadable, so the table lists every tag of the vendor manual with its size
(Traccar's list); tags without a meaning here are skipped by size.
"""

from __future__ import annotations

import struct
from typing import Any, Callable

__all__ = ["Record", "TAGS", "VARIABLE", "read_variable"]

_U8 = struct.Struct("<B")
_I8 = struct.Struct("<b")
_U16 = struct.Struct("<H")
_I16 = struct.Struct("<h")
_U32 = struct.Struct("<I")
_COORDS = struct.Struct("<Bii")
_SPEED = struct.Struct("<HH")
VARIABLE = -1


class Record:
    """Fields of one record while its tags are read."""

    __slots__ = ("time", "lat", "lon", "valid", "satellites", "speed", "course", "altitude",
                 "hdop", "imei", "attrs")

    def __init__(self) -> None:
        self.time: int | None = None
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


def _skip(rec: Record, data: bytes, off: int) -> None:
    return None


def _attr(key: str, reader: struct.Struct, convert: Callable[[int], Any] = lambda v: v) -> Handler:
    unpack = reader.unpack_from

    def handler(rec: Record, data: bytes, off: int) -> None:
        rec.attrs[key] = convert(unpack(data, off)[0])
    return handler


def _imei(rec: Record, data: bytes, off: int) -> None:
    raw = data[off : off + 15]
    text = raw.decode("latin-1")
    rec.imei = text if text.isdigit() else raw.hex()


def _time(rec: Record, data: bytes, off: int) -> None:
    rec.time = _U32.unpack_from(data, off)[0]


def _coords(rec: Record, data: bytes, off: int) -> None:
    flags, lat, lon = _COORDS.unpack_from(data, off)
    rec.valid = flags >> 4 == 0
    rec.satellites = flags & 0x0F
    rec.lat, rec.lon = lat / 1e6, lon / 1e6


def _speed(rec: Record, data: bytes, off: int) -> None:
    speed, course = _SPEED.unpack_from(data, off)
    rec.speed, rec.course = speed / 10, course / 10


def _altitude(rec: Record, data: bytes, off: int) -> None:
    rec.altitude = float(_I16.unpack_from(data, off)[0])


def _hdop(rec: Record, data: bytes, off: int) -> None:
    rec.hdop = data[off] / 10


def _ibutton(rec: Record, data: bytes, off: int) -> None:
    """0x90: iButton key number (decimal); 0 means no key attached."""
    value = _U32.unpack_from(data, off)[0]
    if value:
        rec.attrs["driverUniqueId"] = str(value)


def _can_engine(rec: Record, data: bytes, off: int) -> None:
    """0xC1: fuel level (0.4 %), coolant temperature (-40 C), rpm (0.125)."""
    fuel, coolant, rpm = struct.unpack_from("<BBH", data, off)
    rec.attrs["fuel"] = fuel * 0.4
    rec.attrs["temp1"] = coolant - 40
    rec.attrs["rpm"] = rpm * 0.125


TAGS: dict[int, tuple[int, Handler]] = {
    0x01: (1, _attr("versionHw", _U8)),
    0x02: (1, _attr("versionFw", _U8)),
    0x03: (15, _imei),
    0x04: (2, _attr("deviceId", _U16)),
    0x10: (2, _attr("index", _U16)),
    0x20: (4, _time),
    0x30: (9, _coords),
    0x33: (4, _speed),
    0x34: (2, _altitude),
    0x35: (1, _hdop),
    0x40: (2, _attr("status", _U16)),
    0x41: (2, _attr("power", _U16, lambda v: v / 1000)),
    0x42: (2, _attr("battery", _U16, lambda v: v / 1000)),
    0x43: (1, _attr("deviceTemp", _I8)),
    0x44: (4, _attr("acceleration", _U32)),
    0x45: (2, _attr("output", _U16)),
    0x46: (2, _attr("input", _U16)),
    0x48: (2, _attr("statusExtended", _U16)),
    0x58: (2, _attr("rs2320", _U16)),
    0x59: (2, _attr("rs2321", _U16)),
    0x90: (4, _ibutton),
    0xC0: (4, _attr("fuelTotal", _U32, lambda v: v * 0.5)),
    0xC1: (4, _can_engine),
    0xC2: (4, _attr("canB0", _U32)),
    0xC3: (4, _attr("canB1", _U32)),
    0xD4: (4, _attr("odometer", _U32)),
    0xE0: (4, _attr("index", _U32)),
    0x47: (4, _skip), 0x5A: (4, _skip), 0xD3: (4, _skip),
    0x5B: (7, _skip), 0x5C: (68, _skip), 0xFD: (8, _skip),
    0xD5: (1, _skip), 0x5D: (3, _skip), 0xFA: (3, _skip),
    0xE1: (VARIABLE, _skip), 0xEA: (VARIABLE, _skip), 0xFE: (VARIABLE, _skip),
}


def _fill(first: int, last: int, size: int, make: Callable[[int], Handler]) -> None:
    for tag in range(first, last + 1):
        TAGS[tag] = (size, make(tag))


_fill(0x50, 0x57, 2, lambda t: _attr(f"adc{t - 0x50}", _U16))
_fill(0x60, 0x62, 2, lambda t: _attr(f"fuel{t - 0x60}", _U16))
_fill(0xC4, 0xD2, 1, lambda t: _attr(f"can8BitR{t - 0xC4}", _U8))
_fill(0xA0, 0xAF, 1, lambda t: _attr(f"can8BitR{t - 0xA0 + 15}", _U8))
_fill(0xD6, 0xDA, 2, lambda t: _attr(f"can16BitR{t - 0xD6}", _U16))
_fill(0xB0, 0xB9, 2, lambda t: _attr(f"can16BitR{t - 0xB0 + 5}", _U16))
_fill(0xDB, 0xDF, 4, lambda t: _attr(f"can32BitR{t - 0xDB}", _U32))
_fill(0xF0, 0xF9, 4, lambda t: _attr(f"can32BitR{t - 0xF0 + 5}", _U32))
_fill(0xE2, 0xE9, 4, lambda t: _attr(f"userData{t - 0xE2}", _U32))
_fill(0x88, 0x8C, 1, lambda t: _skip)
_fill(0x70, 0x77, 2, lambda t: _skip)
_fill(0x63, 0x6F, 3, lambda t: _skip)
_fill(0x80, 0x87, 3, lambda t: _skip)


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
    if tag == 0xE1:
        rec.attrs["result"] = raw.decode("latin-1").strip()
    elif tag == 0xEA:
        rec.attrs["userDataArray"] = raw.hex()
    return off + length
