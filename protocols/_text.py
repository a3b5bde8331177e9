"""Strict converters of text fields (NMEA and the text protocols); every failure is a ``MalformedError``.

(pynmea2's attribute access returns the raw string when a conversion fails;
these never do.)
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timezone

from ._errors import MalformedError

__all__ = [
    "parse_time", "parse_date", "parse_date4", "combine", "parse_dm", "parse_float",
    "parse_int", "opt_float", "opt_int", "parse_number", "signed", "check_latlon", "format_dm",
]

UTC = timezone.utc
_DIGITS = frozenset("0123456789")


def _bad(what: str, text: str) -> MalformedError:
    return MalformedError(f"bad {what} {text[:24]!r}", data=text[:32].encode("ascii", "replace"))


def _digits(text: str, what: str) -> int:
    if not text or not _DIGITS.issuperset(text):
        raise _bad(what, text)
    return int(text)


def parse_time(text: str) -> time:
    """``hhmmss[.s*]`` -> aware UTC time (fraction kept to the microsecond)."""
    whole, _, frac = text.partition(".")
    if len(whole) != 6:
        raise _bad("time", text)
    hh, mm, ss = _digits(whole[:2], "time"), _digits(whole[2:4], "time"), _digits(whole[4:], "time")
    micros = 0
    if frac:
        _digits(frac, "time")
        micros = int((frac + "00000")[:6])
    if hh > 23 or mm > 59 or ss > 59:
        raise _bad("time", text)
    return time(hh, mm, ss, micros, tzinfo=UTC)


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _bad("date", text) from None


def parse_date(text: str) -> date:
    """``ddmmyy``; years 80-99 are 19xx, 00-79 are 20xx."""
    if len(text) != 6:
        raise _bad("date", text)
    yy = _digits(text[4:], "date")
    return _make_date(1900 + yy if yy >= 80 else 2000 + yy,
                      _digits(text[2:4], "date"), _digits(text[:2], "date"), text)


def parse_date4(text: str) -> date:
    """``ddmmyyyy``."""
    if len(text) != 8:
        raise _bad("date", text)
    return _make_date(_digits(text[4:], "date"), _digits(text[2:4], "date"),
                      _digits(text[:2], "date"), text)


def combine(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment)


def parse_float(text: str, what: str = "number") -> float:
    try:
        value = float(text)
    except ValueError:
        raise _bad(what, text) from None
    if not math.isfinite(value):
        raise _bad(what, text)
    return value


def parse_int(text: str, what: str = "integer") -> int:
    sign = -1 if text[:1] == "-" else 1
    body = text[1:] if text[:1] in "+-" else text
    return sign * _digits(body, what)


def opt_float(text: str, what: str = "number") -> float | None:
    return parse_float(text, what) if text else None


def opt_int(text: str, what: str = "integer") -> int | None:
    return parse_int(text, what) if text else None


def parse_number(text: str, what: str = "number") -> int | float:
    """An attribute value: int when written without a fraction, else float."""
    if "." in text or "e" in text or "E" in text:
        return parse_float(text, what)
    return parse_int(text, what)


def parse_dm(text: str, hemisphere: str, limit: float) -> float:
    """``d+mm.mmmm`` + hemisphere (N/E positive, S/W negative) -> signed degrees.

    The degrees are everything before the two minute digits, so two- and
    three-digit degree fields (and devices that drop a leading zero) all work.
    """
    whole, dot, frac = text.partition(".")
    if len(whole) < 2 or (dot and not frac):
        raise _bad("coordinate", text)
    degrees = _digits(whole[:-2], "coordinate") if len(whole) > 2 else 0
    minutes = float(_digits(whole[-2:], "coordinate"))
    if frac:
        minutes += _digits(frac, "coordinate") / 10 ** len(frac)
    if minutes >= 60.0:
        raise _bad("coordinate", text)
    return check_latlon(signed(degrees + minutes / 60.0, hemisphere), limit, text)


def format_dm(value: float, degree_digits: int, decimals: int = 4) -> str:
    """|degrees| -> ``d+mm.mmmm`` (``decimals`` digits of minutes): the device
    encoders' side of ``parse_dm``; the sign goes into the hemisphere letter."""
    scale = 10 ** decimals
    ticks = round(abs(value) * 60 * scale)
    degrees, rest = divmod(ticks, 60 * scale)
    return f"{degrees:0{degree_digits}d}{rest // scale:02d}.{rest % scale:0{decimals}d}"


def signed(value: float, hemisphere: str) -> float:
    if hemisphere in ("S", "W"):
        return -value
    if hemisphere in ("N", "E", ""):
        return value
    raise _bad("hemisphere", hemisphere)


def check_latlon(value: float, limit: float, text: str = "") -> float:
    if not -limit <= value <= limit:
        raise _bad("coordinate", text or repr(value))
    return value
