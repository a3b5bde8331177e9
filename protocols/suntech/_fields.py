"""Strict converters of Suntech text fields (every failure is a MalformedError)."""

from __future__ import annotations

from datetime import datetime, timezone

from .._errors import MalformedError
from .._text import check_latlon, parse_float, parse_int, parse_number

__all__ = ["ymd_hms", "coord", "is_coord", "is_date", "is_time", "flag", "hex_int", "number_or_text",
           "parse_float", "parse_int", "get"]

UTC = timezone.utc
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")


def _bad(what: str, text: str) -> MalformedError:
    return MalformedError(f"suntech: bad {what} {text[:24]!r}",
                          data=text[:32].encode("latin-1", "replace"))


def ymd_hms(day: str, moment: str) -> datetime:
    """The report's UTC date and time.

    Accepted date forms: ``YYYYMMDD`` (every manual) and ``YYMMDD`` (two-digit year,
    20YY). Accepted time forms: ``HH:MM:SS`` (every manual) and ``HHMMSS``.
    """
    if not is_date(day) or not is_time(moment):
        raise _bad("date/time", f"{day} {moment}")
    hms = moment.replace(":", "")
    year = int(day[:-4]) + (2000 if len(day) == 6 else 0)
    try:
        return datetime(year, int(day[-4:-2]), int(day[-2:]),
                        int(hms[:2]), int(hms[2:4]), int(hms[4:]), tzinfo=UTC)
    except ValueError:
        raise _bad("date/time", f"{day} {moment}") from None


def is_date(text: str) -> bool:
    """``YYYYMMDD`` or ``YYMMDD``."""
    return len(text) in (6, 8) and _DIGITS.issuperset(text)


def is_time(text: str) -> bool:
    """``HH:MM:SS`` or ``HHMMSS``."""
    if len(text) == 8 and text[2] == ":" and text[5] == ":":
        text = text[:2] + text[3:5] + text[6:]
    return len(text) == 6 and _DIGITS.issuperset(text)


def is_coord(text: str) -> bool:
    """Decimal degrees: ``+37.478519``, ``-046.322176`` (zero-padded), ``37.4`` (unsigned);
    cell ids and counters have no decimal point. Number forms elsewhere: speed
    ``045.120`` / ``12.50`` (km/h), course ``181.50``, power ``12.64``; ``UEX``'s
    8-bit sum (``3E``, any case) is not verified."""
    return "." in text and text[:1] in "+-0123456789"


def coord(text: str, limit: float) -> float:
    return check_latlon(parse_float(text, "coordinate"), limit, text)


def flag(text: str, index: int) -> bool:
    """Character ``index`` of a ``0/1`` string is ``1``."""
    return len(text) > index and text[index] == "1"


def hex_int(text: str, what: str = "hex") -> int:
    if not text or not _HEX.issuperset(text):
        raise _bad(what, text)
    return int(text, 16)


def number_or_text(text: str) -> int | float | str:
    """An attribute value: a number when the field is one, else the text."""
    try:
        return parse_number(text)
    except MalformedError:
        return text


def get(fields: list[str], index: int) -> str:
    """Field ``index`` or "" when the report is cut short."""
    return fields[index] if index < len(fields) else ""


