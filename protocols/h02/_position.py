"""Text positions: the ``<time>,<A|V>,<lat>,<N|S>,<lon>,<E|W>,<speed>,<course>,<date>,<status>`` run.

The run is found by its hemisphere letters, so the same code reads V1, V2, V5,
V6, V8, V19, VI1, the ``V4,<command>,...`` answers and VP1 (which has no
time). A message whose coordinates are empty or whose hemisphere fields are
not letters (``0.0000,0,...``: no fix yet) has no run: ``find_run`` gives None.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from .._errors import MalformedError
from .._text import check_latlon, parse_date, parse_float, parse_int, parse_time, signed
from ._catalogue import SENSOR_TAIL, STATUS_ALARMS, STATUS_FLAGS, UNKNOWN_KEY
from .constants import KNOT_KMH

__all__ = ["find_run", "parse_run", "parse_coordinate", "status_attributes", "parse_status",
           "tail_attributes"]

UTC = timezone.utc
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")


def find_run(fields: list[str], first: int = 3) -> int | None:
    """Index of the latitude field of the first ``lat,N|S,lon,E|W`` run, or None."""
    for j in range(max(first, 1), len(fields) - 3):
        if fields[j + 1] in ("N", "S") and fields[j + 3] in ("E", "W"):
            return j if fields[j].strip() and fields[j + 2].strip() else None
    return None


def parse_coordinate(text: str, hemisphere: str, limit: float) -> float:
    """``DDMM.MMMM``, ``-DD-MM.MMMM`` or ``DDMMmmmm`` + hemisphere -> signed degrees."""
    text = text.strip()
    if text.startswith("-"):
        degrees, sep, minutes_text = text[1:].partition("-")
        whole, _, frac = minutes_text.partition(".")
        if not sep or not _DIGITS.issuperset(whole + frac) or not whole:
            raise _bad(text)
        value, minutes = parse_int(degrees, "coordinate"), parse_float(minutes_text, "coordinate")
    elif "." in text:
        whole, _, frac = text.partition(".")
        if len(whole) < 2 or not _DIGITS.issuperset(whole + frac) or not frac:
            raise _bad(text)
        value, minutes = int(whole[:-2] or "0"), float(whole[-2:] + "." + frac)
    else:
        if len(text) < 6 or not _DIGITS.issuperset(text):
            raise _bad(text)
        value, minutes = int(text[:-6] or "0"), int(text[-6:]) / 10000.0
    if minutes >= 60.0:
        raise _bad(text)
    return check_latlon(signed(value + minutes / 60.0, hemisphere), limit, text)


def _bad(text: str) -> MalformedError:
    return MalformedError(f"h02: bad coordinate {text[:20]!r}", data=text[:32].encode("utf-8", "replace"))


def parse_status(text: str) -> int:
    if len(text) != 8 or not _HEX.issuperset(text):
        raise MalformedError(f"h02: bad status {text[:12]!r}")
    return int(text, 16)


def _active(status: int, entry) -> bool:
    return bool(status >> entry.bit & 1) != entry.active_low


def status_attributes(status: int, attrs: dict) -> dict:
    """``status`` (the whole word), ``STATUS_FLAGS`` and the first of
    ``STATUS_ALARMS`` that is active."""
    attrs["status"] = status
    for entry in STATUS_FLAGS:
        attrs[entry.key] = _active(status, entry)
    alarm = next((e for e in STATUS_ALARMS if _active(status, e)), None)
    if alarm is not None:
        attrs[alarm.key] = alarm.value
    return attrs


def _is_date(text: str) -> bool:
    return len(text) == 6 and _DIGITS.issuperset(text)


def _is_status(text: str) -> bool:
    return len(text) == 8 and _HEX.issuperset(text)


def parse_run(fields: list[str], j: int, now: datetime) -> tuple[dict, dict]:
    """The run at latitude index ``j`` -> (position keyword arguments, attributes)."""
    lat = parse_coordinate(fields[j], fields[j + 1], 90.0)
    lon = parse_coordinate(fields[j + 2], fields[j + 3], 180.0)
    validity = fields[j - 1].strip()
    time_text = fields[j - 2].strip() if j - 2 >= 3 else ""
    rest = fields[j + 4:]
    # the SinoTrack document: an empty speed or direction means 0
    speed = parse_float(rest[0].strip(), "speed") * KNOT_KMH if rest and rest[0].strip() else 0.0
    course = parse_float(rest[1].strip(), "course") if len(rest) > 1 and rest[1].strip() else 0.0
    k = 2
    if len(rest) > 3 and not _is_date(rest[2]) and _is_date(rest[3]):
        k = 3  # a battery field between course and date
    date_text = rest[k] if len(rest) > k else ""
    fix_time = _fix_time(time_text, date_text, now)
    attrs: dict = {}
    altitude = None
    tail = rest[k + 1:]
    for n, text in enumerate(tail[:4]):
        if _is_status(text):
            status_attributes(int(text, 16), attrs)
            altitude = tail_attributes(tail[n + 1:], attrs)
            break
    # validity: A valid; V/B/empty invalid; a number is a "coding scheme" (valid)
    valid = validity == "A" or (validity.isascii() and validity.isdigit())
    kwargs = dict(fix_time=fix_time, valid=valid, lat=lat, lon=lon,
                  speed_kmh=speed, course_deg=course, altitude_m=altitude)
    return kwargs, attrs


def _fix_time(time_text: str, date_text: str, now: datetime) -> datetime:
    """Forms: time ``hhmmss`` (UTC), date ``ddmmyy`` (20yy; 80-99 19yy); an
    empty date is the server's ``now``; a date without a time is its midnight."""
    if not date_text:
        return now.astimezone(UTC).replace(microsecond=0)
    day: date = parse_date(date_text)
    if not time_text:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    return datetime.combine(day, parse_time(time_text))


def tail_attributes(tail: list[str], attrs: dict) -> float | None:
    """After the status: odometer, temperature, fuel, altitude, LAC, CID (-> the altitude);
    or free fields kept as io1, io2 ... (strings)."""
    tail = [t.strip() for t in tail]
    if len(tail) == 6:
        altitude = _sensor_tail(tail, attrs)
        if altitude is not None:
            return altitude
    for n, text in enumerate(tail, 1):
        if text:
            attrs[UNKNOWN_KEY.format(n)] = text
    return None


_TAIL_KINDS = {"int": parse_int, "float": parse_float, "hex": lambda t: int(t, 16)}


def _sensor_tail(tail: list[str], attrs: dict) -> float | None:
    """``SENSOR_TAIL``: odometer, temperature, fuel (with a point), altitude,
    LAC and CID (hex) -> attributes and the altitude; None when it is not that."""
    odometer, _, fuel, _, lac, cid = tail
    if not (odometer.isascii() and odometer.isdigit() and "." in fuel and lac and cid
            and _HEX.issuperset(lac) and _HEX.issuperset(cid) and len(lac + cid) <= 16):
        return None
    try:
        values = {key: _TAIL_KINDS[kind](text) for (key, kind), text in zip(SENSOR_TAIL, tail)}
    except (MalformedError, ValueError):
        return None
    altitude = values.pop("altitude_m")
    attrs.update(values)
    return float(altitude)

