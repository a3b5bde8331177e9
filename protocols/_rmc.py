"""The NMEA RMC fields a text tracker embeds in its report (Xexun, Totem's
old ``$GPRMC`` layout): time, validity, coordinates, speed in knots, course.

Lenient where devices are: a coordinate whose degrees lost their leading
zeros (``10.2368`` = 0 deg 10.2368 min, ``0.000000``), an empty hemisphere
letter (north/east), an empty time or date (filled from ``now``), a time
fraction (ignored, as Traccar does). Every failure is a ``MalformedError``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple

from ._checksum import nmea_checksum
from ._errors import MalformedError
from ._text import opt_float, parse_date, parse_dm, parse_time

__all__ = ["Rmc", "parse_rmc", "parse_dm_loose", "rmc_checksum_ok", "KNOT_KMH"]

KNOT_KMH = 1.852
_HEX = frozenset("0123456789abcdefABCDEF")


class Rmc(NamedTuple):
    fix_time: datetime
    valid: bool
    lat: float
    lon: float
    speed_kmh: float | None
    course_deg: float | None


def parse_dm_loose(text: str, hemisphere: str, limit: float) -> float:
    """``parse_dm`` that also takes fewer than two digits before the point."""
    whole = text.partition(".")[0]
    if len(whole) < 2:
        text = "0" * (2 - len(whole)) + text
    return parse_dm(text, hemisphere.strip(), limit) + 0.0  # no -0.0


def _fix_time(hhmmss: str, ddmmyy: str, now: datetime) -> datetime:
    whole = hhmmss.partition(".")[0]
    now = now.astimezone(timezone.utc)
    moment = parse_time(whole) if whole else now.timetz().replace(microsecond=0)
    day = parse_date(ddmmyy) if ddmmyy else now.date()
    return datetime.combine(day, moment)


def parse_rmc(fields: list[str], now: datetime) -> Rmc:
    """``fields`` = the RMC fields after the address: time, status, lat, N/S,
    lon, E/W, speed (knots), course, date, ... (at least nine)."""
    if len(fields) < 9:
        raise MalformedError(f"RMC with {len(fields)} fields", data=",".join(fields).encode())
    hhmmss, status, lat, ns, lon, ew, speed, course, ddmmyy = fields[:9]
    if status not in ("A", "V"):
        raise MalformedError(f"RMC status {status[:4]!r}", data=status.encode()[:8])
    knots = opt_float(speed.strip(), "speed")
    return Rmc(
        fix_time=_fix_time(hhmmss.strip(), ddmmyy.strip(), now),
        valid=status == "A",
        lat=parse_dm_loose(lat.strip(), ns, 90.0),
        lon=parse_dm_loose(lon.strip(), ew, 180.0),
        speed_kmh=None if knots is None else knots * KNOT_KMH,
        course_deg=opt_float(course.strip(), "course"),
    )


def rmc_checksum_ok(body: bytes, written: bytes) -> bool:
    """XOR of ``body`` (``GPRMC`` ... up to ``*``) against the two hex digits written."""
    text = written.decode("ascii", "replace")
    if len(text) != 2 or not _HEX.issuperset(text):
        return False
    return nmea_checksum(body) == int(text, 16)
