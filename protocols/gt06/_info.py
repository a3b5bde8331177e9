"""GT06 messages without a GPS block: status, command results, information
transfer (0x94), alarms of dash cameras (0x95), cell/Wi-Fi reports, 0x70 modules."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from .._errors import MalformedError
from .._records import Event, Position
from ._location import PROTOCOL, UTC, make_position, parse_lbs, parse_lbs_4g, status_attributes

__all__ = ["DECODERS", "decode_network", "decode_status_36"]

Records = tuple[tuple[Position, ...], tuple[Event, ...]]


def _event(device_id: str, time: datetime, kind: str, attrs: dict) -> Records:
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=time, type=kind, attributes=attrs),)


def _time_or(c: bytes, offset: int, now: datetime) -> datetime:
    if len(c) >= offset + 6:
        y, mo, d, h, mi, s = c[offset:offset + 6]
        try:
            return datetime(2000 + y, mo, d, h, mi, s, tzinfo=UTC)
        except ValueError:
            pass
    return now


def _u16(c: bytes, i: int) -> int:
    return int.from_bytes(c[i:i + 2], "big")


def decode_status(f, device_id: str, now: datetime) -> Records:
    """0x13 heartbeat: terminal info, voltage level, GSM signal, alarm, language [, extras]."""
    c = f.content
    attrs: dict = {}
    if len(c) == 16:  # long status: battery percentage in byte 5
        status_attributes(c[0], None, None, None, attrs)
        attrs["batteryLevel"] = min(c[5], 100)
    elif len(c) >= 3:
        status_attributes(c[0], c[1], c[2], c[3] if len(c) > 3 else None, attrs)
        if len(c) == 14:
            attrs["temp1"] = int.from_bytes(c[12:14], "big", signed=True) / 10.0
    elif c:
        status_attributes(c[0], None, None, None, attrs)
    return _event(device_id, now, "status", attrs)


def decode_heartbeat_2(f, device_id: str, now: datetime) -> Records:
    """0x23: terminal info, voltage (0.01 V), GSM signal, alarm, language."""
    c = f.content
    if len(c) < 5:
        return decode_status(f, device_id, now)
    attrs = status_attributes(c[0], None, c[3], c[4], {})
    attrs["power"] = _u16(c, 1) / 100.0
    return _event(device_id, now, "status", attrs)


def decode_heartbeat_4g(f, device_id: str, now: datetime) -> Records:
    """0xA3: short status, pedometer record, or status with a date."""
    c = f.content
    attrs: dict = {}
    if len(c) == 19:
        attrs["steps"] = int.from_bytes(c[9:13], "big")
    elif len(c) >= 4:
        status_attributes(c[0], None, c[3], None, attrs)
        attrs["power"] = _u16(c, 1) / 100.0
    return _event(device_id, _time_or(c, 0, now) if len(c) > 19 else now, "status", attrs)


def decode_status_36(f, device_id: str, now: datetime) -> Records:
    """0x36 short form: status values with the battery voltage (0.01 V) at bytes 12-13."""
    c = f.content
    attrs: dict = {}
    if len(c) >= 14:
        attrs["battery"] = _u16(c, 12) / 100.0
    return _event(device_id, now, "status", attrs)


def decode_lbs_status(f, device_id: str, now: datetime) -> Records:
    """0x19 / 0xA5: serving cell (2G or 4G) and the 5 status bytes."""
    c = f.content
    off = parse_lbs_4g(c, 0) if f.msg_type == 0xA5 else parse_lbs(c, 0)
    tail = c[off:]
    if len(tail) not in (5, 6):  # other vendors' layouts: nothing we can trust
        return (), ()
    attrs = status_attributes(tail[0], tail[1], tail[2], tail[3], {})
    return _event(device_id, now, "alarm" if "alarm" in attrs else "status", attrs)


def decode_network(f, device_id: str, now: datetime) -> Records:
    """Cell towers / Wi-Fi access points only (no fix): a 'network' event."""
    c = f.content
    return _event(device_id, _time_or(c, 0, now), "network", {})


def decode_command_result(f, device_id: str, now: datetime) -> Records:
    """0x15 (length, server flag, ASCII, language) and 0x21 (server flag, encoding, text)."""
    c = f.content
    if f.msg_type == 0x21:
        raw = c[5:]
        text = raw.decode("utf-16-be", "replace") if c[4:5] == b"\x02" else raw.decode("latin-1")
    else:
        end = 1 + c[0] if c and c[0] >= 4 else len(c)
        text = c[5:end].split(b"\x00", 1)[0].decode("latin-1")
    return _event(device_id, now, "commandResult", {"result": text.strip("\x00")})


def decode_serial(f, device_id: str, now: datetime) -> Records:
    """0x9B transparent data: printable text as text, anything else as hex."""
    data = f.content[1:]
    text = data.rstrip(b"\r\n")
    if text and all(0x20 <= b < 0x7F for b in text):
        result = text.decode("ascii")
    else:
        result = data.hex()
    return _event(device_id, now, "commandResult", {"result": result})


def _info_voltage(data: bytes, attrs: dict) -> None:
    attrs["power"] = int.from_bytes(data[:2], "big") / 100.0


def _info_network(data: bytes, attrs: dict) -> None:
    if len(data) >= 2:
        _info_voltage(data, attrs)
    elif data:
        attrs["networkTechnology"] = "4G" if data[0] else "2G"


def _info_text(data: bytes, attrs: dict) -> None:
    attrs["deviceStatus"] = data.decode("latin-1")


def _info_door(data: bytes, attrs: dict) -> None:
    if data:
        attrs["door"] = bool(data[-1] & 0x01)


def _info_ids(data: bytes, attrs: dict) -> None:
    if len(data) >= 26:
        attrs["imei"] = data[0:8].hex().lstrip("0")
        attrs["imsi"] = data[8:16].hex().lstrip("0")
        attrs["iccid"] = data[16:26].hex().rstrip("f")


def _info_driver(data: bytes, attrs: dict) -> None:
    if len(data) >= 2:
        size = min(data[1] // 2, len(data) - 2)
        attrs["driverUniqueId"] = data[2:2 + size].hex()


_INFO: dict[int, Callable[[bytes, dict], None]] = {
    0x00: _info_voltage, 0x0B: _info_network, 0x04: _info_text, 0x0D: _info_text,
    0x05: _info_door, 0x0A: _info_ids, 0x1B: _info_driver,
}


def decode_info(f, device_id: str, now: datetime) -> Records:
    """0x94 information transfer: a sub-type byte, then its data."""
    c = f.content
    if not c:
        raise MalformedError("gt06: empty information packet")
    attrs: dict = {}
    handler = _INFO.get(c[0])
    if handler is not None:
        handler(c[1:], attrs)
    else:
        attrs["infoType"] = c[0]
    return _event(device_id, now, "status", attrs)


#: 0x95 short form: date + one code
_ALARM_95_SHORT = {0x01: "general", 0x90: "hardAcceleration", 0x91: "hardBraking", 0x92: "hardCornering"}
#: 0x95 long form (with a file name): code three bytes before the name
_ALARM_95_LONG = {0x01: "sos", 0x90: "hardAcceleration", 0x91: "hardBraking", 0x92: "hardCornering",
                  0x93: "accident"}


def decode_alarm_95(f, device_id: str, now: datetime) -> Records:
    """0x95 camera alarm: short (date, code) or long (..., code, 00 00, file names)."""
    c = f.content
    if len(c) <= 8:
        code = c[6] if len(c) > 6 else 0
        attrs: dict = {"event": code}
        if code in _ALARM_95_SHORT:
            attrs["alarm"] = _ALARM_95_SHORT[code]
        return _event(device_id, _time_or(c, 0, now), "alarm", attrs)
    name = c.find(b"EVENT")
    if name < 3:
        raise MalformedError("gt06: unknown 0x95 layout", data=c)
    code = c[name - 3]
    attrs = {"event": code}
    if code in _ALARM_95_LONG:
        attrs["alarm"] = _ALARM_95_LONG[code]
    time = _time_or(c, 3, now) if c[:2] == b"\xff\xff" else _time_or(c, 0, now)
    return _event(device_id, time, "alarm", attrs)


def _tlv(c: bytes, start: int, size_len: int) -> list[tuple[int, bytes]]:
    out = []
    i = start
    while i + 2 + size_len <= len(c):
        tag = _u16(c, i)
        size = int.from_bytes(c[i + 2:i + 2 + size_len], "big")
        i += 2 + size_len
        out.append((tag, c[i:i + size]))
        i += size
    return out


def decode_modular(f, device_id: str, now: datetime) -> Records:
    """0x70 modular packet: (module id u16, length u16, data) repeated."""
    attrs: dict = {}
    gps = None
    for tag, data in _tlv(f.content, 0, 2):
        if tag == 0x0033 and len(data) >= 18 and _u16(data, 0):
            gps = data
        elif tag == 0x0034 and data:
            attrs["event"] = data[0]
            if data[0] == 0x12:
                attrs["alarm"] = "removing"
        elif tag == 0x0018 and len(data) >= 2:
            attrs["battery"] = _u16(data, 0) / 100.0
        elif tag == 0x007F and len(data) >= 11:
            attrs["tag1Temp"] = int.from_bytes(data[9:11], "big", signed=True) / 10.0
    if gps is None:
        return _event(device_id, now, "status", attrs)
    return (_modular_position(gps, device_id, attrs),), ()


def _modular_position(d: bytes, device_id: str, attrs: dict) -> Position:
    """Module 0x0033: unix time, satellites, altitude, lat, lon, speed, course word."""
    fix_time = datetime.fromtimestamp(int.from_bytes(d[0:4], "big"), timezone.utc)
    altitude = float(int.from_bytes(d[5:7], "big", signed=True))
    return make_position(fix_time, d[4], _u32(d, 7), _u32(d, 11), d[15], _u16(d, 16),
                         device_id, attrs, altitude)


def _u32(c: bytes, i: int) -> int:
    return int.from_bytes(c[i:i + 4], "big")


def decode_io(f, device_id: str, now: datetime) -> Records:
    """0xF1: unix time, then (id u16, length u8, value) items; id 5 is the supply voltage."""
    attrs: dict = {}
    for tag, data in _tlv(f.content, 4, 1):
        value = int.from_bytes(data, "big") if data else 0
        if tag == 0x0005:
            attrs["power"] = value / 100.0
        else:
            attrs[f"io{tag}"] = value
    return _event(device_id, now, "status", attrs)


def decode_peripheral(f, device_id: str, now: datetime) -> Records:
    """0xF2 peripheral data: unix time, then device-specific bytes (kept as hex)."""
    return _event(device_id, now, "status", {"peripheral": f.content[4:].hex()})


def decode_obd(f, device_id: str, now: datetime) -> Records:
    """0x8C OBD: date, then ASCII ``id=value`` pairs separated by commas."""
    c = f.content
    text = c[7:].split(b"\x00", 1)[0].decode("latin-1")
    attrs: dict = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep and key.isalnum() and value and all(ch.isalnum() for ch in value):
            attrs[f"obd{key}"] = value
    return _event(device_id, _time_or(c, 0, now), "status", attrs)


DECODERS: dict[int, Callable] = {
    0x13: decode_status, 0x23: decode_heartbeat_2, 0xA3: decode_heartbeat_4g,
    0x19: decode_lbs_status, 0xA5: decode_lbs_status,
    0x18: decode_network, 0x28: decode_network, 0x2E: decode_network, 0xA1: decode_network,
    0xA7: decode_network, 0x69: decode_network, 0xF3: decode_network,
    0x15: decode_command_result, 0x21: decode_command_result, 0x9B: decode_serial,
    0x94: decode_info, 0x95: decode_alarm_95, 0x70: decode_modular, 0xF1: decode_io,
    0xF2: decode_peripheral, 0x8C: decode_obd,
}
