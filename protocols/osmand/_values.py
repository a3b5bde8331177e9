"""Parameter values of OsmAnd requests: times, numbers, generic attributes.

Every failure is a ``MalformedError`` (the request is answered 400).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

from .._errors import MalformedError
from .._text import parse_float, parse_number
from .constants import MILLIS_THRESHOLD, UNIX_EPOCH

__all__ = ["parse_timestamp", "parse_iso", "attribute_value", "finite", "parse_bool"]

_UTC = timezone.utc


def parse_iso(text: str) -> datetime:
    """ISO 8601 (``2016-01-27T18:55:47Z``, offsets, fractions); naive means UTC."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedError(f"osmand: bad time {text[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    try:
        return moment.astimezone(_UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is past datetime.max in UTC
        raise MalformedError(f"osmand: time out of range {text[:40]!r}") from None


def parse_timestamp(text: str) -> datetime:
    """Unix seconds (milliseconds from 2^31 - 1 on), ISO 8601, or ``yyyy-MM-dd HH:mm:ss``.

    The last form has no zone: Traccar reads it in the server's zone; a
    sans-IO decoder has none, so it is taken as UTC.
    """
    if "T" in text or "-" in text[1:]:
        return parse_iso(text.replace(" ", "T", 1) if "T" not in text else text)
    value = parse_number(text, "timestamp")
    seconds = value / 1000 if value >= MILLIS_THRESHOLD else value
    try:
        return UNIX_EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        raise MalformedError(f"osmand: timestamp out of range {text[:24]!r}") from None


def parse_bool(text: str) -> bool:
    return text.strip().lower() in ("true", "1")


def finite(text: str, what: str) -> float:
    return parse_float(text, what)


def attribute_value(text: str) -> Any:
    """Traccar's typing of an extra parameter: integer, decimal, boolean, else the text."""
    if text in ("true", "false"):
        return text == "true"
    try:
        value = parse_number(text)
    except MalformedError:
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text
    return value
