"""New Totem protocol (``$$0<len:3><type><IMEI>|...``, AT07 / AT09 / AT15).

Location reports (``AA`` timed, alarm types): one fixed-order record whose
optional groups (3- or 4-digit battery/power, ADC2-4, temperatures, MNC/MCC,
trailing temperature) are told apart by the total width; ``E2`` (RFID) and
``E5`` (OBD) are comma lists. Other types are unknown (answered anyway).
Columns, types and status bits: ``_catalogue`` (NEW_COLUMNS, NEW_TYPES,
STATUS_BITS, OBD_COLUMNS).

Accepted forms: date ``YYMMDD`` + time ``HHMMSS`` (UTC, year 2000 + YY);
E2/E5 time ``yymmddhhmmss``; coordinates ``DDMM.MMMM`` / ``DDDMM.MMMM`` with
a hemisphere letter (report) or signed decimal degrees (E2/E5); battery as
2 digits (x 0.1 V, with 2 power digits) or 3 digits (x 0.01 V); hex groups in
upper case; checksum 2 hex digits (XOR), verified and flagged.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from .._errors import MalformedError
from .._records import Position
from .._text import check_latlon, parse_dm, parse_float, parse_number
from ._catalogue import (KNOWN_STATUS_MASK, NEW_ALARMS, NEW_TYPES, OBD_COLUMNS, STATUS_ALARMS,
                         STATUS_FLAGS, STATUS_GPS_VALID, STATUS_GPS_VALID_WITH_TEMP2)
from .constants import PROTOCOL

__all__ = ["decode_report", "decode_rfid", "decode_obd", "parse_stamp"]

_REPORT = re.compile(
    rb"(?P<status>[0-9A-F]{8})(?P<date>\d{6})(?P<time>\d{6})"
    rb"(?:(?P<bat2>\d{2})(?P<pow>\d{2})|(?P<bat3>\d{3}))"
    rb"(?P<adc1>[0-9A-F]{4})(?:(?P<adc2>[0-9A-F]{4})(?P<adc3>[0-9A-F]{4})(?P<adc4>[0-9A-F]{4}))?"
    rb"(?P<temp1>[0-9A-F]{4})?(?P<temp2>[0-9A-F]{4})?"
    rb"(?P<lac>[0-9A-F]{4})(?P<cid>[0-9A-F]{4})(?:(?P<mnc>\d{2})(?P<mcc>\d{3}))?"
    rb"(?P<sats>\d{2})(?P<gsm>\d{2})(?P<course>\d{3})(?P<speed>\d{3})(?P<hdop>\d{2}\.\d)"
    rb"(?P<odometer>\d{7})(?P<lat>\d{4}\.\d{4})(?P<ns>[NS])(?P<lon>\d{5}\.\d{4})(?P<ew>[EW])"
    rb"(?P<temp>[0-9A-F]{4})?(?P<serial>[0-9A-F]{4})(?P<cs>[0-9A-F]{2})")


def _bit(value: int, bit: int) -> bool:
    return bool(value >> bit & 1)


def _stamp(date: bytes, time: bytes) -> datetime:
    """``yymmdd`` + ``hhmmss`` (UTC)."""
    try:
        return datetime(2000 + int(date[:2]), int(date[2:4]), int(date[4:6]),
                        int(time[:2]), int(time[2:4]), int(time[4:6]), tzinfo=timezone.utc)
    except ValueError:
        raise MalformedError("totem: bad date/time", data=date + time) from None


def parse_stamp(text: str) -> datetime:
    """``yymmddhhmmss`` (E2 / E5)."""
    raw = text.encode("ascii", "replace")
    if len(raw) != 12 or not raw.isdigit():
        raise MalformedError("totem: bad time stamp", data=raw)
    return _stamp(raw[:6], raw[6:])


def _status_attributes(status: int, kind: str) -> dict[str, object]:
    attributes: dict[str, object] = {"status": status}
    alarm = NEW_ALARMS.get(kind) or next(
        (name for bit, name in STATUS_ALARMS if _bit(status, bit)), None)
    if alarm:
        attributes["alarm"] = alarm
    for bit, name in STATUS_FLAGS:
        attributes[name] = _bit(status, bit)
    return attributes


_REPORT_TYPES = frozenset(t.code for t in NEW_TYPES if t.record == "report")


def decode_report(kind: str, imei: str, body: bytes) -> tuple[Position, int]:
    """(Position, items outside the catalogue: the type, status bits)."""
    m = _REPORT.fullmatch(body)
    if m is None:
        raise MalformedError(f"totem: bad {kind} report", data=body)
    g = m.groupdict()
    status = int(g["status"], 16)
    attributes = _status_attributes(status, kind)
    unknown = bin(status & ~KNOWN_STATUS_MASK).count("1")
    if kind not in _REPORT_TYPES:
        attributes["event"] = kind
        unknown += 1
    if g["bat3"] is not None:
        attributes["battery"] = int(g["bat3"]) / 100
    else:
        attributes["battery"] = int(g["bat2"]) / 10
        attributes["power"] = float(int(g["pow"]))
    for n in range(1, 5):
        if g[f"adc{n}"] is not None:
            attributes[f"adc{n}"] = int(g[f"adc{n}"], 16)
    for group, key in (("temp1", "temp1"), ("temp2", "temp2"), ("temp", "temp3")):
        if g[group] is not None:
            attributes[key] = g[group].decode()
    attributes["rssi"] = int(g["gsm"])
    attributes["odometer"] = int(g["odometer"]) * 1000
    valid_bit = STATUS_GPS_VALID_WITH_TEMP2 if g["temp2"] is not None else STATUS_GPS_VALID
    return Position(
        device_id=imei, protocol=PROTOCOL, fix_time=_stamp(g["date"], g["time"]),
        valid=_bit(status, valid_bit),
        lat=parse_dm(g["lat"].decode(), g["ns"].decode(), 90.0),
        lon=parse_dm(g["lon"].decode(), g["ew"].decode(), 180.0),
        speed_kmh=float(int(g["speed"])), course_deg=float(int(g["course"])),
        satellites=int(g["sats"]), hdop=float(g["hdop"]), attributes=attributes), unknown


def _located(imei: str, fields: list[str], attributes: dict[str, object]) -> Position:
    lon = check_latlon(parse_float(fields[1], "longitude"), 180.0, fields[1])
    lat = check_latlon(parse_float(fields[2], "latitude"), 90.0, fields[2])
    return Position(device_id=imei, protocol=PROTOCOL, fix_time=parse_stamp(fields[0]),
                    valid=True, lat=lat, lon=lon, attributes=attributes)


def decode_rfid(imei: str, body: str) -> Position:
    """``E2``: ``<yymmddhhmmss>,<lon>,<lat>,<card>``."""
    fields = body.split(",")
    if len(fields) < 4 or not fields[3]:
        raise MalformedError("totem: bad RFID report", data=body.encode("latin-1")[:32])
    return _located(imei, fields, {"driverUniqueId": fields[3]})


def decode_obd(imei: str, body: str) -> Position:
    """``E5``: time, lon, lat, OBD version, then the values of ``OBD_COLUMNS`` in order."""
    fields = body.split(",")
    if len(fields) < 4 + len(OBD_COLUMNS):
        raise MalformedError("totem: bad OBD report", data=body.encode("latin-1")[:32])
    attributes: dict[str, object] = {}
    for column, text in zip(OBD_COLUMNS, fields[4:]):
        if column.key is not None and text:
            value = parse_number(text, column.key)
            attributes[column.key] = round(value * column.scale, 9) if column.scale != 1 else value
    return _located(imei, fields, attributes)
