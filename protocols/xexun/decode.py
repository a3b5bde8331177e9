"""Decoding one Xexun report (whole line, or the ``GPRMC``...``imei:``, part).

``parse_report`` finds the RMC part, the signal letter and event text after
its checksum, the IMEI, and (whole lines only) the serial and phone before
it and the columns after the IMEI (``_catalogue.TAIL_COLUMNS``). Pure; every
failure is a ``MalformedError``.

Accepted forms:
  * RMC time ``hhmmss`` with or without a fraction (``142530.000``), or empty
    (the server's ``now``); date ``ddmmyy`` (80-99 -> 19xx), or empty (``now``);
    both UTC;
  * coordinates ``d*mm.mmmm`` (leading zeros may be missing: ``10.2368`` is
    0 deg 10.2368 min), hemisphere letter may be missing (north / east);
  * speed knots, course degrees, either may be empty; ``GPRMC`` or ``GNRMC``;
  * checksum ``*hh`` (two hex digits, any case): verified, a mismatch is
    accepted and flagged (``checksum_ok`` False) unless strict;
  * a CR LF between the checksum and ``,F``; a space before ``imei:``;
    IMEIs of 10-20 digits;
  * power ``F:4.15V`` / ``L:3.5V`` with optional ``/ADC1=0.20V/ADC2=0.00V``;
    tail fields that do not parse as their column are kept as ``io<column>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from .._errors import MalformedError
from .._records import Position
from .._text import opt_float, opt_int
from .._rmc import parse_rmc, rmc_checksum_ok
from ._catalogue import ADC_KEYS, EVENTS, SIGNALS, TAIL_COLUMNS
from .constants import IMEI_MARKER, PROTOCOL, RMC_MARKERS

__all__ = ["Report", "parse_report", "find_rmc"]

_DIGITS = frozenset("0123456789")


class Report(NamedTuple):
    imei: str
    position: Position | None
    checksum_ok: bool
    unknown: int = 0


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


def _event_attributes(middle: str) -> tuple[dict[str, object], int]:
    """``,F,ACC On, `` between the RMC checksum and ``imei:`` -> (attributes, unknown)."""
    parts = [p.strip() for p in middle.replace("\r", "").replace("\n", "").strip(", ").split(",")]
    attributes: dict[str, object] = {}
    if parts and parts[0] in SIGNALS:
        attributes["signal"] = parts[0]
        parts = parts[1:]
    unknown = [p for p in parts if p and p.lower() not in EVENTS]
    for part in parts:
        attributes.update(EVENTS.get(part.lower(), {}))
    if unknown:
        attributes["event"] = ",".join(unknown)
    return attributes, len(unknown)


_KNOWN_TAIL = frozenset(c.index for c in TAIL_COLUMNS)


def _power(text: str, attributes: dict[str, object]) -> int:
    """``F:4.15V/ADC1=0.20V/ADC2=0.00V`` -> power, adc1, adc2; returns unknown parts."""
    head, *rest = text.split("/")
    unknown = 0
    if head[1:2] == ":":
        volts = _quiet(opt_float, head[2:].rstrip("Vv "))
        if volts is not None:
            attributes["power"] = volts
    elif head:
        attributes["io2"] = head
        unknown += 1
    for part in rest:
        name, _, value = part.partition("=")
        volts = _quiet(opt_float, value.strip().rstrip("Vv "))
        if name.strip().upper() in ADC_KEYS and volts is not None:
            attributes[ADC_KEYS[name.strip().upper()]] = volts
        elif part.strip():
            attributes[name.strip().lower() or "io2"] = value.strip() or part.strip()
            unknown += 1
    return unknown


def _tail_attributes(tail: str) -> tuple[int | None, float | None, dict[str, object], int]:
    """``,<sats>,<altitude>,F:<volts>V...,<charging>,...`` after the IMEI (whole lines only)
    -> (satellites, altitude, attributes, unknown items)."""
    fields = [f.strip() for f in tail.strip().split(",")[1:]] if tail.startswith(",") else []
    fields += [""] * max(0, 4 - len(fields))
    attributes: dict[str, object] = {}
    unknown = _power(fields[2], attributes)
    if fields[3] in ("0", "1"):
        attributes["charge"] = fields[3] == "1"
    elif fields[3]:
        attributes["io3"] = fields[3]
        unknown += 1
    for index, text in enumerate(fields[4:], start=4):
        if text and index not in _KNOWN_TAIL:
            attributes[f"io{index}"] = text
            unknown += 1
    return _quiet(opt_int, fields[0]), _quiet(opt_float, fields[1]), attributes, unknown


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
    events, unknown = _event_attributes(_text(frame[star + 3:at]))
    attributes.update(events)
    sats, altitude, tail_attributes, tail_unknown = _tail_attributes(tail)
    attributes.update(tail_attributes)
    position = Position(
        device_id=imei, protocol=PROTOCOL, fix_time=rmc.fix_time, valid=rmc.valid,
        lat=rmc.lat, lon=rmc.lon, altitude_m=altitude, speed_kmh=rmc.speed_kmh,
        course_deg=rmc.course_deg, satellites=sats, attributes=attributes)
    return Report(imei, position, checksum_ok, unknown + tail_unknown)
