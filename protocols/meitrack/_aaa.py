"""AAA (and AFF) text reports.

``<event>,<lat>,<lon>,<yyMMddHHmmss>,<A|V>,<sats>,<GSM>,<speed>,<course>,<HDOP>,
<altitude>,<odometer>,<runtime>,<MCC|MNC|LAC|CI>,<IO hex>,<AD1|..|battery|power>
[,<event data>,<reserved>,<protocol>,<fuel XXYY>,<temps IIVVVV|..>,...]``

UTC; speed km/h; odometer metres; runtime seconds (``hours``, in ms as
Traccar); IO: inputs (2 hex) + outputs (2 hex). Analog columns are hex ADC
counts (battery/power scaled per model, default 1/100 V) or, on newer
firmware, decimal volts ``battery|power|rtc|mcu|gps``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .._errors import MalformedError
from .._records import Position
from .._text import check_latlon, parse_float, parse_int
from .constants import ALARMS, DEFAULT_ADC_SCALE, EVENT_RFID, PROTOCOL

__all__ = ["decode_aaa", "event_attributes"]

UTC = timezone.utc
_MIN_FIELDS = 15
_HEX = frozenset("0123456789abcdefABCDEF")


def _hex(text: str, what: str) -> int:
    if not text or not _HEX.issuperset(text):
        raise MalformedError(f"meitrack: bad {what} {text[:16]!r}")
    return int(text, 16)


def _time(text: str) -> datetime:
    if len(text) != 12 or not text.isdigit():
        raise MalformedError(f"meitrack: bad date/time {text[:16]!r}")
    try:
        return datetime(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]), int(text[6:8]),
                        int(text[8:10]), int(text[10:]), tzinfo=UTC)
    except ValueError:
        raise MalformedError(f"meitrack: bad date/time {text!r}") from None


def event_attributes(event: int, attrs: dict[str, Any]) -> None:
    attrs["event"] = event
    alarm = ALARMS.get(event)
    if alarm:
        attrs["alarm"] = alarm


def decode_aaa(imei: str, f: list[str], scale: tuple[float, float] = DEFAULT_ADC_SCALE
               ) -> Position:
    """``f``: the comma-separated columns after ``AAA,`` (after the serial for AFF)."""
    if len(f) < _MIN_FIELDS:
        raise MalformedError("meitrack: AAA report cut short", data=",".join(f)[:32].encode())
    attrs: dict[str, Any] = {}
    event = parse_int(f[0], "event")
    event_attributes(event, attrs)
    if f[6]:
        attrs["rssi"] = parse_int(f[6], "GSM signal")
    if f[11]:
        attrs["odometer"] = parse_int(f[11], "odometer")
    if f[12]:
        attrs["hours"] = parse_int(f[12], "runtime") * 1000
    if len(f[14]) == 4:
        attrs["input"] = _hex(f[14][:2], "inputs")
        attrs["output"] = _hex(f[14][2:], "outputs")
    if len(f) > 15:
        _analog(f[15], scale, attrs)
    _optional(event, f[16:], attrs)
    return Position(
        device_id=imei, protocol=PROTOCOL, fix_time=_time(f[3]), valid=f[4] == "A",
        lat=check_latlon(parse_float(f[1], "latitude"), 90.0, f[1]),
        lon=check_latlon(parse_float(f[2], "longitude"), 180.0, f[2]),
        altitude_m=parse_float(f[10], "altitude") if f[10] else None,
        speed_kmh=parse_float(f[7], "speed") if f[7] else None,
        course_deg=parse_float(f[8], "course") if f[8] else None,
        satellites=parse_int(f[5], "satellites") if f[5] else None,
        hdop=parse_float(f[9], "hdop") if f[9] else None,
        attributes=attrs)


def _analog(text: str, scale: tuple[float, float], attrs: dict[str, Any]) -> None:
    parts = text.split("|")
    if "." in text:  # newer firmware: decimal volts battery|power|rtc|mcu|gps
        for key, value in zip(("battery", "power"), parts):
            if value:
                attrs[key] = parse_float(value, key)
        return
    if len(parts) < 2:
        return
    for n, value in enumerate(parts[:-2], start=1):
        if value:
            attrs[f"adc{n}"] = _hex(value, "analog input")
    if parts[-2]:
        attrs["battery"] = round(_hex(parts[-2], "battery") * scale[0], 3)
    if parts[-1]:
        attrs["power"] = round(_hex(parts[-1], "power") * scale[1], 3)


def _optional(event: int, f: list[str], attrs: dict[str, Any]) -> None:
    """Event data, reserved, protocol version, fuel, temperature sensors."""
    if f and f[0] and event == EVENT_RFID:
        attrs["driverUniqueId"] = f[0]
    protocol = parse_int(f[2], "protocol version") if len(f) > 2 and f[2].isdigit() else 0
    if len(f) > 3 and len(f[3]) == 4 and _HEX.issuperset(f[3]):
        attrs["fuel"] = _hex(f[3][:2], "fuel") + _hex(f[3][2:], "fuel") / 100
    if protocol >= 3 and len(f) > 4 and f[4]:
        for item in f[4].split("|"):
            if len(item) == 6 and _HEX.issuperset(item):
                raw = int(item[2:], 16)
                attrs[f"temp{int(item[:2], 16)}"] = (raw - 0x10000 if raw & 0x8000 else raw) / 100
