"""Binary reports: Universal binary (0x81 status, 0x82 alert) and zip (0x02, type 0x10).

Universal binary: ``type | length (2) | ID (5, BCD) | mask (3) |`` then per
mask bit from bit 1 (bit 0 stands for the id): model 1, SW 3 (``a.b.c``), message type 1, date 3 + time 3 (YY MM DD
hh mm ss), cell 4, MCC 2, MNC 2, LAC 2, RX 1, lat 4 and lon 4 (sign-magnitude,
1e-6 degree), speed 2 (0.01 km/h), course 2 (0.01 degree), satellites 1, fix 1,
input 1, output 1; alerts go on with alert id 1, modifier 2 and, for alert 59,
an 8-byte driver id (bit 21). (Status reports' bits 19-21 are not decoded.)

Zip: ``02 | length (2) | report type | ID (5, BCD, 9 digits used) | model | SW (2)
| date+time (6) | LAC (2) | BSIC | lat | lon | speed (3) | course (3) | flags |
distance (4) | power (2) | IO | event | ... | 03``. lat/lon: one byte of degrees
+ 3 BCD bytes of millionths; speed and course: 2 bytes + 1 BCD byte of
hundredths; flags: bit 7 fix, bit 6 latitude south, bit 5 longitude west,
bits 0-4 satellites; power: volts + 1 BCD byte of hundredths. Traccar stores
the zip speed without converting it to knots; here it is km/h like every other
path. Zip report types (``_catalogue.ZIP_TYPES``): 0x10 status (the byte after
I/O -> ``event``), 0x11 emergency (-> ``alarm``), 0x12 event (-> ``event``),
0x13 alert (-> ``alarm``, ``alertId``). When 7 more bytes precede the footer
they are the HBM columns: hour meter (4, minutes -> ``hours`` ms), backup
voltage (1 + 1 BCD -> ``battery``), message type (1, 0 -> ``archive``).
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import Any

from .._binary import bcd_digits
from .._errors import MalformedError
from .._text import check_latlon
from ._catalogue import EMERGENCIES, ZIP_TYPES
from ._report import Report, alert, position
from .constants import ALERT_DRIVER_ID, BinaryType

__all__ = ["decode_binary", "decode_zip"]

UTC = timezone.utc
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_ZIP_FIXED = 44  # bytes up to and including the event byte
_ZIP = struct.Struct(">B5sB2s6s2sB4s4s3s3sBIBBBB")


def _time(b: bytes) -> datetime:
    try:
        return datetime(2000 + b[0], b[1], b[2], b[3], b[4], b[5], tzinfo=UTC)
    except ValueError:
        raise MalformedError("suntech: bad binary date/time", data=b) from None


def _signed(raw: int) -> float:
    value = (raw & 0x7FFFFFFF) / 1e6
    return -value if raw & 0x80000000 else value


#: (field, size) in mask-bit order from bit 1
_LAYOUT = (("model", 1), ("sw", 3), ("msgType", 1), ("date", 3), ("time", 3), ("cell", 4),
           ("mcc", 2), ("mnc", 2), ("lac", 2), ("rssi", 1), ("lat", 4), ("lon", 4),
           ("speed", 2), ("course", 2), ("sat", 1), ("fix", 1), ("input", 1), ("output", 1),
           ("alertId", 1), ("alertModifier", 2))


def _fields(frame: bytes, kind: int) -> tuple[dict[str, bytes], int]:
    mask = int.from_bytes(frame[8:11], "big")
    layout = _LAYOUT if kind == BinaryType.ALERT else _LAYOUT[:18]
    out: dict[str, bytes] = {}
    pos = 11
    for bit, (name, size) in enumerate(layout, 1):
        if mask >> bit & 1:
            if pos + size > len(frame):
                raise MalformedError("suntech: binary report cut short", data=frame)
            out[name] = frame[pos:pos + size]
            pos += size
    return out, pos


def decode_binary(frame: bytes) -> Report:
    if len(frame) < 11:
        raise MalformedError("suntech: binary report cut short", data=frame)
    device_id = bcd_digits(frame[3:8])
    kind = frame[0]
    if kind not in (BinaryType.STATUS, BinaryType.ALERT):
        return Report(device_id=device_id, universal=True, unknown=f"0x{kind:02X}")
    v, pos = _fields(frame, kind)
    attrs: dict[str, Any] = {}
    if "sw" in v:
        attrs["versionFw"] = ".".join(str(b) for b in v["sw"])
    if v.get("msgType") == b"\x00":
        attrs["archive"] = True
    if "rssi" in v:
        attrs["rssi"] = v["rssi"][0]
    if "input" in v:
        attrs["input"] = v["input"][0]
        attrs["ignition"] = bool(v["input"][0] & 1)
    if "output" in v:
        attrs["output"] = v["output"][0]
    unknown = _alert(frame, pos, v, attrs) if "alertId" in v else 0
    if not all(k in v for k in ("date", "time", "lat", "lon")):
        raise MalformedError("suntech: binary report without a location", data=frame)
    return Report(device_id=device_id, universal=True, unknown_items=unknown, positions=(position(
        device_id, _time(v["date"] + v["time"]), v.get("fix", b"\x01")[0] > 0,
        check_latlon(_signed(_U32.unpack(v["lat"])[0]), 90.0),
        check_latlon(_signed(_U32.unpack(v["lon"])[0]), 180.0),
        _U16.unpack(v["speed"])[0] / 100 if "speed" in v else None,
        _U16.unpack(v["course"])[0] / 100 if "course" in v else None,
        v["sat"][0] if "sat" in v else None, attrs),))


def _alert(frame: bytes, pos: int, v: dict[str, bytes], attrs: dict[str, Any]) -> int:
    alert_id = v["alertId"][0]
    unknown = alert(alert_id, attrs)
    if "alertModifier" in v:
        attrs["alertModifier"] = _U16.unpack(v["alertModifier"])[0]
    if alert_id == ALERT_DRIVER_ID and pos + 8 <= len(frame):
        attrs["driverUniqueId"] = frame[pos:pos + 8].hex()
    return unknown


def _bcd_fraction(b: int) -> int:
    return int(bcd_digits(bytes((b,))))


def decode_zip(frame: bytes) -> Report:
    if len(frame) < 9:
        raise MalformedError("suntech: zip report cut short", data=frame)
    device_id = bcd_digits(frame[4:9])[:9]
    kind = ZIP_TYPES.get(frame[3])
    if kind is None:
        return Report(device_id=device_id, universal=True, unknown=f"zip 0x{frame[3]:02X}")
    if len(frame) < _ZIP_FIXED:
        raise MalformedError("suntech: zip report cut short", data=frame)
    (_, _, _, _, moment, _, _, lat, lon, speed, course, flags, distance, volts, volts_frac,
     io, event) = _ZIP.unpack_from(frame, 3)
    lat_v = check_latlon(lat[0] + int(bcd_digits(lat[1:])) / 1e6, 90.0)
    lon_v = check_latlon(lon[0] + int(bcd_digits(lon[1:])) / 1e6, 180.0)
    attrs: dict[str, Any] = {
        "odometer": distance,
        "power": volts + _bcd_fraction(volts_frac) / 100,
        "ignition": bool(io & 1), "in1": bool(io & 2), "in2": bool(io & 4),
        "in3": bool(io & 8), "out1": bool(io & 16), "out2": bool(io & 32), "type": kind[0],
    }
    unknown = _zip_code(kind, event, attrs)
    _zip_extras(frame[3 + _ZIP.size:-1], attrs)
    return Report(device_id=device_id, universal=True, unknown_items=unknown, positions=(position(
        device_id, _time(moment), bool(flags & 0x80),
        -lat_v if flags & 0x40 else lat_v, -lon_v if flags & 0x20 else lon_v,
        _U16.unpack(speed[:2])[0] + _bcd_fraction(speed[2]) / 100,
        _U16.unpack(course[:2])[0] + _bcd_fraction(course[2]) / 100,
        flags & 0x1F, attrs),))


def _zip_code(kind: tuple[str, str], code: int, attrs: dict[str, Any]) -> int:
    """The id byte after I/O: event number, emergency id or alert id."""
    if kind[1] == "event":
        attrs["event"] = code
        return 0
    if kind[0] == "ALT":
        return alert(code, attrs)
    emergency = EMERGENCIES.get(code)
    if emergency is None:
        attrs["emergencyId"] = code
        return 1
    if emergency.alarm:
        attrs["alarm"] = emergency.alarm
    return 0


def _zip_extras(rest: bytes, attrs: dict[str, Any]) -> None:
    """HBM columns (7 bytes) between the fixed part and the footer, when present."""
    if len(rest) != 7:
        return
    attrs["hours"] = _U32.unpack(rest[:4])[0] * 60_000
    attrs["battery"] = rest[4] + _bcd_fraction(rest[5]) / 100
    if rest[6] == 0:
        attrs["archive"] = True
