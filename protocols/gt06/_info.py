"""GT06 messages without a GPS block: status/heartbeats, cells and Wi-Fi, command replies.

Command replies (0x15, 0x21) whose text is a position report (``Current position!Lat:N..,
Lon:E..,Course:..,Speed:..,DateTime:yyyy-mm-dd hh:mm:ss``, speed km/h) give a Position.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from .._commands import CommandAnswer
from .._records import Position
from . import _extended
from ._catalogue import MODULES_36, read_items
from ._location import (
    NOTHING,
    PROTOCOL,
    Records,
    event,
    one,
    parse_bcd_time,
    parse_time,
    skip_cell,
    skip_cell_4g,
    status_attributes,
    u16,
)

__all__ = [
    "command_answer",
    "DECODERS",
    "decode_heartbeat_4g",
    "decode_network",
    "decode_status_modules",
    "decode_wifi",
    "read_modules",
]


def _time_or(c: bytes, offset: int, now: datetime, tz=None) -> datetime:
    return parse_time(c, offset, tz) or now


def read_modules(c: bytes, off: int, count: int | None, table: dict, attrs: dict) -> None:
    """(id u16, length u8, value) modules from ``off`` through a catalogue table."""
    items = []
    while off + 3 <= len(c) and (count is None or len(items) < count):
        size = c[off + 2]
        items.append((u16(c, off), c[off + 3:off + 3 + size]))
        off += 3 + size
    read_items(items, table, attrs)


def decode_status(f, device_id: str, now: datetime) -> Records:
    """0x13 heartbeat [VL03]: terminal info, voltage level, GSM level, alarm, language.
    16-byte form: info, satellites (u16), alarm, language, battery %, mode, voltage, reserved,
    work counters, temperature (bit 15 set: positive, 0.1 degC). 14-byte OBD form: info, signal
    word (satellites, GSM), alarm, language, battery %, mode, power (0.01 V), reserved, working
    time, temperature (s16, 0.1 degC, mode 4)."""
    c = f.content
    attrs: dict = {}
    if len(c) == 16:
        status_attributes(c[0], None, None, c[3], attrs, f.family)
        attrs["batteryLevel"] = c[5]
        value = u16(c, 14)
        temp = (value & 0x7FFF) / 10.0
        attrs["temp1"] = temp if value & 0x8000 else -temp
    elif len(c) == 14:
        signal = u16(c, 1)
        status_attributes(c[0], None, signal & 0x1F, c[3], attrs, f.family)
        attrs["sat"] = ((signal >> 10) & 0x1F) + ((signal >> 5) & 0x1F)
        attrs["batteryLevel"] = c[5]
        attrs["power"] = u16(c, 7) / 100.0
        if c[6] == 4:
            attrs["temp1"] = int.from_bytes(c[12:14], "big", signed=True) / 10.0
    elif f.family in _STATUS_FAMILIES and len(c) >= 5:
        _STATUS_FAMILIES[f.family](c, attrs)
    elif c:
        status_attributes(c[0], c[1] if len(c) > 1 else None, c[2] if len(c) > 2 else None,
                          c[3] if len(c) > 3 else None, attrs, f.family)
    return event(device_id, now, "alarm" if "alarm" in attrs else "status", attrs)


def _status_lw(c: bytes, attrs: dict) -> None:
    """LW*: info, voltage level, GSM, power word (low 12 bits, 0.1 V) instead of alarm + language."""
    status_attributes(c[0], c[1], c[2], None, attrs, "lw")
    attrs["power"] = (u16(c, 3) & 0x0FFF) / 10.0


def _status_seeworld(c: bytes, attrs: dict) -> None:
    """SEEWORLD: info, voltage level, GSM, power (whole volts) instead of the alarm byte."""
    status_attributes(c[0], c[1], c[2], None, attrs, "seeworld")
    attrs["power"] = float(c[3])


def _status_r11(c: bytes, attrs: dict) -> None:
    """R11: info, power (u16, 0.01 V) instead of the voltage level, GSM, alarm."""
    status_attributes(c[0], None, c[3], c[4], attrs, "r11")
    attrs["power"] = u16(c, 1) / 100.0


#: 0x13 layouts of model families (Gt06Connection(model=...)) [TRACCAR]
_STATUS_FAMILIES: dict[str, Callable[[bytes, dict], None]] = {
    "lw": _status_lw, "seeworld": _status_seeworld, "r11": _status_r11,
}


def decode_heartbeat_2(f, device_id: str, now: datetime) -> Records:
    """0x23 GK310: terminal info (armed, ACC, charging), battery (u16, 0.01 V), GSM level."""
    c = f.content
    attrs: dict = {}
    if c:
        attrs["armed"] = bool(c[0] & 0x01)
        attrs["ignition"] = bool(c[0] & 0x02)
        attrs["charge"] = bool(c[0] & 0x04)
    if len(c) >= 3:
        attrs["battery"] = u16(c, 1) / 100.0
    if len(c) >= 4:
        attrs["rssi"] = c[3]
    return event(device_id, now, "status", attrs)


def decode_heartbeat_4g(f, device_id: str, now: datetime) -> Records:
    """0xA3 other forms: pedometer record (19 bytes: steps u32 at 9) or status with a voltage."""
    c = f.content
    attrs: dict = {}
    if len(c) == 19:
        attrs["steps"] = int.from_bytes(c[9:13], "big")
    elif len(c) >= 4:
        status_attributes(c[0], None, c[3], None, attrs, f.family)
        attrs["power"] = u16(c, 1) / 100.0
    return event(device_id, _time_or(c, 0, now, f.tz) if len(c) > 19 else now, "status", attrs)


def decode_status_modules(f, device_id: str, now: datetime) -> Records:
    """0x36 Jimi 4G status: terminal info, voltage level, GSM, alarm, language, then modules
    (id u16, length u8: 0x0018 battery, 0x0032 startup status, 0x006A battery %)."""
    c = f.content
    attrs: dict = {}
    if len(c) >= 4:
        status_attributes(c[0], c[1], c[2], c[3], attrs, f.family)
    read_modules(c, 5, None, MODULES_36, attrs)
    return event(device_id, now, "status", attrs)


def decode_lbs_status(f, device_id: str, now: datetime) -> Records:
    """0x19 / 0xA5: serving cell (2G or 4G) and terminal info, voltage level, GSM, alarm.
    A 0x19 of 18 bytes or more is SPACE10X's multiple-cell report: no record."""
    c = f.content
    if f.msg_type == 0x19 and len(c) >= 18:
        return NOTHING
    off = skip_cell_4g(c, 0) if f.msg_type == 0xA5 else skip_cell(c, 0)
    attrs: dict = {}
    if len(c) >= off + 4:
        status_attributes(c[off], c[off + 1], c[off + 2], c[off + 3], attrs, f.family)
    return event(device_id, now, "alarm" if "alarm" in attrs else "status", attrs)


