"""Frame content -> records: the dispatch table of GT06 message decoders.

Every decoder has the signature ``(frame, device_id, now) -> (positions, events)``
and reads ``frame.content`` (the bytes between the protocol number and the
serial number). Variants that share a protocol number are told apart by the
content length or by an impossible date, each in its own small function.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

import msgspec

from .._errors import MalformedError
from .._records import Event, Position
from . import _info, _location as loc
from ._location import GPS_SIZE, PROTOCOL, gps_position, parse_lbs, parse_lbs_4g, status_attributes
from .constants import MsgType as T

__all__ = ["Frame", "Records", "DECODERS", "NOTHING"]

Records = tuple[tuple[Position, ...], tuple[Event, ...]]
_GPS_LBS = int(T.GPS_LBS)
NOTHING: Records = ((), ())


class Frame(msgspec.Struct, gc=False):
    """One delimited frame, split into its fields (a Struct: built in C, a third
    of a Python ``__init__``'s cost on the hot path; holds no containers)."""

    msg_type: int
    content: bytes
    serial: int | None
    extended: bool
    consistent: bool


Decoder = Callable[[Frame, str, datetime], Records]


def _one(position: Position) -> Records:
    return (position,), ()


def _gps_start(c: bytes) -> int:
    """Offset of the GPS block: 0, or 8 when an IMEI precedes it (QH302R-style 0x12)."""
    if len(c) >= 8 + GPS_SIZE and not 1 <= c[1] <= 12:
        return 8
    return 0


def decode_gps_lbs(f: Frame, device_id: str, now: datetime) -> Records:
    """0x10, 0x11, 0x12, 0x24, 0x37, 0x38 ...: GPS block, then cell and extras."""
    c = f.content
    start = 8 if len(c) >= 8 + GPS_SIZE and not 1 <= c[1] <= 12 else 0  # _gps_start, inlined
    attrs: dict = {}
    position = gps_position(c, start, device_id, attrs)
    if f.msg_type == _GPS_LBS and len(c) > start + GPS_SIZE + 2:
        tail = c[parse_lbs(c, start + GPS_SIZE):]
        if tail:
            _gps_lbs_extras(tail, attrs)
    return (position,), ()


def _gps_lbs_extras(tail: bytes, attrs: dict) -> None:
    """Extras after the cell of 0x12, chosen by their length."""
    if len(tail) == 5:  # terminal info, voltage, GSM, alarm, language
        status_attributes(tail[0], tail[1], tail[2], tail[3], attrs)
    elif len(tail) == 12:  # temperature sensor variant
        attrs["temp1"] = int.from_bytes(tail[4:8], "big", signed=True)
        attrs["adc1"] = int.from_bytes(tail[10:12], "big") / 100.0
    elif len(tail) == 10:  # driving-time variant
        attrs["drivingTime"] = int.from_bytes(tail[8:10], "big")


def decode_gps_lbs_2(f: Frame, device_id: str, now: datetime) -> Records:
    """0x22 (and 0x25): GPS, cell, ACC, upload mode, re-upload [, mileage]."""
    c = f.content
    if len(c) >= 55 and c[0] == 0x01:
        return _decode_imei_variant(f, device_id)
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs)
    off = parse_lbs(c, GPS_SIZE)
    _acc_upload_mileage(c, off, attrs)
    if len(c) >= off + 14:
        attrs["temp1"] = int.from_bytes(c[off + 12:off + 14], "big", signed=True) / 100.0
    return _one(position)


def _decode_imei_variant(f: Frame, device_id: str) -> Records:
    """0x22/0x25 with 01 + IMEI + two dates before the GPS block (XT40/NT20 style)."""
    c = f.content
    attrs: dict = {}
    gps = bytearray(c[15:21]) + c[21:33]
    position = gps_position(bytes(gps), 0, device_id, attrs)
    tail = c[33:]
    if len(tail) >= 22:
        attrs["power"] = int.from_bytes(tail[10:12], "big") / 100.0
        attrs["battery"] = tail[12] / 10.0
        attrs["hours"] = int.from_bytes(tail[20:22], "big") * 60_000
    if f.msg_type == T.GPS_LBS_RFID and tail.endswith(b"\x03") and b"\x02" in tail:
        attrs["driverUniqueId"] = tail[tail.rfind(b"\x02"):].hex()
    return _one(position)


def decode_alarm(f: Frame, device_id: str, now: datetime) -> Records:
    """0x16, 0x26, 0x27: GPS, cell (with a length byte), status, extras."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs)
    rest = c[GPS_SIZE:]
    if rest and rest[0] in (0x08, 0x09, 0x0A):
        off = parse_lbs(rest, 1)
    elif rest and rest[0] == 0:
        off = len(rest) - 5
    else:
        off = parse_lbs(rest, 0)
    tail = rest[off:]
    if f.msg_type == T.GPS_LBS_STATUS and len(tail) == 6:  # 2-byte battery level
        status_attributes(tail[0], int.from_bytes(tail[1:3], "big"), tail[3], tail[4], attrs)
    elif len(tail) >= 5:
        status_attributes(tail[0], tail[1], tail[2], tail[3], attrs)
        if len(tail) >= 13:
            attrs["driverUniqueId"] = tail[5:13].hex()
    return _one(position)


def decode_alarm_4g(f: Frame, device_id: str, now: datetime) -> Records:
    """0xA4: GPS, length byte, 4G cell, status."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs)
    off = parse_lbs_4g(c, GPS_SIZE + 1)
    tail = c[off:]
    if len(tail) >= 5:
        status_attributes(tail[0], tail[1], tail[2], tail[3], attrs)
    return _one(position)


