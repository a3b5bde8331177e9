"""Old Totem protocols (``$$<len:2 hex><IMEI>|...``, AVL02 and relatives).

Old-1 carries a ``$GPRMC`` sentence and ``|``-separated extras; Old-2 is
``|``-separated fields; Old-3 is one fixed-width record. Decoders return
``(Position | None, unknown items)``; ``None`` means "no record" (an all-zero
date, as devices send before their first fix). Columns and codes:
``_catalogue`` (OLD1_COLUMNS, OLD2_COLUMNS, OLD3_COLUMNS, OLD_CODES).

Accepted forms: RMC time ``hhmmss[.sss]`` and date ``ddmmyy`` (Old-1), or
``ddmmyy`` + ``hhmmss`` (Old-2/3), UTC, two-digit years (80-99 -> 19xx);
coordinates ``d*mm.mmmm`` + hemisphere; speeds in knots; IO as a binary
string (Old-1/2) or 4 hex digits (Old-3); checksum 4 hex digits (CRC-16/MODBUS),
verified and flagged.
"""

from __future__ import annotations

from datetime import datetime

from .._errors import MalformedError
from .._records import Position
from .._text import parse_date, parse_dm, parse_float, parse_int, parse_time
from .._rmc import parse_rmc
from ._catalogue import OLD1_IO, OLD2_IO, OLD3_COLUMNS, OLD_ALARMS, OLD_CODES, OLD_EVENTS
from .constants import KNOT_KMH, PROTOCOL

__all__ = ["decode_old1", "decode_old2", "decode_old3"]

OLD3_WIDTH = sum(width for _, width, _ in OLD3_COLUMNS)
_KNOWN_CODES = frozenset(c.code for c in OLD_CODES)
Decoded = tuple[Position | None, int]


def _alarm(code: str, attributes: dict[str, object]) -> int:
    """The alarm type: an alarm, an ``event``, or (outside the catalogue) ``event`` = the
    code; returns the number of unknown items (0 or 1)."""
    code = code.upper()
    if code in OLD_ALARMS:
        attributes["alarm"] = OLD_ALARMS[code]
    elif code in OLD_EVENTS:
        attributes["event"] = OLD_EVENTS[code]
    elif code not in _KNOWN_CODES:
        attributes["event"] = code
        return 1
    return 0


def _io_bits(text: str, names: tuple, attributes: dict[str, object]) -> int:
    if not text or set(text) - {"0", "1"}:
        raise MalformedError("totem: bad IO field", data=text.encode()[:32])
    value = int(text, 2)
    for bit, name in names:
        attributes[name] = bool(value >> bit & 1)
    return value


def _odometer(text: str) -> float:
    return round(parse_float(text, "odometer") * 1000, 3)


def decode_old1(imei: str, parts: list[str], now: datetime) -> Decoded:
    """``<alarm>$GPRMC,...*hh|PDOP|HDOP|VDOP|IO|RTC|<c><bat:3><pow:4>|[ADC|]cell|temp|km|serial|CRC``."""
    head, extras = parts[1], parts[2:-1]
    if len(extras) < 10:
        raise MalformedError("totem: short GPRMC report", data=head.encode()[:32])
    at = head.find("$GPRMC,")
    if at < 0:
        raise MalformedError("totem: bad GPRMC sentence", data=head.encode()[:32])
    rmc_fields = head[at + 7:].partition("*")[0].split(",")
    if len(rmc_fields) >= 9 and rmc_fields[8].strip("0") == "":
        return None, 0
    rmc = parse_rmc(rmc_fields, now)
    attributes: dict[str, object] = {}
    unknown = _alarm(head[:2], attributes)
    pdop, hdop, vdop, io, _rtc, cbp = extras[:6]
    attributes["pdop"] = parse_float(pdop, "pdop")
    attributes["vdop"] = parse_float(vdop, "vdop")
    attributes["status"] = _io_bits(io, OLD1_IO, attributes)
    if attributes["status"] & 1 and "alarm" not in attributes:
        attributes["alarm"] = "sos"
    if len(cbp) == 8 and cbp.isdigit():
        attributes["charge"] = cbp[0] == "1"
        attributes["battery"] = int(cbp[1:4]) / 100
        attributes["power"] = int(cbp[4:])
    tail = extras[6:]
    if len(tail) >= 5:  # optional ADC
        attributes["adc1"], tail = tail[0], tail[1:]
    attributes["temp1"] = tail[1]
    attributes["odometer"] = _odometer(tail[2])
    return Position(device_id=imei, protocol=PROTOCOL, fix_time=rmc.fix_time, valid=rmc.valid,
                    lat=rmc.lat, lon=rmc.lon, speed_kmh=rmc.speed_kmh, course_deg=rmc.course_deg,
                    hdop=parse_float(hdop, "hdop"), attributes=attributes), unknown


