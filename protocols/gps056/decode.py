"""GPS056 bodies: GPSL position, SYNC status block.

GPSL: date DD MM YY, time hh mm ss (binary, UTC), latitude and longitude as
``u16 degrees*100 + minutes | u16 minute fraction * 10000 | N/S (E/W)``,
speed u8 (km/h), course u16, status block (6), echo (2, copied into the reply).
Status block: inputs u8, outputs u8, ADC s16 little-endian (x 5.06 -> mV),
satellites u8, GSM signal u8. The fields are ``_catalogue.GPSL_FIELDS`` and
``_catalogue.STATUS_BLOCK``.

Accepted forms: date and time as binary bytes (year 2000 + YY), UTC;
coordinates: any minutes / fraction values (as Traccar reads them), ``S``/``W``
negative, any other hemisphere byte positive; the result must lie within
+-90 / +-180 degrees; course above 360 -> unknown (None).
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone

from .._errors import MalformedError
from .._records import Event, Position
from ._catalogue import STATUS_BLOCK

__all__ = ["PROTOCOL", "GPSL_SIZE", "STATUS_SIZE", "decode_location", "decode_status", "status_attributes"]

PROTOCOL = "gps056"
UTC = timezone.utc
STATUS_SIZE = 6
GPSL_SIZE = 27
_COORD = struct.Struct(">HHc")
_STATUS = tuple((f.key, f.offset, struct.Struct(f.fmt), f.scale) for f in STATUS_BLOCK if f.fmt)


def status_attributes(data: bytes, offset: int) -> dict:
    if len(data) < offset + STATUS_SIZE:
        raise MalformedError("gps056: truncated status block", data=data)
    attrs = {}
    for key, at, fmt, scale in _STATUS:
        value = fmt.unpack_from(data, offset + at)[0]
        attrs[key] = value * scale if scale != 1 else value
    return attrs


def _coordinate(data: bytes, offset: int, negative: bytes) -> float:
    whole, fraction, hemisphere = _COORD.unpack_from(data, offset)
    value = whole // 100 + (whole % 100 + fraction / 10000.0) / 60.0
    return -value if hemisphere == negative else value


def decode_location(body: bytes, device_id: str) -> tuple[Position, bytes]:
    """(Position, the two echo bytes) of a GPSL body."""
    if len(body) < GPSL_SIZE:
        raise MalformedError("gps056: truncated GPSL body", data=body)
    day, month, year, hour, minute, second = body[0:6]
    try:
        fix_time = datetime(2000 + year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise MalformedError("gps056: invalid date", data=body[0:6]) from None
    lat = _coordinate(body, 6, b"S")
    lon = _coordinate(body, 11, b"W")
    if abs(lat) > 90.0 or abs(lon) > 180.0:
        raise MalformedError("gps056: coordinates out of range", data=body[6:16])
    course = int.from_bytes(body[17:19], "big")
    attrs = status_attributes(body, 19)
    satellites = attrs.pop("sat")
    position = Position(device_id=device_id, protocol=PROTOCOL, fix_time=fix_time, valid=True,
                        lat=lat, lon=lon, speed_kmh=float(body[16]),
                        course_deg=float(course) if course <= 360 else None,
                        satellites=satellites, attributes=attrs)
    return position, body[25:27]


def decode_status(body: bytes, device_id: str, now: datetime) -> Event:
    return Event(device_id=device_id, protocol=PROTOCOL, time=now, type="status",
                 attributes=status_attributes(body, 0))