def decode_gps_4g(f: Frame, device_id: str, now: datetime) -> Records:
    """0xA0: GPS, 4G cell, ACC, upload mode, re-upload [, mileage]."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs)
    _acc_upload_mileage(c, parse_lbs_4g(c, GPS_SIZE), attrs)
    return _one(position)


def _acc_upload_mileage(c: bytes, off: int, attrs: dict) -> None:
    """The tail after the cell block of 0x22/0xA0: ACC, upload mode, re-upload, mileage."""
    if len(c) >= off + 3:
        attrs["ignition"] = c[off] == 1
        attrs["archive"] = c[off + 2] == 1
    if len(c) >= off + 7:
        attrs["odometer"] = int.from_bytes(c[off + 3:off + 7], "big")


def decode_gps_prefixed(f: Frame, device_id: str, now: datetime) -> Records:
    """0x34: 4 bytes before the GPS block."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 4, device_id, attrs)
    return _one(position)


def decode_gps_driver(f: Frame, device_id: str, now: datetime) -> Records:
    """0x17 with GPS, cell and an 8-byte driver tag; the length-0 form is Wi-Fi/LBS."""
    if not f.consistent:
        return _info.decode_network(f, device_id, now)
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs)
    off = parse_lbs(c, GPS_SIZE)
    if len(c) >= off + 8:
        attrs["driverUniqueId"] = c[off:off + 8].hex()
    return _one(position)


def decode_imei_gps(f: Frame, device_id: str, now: datetime) -> Records:
    """0x61: IMEI, GPS, cell, status, 4-byte driver number."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 8, device_id, attrs)
    if len(c) >= 8 + GPS_SIZE + 4:
        attrs["driverUniqueId"] = str(int.from_bytes(c[-4:], "big"))
    return _one(position)


def decode_status_driver(f: Frame, device_id: str, now: datetime) -> Records:
    """0x36: a status record (short form) or GPS + cell + extras + driver tag."""
    c = f.content
    if len(c) < GPS_SIZE + 8:
        return _info.decode_status_36(f, device_id, now)
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs)
    attrs["driverUniqueId"] = c[-8:].hex()
    return _one(position)


def decode_gps_ext(f: Frame, device_id: str, now: datetime) -> Records:
    """0x32/0x33: date, GPS length byte, GPS (if any), cells..."""
    c = f.content
    time = loc.parse_time(c, 0)
    gps_length = c[6] if len(c) > 6 else 0
    if gps_length >= 0x10 and len(c) >= GPS_SIZE:  # an info byte: the standard block
        return _one(gps_position(c, 0, device_id, {}))
    if gps_length >= 12 and len(c) >= 7 + 12:  # a GPS length byte, then the block
        return _one(gps_position(c[0:6] + c[7:19], 0, device_id, {}))
    return (), (Event(device_id=device_id, protocol=PROTOCOL, time=time, type="network",
                      attributes={"gpsLength": gps_length}),)


def decode_gps_or_network(f: Frame, device_id: str, now: datetime) -> Records:
    """0xA2 / 0x2C: a GPS block when the info byte says so, else cells and Wi-Fi."""
    c = f.content
    if len(c) >= GPS_SIZE and c[6] >> 4 == 0x0C:
        try:
            return _one(gps_position(c, 0, device_id, {}))
        except MalformedError:
            pass
    return _info.decode_network(f, device_id, now)


DECODERS: dict[int, Decoder] = {
    T.GPS: decode_gps_lbs,
    T.LBS: decode_gps_lbs,
    T.GPS_LBS: decode_gps_lbs,
    T.GPS_LBS_3: decode_gps_lbs,
    T.GPS_LBS_5: decode_gps_lbs,
    T.GPS_LBS_6: decode_gps_lbs,
    T.GPS_LBS_2: decode_gps_lbs_2,
    T.GPS_LBS_RFID: decode_gps_lbs_2,
    T.GPS_LBS_STATUS: decode_alarm,
    T.GPS_LBS_STATUS_2: decode_alarm,
    T.GPS_LBS_STATUS_3: decode_alarm,
    T.GPS_LBS_STATUS_4G: decode_alarm_4g,
    T.GPS_LBS_4G: decode_gps_4g,
    T.GPS_LBS_4: decode_gps_prefixed,
    T.LBS_PHONE: decode_gps_driver,
    0x61: decode_imei_gps,
    T.STATUS_2: decode_status_driver,
    T.GPS_LBS_EXT: decode_gps_ext,
    T.GPS_LBS_EXT_STATUS: decode_gps_ext,
    T.WIFI_4G: decode_gps_or_network,
    T.LBS_WIFI: decode_gps_or_network,
    **_info.DECODERS,
}
