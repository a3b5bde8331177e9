"""AAA (and AFF) text reports.

``<event>,<lat>,<lon>,<yyMMddHHmmss>,<A|V>,<sats>,<GSM>,<speed>,<course>,<HDOP>,
<altitude>,<odometer>,<runtime>,<MCC|MNC|LAC|CI>,<IO hex>,<AD1|..|battery|power>
[,<event data>,<reserved>,<protocol>,<fuel XXYY>,<temps IIVVVV|..>,...]``

UTC; speed km/h; odometer metres; runtime seconds (``hours``, in ms as
Traccar); IO: inputs (2 hex) + outputs (2 hex). Analog columns are hex ADC
counts (battery/power scaled per model, default 1/100 V) or, on newer
firmware, decimal volts ``battery|power|rtc|mcu|gps``.

Accepted forms (each has a test in ``tests/protocols/test_meitrack_catalogue.py``):

* date/time: ``yyMMddHHmmss`` (12 digits, 20yy) or ``yyyyMMddHHmmss`` (14 digits);
* coordinates: signed decimal degrees, with or without a fraction;
* speed, HDOP, course: integer or decimal; altitude: signed integer or decimal;
* base station: ``MCC|MNC|LAC|CI`` with LAC/CI hex and possibly empty;
* IO status: 4 hex digits (fewer or more: kept as ``io14`` text);
* event data: RFID (``driverUniqueId``) for event 37, else ``eventData``;
* fuel ``XXYY`` = XX + YY/100 %; temperatures ``IIVVVV|...``: protocol >= 3
  signed 16-bit 1/100 C, older ones a signed byte of degrees and a byte of
  hundredths;
* after the temperatures, ``<data count>,<data...>``: data 1 is ``tempData``,
  data 5 the taximeter ``S0|start[|end|distance|fare|trip|wait]``.

Non-empty columns outside these are kept as ``io<column>`` (column index
counted from the event, 0-based) and counted as unknown items.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .._errors import MalformedError
from .._records import Position
from .._text import check_latlon, parse_float, parse_int
from ._catalogue import alarm_of
from .constants import DEFAULT_ADC_SCALE, EVENT_RFID, PROTOCOL

__all__ = ["decode_aaa", "event_attributes"]

UTC = timezone.utc
_MIN_FIELDS = 15
_HEX = frozenset("0123456789abcdefABCDEF")
#: first column after the temperatures (the data count)
_DATA_COUNT = 21


def _hex(text: str, what: str) -> int:
    if not text or not _HEX.issuperset(text):
        raise MalformedError(f"meitrack: bad {what} {text[:16]!r}")
    return int(text, 16)


def _time(text: str) -> datetime:
    if len(text) not in (12, 14) or not text.isdigit():
        raise MalformedError(f"meitrack: bad date/time {text[:16]!r}")
    year, rest = (2000 + int(text[:2]), text[2:]) if len(text) == 12 else (int(text[:4]), text[4:])
    try:
        return datetime(year, int(rest[:2]), int(rest[2:4]), int(rest[4:6]),
                        int(rest[6:8]), int(rest[8:]), tzinfo=UTC)
    except ValueError:
        raise MalformedError(f"meitrack: bad date/time {text!r}") from None


def event_attributes(event: int, attrs: dict[str, Any]) -> None:
    attrs["event"] = event
    alarm = alarm_of(event)
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
    _cell(f[13], attrs)
    if len(f[14]) == 4 and _HEX.issuperset(f[14]):
        attrs["input"] = int(f[14][:2], 16)
        attrs["output"] = int(f[14][2:], 16)
    elif f[14]:
        attrs["io14"] = f[14]
    if len(f) > 15:
        _analog(f[15], scale, attrs)
    _optional(event, f, attrs)
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


def _cell(text: str, attrs: dict[str, Any]) -> None:
    """``MCC|MNC|LAC|CI`` (decimal, decimal, hex, hex); zero MCC/MNC means none."""
    parts = text.split("|")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        if text:
            attrs["io13"] = text
        return
    mcc, mnc = int(parts[0]), int(parts[1])
    if mcc and mnc:
        attrs.update(mcc=mcc, mnc=mnc)
        if parts[2] and _HEX.issuperset(parts[2]):
            attrs["lac"] = int(parts[2], 16)
        if parts[3] and _HEX.issuperset(parts[3]):
            attrs["cid"] = int(parts[3], 16)


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


def _temperature(item: str, protocol: int) -> float:
    if protocol >= 3:
        raw = int(item[2:], 16)
        return (raw - 0x10000 if raw & 0x8000 else raw) / 100
    whole = int(item[2:4], 16)
    whole = whole - 0x100 if whole & 0x80 else whole
    fraction = int(item[4:], 16) / 100
    return round(whole - fraction if whole < 0 else whole + fraction, 2)


def _optional(event: int, f: list[str], attrs: dict[str, Any]) -> None:
    """Columns 16..: event data, customized data, protocol version, fuel, temperatures,
    data count and data."""
    col = {i: f[i] for i in range(16, len(f)) if f[i]}
    data = col.pop(16, None)
    if data is not None:
        attrs["driverUniqueId" if event == EVENT_RFID else "eventData"] = data
    version = col.get(18, "")
    protocol = int(version) if version.isdigit() else 0
    if version.isdigit():
        del col[18]
    fuel = col.get(19, "")
    if len(fuel) == 4 and _HEX.issuperset(fuel):
        attrs["fuel"] = int(fuel[:2], 16) + int(fuel[2:], 16) / 100
        del col[19]
    temps = col.get(20, "").split("|")
    if all(len(t) == 6 and _HEX.issuperset(t) for t in temps) and 20 in col:
        for item in temps:
            attrs[f"temp{int(item[:2], 16)}"] = _temperature(item, protocol)
        del col[20]
    if col.get(_DATA_COUNT, "").isdigit():
        del col[_DATA_COUNT]
        _data_fields(col, attrs)
    for index, text in col.items():
        attrs[f"io{index}"] = text


def _data_fields(col: dict[int, str], attrs: dict[str, Any]) -> None:
    """Data 1 (column 23) is ``tempData``; data 5 (column 27) the taximeter."""
    temp = col.pop(_DATA_COUNT + 2, None)
    if temp is not None:
        attrs["tempData"] = temp
    meter = col.pop(_DATA_COUNT + 6, None)
    if meter is None:
        return
    parts = meter.split("|")
    if len(parts) < 2 or len(parts[0]) < 2:
        col[_DATA_COUNT + 6] = meter
        return
    attrs["taximeterOn"] = parts[0][1] == "0"
    attrs["taximeterStart"] = parts[1]
    if len(parts) >= 7 and parts[3].isdigit() and parts[4].isdigit():
        attrs.update(taximeterEnd=parts[2], taximeterDistance=int(parts[3]),
                     taximeterFare=int(parts[4]), taximeterTrip=parts[5], taximeterWait=parts[6])
