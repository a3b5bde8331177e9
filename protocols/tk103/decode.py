"""TK103 messages -> records. Pure functions; identity and replies live in connection.py.

``parse_message`` splits the text inside ``(...)`` into device id, command word
and body, for both families: the fixed-ID form ``<ID><CMD:4><body>`` and the
comma form ``<IMEI>,<CMD>,<fields>``. ``decode_message`` dispatches: a body
holding ``{...}`` cell lists first, then ``FIXED_DECODERS`` / ``COMMA_DECODERS``
by command word; fixed-form commands not in the table are searched for a
position body, comma-form ones are read as comma positions.
A decoder returns ``None`` for a message it does not understand.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Callable, NamedTuple

from .._coban import cell_attributes, soft
from .._errors import MalformedError
from .._records import Event, Position
from .._text import combine, parse_date, parse_dm, parse_float, parse_int, parse_time
from ._catalogue import (
    BO01_ALARMS, BQ81_ALARMS, COMMA_COLUMNS, COMMA_COMMANDS, FIXED_COMMANDS, POSITION_WORDS,
    UNKNOWN_KEY,
)
from .constants import (
    ABSENT_LEVEL, ABSENT_VOLTAGE, ALARM, ALARM_EXT, BATTERY, BATTERY_LEVELS, BMS_PAIRS, BMS_RAW,
    CELL, IGNORED_COMMANDS, LBS_PREFIX, PROTOCOL, RESULT, VIN,
)
from ._fixed import status_attributes

__all__ = ["Message", "Records", "parse_message", "decode_message", "FIXED_DECODERS",
           "COMMA_DECODERS"]

UTC = timezone.utc
Records = tuple[tuple[Position, ...], tuple[Event, ...]]
Decoder = Callable[["Message", datetime], "Records | None"]
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD = _UPPER | frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")

#: the fixed-form position body (may follow an IMEI, an alarm digit, ",ALARM,n,x,")
_FIXED_BODY = re.compile(
    r"(\d{6})([AV])\s*(\d+\.\d+)\s*([NS])\s*(\d+\.\d+)\s*([EW])"
    r"([ \d.]{5})(\d{6})([ \d.]{6})?,?([0-9A-Fa-f]{8})?(?:L([0-9A-Fa-f]{1,8}))?"
    r"([+-]\d{3}\.\d)?")


class Message(NamedTuple):
    device_id: str
    command: str
    #: fixed form: the text after the command word; comma form: after ``<CMD>,``
    body: str
    comma: bool


def _bad(what: str, text: str) -> MalformedError:
    return MalformedError(f"tk103: {what}", data=text[:32].encode("ascii", "replace"))


def _is_word(text: str) -> bool:
    return len(text) == 4 and _UPPER.issuperset(text[:2]) and _WORD.issuperset(text)


def parse_message(text: str) -> Message:
    """``<id><CMD><body>``, ``<id>,<CMD>,<fields>`` (parentheses already removed).

    The id is the leading digits (1-20), or 12 letters/digits before a command
    word (Traccar's fixed 12-character ID). A message that starts with its
    command word (``BR00...``, ``,ZC11,...``) carries no id: ``device_id`` is
    "" and the session's identity applies (connection.py).
    """
    i = 0
    while i < len(text) and text[i].isdigit():
        i += 1
    if i == 0 or i > 20:
        if text[:12].isalnum() and _is_word(text[12:16]):
            return Message(text[:12], text[12:16], text[16:], False)
        if _is_word(text[:4]):
            return Message("", text[:4], text[4:], False)
        if text[:1] == "," and _is_word(text[1:5]):
            return Message("", text[1:5], text[6:], True)
        raise _bad("message without a device id", text)
    if text[i:i + 1] == ",":
        command, _, body = text[i + 1:].partition(",")
        if not 2 <= len(command) <= 8 or not _WORD.issuperset(command):
            raise _bad("bad command word", text)
        return Message(text[:i], command, body, True)
    command = text[i:i + 4]
    if not _is_word(command):
        if text[:12].isalnum() and _is_word(text[12:16]):
            return Message(text[:12], text[12:16], text[16:], False)
        raise _bad("bad command word", text)
    return Message(text[:i], command, text[i + 4:], False)


# ---------------------------------------------------------------- positions

def _yymmdd(text: str):
    return parse_date(text[4:6] + text[2:4] + text[0:2])


def _course(text: str) -> float | None:
    value = soft(parse_float, text.strip())
    return value if value is not None and 0.0 <= value <= 360.0 else None


def fixed_position(msg: Message, attrs: dict) -> Position | None:
    """The first fixed-form position body in the message, or None.

    Body forms: date ``yymmdd``; time ``hhmmss`` (UTC); coordinates
    ``d+mm.mmmm`` + hemisphere, blanks allowed before them; speed 5 characters
    (``004.7``, `` 46.0``; km/h); course 6 characters (optional); status 8 hex
    digits (either case, optional); ``L`` + hex odometer (optional);
    ``+ddd.d``/``-ddd.d`` temperature (``temp1``, optional). Text after that
    is kept as ``ioTail`` (counted as an unknown item).
    """
    m = _FIXED_BODY.search(msg.body)
    if m is None:
        return None
    date, valid, lat, ns, lon, ew, speed, hms, course, status, odometer, temp = m.groups()
    if status is not None:
        attrs.update(status_attributes(status.upper()))
    if odometer is not None:
        attrs["odometer"] = int(odometer, 16)
    if temp is not None:
        attrs["temp1"] = float(temp)
    tail = msg.body[m.end():].strip()
    if tail:
        attrs[UNKNOWN_KEY.format("Tail")] = tail
    speed_kmh = soft(parse_float, speed.strip())
    return Position(
        device_id=msg.device_id, protocol=PROTOCOL,
        fix_time=combine(_yymmdd(date), parse_time(hms)), valid=valid == "A",
        lat=parse_dm(lat, ns, 90.0), lon=parse_dm(lon, ew, 180.0),
        speed_kmh=speed_kmh if speed_kmh is not None and speed_kmh >= 0 else None,
        course_deg=None if course is None else _course(course), attributes=attrs,
    )


def _position_records(msg: Message, attrs: dict) -> Records | None:
    position = fixed_position(msg, attrs)
    if position is None:
        if msg.command in POSITION_WORDS:
            raise _bad(f"{msg.command} without a position", msg.body)
        return None
    return (position,), ()


def decode_fixed_position(msg: Message, now: datetime) -> Records | None:
    """BR00, BP05 (IMEI first) and other fixed-form commands carrying a position;
    a catalogued command answer without one is a ``commandResult`` event."""
    records = _position_records(msg, {})
    if records is None and FIXED_COMMANDS.get(msg.command) == "reply":
        return _event(msg, now, "commandResult", {"result": msg.body.strip().strip(",$")})
    return records


def decode_bo01(msg: Message, now: datetime) -> Records | None:
    """BO01: one alarm digit (``BO01_ALARMS``; others kept as ``ioBO01``), then a position body."""
    digit = msg.body[:1]
    alarm = BO01_ALARMS.get(digit)
    attrs = {"alarm": alarm} if alarm else {UNKNOWN_KEY.format(msg.command): digit}
    return _position_records(msg._replace(body=msg.body[1:]), attrs)


def decode_bq81(msg: Message, now: datetime) -> Records | None:
    """BQ81: ``,ALARM,<n>,<x>,`` then a position body (``BQ81_ALARMS``; others: ``ioBQ81``)."""
    parts = msg.body.split(",", 4)
    attrs: dict = {}
    if len(parts) > 3 and parts[1] == "ALARM":
        alarm = BQ81_ALARMS.get(parts[2])
        attrs = {"alarm": alarm} if alarm else {UNKNOWN_KEY.format(msg.command): parts[2]}
    return _position_records(msg, attrs)


def _comma_flags(command: str, attrs: dict) -> None:
    alarm, ignition = COMMA_COMMANDS.get(command, (None, None))
    if alarm is not None:
        attrs["alarm"] = alarm
    if ignition is not None:
        attrs["ignition"] = ignition


def comma_position(msg: Message, now: datetime) -> Records | None:
    """``<ddmmyy>,<A|V>,<lat><N|S>,<lon><E|W>,<speed km/h>,<hhmmss>,<course>``
    then ``COMMA_COLUMNS`` (altitude m, satellites); further fields: ``io<index>``.
    Date ``ddmmyy`` (also ``dmmyy``), time ``hhmmss[.s]``."""
    f = msg.body.split(",")
    if len(f) < 7:
        raise _bad(f"{msg.command}: truncated position", msg.body)
    attrs: dict = {}
    _comma_flags(msg.command, attrs)
    extra: dict = {}
    for index, name, kind in COMMA_COLUMNS:
        text = f[index].strip() if index < len(f) else ""
        value = soft(parse_float if kind == "float" else parse_int, text)
        if value is not None:
            extra[name] = value
    for index in range(len(COMMA_COLUMNS) + 7, len(f)):
        if f[index].strip():
            attrs[UNKNOWN_KEY.format(index)] = f[index].strip()
    lat, lon = f[2].strip(), f[3].strip()
    speed = soft(parse_float, f[4].strip())
    return (Position(
        device_id=msg.device_id, protocol=PROTOCOL,
        fix_time=combine(_ddmmyy(f[0].strip()), parse_time(f[5].strip().partition(".")[0])),
        valid=f[1].strip() == "A",
        lat=parse_dm(lat[:-1], lat[-1:], 90.0), lon=parse_dm(lon[:-1], lon[-1:], 180.0),
        speed_kmh=speed if speed is not None and speed >= 0 else None,
        course_deg=_course(f[6]), attributes=attrs, **extra,
    ),), ()


def _ddmmyy(text: str):
    return parse_date("0" + text if len(text) == 5 else text)


# ---------------------------------------------------------------- no position

def _event(msg: Message, time: datetime, kind: str, attrs: dict) -> Records:
    return (), (Event(device_id=msg.device_id, protocol=PROTOCOL, time=time, type=kind,
                      attributes=attrs),)


def _message_time(date: str, hms: str, now: datetime) -> datetime:
    return combine(parse_date(date), parse_time(hms)) if date and hms else now


def decode_cell_list(msg: Message, now: datetime) -> Records | None:
    """``[IMEI],{mcc,mnc,lac,cid}\\n{...}...,<8 digits>``: decimal cells; the 8
    trailing digits are hex -> ``odometer``. The serving (first) cell is kept."""
    body = msg.body
    cells = []
    for chunk in body[body.find("{"):body.rfind("}") + 1].split("}"):
        values = chunk.strip().lstrip("{").split(",")
        if len(values) == 4:
            cells.append([parse_int(v.strip(), "cell") for v in values])
    if not cells:
        raise _bad("cell list without a cell", body)
    attrs: dict = cell_attributes(*cells[0])
    attrs["cellCount"] = len(cells)
    tail = body[body.rfind("}") + 1:].strip().strip(",").strip()
    if len(tail) == 8 and _HEX.issuperset(tail):
        attrs["odometer"] = int(tail, 16)
    return _event(msg, now, "network", attrs)


def decode_bz00(msg: Message, now: datetime) -> Records | None:
    """``BZ00,<mcc>,<mnc>,<lac hex>,<cid hex>,...``: the serving cell."""
    f = msg.body.split(",")
    if len(f) < 5:
        raise _bad("BZ00: truncated", msg.body)
    lac, cid = (f[3], f[4])
    if not (lac and cid and _HEX.issuperset(lac + cid) and len(lac) <= 8 and len(cid) <= 8):
        raise _bad("BZ00: bad cell", msg.body)
    attrs = cell_attributes(parse_int(f[1], "mcc"), parse_int(f[2], "mnc"), int(lac, 16),
                            int(cid, 16))
    return _event(msg, now, "network", attrs)


def decode_vin(msg: Message, now: datetime) -> Records | None:
    vin = msg.body[:17]
    if len(vin) != 17 or not vin.isalnum():
        raise _bad("BV00: bad VIN", msg.body)
    return _event(msg, now, "status", {"vin": vin})


def decode_bms_raw(msg: Message, now: datetime) -> Records | None:
    """BS50: battery-pack data in hex, kept raw (``bmsData``)."""
    data = msg.body.strip()
    if not data or not _HEX.issuperset(data):
        raise _bad("BS50: not hex", data)
    return _event(msg, now, "status", {"bmsData": data})


def decode_bms_pairs(msg: Message, now: datetime) -> Records | None:
    """BS51: ``<key>:<hex>`` pairs (keys 90..98) -> raw ``bms<key>`` attributes."""
    attrs: dict = {}
    for pair in msg.body.split(","):
        key, sep, value = pair.partition(":")
        if sep and len(key) == 2 and _HEX.issuperset(key + value) and value:
            attrs[f"bms{key.lower()}"] = value
    if not attrs:
        raise _bad("BS51: no key:value pair", msg.body)
    return _event(msg, now, "status", attrs)


def decode_ignored(msg: Message, now: datetime) -> Records | None:
    return None


def decode_battery(msg: Message, now: datetime) -> Records | None:
    """ZC20 ``<ddmmyy>,<hhmmss>,<level>,<battery cV>,<power dV>,<installed>``."""
    f = msg.body.split(",")
    if len(f) < 5:
        raise _bad("ZC20: truncated", msg.body)
    attrs: dict = {}
    level = parse_int(f[2], "level")
    if level != ABSENT_LEVEL and level in BATTERY_LEVELS:
        attrs["batteryLevel"] = BATTERY_LEVELS[level]
    battery = parse_int(f[3], "battery")
    if battery != ABSENT_VOLTAGE:
        attrs["battery"] = battery / 100
    power = parse_int(f[4], "power")
    if power != ABSENT_VOLTAGE:
        attrs["power"] = power / 10
    return _event(msg, _message_time(f[0], f[1], now), "status", attrs)


def decode_result(msg: Message, now: datetime) -> Records | None:
    """ZC03 ``<ddmmyy>,<hhmmss>,$<text>$`` -> ``result``."""
    date, _, rest = msg.body.partition(",")
    hms, _, text = rest.partition(",")
    return _event(msg, _message_time(date, hms, now), "commandResult",
                  {"result": text.strip().strip("$")})


def decode_lbs(msg: Message, now: datetime) -> Records | None:
    """DW5x ``<mcc>,<mnc>,<lac>,<cid>,<n>,<mac>*<rssi>*<ch>...,<ddmmyy>,<hhmmss>``:
    cells and Wi-Fi only; the alarm of the DW5x code."""
    f = msg.body.split(",")
    if len(f) > 1 and f[1].strip() in ("A", "V"):  # this DW5x carries a fix
        return comma_position(msg, now)
    if len(f) < 7:
        raise _bad(f"{msg.command}: truncated", msg.body)
    attrs: dict = cell_attributes(*(parse_int(v, "cell") for v in f[:4]))
    count = parse_int(f[4], "count")
    attrs["wifiCount"] = count
    _comma_flags(msg.command, attrs)
    return _event(msg, _message_time(f[-2], f[-1], now), "network", attrs)


FIXED_DECODERS: dict[str, Decoder] = {
    ALARM: decode_bo01,
    ALARM_EXT: decode_bq81,
    CELL: decode_bz00,
    VIN: decode_vin,
    BMS_RAW: decode_bms_raw,
    BMS_PAIRS: decode_bms_pairs,
    **{command: decode_ignored for command in IGNORED_COMMANDS},
}

COMMA_DECODERS: dict[str, Decoder] = {
    BATTERY: decode_battery,
    RESULT: decode_result,
}


def decode_message(msg: Message, now: datetime) -> Records | None:
    if "{" in msg.body and "}" in msg.body:
        return decode_cell_list(msg, now)
    if msg.comma:
        if msg.command.startswith(LBS_PREFIX):
            return decode_lbs(msg, now)
        return COMMA_DECODERS.get(msg.command, comma_position)(msg, now)
    return FIXED_DECODERS.get(msg.command, decode_fixed_position)(msg, now)
