"""The position block of UD / AL / WT messages (columns: ``_catalogue.POSITION_COLUMNS``).

``<ddmmyy>,<hhmmss>,<A|V>,<lat>,<N|S|>,<lon>,<E|W|>,<km/h>,<course>,<altitude m>,
<sats>,<GSM 0-100>,<battery %>,<steps>,<tumbles>,<status hex>,<cells and Wi-Fi>``.
Cells and Wi-Fi access points are not kept.

Accepted forms:
  * date ``DDMMYY`` (two-digit year: 80-99 -> 19xx, else 20xx), time ``HHMMSS``
    with an optional fraction (``101530`` or ``101530.5``); both UTC, as the
    watch sends them (a watch set with ``LZ`` sends local time: not knowable here);
  * coordinates: decimal degrees, optional sign and leading spaces, hemisphere
    letter optional (``S``/``W`` force negative, else the sign as sent);
  * numbers: any decimal (``12``, ``12.50``, ``-3.5`` for altitude); empty = unknown;
  * status: 1-8 hex digits (any case); other forms are ignored.
"""

from __future__ import annotations

from datetime import datetime

from .._errors import MalformedError
from .._text import check_latlon, combine, opt_float, opt_int, parse_date, parse_float, parse_time
from ._catalogue import ALARM_BITS, KNOWN_STATUS_BITS, MOTION_BIT, POSITION_COLUMNS

__all__ = ["parse_location", "status_alarm", "status_attributes"]

#: attribute columns of the block (integers), from the catalogue
_INT_COLUMNS = tuple((c.index, c.key) for c in POSITION_COLUMNS
                     if c.index in (11, 12, 13) and c.key is not None)
_STATUS = next(c.index for c in POSITION_COLUMNS if c.name == "status")

_HEX = frozenset("0123456789abcdefABCDEF")


def _coordinate(text: str, hemisphere: str, limit: float) -> float:
    value = parse_float(text.strip(), "coordinate")
    if hemisphere in ("S", "W"):
        value = -abs(value)
    elif hemisphere not in ("N", "E", ""):
        raise MalformedError(f"watch: bad hemisphere {hemisphere[:4]!r}")
    return check_latlon(value, limit, text)


def status_alarm(status: int) -> str | None:
    for bit, alarm in ALARM_BITS:
        if status & (1 << bit):
            return alarm
    return None


def status_attributes(word: int, attrs: dict) -> int:
    """``alarm`` / ``motion`` from the status word; bits outside the catalogue keep the
    whole word as ``status``. Returns how many unknown bits are set."""
    alarm = status_alarm(word)
    if alarm is not None:
        attrs["alarm"] = alarm
    if word & (1 << MOTION_BIT):
        attrs["motion"] = True
    unknown = sum(1 for bit in range(32) if word >> bit & 1 and bit not in KNOWN_STATUS_BITS)
    if unknown:
        attrs["status"] = word
    return unknown


def parse_location(values: list[str]) -> tuple[dict, dict, int]:
    """The fields after the type -> (Position keyword arguments, attributes, unknown items)."""
    if len(values) < 7:
        raise MalformedError("watch: position block too short")
    v = [s.strip() for s in values[:16]] + [""] * max(0, 16 - len(values))
    fix_time: datetime = combine(parse_date(v[0]), parse_time(v[1]))
    kwargs = dict(
        fix_time=fix_time, valid=v[2] == "A",
        lat=_coordinate(v[3], v[4], 90.0), lon=_coordinate(v[5], v[6], 180.0),
        speed_kmh=opt_float(v[7], "speed"), course_deg=opt_float(v[8], "course"),
        altitude_m=opt_float(v[9], "altitude"), satellites=opt_int(v[10], "satellites"),
    )
    attrs: dict = {}
    for index, key in _INT_COLUMNS:
        if v[index].isascii() and v[index].isdigit():
            attrs[key] = int(v[index])
    status = v[_STATUS]
    unknown = 0
    if status and len(status) <= 8 and _HEX.issuperset(status):
        unknown = status_attributes(int(status, 16), attrs)
    return kwargs, attrs, unknown
