"""Query parameters: parsed here once, every failure a clear 400.

Cursors are opaque (base64url of a small JSON array) and exact: they carry the
whole key of the last row (microseconds for times).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
from litestar.exceptions import ValidationException

__all__ = ["BadRequest", "text", "moment", "time_range", "bbox", "encode_cursor", "decode_cursor",
           "micros", "from_micros"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_TEXT = 256


class BadRequest(ValidationException):
    """400 with a message naming the parameter."""

    def __init__(self, message: str) -> None:
        super().__init__(detail=message)


def text(name: str, value: str | None, max_length: int = MAX_TEXT) -> str | None:
    """A text parameter: no control characters (a NUL never reaches PostgreSQL), bounded."""
    if value is None:
        return None
    if len(value) > max_length:
        raise BadRequest(f"{name}: longer than {max_length} characters")
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise BadRequest(f"{name}: control characters are not allowed")
    return value


def moment(name: str, value: str | None) -> datetime | None:
    """ISO 8601 (a time without zone is UTC) or epoch seconds; years 1..9999."""
    if value is None or value == "":
        return None
    raw = value.strip().replace(" ", "+")  # a '+' in a query string arrives as a space
    if len(raw) > 64:
        raise BadRequest(f"{name}: not an ISO 8601 time or epoch seconds")
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        if raw.lstrip("-").replace(".", "", 1).isdigit():
            result = EPOCH + timedelta(seconds=float(raw))
        else:
            result = datetime.fromisoformat(raw)
            if result.tzinfo is None:
                result = result.replace(tzinfo=timezone.utc)
            result = result.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise BadRequest(f"{name}: not an ISO 8601 time or epoch seconds "
                         "(years 1 to 9999), e.g. 2024-05-01T12:00:00Z") from None
    return result


def time_range(start: str | None, end: str | None, *, required: bool = False,
               max_days: float | None = None) -> tuple[datetime | None, datetime | None]:
    t0, t1 = moment("from", start), moment("to", end)
    if required and (t0 is None or t1 is None):
        raise BadRequest("from and to are required here")
    if t0 is not None and t1 is not None:
        if t1 < t0:
            raise BadRequest("to: earlier than from")
        if max_days is not None and t1 - t0 > timedelta(days=max_days):
            raise BadRequest(f"to: the range is longer than {max_days:g} days")
    return t0, t1


def bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``min_lon,min_lat,max_lon,max_lat`` (GeoJSON's order)."""
    if value is None or value == "":
        return None
    parts = value.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise BadRequest("bbox: expected min_lon,min_lat,max_lon,max_lat") from None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise BadRequest("bbox: longitudes within -180..180, latitudes within -90..90, min <= max")
    return west, south, east, north


def micros(value: datetime) -> int:
    delta = value - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


_cursor_decode = msgspec.json.Decoder(list).decode


def encode_cursor(kind: str, *key: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([kind, *key])).rstrip(b"=").decode()


def decode_cursor(kind: str, value: str | None, types: str) -> list[Any] | None:
    """The key in a cursor made by ``encode_cursor(kind, ...)``; 400 otherwise.
    ``types``: one letter per key part: t (time, microseconds), s (text), i (int64)."""
    if value is None or value == "":
        return None
    try:
        if len(value) > 1024:
            raise ValueError
        data = _cursor_decode(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        if len(data) != len(types) + 1 or data[0] != kind:
            raise ValueError
        key = data[1:]
        for index, (item, tp) in enumerate(zip(key, types)):
            if tp == "s":
                if type(item) is not str or len(item) > MAX_TEXT or "\x00" in item:
                    raise ValueError
            elif type(item) is not int or not -(1 << 63) <= item < 1 << 63:
                raise ValueError
            elif tp == "t":
                if not _MIN_MICROS <= item <= _MAX_MICROS:
                    raise ValueError
                key[index] = from_micros(item)
        return key
    except (ValueError, TypeError, binascii.Error, msgspec.DecodeError, OverflowError):
        raise BadRequest("after: not a cursor of this list (use the 'next' link as given)") from None


_MIN_MICROS = micros(datetime(1, 1, 2, tzinfo=timezone.utc))
_MAX_MICROS = micros(datetime(9999, 12, 30, tzinfo=timezone.utc))