def _ddmmyy_hhmmss(date: str, time: str) -> datetime | None:
    if date.strip("0") == "":
        return None
    return datetime.combine(parse_date(date), parse_time(time))


def decode_old2(imei: str, parts: list[str], now: datetime) -> Decoded:
    """``<alarm><ddmmyy><hhmmss>|A|lat|N|lon|E|speed|course|HDOP|IO|<c><bat:2><pow:2>|ADC|cell|temp|km|serial|CRC``."""
    head = parts[1]
    if len(head) < 14:
        raise MalformedError("totem: short report", data=head.encode()[:32])
    fix_time = _ddmmyy_hhmmss(head[2:8], head[8:14])
    if fix_time is None:
        return None, 0
    if len(parts) < 18 or parts[2] not in ("A", "V"):
        raise MalformedError("totem: bad report", data=head.encode()[:32])
    attributes: dict[str, object] = {}
    unknown = _alarm(head[:2], attributes)
    attributes["status"] = _io_bits(parts[10], OLD2_IO, attributes)
    cbp = parts[11]
    if len(cbp) == 5 and cbp.isdigit():
        attributes["battery"] = int(cbp[1:3]) / 10
        attributes["power"] = float(int(cbp[3:5]))
    attributes["adc1"] = parts[12]
    attributes["temp1"] = parts[14]
    attributes["odometer"] = _odometer(parts[15])
    return Position(
        device_id=imei, protocol=PROTOCOL, fix_time=fix_time, valid=parts[2] == "A",
        lat=parse_dm(parts[3], parts[4], 90.0), lon=parse_dm(parts[5], parts[6], 180.0),
        speed_kmh=parse_float(parts[7], "speed") * KNOT_KMH,
        course_deg=parse_float(parts[8], "course"), hdop=parse_float(parts[9], "hdop"),
        attributes=attributes), unknown


def decode_old3(imei: str, body: str, now: datetime) -> Decoded:
    """One fixed-width record (``OLD3_COLUMNS``)."""
    if len(body) != OLD3_WIDTH:
        raise MalformedError(f"totem: record of {len(body)} characters", data=body.encode()[:32])
    f: dict[str, str] = {}
    at = 0
    for name, width, _ in OLD3_COLUMNS:
        f[name] = body[at:at + width]
        at += width
    fix_time = _ddmmyy_hhmmss(f["date"], f["time"])
    if fix_time is None:
        return None, 0
    attributes: dict[str, object] = {"io1": f["io"], "battery": parse_int(f["battery"]) / 10,
                                     "power": float(parse_int(f["power"])),
                                     "adc1": f["adc1"], "adc2": f["adc2"],
                                     "temp1": f["temp1"], "temp2": f["temp2"],
                                     "pdop": parse_float(f["pdop"], "pdop"),
                                     "odometer": _odometer(f["odometer"])}
    if f["charging"] in ("0", "1"):
        attributes["charge"] = f["charging"] == "1"
    unknown = _alarm(f["alarm"], attributes)
    return Position(
        device_id=imei, protocol=PROTOCOL, fix_time=fix_time, valid=f["fix"] == "A",
        lat=parse_dm(f["lat"], f["ns"], 90.0), lon=parse_dm(f["lon"], f["ew"], 180.0),
        speed_kmh=parse_int(f["speed"]) * KNOT_KMH, course_deg=float(parse_int(f["course"])),
        satellites=parse_int(f["sats"]), attributes=attributes), unknown


