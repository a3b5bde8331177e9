"""Decoding Wialon IPS packets: the envelope, data bodies, the CRC field.

``split_packet`` reads ``[<version>;][<id>]#<TYPE>#<msg>``. ``parse_body``
turns one SD or D body (its fields, CRC removed) into a ``Position``; when the
coordinates are ``NA`` the position is placed at the session's last known
location (``valid`` false, ``outdated`` true, as Traccar does), or, before
any location is known, becomes an ``Event`` of type ``status``.

Accepted forms (columns: ``constants.BODY_COLUMNS``): date ``DDMMYY`` or
``DDMMYYYY``; time ``HHMMSS`` or ``HHMMSS.n...`` (v2.1 fractions); ``NA`` or
an empty field = no value (date/time -> server time); coordinates
``D...DMM.M...`` with any number of degree digits; speed, course, height as
integers or decimals (height may be negative); a D body may stop after
``sats`` or after any later column; columns after ``params`` are kept as
``field<n>`` and counted as unknown items; CRC16 forms: see connection.py. Field errors
raise ``AnswerError`` carrying the protocol's answer code (``0`` time,
``10`` coordinates, ``11`` speed/course/height, ``12`` satellites, ``-1``
structure), which the connection sends back instead of ``1``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple

from .._checksum import crc16_arc
from .._errors import MalformedError
from .._records import Event, Position
from .._text import (check_latlon, opt_float, opt_int, parse_date, parse_date4, parse_float,
                     parse_int, parse_time, signed)
from ._params import parse_params
from .constants import (COORDINATES_ERROR, D_FIELDS, MOTION_ERROR, PROTOCOL, SATELLITES_ERROR,
                        SD_FIELDS, STRUCTURE_ERROR, TIME_ERROR)

__all__ = ["Packet", "AnswerError", "split_packet", "text_of", "crc_matches", "parse_body",
           "crc_field", "LastLocation"]

_HEX = frozenset("0123456789ABCDEFabcdef")
_NA = ("NA", "")


class AnswerError(MalformedError):
    """A data body the protocol answers with an error code (no record)."""

    def __init__(self, code: str, message: str, data: bytes = b"") -> None:
        super().__init__(message, data=data)
        self.code = code


class Packet(NamedTuple):
    version: str | None  # "2.0" when a UDP packet carries it
    device_id: str | None  # id written before the first '#'
    type: str
    msg: bytes


def text_of(raw: bytes) -> str:
    """UTF-8 (Cyrillic parameter names are common), else Latin-1: never fails."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def split_packet(line: bytes) -> Packet:
    first = line.find(b"#")
    second = line.find(b"#", first + 1) if first >= 0 else -1
    kind = line[first + 1:second] if second > 0 else b""
    if not (1 <= len(kind) <= 3 and kind.isalpha() and kind.isupper()):
        raise MalformedError("wialon: not a #TYPE# packet", data=line)
    prefix = text_of(line[:first]).strip()
    version, sep, ident = prefix.rpartition(";")
    if not sep and "." in ident:
        version, ident = ident, ""
    return Packet(version or None, ident or None, kind.decode("ascii"), line[second + 1:])


def crc_field(text: str) -> bool:
    return len(text) == 4 and _HEX.issuperset(text)


def crc_matches(msg: bytes, crc_text: str) -> bool:
    """Does the CRC-16/ARC of ``msg`` minus its last ``len(crc_text)`` bytes match?"""
    covered = msg[: len(msg) - len(crc_text.encode())]
    return crc16_arc(covered) == int(crc_text, 16)


def _fix_time(date: str, time: str, now: datetime) -> datetime:
    now = now.astimezone(timezone.utc)
    try:
        day = now.date() if date in _NA else (parse_date4 if len(date) == 8 else parse_date)(date)
        moment = now.timetz() if time in _NA else parse_time(time)
    except MalformedError:
        raise AnswerError(TIME_ERROR, "wialon: bad date or time") from None
    return datetime.combine(day, moment)


