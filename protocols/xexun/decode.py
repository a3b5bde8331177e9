"""Decoding one Xexun report (whole line, or the ``GPRMC``...``imei:``, part).

``parse_report`` finds the RMC part, the signal letter and event text after
its checksum, the IMEI, and (whole lines only) the serial and phone before
it and the satellites / altitude / power after the IMEI. Pure; every failure
is a ``MalformedError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from .._errors import MalformedError
from .._records import Position
from .._text import opt_float, opt_int
from .._rmc import parse_rmc, rmc_checksum_ok
from .constants import EVENTS, IMEI_MARKER, PROTOCOL, RMC_MARKERS, SIGNALS

__all__ = ["Report", "parse_report", "find_rmc"]

_DIGITS = frozenset("0123456789")


class Report(NamedTuple):
    imei: str
    position: Position | None
    checksum_ok: bool


def find_rmc(frame: bytes) -> int:
    found = [i for i in (frame.find(m) for m in RMC_MARKERS) if i >= 0]
    return min(found) if found else -1


def _text(raw: bytes) -> str:
    return raw.decode("latin-1")


def _imei(frame: bytes, at: int) -> tuple[str, str]:
    """(IMEI digits, text after them) for the ``imei:`` at ``at``."""
    rest = _text(frame[at + len(IMEI_MARKER):]).lstrip(" ")
    n = 0
    while n < len(rest) and rest[n] in _DIGITS:
        n += 1
    if not 10 <= n <= 20:
        raise MalformedError("xexun: bad imei", data=frame[at:at + 32])
    return rest[:n], rest[n:]


def _event_attributes(middle: str) -> dict[str, object]:
    """``,F,ACC On, `` between the RMC checksum and ``imei:``."""
    parts = [p.strip() for p in middle.replace("\r", "").replace("\n", "").strip(", ").split(",")]
    attributes: dict[str, object] = {}
    if parts and parts[0] in SIGNALS:
        attributes["signal"] = parts[0]
        parts = parts[1:]
    for part in parts:
        effect = EVENTS.get(part.lower())
        if effect:
            attributes.update(effect)
    return attributes


def _tail_attributes(tail: str) -> tuple[int | None, float | None, dict[str, object]]:
    """``,<sats>,<altitude>,F:<volts>V...`` after the IMEI (whole lines only)."""
    fields = tail.strip().split(",")[1:] if tail.startswith(",") else []
    fields += ["", "", ""]
    attributes: dict[str, object] = {}
    power = fields[2].strip()
    if power[1:2] == ":":
        volts = _quiet(opt_float, power[2:].split("/", 1)[0].rstrip("Vv "))
        if volts is not None:
            attributes["power"] = volts
    return _quiet(opt_int, fields[0].strip()), _quiet(opt_float, fields[1].strip()), attributes


def _quiet(convert, text: str):
    """A tail field differs between firmware: keep it when it parses, else None."""
    try:
        return convert(text)
    except MalformedError:
        return None


def _head_attributes(head: str) -> dict[str, object]:
    """``<serial>,<phone>,`` before the RMC (whole lines only)."""
    parts = head.strip().split(",")
    attributes: dict[str, object] = {}
    if len(parts) >= 2:
        if parts[0]:
            attributes["serial"] = parts[0]
        if parts[1]:
            attributes["number"] = parts[1]
    return attributes


def parse_report(frame: bytes, now: datetime) -> Report | None:
    """One report; None when it has no RMC part (nothing to record)."""
    start = find_rmc(frame)
    at = frame.find(IMEI_MARKER, max(start, 0))
    if at < 0:
        raise MalformedError("xexun: no imei", data=frame)
    if start < 0:
        imei, _ = _imei(frame, at)
        return Report(imei, None, True)
    star = frame.find(b"*", start, at)
    if star < 0:
        raise MalformedError("xexun: RMC without checksum", data=frame[start:])
    checksum_ok = rmc_checksum_ok(frame[start:star], frame[star + 1:star + 3])
    rmc = parse_rmc(_text(frame[start + 6:star]).split(","), now)
    imei, tail = _imei(frame, at)
    attributes = _head_attributes(_text(frame[:start]))
    attributes.update(_event_attributes(_text(frame[star + 3:at])))
    sats, altitude, power = _tail_attributes(tail)
    attributes.update(power)
    position = Position(
        device_id=imei, protocol=PROTOCOL, fix_time=rmc.fix_time, valid=rmc.valid,
        lat=rmc.lat, lon=rmc.lon, altitude_m=altitude, speed_kmh=rmc.speed_kmh,
        course_deg=rmc.course_deg, satellites=sats, attributes=attributes)
    return Report(imei, position, checksum_ok)
