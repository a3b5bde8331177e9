"""Binary @Track frames.

``+RSP``/``+BSP`` (report, live/buffered) and ``+EVT``/``+BVT`` (event):
``<header 4><message type 1><report mask 4><length 2><device type 1>
<protocol version 2><firmware version 2><IMEI 8 (integer)><battery % 1>
<power mV 2><motion state 1><satellites 1>`` then type-specific fields and
position blocks ``<speed 3: km/h 2 + tenths 1><azimuth 2><altitude 2 (signed m)>
<longitude 4><latitude 4 (signed, 1e-6 degree)><GPS time: year 2, month, day,
hour, minute, second><MCC 2><MNC 2><LAC 2><cell 2><reserved 1>``.

The type-specific fields between the satellites and the first block are not
documented for every message type; blocks are found by their anchor (two
in-range coordinates followed by a valid UTC time), as in the text decoder.
The speed's third byte holds tenths (0x0016 0x01 = 22.1 km/h, seen on
moving units; the fact sheet's "3 bytes of 0.1 km/h" would read 563.3 km/h).
When the report mask announces a device name (bit 6) the fixed header is not
decoded (its position is model dependent) and the session's identity is used.

``+INF``/``+BNF`` become a status event (device type, protocol and firmware
versions). ``+HBD``, ``+CRD``, ``+BRD``, ``+LGN``, binary ``+ACK`` and the newer
``2B 00`` record frames are recognised but not decoded (``UnknownMessage``);
the ``2B 00`` envelope still yields the IMEI (8 bytes BCD after the flags).
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .._binary import imei_from_bcd
from .._errors import MalformedError
from .._records import Event, Position
from .constants import PROTOCOL

if TYPE_CHECKING:
    from .decode import FrameResult

__all__ = ["decode_binary"]

UTC = timezone.utc
_FIX = struct.Struct(">iiHBBBBB")        # lon, lat, year, month, day, hour, minute, second
_MOTION = struct.Struct(">BHBB")          # battery %, power mV, motion, satellites
_REPORTS = frozenset((b"+RSP", b"+BSP", b"+EVT", b"+BVT"))
_INFO = frozenset((b"+INF", b"+BNF"))
_NAME_BIT = 1 << 6
_FIXED_END = 29                           # end of the fixed header of reports
_BLOCK_TAIL = 9                           # MCC, MNC, LAC, cell, reserved


def _fix_at(frame: bytes, p: int) -> tuple[float, float, datetime] | None:
    if p < 7 or p + _FIX.size > len(frame):
        return None
    lon, lat, year, month, day, hour, minute, second = _FIX.unpack_from(frame, p)
    if not (-180_000_000 <= lon <= 180_000_000 and -90_000_000 <= lat <= 90_000_000):
        return None
    if not 2000 <= year <= 2099 or (lon == 0 and lat == 0):
        return None
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    return lon / 1e6, lat / 1e6, moment


def _blocks(frame: bytes, start: int, imei: str, attrs: dict[str, Any],
            satellites: int | None) -> list[Position]:
    positions: list[Position] = []
    p = start
    while p + _FIX.size <= len(frame):
        found = _fix_at(frame, p)
        if found is None:
            p += 1
            continue
        lon, lat, moment = found
        speed = int.from_bytes(frame[p - 7:p - 5], "big") + frame[p - 5] / 10.0
        course = int.from_bytes(frame[p - 4:p - 2], "big")
        altitude = int.from_bytes(frame[p - 2:p], "big", signed=True)
        positions.append(Position(
            device_id=imei, protocol=PROTOCOL, fix_time=moment, valid=True, lat=lat, lon=lon,
            altitude_m=float(altitude), speed_kmh=speed, satellites=satellites,
            course_deg=float(course) if course <= 360 else None, attributes=attrs))
        p += _FIX.size + _BLOCK_TAIL
    return positions


def _report(frame: bytes, device_id: str | None, now: datetime) -> FrameResult:
    from .decode import FrameResult

    mask = int.from_bytes(frame[5:9], "big")
    attrs: dict[str, Any] = {"type": frame[4]}
    imei = device_id
    start = 11
    satellites = None
    if not mask & _NAME_BIT and len(frame) >= _FIXED_END:
        imei = f"{int.from_bytes(frame[16:24], 'big'):015d}"
        battery, power, motion, satellites = _MOTION.unpack_from(frame, 24)
        if battery <= 100:
            attrs["batteryLevel"] = battery
        attrs["power"] = power / 1000.0
        attrs["motion"] = motion & 0x0F == 2
        start = _FIXED_END
    if imei is None:
        return FrameResult(imei=None, kind=frame[:4].decode("latin-1"))
    if frame[:4] in (b"+BSP", b"+BVT"):
        attrs["archive"] = True
    positions = _blocks(frame, start + 7, imei, attrs, satellites)
    if positions:
        return FrameResult(imei=imei, positions=tuple(positions))
    event = Event(device_id=imei, protocol=PROTOCOL, time=now, type="status", attributes=attrs)
    return FrameResult(imei=imei, events=(event,))


def _info(frame: bytes, device_id: str | None, now: datetime) -> FrameResult:
    from .decode import FrameResult

    if device_id is None or len(frame) < 22:
        return FrameResult(imei=device_id, kind="+INF")
    attrs = {"deviceType": frame[17], "protocolVersion": frame[18:20].hex().upper(),
             "versionFw": frame[20:22].hex().upper()}
    event = Event(device_id=device_id, protocol=PROTOCOL, time=now, type="status", attributes=attrs)
    return FrameResult(imei=device_id, events=(event,))


def _records_envelope(frame: bytes) -> str | None:
    """IMEI of a ``2B 00`` frame: 8 bytes BCD after the flags (and frame counters)."""
    offset = 7 if frame[4] & 0x80 else 5
    if len(frame) < offset + 8:
        return None
    try:
        return imei_from_bcd(frame[offset:offset + 8])
    except MalformedError:
        return None


def decode_binary(frame: bytes, last: Position | None, now: datetime,
                  device_id: str | None = None) -> FrameResult:
    from .decode import FrameResult

    del last  # binary reports always carry their fix or nothing
    if len(frame) < 11:
        raise MalformedError("gl200: binary frame too short", data=frame)
    head = frame[:4]
    if frame[1] == 0:
        return FrameResult(imei=_records_envelope(frame), kind="2B00")
    if head in _REPORTS:
        return _report(frame, device_id, now)
    if head in _INFO:
        return _info(frame, device_id, now)
    return FrameResult(imei=device_id, kind=head.decode("latin-1"))