def decode_network(f, device_id: str, now: datetime) -> Records:
    """Cell towers / Wi-Fi access points (0x18, 0x24, 0x28, 0x2C, 0x2E, 0x33, 0xA1, 0xA2, 0xA7):
    a 'network' event at the message's date."""
    return event(device_id, _time_or(f.content, 0, now, f.tz), "network", {})


def decode_wifi(f, device_id: str, now: datetime) -> Records:
    """0x17 / 0x69 / 0xF3 Wi-Fi and cells: BCD date, then access points: a 'network' event."""
    return event(device_id, parse_bcd_time(f.content, 0) or now, "network", {})


_POSITION = re.compile(
    r"Current position!Lat:([NS])(\d+\.\d+),Lon:([EW])(\d+\.\d+),Course:(\d+\.\d+),"
    r"Speed:(\d+\.\d+),DateTime:(\d{4})-(\d\d)-(\d\d) +(\d\d):(\d\d):(\d\d)")


def _text_position(text: str, device_id: str) -> Position | None:
    m = _POSITION.search(text)
    if m is None:
        return None
    try:
        time = datetime(*(int(m.group(i)) for i in range(7, 13)), tzinfo=UTC)
    except ValueError:
        return None
    lat = float(m.group(2)) * (-1 if m.group(1) == "S" else 1)
    lon = float(m.group(4)) * (-1 if m.group(3) == "W" else 1)
    if abs(lat) > 90 or abs(lon) > 180:
        return None
    return Position(device_id=device_id, protocol=PROTOCOL, fix_time=time, valid=True, lat=lat,
                    lon=lon, speed_kmh=float(m.group(6)), course_deg=float(m.group(5)), attributes={})


def _reply_text(f) -> str:
    c = f.content
    if f.msg_type == 0x21:
        raw = c[5:]
        text = raw.decode("utf-16-be", "replace") if c[4:5] == b"\x02" else raw.decode("latin-1")
    else:
        end = 1 + c[0] if c and c[0] >= 4 else len(c)
        text = c[5:end].split(b"\x00", 1)[0].decode("latin-1")
    return text.strip("\x00")


def command_answer(f, device_id: str) -> tuple[CommandAnswer, ...]:
    """0x15 / 0x21: the answer to a 0x80 command, linked by the server flag it echoes
    (the 4 bytes after the 0x15 length byte, the first 4 of 0x21)."""
    c = f.content
    flag = c[0:4] if f.msg_type == 0x21 else c[1:5]
    if len(flag) < 4:
        return ()
    text = _reply_text(f)
    return (CommandAnswer(protocol=PROTOCOL, device_id=device_id, serial=int.from_bytes(flag, "big"),
                          text=text, meaning=text),)


def decode_command_result(f, device_id: str, now: datetime) -> Records:
    """0x15 (length, server flag, ASCII, language) and 0x21 (server flag, encoding 1 ASCII /
    2 UTF-16BE, text): ``result``, ``iccid`` for ``<ICCID:...``, or a Position."""
    text = _reply_text(f)
    position = _text_position(text, device_id)
    if position is not None:
        return one(position)
    if text.startswith("<ICCID:"):
        return event(device_id, now, "commandResult", {"iccid": text[7:27]})
    return event(device_id, now, "commandResult", {"result": text})


def decode_serial(f, device_id: str, now: datetime) -> Records:
    """0x9B transparent data: device type byte, then printable text (trimmed) or hex."""
    data = f.content[1:]
    text = data.strip()
    if text and all(0x20 <= b < 0x7F for b in text):
        result = text.decode("ascii")
    else:
        result = data.hex()
    return event(device_id, now, "commandResult", {"result": result})


DECODERS: dict[int, Callable] = {
    0x13: decode_status, 0x23: decode_heartbeat_2,
    0x19: decode_lbs_status, 0xA5: decode_lbs_status,
    0x18: decode_network, 0x28: decode_network, 0x2C: decode_network, 0x2E: decode_network,
    0xA1: decode_network, 0xA7: decode_network,
    0x69: decode_wifi, 0xF3: decode_wifi,
    0x15: decode_command_result, 0x21: decode_command_result, 0x9B: decode_serial,
    **_extended.DECODERS,
}
