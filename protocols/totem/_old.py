"""Old Totem protocols (``$$<len:2 hex><IMEI>|...``, AVL02 and relatives).

Old-1 carries a ``$GPRMC`` sentence and ``|``-separated extras; Old-2 is
``|``-separated fields; Old-3 is one fixed-width record. ``None`` means
"no record" (an all-zero date, as devices send before their first fix).
"""

from __future__ import annotations

from datetime import datetime

from .._errors import MalformedError
from .._records import Position
from .._text import parse_date, parse_dm, parse_float, parse_int, parse_time
from .._rmc import parse_rmc
from .constants import KNOT_KMH, OLD1_IO, OLD2_IO, OLD_ALARMS, PROTOCOL

__all__ = ["decode_old1", "decode_old2", "decode_old3"]

_OLD3 = (("alarm", 2), ("date", 6), ("time", 6), ("io", 4), ("charging", 1), ("battery", 2),
         ("power", 2), ("adc1", 4), ("adc2", 4), ("temp1", 3), ("temp2", 3), ("lac", 4),
         ("cid", 4), ("fix", 1), ("sats", 2), ("course", 3), ("speed", 3), ("pdop", 4),
         ("odometer", 7), ("lat", 9), ("ns", 1), ("lon", 10), ("ew", 1), ("serial", 4),
         ("crc", 4))
OLD3_WIDTH = sum(width for _, width in _OLD3)


def _alarm(code: str, attributes: dict[str, object]) -> None:
    alarm = OLD_ALARMS.get(code.upper())
    if alarm:
        attributes["alarm"] = alarm


def _io_bits(text: str, names: tuple, attributes: dict[str, object]) -> int:
    if not text or set(text) - {"0", "1"}:
        raise MalformedError("totem: bad IO field", data=text.encode()[:32])
    value = int(text, 2)
    for bit, name in names:
        attributes[name] = bool(value >> bit & 1)
    return value


def _odometer(text: str) -> float:
    return round(parse_float(text, "odometer") * 1000, 3)


def decode_old1(imei: str, parts: list[str], now: datetime) -> Position | None:
    """``<alarm>$GPRMC,...*hh|PDOP|HDOP|VDOP|IO|RTC|<c><bat:3><pow:4>|[ADC|]cell|temp|km|serial|CRC``."""
    head, extras = parts[1], parts[2:-1]
    if len(extras) < 10:
        raise MalformedError("totem: short GPRMC report", data=head.encode()[:32])
    at = head.find("$GPRMC,")
    if at < 0:
        raise MalformedError("totem: bad GPRMC sentence", data=head.encode()[:32])
    rmc_fields = head[at + 7:].partition("*")[0].split(",")
    if len(rmc_fields) >= 9 and rmc_fields[8].strip("0") == "":
        return None
    rmc = parse_rmc(rmc_fields, now)
    attributes: dict[str, object] = {}
    _alarm(head[:2], attributes)
    pdop, hdop, vdop, io, _rtc, cbp = extras[:6]
    attributes["pdop"] = parse_float(pdop, "pdop")
    attributes["vdop"] = parse_float(vdop, "vdop")
    if _io_bits(io, OLD1_IO, attributes) & 1 and "alarm" not in attributes:
        attributes["alarm"] = "sos"
    if len(cbp) == 8 and cbp.isdigit():
        attributes["charge"] = cbp[0] == "1"
        attributes["battery"] = int(cbp[1:4]) / 100
        attributes["power"] = int(cbp[4:])
    tail = extras[6:]
    tail = tail[1:] if len(tail) >= 5 else tail  # optional ADC
    attributes["odometer"] = _odometer(tail[2])
    return Position(device_id=imei, protocol=PROTOCOL, fix_time=rmc.fix_time, valid=rmc.valid,
                    lat=rmc.lat, lon=rmc.lon, speed_kmh=rmc.speed_kmh, course_deg=rmc.course_deg,
                    hdop=parse_float(hdop, "hdop"), attributes=attributes)


def _ddmmyy_hhmmss(date: str, time: str) -> datetime | None:
    if date.strip("0") == "":
        return None
    return datetime.combine(parse_date(date), parse_time(time))


def decode_old2(imei: str, parts: list[str], now: datetime) -> Position | None:
    """``<alarm><ddmmyy><hhmmss>|A|lat|N|lon|E|speed|course|HDOP|IO|<c><bat:2><pow:2>|ADC|cell|temp|km|serial|CRC``."""
    head = parts[1]
    if len(head) < 14:
        raise MalformedError("totem: short report", data=head.encode()[:32])
    fix_time = _ddmmyy_hhmmss(head[2:8], head[8:14])
    if fix_time is None:
        return None
    if len(parts) < 18 or parts[2] not in ("A", "V"):
        raise MalformedError("totem: bad report", data=head.encode()[:32])
    attributes: dict[str, object] = {}
    _alarm(head[:2], attributes)
    _io_bits(parts[10], OLD2_IO, attributes)
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
        attributes=attributes)


def decode_old3(imei: str, body: str, now: datetime) -> Position | None:
    """One fixed-width record (``_OLD3``)."""
    if len(body) != OLD3_WIDTH:
        raise MalformedError(f"totem: record of {len(body)} characters", data=body.encode()[:32])
    f: dict[str, str] = {}
    at = 0
    for name, width in _OLD3:
        f[name] = body[at:at + width]
        at += width
    fix_time = _ddmmyy_hhmmss(f["date"], f["time"])
    if fix_time is None:
        return None
    attributes: dict[str, object] = {"io1": f["io"], "battery": parse_int(f["battery"]) / 10,
                                     "power": float(parse_int(f["power"])),
                                     "adc1": f["adc1"], "adc2": f["adc2"],
                                     "temp1": f["temp1"], "temp2": f["temp2"],
                                     "pdop": parse_float(f["pdop"], "pdop"),
                                     "odometer": _odometer(f["odometer"])}
    _alarm(f["alarm"], attributes)
    return Position(
        device_id=imei, protocol=PROTOCOL, fix_time=fix_time, valid=f["fix"] == "A",
        lat=parse_dm(f["lat"], f["ns"], 90.0), lon=parse_dm(f["lon"], f["ew"], 180.0),
        speed_kmh=parse_int(f["speed"]) * KNOT_KMH, course_deg=float(parse_int(f["course"])),
        satellites=parse_int(f["sats"]), attributes=attributes)


