"""Device side of the GT06 catalogue: one encoder per message family, for simulators and tests.

Each function returns a whole frame (``encode.packet``); field layouts are the ones the decoders
document (constants.py, _location.py, _variants.py, _info.py, _extended.py).
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

from .._records import Fix
from . import encode

__all__ = [
    "cell_2g",
    "cell_4g",
    "encode_alarm",
    "encode_alarm_95",
    "encode_command_reply",
    "encode_info",
    "encode_io",
    "encode_lbs_status",
    "encode_location_37",
    "encode_modular",
    "encode_obd",
    "encode_status",
    "encode_status_36",
    "encode_upload_location",
    "encode_value",
    "encode_wifi",
    "gps_block",
    "status_block",
]

_GPS = struct.Struct(">6BBIIBH")


def _date(t: datetime) -> bytes:
    t = t.astimezone(UTC)
    return bytes((t.year - 2000, t.month, t.day, t.hour, t.minute, t.second))


def course_word(fix: Fix, ignition: bool | None = None) -> int:
    word = int(round(fix.course_deg)) % 360 & 0x03FF
    word |= 0x0400 if fix.lat >= 0 else 0
    word |= 0x0800 if fix.lon < 0 else 0
    word |= 0x1000 if fix.valid else 0
    if ignition is not None:
        word |= 0x4000 | (0x8000 if ignition else 0)
    return word


def gps_block(fix: Fix, ignition: bool | None = None) -> bytes:
    """The 18-byte GPS block at the protocol's resolution (1/30000 min, 1 km/h, 1 degree, 1 s)."""
    t = fix.time.astimezone(UTC)
    return _GPS.pack(t.year - 2000, t.month, t.day, t.hour, t.minute, t.second,
                     0xC0 | max(0, min(15, fix.satellites)),
                     int(round(abs(fix.lat) * 1_800_000)), int(round(abs(fix.lon) * 1_800_000)),
                     max(0, min(255, int(round(fix.speed_kmh)))), course_word(fix, ignition))


def cell_2g(mcc: int = 460, mnc: int = 0, lac: int = 0x287D, cid: int = 0x1FB8) -> bytes:
    return mcc.to_bytes(2, "big") + bytes((mnc,)) + lac.to_bytes(2, "big") + cid.to_bytes(3, "big")


def cell_4g(mcc: int = 460, mnc: int = 1, lac: int = 0x9A00, cid: int = 0x0A6F2401) -> bytes:
    return mcc.to_bytes(2, "big") + bytes((mnc,)) + lac.to_bytes(4, "big") + cid.to_bytes(8, "big")


def status_block(info: int, level: int, gsm: int, alarm: int, language: int = 0x02) -> bytes:
    """Terminal information, voltage level, GSM level, alarm, language [VL03]."""
    return bytes((info, level, gsm, alarm, language))


def encode_alarm(fix: Fix, serial: int, *, msg_type: int = 0x26, info: int = 0x46, level: int = 6,
                 gsm: int = 4, alarm: int = 0, language: int = 0x02, fence: int | None = None,
                 mileage: int | None = None) -> bytes:
    """0x16/0x26/0x27 (2G cell) or 0xA4 (4G cell): GPS, cell length, cell, status [, fence]."""
    cell = cell_4g() if msg_type == 0xA4 else cell_2g()
    body = gps_block(fix) + bytes((len(cell) + 1,)) + cell + status_block(info, level, gsm, alarm, language)
    if fence is not None:
        body += bytes((fence,))
    if mileage is not None:
        body += mileage.to_bytes(4, "big")
    return encode.packet(msg_type, body, serial)


def encode_status(serial: int, *, info: int = 0x46, level: int = 6, gsm: int = 4, alarm: int = 0,
                  language: int = 0x02) -> bytes:
    """0x13 heartbeat."""
    return encode.packet(0x13, status_block(info, level, gsm, alarm, language), serial)


def encode_lbs_status(serial: int, *, four_g: bool = False, info: int = 0x46, level: int = 6,
                      gsm: int = 4, alarm: int = 0) -> bytes:
    """0x19 (2G cell) / 0xA5 (4G cell) + status."""
    cell = cell_4g() if four_g else cell_2g()
    return encode.packet(0xA5 if four_g else 0x19, cell + status_block(info, level, gsm, alarm), serial)


def encode_upload_location(fix: Fix, serial: int, *, msg_type: int = 0x22, acc: bool = True,
                           mode: int = 0, reupload: bool = False, mileage: int | None = None) -> bytes:
    """0x22/0x2D/0x31 (2G cell) or 0xA0 (4G cell): GPS, cell, ACC, upload mode, re-upload [, mileage]."""
    cell = cell_4g() if msg_type == 0xA0 else cell_2g()
    body = gps_block(fix) + cell + bytes((int(acc), mode, int(reupload)))
    if mileage is not None:
        body += mileage.to_bytes(4, "big")
    return encode.packet(msg_type, body, serial)


