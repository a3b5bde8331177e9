"""GPS103 messages -> records. Pure functions; identity and replies live in connection.py.

``classify(text)`` tells a message's kind (login, heartbeat, report, unknown);
``decode_report(fields, now)`` decodes an ``imei:`` report by dispatch on its
keyword (``REPORT_DECODERS``), the regular GPS/LBS report being the default.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable, NamedTuple

from .._coban import cell_attributes, soft
from .._errors import MalformedError
from .._records import Event, Position
from .._text import (
    check_latlon, combine, parse_date, parse_dm, parse_float, parse_int, parse_number, parse_time,
)
from ._catalogue import (
    ALT_COLUMNS, KEYWORD_ALARMS, KEYWORD_IGNITION, OBD_COLUMNS, PLAIN_KEYWORDS, PREFIX_KEYWORDS,
    REGULAR_COLUMNS, UNKNOWN_KEY, Column,
)
from .constants import IMEI_TAG, KNOT_KMH, LOGIN_MAX_LEN, PROTOCOL, Keyword

__all__ = [
    "Message", "Records", "classify", "decode_report", "REPORT_DECODERS", "local_to_utc",
    "valid_id",
]

UTC = timezone.utc
Records = tuple[tuple[Position, ...], tuple[Event, ...]]
ReportDecoder = Callable[[list[str], datetime], Records]
_ID_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_HEX = frozenset("0123456789abcdefABCDEF")
_DAY = 24 * 60
#: local-minus-UTC offsets are read in (-11 h, +13 h]: every inhabited zone but
#: -11 (Niue, American Samoa) and +14 (Line Islands), incl. New Zealand's +13 in summer
_WEST, _EAST = -11 * 60, 13 * 60


class Message(NamedTuple):
    """What one message is, before its report fields are interpreted."""

    kind: str  # "login" | "heartbeat" | "report" | "unknown"
    device_id: str | None
    #: the report's comma-separated fields after ``imei:`` (reports only)
    fields: list[str]
    #: True for the "alternative" report (ends with ``*``)
    alternative: bool = False


def valid_id(text: str) -> bool:
    return 0 < len(text) <= 32 and _ID_CHARS.issuperset(text)


def _id_after_tag(text: str) -> str:
    start = text.find(IMEI_TAG) + len(IMEI_TAG)
    end = text.find(",", start)
    found = text[start:] if end < 0 else text[start:end]
    found = found.rstrip("*").strip()
    if not valid_id(found):
        raise MalformedError(f"gps103: bad device id {found[:20]!r}", data=text[:32].encode())
    return found


def classify(text: str) -> tuple[Message, bool]:
    """``(message, heartbeat)``; ``heartbeat`` is True when the message starts with
    the bare id (answered ``ON``), even if a report follows it."""
    heartbeat = text[:1].isdigit()
    tag = text.find(IMEI_TAG)
    if heartbeat:
        if tag < 0:
            found = text.rstrip("*").strip()
            if not valid_id(found):
                raise MalformedError("gps103: bad heartbeat", data=text[:32].encode())
            return Message("heartbeat", found, []), True
        text = text[tag:]
        tag = 0
    if tag < 0:
        return Message("unknown", None, []), False
    if len(text) <= LOGIN_MAX_LEN and not heartbeat:
        return Message("login", _id_after_tag(text), []), False
    if tag > 0:
        return Message("unknown", None, []), False
    alternative = text.endswith("*")
    body = text[len(IMEI_TAG):].rstrip("*")
    fields = [f.strip() for f in body.split(",")]
    if fields[0] == "" and len(fields) >= 2:  # ``imei:,...``: the session knows the device
        return Message("report", "", fields, alternative), heartbeat
    if not valid_id(fields[0]) or len(fields) < 2:
        raise MalformedError("gps103: report without a device id", data=text[:32].encode())
    return Message("report", fields[0], fields, alternative), heartbeat


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


# ---------------------------------------------------------------- times

def _local_parts(text: str) -> tuple[int, int, int, int, int, int] | None:
    """The device's local date and time -> parts; None when absent or not a date
    (``000000000``, ``0000000119``). Forms: ``yyMMddHHmm``, ``yyMMddHHmmss``,
    and the same with ``/`` in the date, a blank before the time and ``:`` in
    it (``12/11/05 18:40``); the year has two digits (20yy)."""
    text = text.replace("/", "").replace(":", "").replace(" ", "")
    if len(text) not in (10, 12) or not text.isdigit():
        return None
    yy, mo, dd, hh, mi = (int(text[i:i + 2]) for i in range(0, 10, 2))
    ss = int(text[10:12]) if len(text) == 12 else 0
    if not (1 <= mo <= 12 and 1 <= dd <= 31 and hh <= 23 and mi <= 59 and ss <= 59):
        return None
    return 2000 + yy, mo, dd, hh, mi, ss


def _local_datetime(parts: tuple[int, ...], text: str) -> datetime:
    try:
        return datetime(*parts, tzinfo=UTC)
    except ValueError:
        raise MalformedError(f"gps103: bad date {text!r}", data=text.encode()) from None


def local_to_utc(local_text: str, utc_text: str, now: datetime | None = None) -> datetime:
    """Date, hour and minute from the local field, seconds from the UTC field;
    the local-minus-UTC offset from the two hh:mm values (in (-11 h, +13 h]) is
    subtracted. Without a usable UTC field the local time is taken as is.
    UTC field forms: ``hhmmss``, ``hhmmss.sss``; anything else is unusable.
    Without a usable local date the UTC time goes on ``now``'s date (the one
    within 12 hours of ``now``)."""
    parts = _local_parts(local_text)
    whole = utc_text.partition(".")[0]
    if parts is None:
        if now is None or len(whole) != 6 or not whole.isdigit():
            raise MalformedError(f"gps103: bad local time {local_text[:16]!r}",
                                 data=local_text.encode())
        return _near(now, parse_time(utc_text))
    if len(whole) != 6:
        return _local_datetime(parts, local_text)
    utc = parse_time(utc_text)
    local = _local_datetime(parts[:5] + (utc.second,), local_text).replace(microsecond=utc.microsecond)
    delta = (parts[3] * 60 + parts[4]) - (utc.hour * 60 + utc.minute)
    if delta <= _WEST:
        delta += _DAY
    elif delta > _EAST:
        delta -= _DAY
    return local - timedelta(minutes=delta)


def _near(now: datetime, moment) -> datetime:
    now = now.astimezone(UTC)
    candidate = combine(now.date(), moment)
    if candidate - now > timedelta(hours=12):
        return candidate - timedelta(days=1)
    if now - candidate > timedelta(hours=12):
        return candidate + timedelta(days=1)
    return candidate


# ---------------------------------------------------------------- keyword

def keyword_known(keyword: str) -> bool:
    """The keyword is in the catalogue (an alarm, ignition, plain or prefix keyword)."""
    return (keyword in KEYWORD_ALARMS or keyword in KEYWORD_IGNITION
            or keyword in PLAIN_KEYWORDS or any(keyword.startswith(p) for p in PREFIX_KEYWORDS))


def keyword_attributes(keyword: str, phone: str) -> dict:
    """``KEYWORD_ALARMS``, ``KEYWORD_IGNITION``, ``PREFIX_KEYWORDS`` (``T:+22``,
    ``oil 51.67``, ``vt14``); any other keyword but ``tracker`` is kept as
    ``event`` (Traccar's key); ``rfid`` puts the phone field in ``driverUniqueId``."""
    attrs: dict = {}
    alarm = KEYWORD_ALARMS.get(keyword)
    prefix = next((p for p in PREFIX_KEYWORDS if keyword.startswith(p)), None)
    if alarm is not None:
        attrs["alarm"] = alarm
    elif prefix is not None:
        alarm, key = PREFIX_KEYWORDS[prefix]
        if alarm is not None:
            attrs["alarm"] = alarm
        value = soft(parse_number, keyword[len(prefix):].strip()) if key else None
        if value is not None and (prefix != "oil" or keyword[3:4] == " "):
            attrs[key] = value
    elif keyword in KEYWORD_IGNITION:
        attrs["ignition"] = KEYWORD_IGNITION[keyword]
    elif keyword and keyword != "tracker":
        attrs["event"] = keyword
    if keyword == Keyword.RFID and phone:
        attrs["driverUniqueId"] = phone
    return attrs


# ---------------------------------------------------------------- reports

def _is_dtc(text: str) -> bool:
    """An OBD trouble code such as ``P0021`` (DTC reports put it in a fuel field)."""
    return len(text) == 5 and text[0] in "PCBU" and _HEX.issuperset(text[1:])


def _percent(text: str) -> float | None:
    return soft(parse_float, text.rstrip("%"))


_CONVERT: dict[str, Callable[[str], object]] = {
    "float": parse_float, "int": parse_int, "number": parse_number, "text": str,
    "percent": lambda t: parse_float(t.rstrip("%")),
    "bool01": lambda t: {"0": False, "1": True}[t] if t in ("0", "1") else _no(t),
    "hours": lambda t: round(parse_float(t) * 3_600_000),  # Traccar's unit: ms
}


def _no(text: str):
    raise MalformedError(f"gps103: not 0/1: {text[:8]!r}")


def columns(fields: list[str], table: tuple[Column, ...], offset: int = 0) -> dict:
    """The table's columns that are present and convert (firmware-dependent
    fields that do not convert are left out)."""
    values: dict = {}
    for column in table:
        text = _field(fields, offset + column.index)
        value = soft(_CONVERT[column.kind], text)
        if value is not None:
            values[column.key] = value
    return values


def kept(fields: list[str], start: int) -> dict:
    """Fields from ``start`` on, kept as ``io<index>`` (not in the catalogue)."""
    return {UNKNOWN_KEY.format(i): fields[i] for i in range(start, len(fields)) if fields[i]}


def _coordinates(fields: list[str], i: int) -> tuple[float, float, int]:
    """``lat,N|S,lon,E|W`` or ``N|S,lat,E|W,lon[,]`` from index ``i`` (Traccar's
    hemisphere-before-or-after reading) -> (lat, lon, index of the speed field)."""
    ns = ew = ""
    if _field(fields, i) in ("N", "S"):
        ns, i = fields[i], i + 1
    lat, i = _field(fields, i), i + 1
    if _field(fields, i) in ("N", "S"):
        ns, i = fields[i], i + 1
    if _field(fields, i) in ("E", "W"):
        ew, i = fields[i], i + 1
    lon, i = _field(fields, i), i + 1
    if i < len(fields) and fields[i] in ("E", "W", ""):  # Traccar's optional "([EW])?,"
        ew, i = fields[i] or ew, i + 1
    return parse_dm(lat, ns, 90.0), parse_dm(lon, ew, 180.0), i


def _regular_tail(fields: list[str], speed_at: int, attrs: dict) -> dict:
    """``REGULAR_COLUMNS`` from the speed field on; DTCs in the fuel fields;
    fields beyond the table kept as ``io<index>``."""
    values = columns(fields, REGULAR_COLUMNS, speed_at)
    dtcs = [f for f in fields[speed_at + 5:speed_at + 8] if _is_dtc(f)]
    if dtcs:
        attrs["dtcs"] = " ".join(dtcs)
    for key in ("ignition", "door", "fuel1", "fuel2", "temp1"):
        if key in values:
            attrs[key] = values.pop(key)
    attrs.update(kept(fields, speed_at + len(REGULAR_COLUMNS)))
    knots, course = values.get("speed_kmh"), values.get("course_deg")
    values["speed_kmh"] = None if knots is None or knots < 0 else knots * KNOT_KMH
    values["course_deg"] = course if course is None or 0.0 <= course <= 360.0 else None
    return values


def decode_regular(fields: list[str], now: datetime) -> Records:
    """``<id>,<keyword>,<local>,<phone>,<F|L>,<utc>,<A|V>,<coordinates>,<REGULAR_COLUMNS>``:
    a GPS fix, or (``L``) an LBS event."""
    device_id, keyword, phone = fields[0], fields[1], _field(fields, 3)
    attrs = keyword_attributes(keyword, phone)
    if _field(fields, 4) != "F":
        return (), (_lbs_event(fields, device_id, attrs, now),)
    if len(fields) < 11:
        raise MalformedError("gps103: truncated report", data=",".join(fields)[:32].encode())
    fix_time = local_to_utc(fields[2], fields[5], now)
    lat, lon, speed_at = _coordinates(fields, 7)
    values = _regular_tail(fields, speed_at, attrs)
    return (Position(
        device_id=device_id, protocol=PROTOCOL, fix_time=fix_time, valid=fields[6] == "A",
        lat=lat, lon=lon, attributes=attrs, **values,
    ),), ()


def _hex(text: str) -> int:
    if not text or len(text) > 8 or not _HEX.issuperset(text):
        raise MalformedError(f"gps103: bad hex field {text[:12]!r}", data=text[:32].encode())
    return int(text, 16)


def _lbs_event(fields: list[str], device_id: str, attrs: dict, now: datetime) -> Event:
    """No fix: ``L,,,<LAC hex>,,<CID hex>,...``. The local time has no UTC
    reference, so the event is stamped with the server's ``now``."""
    lac = soft(_hex, _field(fields, 7))
    cid = soft(_hex, _field(fields, 9))
    if lac is not None and cid is not None:
        attrs.update(cell_attributes(None, None, lac, cid))
    kind = "alarm" if "alarm" in attrs else "network" if "cid" in attrs else "status"
    return Event(device_id=device_id, protocol=PROTOCOL, time=now, type=kind, attributes=attrs)


def decode_obd(fields: list[str], now: datetime) -> Records:
    """``OBD,<yyMMddHHmmss>,<OBD_COLUMNS>,<DTCs...>`` -> a status event (local time
    without a UTC reference: stamped with ``now``)."""
    attrs = columns(fields, OBD_COLUMNS)
    dtcs = " ".join(f for f in fields[13:] if f)
    if dtcs:
        attrs["dtcs"] = dtcs
    return (), (Event(device_id=fields[0], protocol=PROTOCOL, time=now, type="status",
                      attributes=attrs),)


def decode_photo_data(fields: list[str], now: datetime) -> Records:
    """``vr,<hex>``: a chunk of a photo announced by a ``vt<N>`` report; not stored."""
    return (), ()


def decode_alternative(fields: list[str], now: datetime) -> Records:
    """``<id>,<x>,<event>,<sensor id>,<sensor V>,<hhmmss>,<ddmmyy>,<rssi>,<gps>,
    <lat>,<lon>,<speed km/h>,<course>,<alt>,<hdop>,<sats>,<ign>,<charge>,<error>*``
    (decimal degrees; ``ALT_COLUMNS`` are the attributes; ``-``/``--`` = absent)."""
    if len(fields) < 13:
        raise MalformedError("gps103: truncated alternative report",
                             data=",".join(fields)[:32].encode())
    fix_time = combine(parse_date(fields[6]), parse_time(fields[5]))
    lat = check_latlon(parse_float(fields[9], "latitude"), 90.0, fields[9])
    lon = check_latlon(parse_float(fields[10], "longitude"), 180.0, fields[10])
    cleaned = ["" if f.strip("-") == "" else f for f in fields]
    attrs = columns(cleaned, ALT_COLUMNS)
    attrs.update(kept(cleaned, 19))
    satellites = soft(parse_int, _field(fields, 15))
    return (Position(
        device_id=fields[0], protocol=PROTOCOL, fix_time=fix_time,
        valid=_field(fields, 8) not in ("", "0", "V"), lat=lat, lon=lon,
        altitude_m=soft(parse_float, _field(fields, 13)),
        speed_kmh=soft(parse_float, fields[11]), course_deg=soft(parse_float, fields[12]),
        satellites=satellites if satellites is None or satellites >= 0 else None,
        hdop=soft(parse_float, _field(fields, 14)), attributes=attrs,
    ),), ()


REPORT_DECODERS: dict[str, ReportDecoder] = {
    Keyword.OBD.value: decode_obd,
    Keyword.PHOTO_DATA.value: decode_photo_data,
}


def decode_report(message: Message, now: datetime) -> Records:
    if message.alternative:
        return decode_alternative(message.fields, now)
    decoder = REPORT_DECODERS.get(message.fields[1], decode_regular)
    return decoder(message.fields, now)