def _dm(text: str, hemisphere: str, limit: float) -> float:
    """``d+mm.mmmm``; unlike ``parse_dm`` minutes up to 99.99 pass (devices send
    them, Traccar takes them: ``5364.0167`` is 53 deg + 64.0167 min)."""
    whole, _, frac = text.partition(".")
    if len(whole) < 2 or not whole.isdigit() or (frac and not frac.isdigit()):
        raise MalformedError("wialon: bad coordinate")
    degrees = parse_int(whole[:-2]) if len(whole) > 2 else 0
    minutes = parse_float(f"{whole[-2:]}.{frac or '0'}")
    return check_latlon(signed(degrees + minutes / 60.0, hemisphere), limit, text)


def _coordinates(f: list[str]) -> tuple[float, float] | None:
    if f[2] in _NA or f[4] in _NA:
        return None
    try:
        return _dm(f[2], f[3], 90.0), _dm(f[4], f[5], 180.0)
    except MalformedError:
        raise AnswerError(COORDINATES_ERROR, "wialon: bad coordinates") from None


def _number(text: str, code: str, convert=opt_float):
    try:
        return None if text in _NA else convert(text)
    except MalformedError:
        raise AnswerError(code, f"wialon: bad field {text[:16]!r}") from None


def _extended(f: list[str], attributes: dict[str, object]) -> tuple[float | None, int]:
    """hdop, inputs, outputs, adc, ibutton, params of a D body -> attributes;
    (hdop, unknown items)."""
    extra = f[D_FIELDS:]
    f = f[:D_FIELDS] + [""] * (D_FIELDS - len(f))
    hdop = _number(f[10], STRUCTURE_ERROR)
    for key, text in (("input", f[11]), ("output", f[12])):
        value = _number(text, STRUCTURE_ERROR, opt_int)
        if value is not None:
            attributes[key] = value
    if f[13] not in _NA:
        for n, item in enumerate(f[13].split(","), 1):
            value = _number(item, STRUCTURE_ERROR)
            if value is not None:
                attributes[f"adc{n}"] = value
    if f[14] not in _NA:
        attributes["driverUniqueId"] = f[14]
    params, unknown = parse_params(f[15])
    attributes.update(params)
    for n, text in enumerate(extra, D_FIELDS + 1):
        if text not in _NA:
            attributes[f"field{n}"] = text
            unknown += 1
    return hdop, unknown


#: the last located fix of a session: (lat, lon, altitude_m)
LastLocation = tuple[float, float, "float | None"]


def parse_body(fields: list[str], now: datetime, device_id: str, archive: bool = False,
               last: LastLocation | None = None) -> tuple[Position | Event, int]:
    """One SD (10 fields) or D (10 or more fields) body -> (record, unknown items)."""
    if len(fields) < SD_FIELDS:
        raise AnswerError(STRUCTURE_ERROR, f"wialon: {len(fields)} data fields")
    fix_time = _fix_time(fields[0], fields[1], now)
    location = _coordinates(fields)
    speed = _number(fields[6], MOTION_ERROR)
    course = _number(fields[7], MOTION_ERROR)
    height = _number(fields[8], MOTION_ERROR)
    sats = _number(fields[9], SATELLITES_ERROR, opt_int)
    attributes: dict[str, object] = {}
    hdop, unknown = _extended(fields, attributes) if len(fields) > SD_FIELDS else (None, 0)
    if archive:
        attributes["archive"] = True
    valid = sats is not None and sats >= 3
    if location is None:
        if last is None:
            return _status(device_id, fix_time, attributes, (speed, course, height, sats,
                                                             hdop)), unknown
        location, height, valid = (last[0], last[1]), last[2], False
        attributes["outdated"] = True
    return Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=fix_time,
        valid=valid, lat=location[0], lon=location[1],
        altitude_m=height, speed_kmh=speed, course_deg=course, satellites=sats, hdop=hdop,
        attributes=attributes), unknown


def _status(device_id: str, time: datetime, attributes: dict[str, object],
            values: tuple) -> Event:
    """A body without coordinates and no earlier location: a status event."""
    for key, value in zip(("speedKmh", "courseDeg", "altitudeM", "sat", "hdop"), values):
        if value is not None:
            attributes[key] = value
    return Event(device_id=device_id, protocol=PROTOCOL, time=time, type="status",
                 attributes=attributes)