def encode_info(sub_type: int, data: bytes, serial: int) -> bytes:
    """0x94 information transfer (79 79): sub-type, data."""
    return encode.packet(0x94, bytes((sub_type,)) + data, serial, extended=True)


def encode_modular(modules: list[tuple[int, bytes]], serial: int) -> bytes:
    """0x70 (79 79): (module id u16, length u16, data) ..."""
    body = b"".join(m.to_bytes(2, "big") + len(d).to_bytes(2, "big") + d for m, d in modules)
    return encode.packet(0x70, body, serial, extended=True)


def _items(items: list[tuple[int, bytes]]) -> bytes:
    return b"".join(i.to_bytes(2, "big") + bytes((len(d),)) + d for i, d in items)


def encode_io(time: datetime, items: list[tuple[int, bytes]], serial: int) -> bytes:
    """0xF1 (79 79): unix time, (id u16, length u8, value) ..."""
    return encode.packet(0xF1, int(time.timestamp()).to_bytes(4, "big") + _items(items), serial,
                         extended=True)


def encode_status_36(modules: list[tuple[int, bytes]], serial: int, *, info: int = 0x46,
                     level: int = 6, gsm: int = 4, alarm: int = 0) -> bytes:
    """0x36 Jimi 4G status: status block, then (id u16, length u8, value) modules."""
    return encode.packet(0x36, status_block(info, level, gsm, alarm) + _items(modules), serial)


def encode_location_37(fix: Fix, modules: list[tuple[int, bytes]], serial: int) -> bytes:
    """0x37: GPS, cell, ACC, upload mode, re-upload, modules."""
    return encode.packet(0x37, gps_block(fix) + cell_2g() + b"\x01\x00\x00" + _items(modules), serial)


def encode_obd(time: datetime, pairs: list[tuple[str, str]], serial: int, *, ignition: bool = True) -> bytes:
    """0x8C (79 79): date, ignition, ``key=value`` pairs, 12 bytes of tail."""
    text = ",".join(f"{k}={v}" for k, v in pairs).encode("ascii")
    body = _date(time) + bytes((int(ignition),)) + text + bytes(12)
    return encode.packet(0x8C, body, serial, extended=True)


def encode_alarm_95(time: datetime, event: int, serial: int, *, fix: Fix | None = None,
                    event_data: int = 0, files: str = "") -> bytes:
    """0x95: short (date, event) or long (date, lat, lon, course word, event, data, files)."""
    if fix is None:
        return encode.packet(0x95, _date(time) + bytes((event,)), serial)
    body = (_date(fix.time) + int(round(abs(fix.lat) * 1_800_000)).to_bytes(4, "big")
            + int(round(abs(fix.lon) * 1_800_000)).to_bytes(4, "big")
            + course_word(fix).to_bytes(2, "big") + bytes((event,)) + event_data.to_bytes(2, "big")
            + files.encode("ascii"))
    return encode.packet(0x95, body, serial)


def encode_command_reply(text: str, serial: int, *, extended: bool = False, utf16: bool = False,
                         server_flag: int = 0) -> bytes:
    """0x15 (78 78: length, flag, ASCII, language) or 0x21 (79 79: flag, encoding, text); the
    server flag echoes the 0x80 command's."""
    flag = (server_flag & 0xFFFFFFFF).to_bytes(4, "big")
    if extended:
        data = text.encode("utf-16-be") if utf16 else text.encode("ascii")
        return encode.packet(0x21, flag + (b"\x02" if utf16 else b"\x01") + data, serial,
                             extended=True)
    data = text.encode("ascii")
    return encode.packet(0x15, bytes((4 + len(data),)) + flag + data + b"\x00\x02", serial)


def encode_wifi(time: datetime, msg_type: int = 0x69) -> bytes:
    """0x69 Wi-Fi (length 0 form): BCD date, no access point, no cell."""
    t = time.astimezone(UTC)
    bcd = bytes.fromhex(f"{t.year - 2000:02d}{t.month:02d}{t.day:02d}{t.hour:02d}{t.minute:02d}{t.second:02d}")
    return b"xx\x00" + bytes((msg_type,)) + bcd + b"\x00\x00" + b"\r\n"


def encode_value(kind: str, raw: int) -> bytes:
    """The bytes of a raw catalogue value of ``kind`` (inverse of _catalogue.read_value)."""
    size = {"u8": 1, "u16": 2, "u24": 3, "u32": 4, "s16": 2, "s32": 4, "u32le": 4}[kind]
    if kind == "u32le":
        return raw.to_bytes(4, "little")
    return raw.to_bytes(size, "big", signed=kind[0] == "s")
