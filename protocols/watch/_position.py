"""The position block of UD / AL / WT messages.

``<ddmmyy>,<hhmmss>,<A|V>,<lat>,<N|S|>,<lon>,<E|W|>,<km/h>,<course>,<altitude m>,
<sats>,<GSM 0-100>,<battery %>,<steps>,<tumbles>,<status hex>,<cells and Wi-Fi>``.
Cells and Wi-Fi access points are not kept.
"""

from __future__ import annotations

from datetime import datetime

from .._errors import MalformedError
from .._text import check_latlon, combine, opt_float, opt_int, parse_date, parse_float, parse_time
from .constants import ALARM_BITS, MOTION_BIT

__all__ = ["parse_location", "status_alarm"]

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


def parse_location(values: list[str]) -> tuple[dict, dict]:
    """The fields after the type -> (Position keyword arguments, attributes)."""
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
    for key, index in (("rssi", 11), ("batteryLevel", 12), ("steps", 13)):
        if v[index].isascii() and v[index].isdigit():
            attrs[key] = int(v[index])
    status = v[15]
    if status and len(status) <= 8 and _HEX.issuperset(status):
        word = int(status, 16)
        alarm = status_alarm(word)
        if alarm is not None:
            attrs["alarm"] = alarm
        if word & (1 << MOTION_BIT):
            attrs["motion"] = True
    return kwargs, attrs
