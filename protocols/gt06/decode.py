"""Frame content -> records: the dispatch table of GT06 message decoders.

Every decoder has the signature ``(frame, device_id, now) -> (positions, events, unknown_items)``
and reads ``frame.content`` (the bytes between the protocol number and the serial number).
Messages that carry a GPS block give a Position (alarms included, with an ``alarm`` attribute);
the others give Events. Vendor layouts that share a protocol number are picked in _variants.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import msgspec

from . import _info
from . import _variants as var
from ._location import (
    GPS_SIZE,
    NOTHING,
    Records,
    event,
    generic_tail,
    gps_position,
    position_or_event,
    skip_cell,
    skip_cell_4g,
    skip_cell_with_length,
    status_attributes,
    upload_tail,
)
from .constants import MsgType as T

__all__ = ["DECODERS", "NOTHING", "Frame", "Records"]

_GPS_LBS = int(T.GPS_LBS)


class Frame(msgspec.Struct, gc=False):
    """One delimited frame, split into its fields (a Struct: built in C, a third
    of a Python ``__init__``'s cost on the hot path; holds no containers).
    ``family`` is the device's model family when the session knows it (FAMILY_ALARMS);
    ``tz`` the UTC offset of the login's time-zone word, in which device dates are read."""

    msg_type: int
    content: bytes
    serial: int | None
    extended: bool
    consistent: bool
    family: str | None = None
    tz: timedelta | None = None


Decoder = Callable[[Frame, str, datetime], Records]


def decode_gps_lbs(f: Frame, device_id: str, now: datetime) -> Records:
    """0x12 (standard layout; vendor layouts in _variants), 0x10, 0x1E: GPS, cell, tail."""
    c = f.content
    if f.msg_type == _GPS_LBS and len(c) != 26:
        special = var.gps_lbs_12_variant(c)
        if special is not None:
            return special(f, device_id, now)
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    if f.msg_type == _GPS_LBS:
        generic_tail(c, skip_cell(c, GPS_SIZE), attrs)
    elif f.msg_type == T.GPS_LBS_6:
        generic_tail(c, skip_cell(c, GPS_SIZE, mnc2=True, cid_size=4), attrs)
    else:
        generic_tail(c, GPS_SIZE, attrs)
    return position_or_event(position, device_id, now, attrs)


def decode_gps_upload(f: Frame, device_id: str, now: datetime) -> Records:
    """0x22, 0x2D, 0x37, 0x31 (and 0x25 without a driver block): GPS, cell, ACC, upload mode,
    re-upload, then 0x37 modules or a 4-byte mileage [VL03]."""
    c = f.content
    special = var.UPLOAD_VARIANTS.get((f.msg_type, len(c))) or var.nt_variant(f)
    if special is not None:
        return special(f, device_id, now)
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    cid = 4 if f.msg_type == T.GPS_LBS_DRIVER else 3
    off = upload_tail(c, skip_cell(c, GPS_SIZE, cid_size=cid), attrs)
    if f.msg_type == T.GPS_LBS_3:
        _info.read_modules(c, off, None, var.MODULES_37, attrs)
    else:
        generic_tail(c, off, attrs)
    return position_or_event(position, device_id, now, attrs)


def decode_gps_4g(f: Frame, device_id: str, now: datetime) -> Records:
    """0xA0: GPS, 4G cell, ACC, upload mode, re-upload [, mileage] [VL03]."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    off = upload_tail(c, skip_cell_4g(c, GPS_SIZE), attrs)
    generic_tail(c, off, attrs)
    return position_or_event(position, device_id, now, attrs)


def decode_alarm(f: Frame, device_id: str, now: datetime) -> Records:
    """0x16, 0x26, 0x27, 0xA4 (4G cell), 0x32 (78 78): GPS, length-prefixed cell, terminal
    information, voltage level, GSM, alarm, language [, fence number] [, mileage | driver tag]."""
    c = f.content
    special = var.ALARM_VARIANTS.get((f.msg_type, len(c)))
    if special is not None:
        return special(f, device_id, now)
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    status_tail(c, skip_cell_with_length(c, GPS_SIZE), attrs, f)  # 0xA4: its length covers the 4G cell
    return position_or_event(position, device_id, now, attrs)


def status_tail(c: bytes, off: int, attrs: dict, f: Frame) -> None:
    """The status block and what follows it in the alarm messages."""
    if len(c) < off + 4:
        return
    alarm = c[off + 3]
    fenced = f.msg_type in (T.GPS_LBS_STATUS_3, T.GPS_LBS_STATUS_4G)
    if fenced and len(c) > off + 4:
        alarm |= (c[off + 4] >> 4) << 8  # 12-bit alarm: high nibble of the language byte
    status_attributes(c[off], c[off + 1], c[off + 2], alarm, attrs, f.family)
    off += 5  # ... alarm, language
    if fenced and len(c) > off:
        attrs["geofence"] = c[off]
        off += 1
    rest = len(c) - off
    if rest == 4:
        attrs["odometer"] = int.from_bytes(c[off:off + 4], "big")
    elif rest == 8:  # VL103: driver tag after the status
        attrs["driverUniqueId"] = c[off:].hex()


def decode_gps_rfid(f: Frame, device_id: str, now: datetime) -> Records:
    """0x17 of 35 bytes: GPS, cell, RFID tag (8 bytes), validity; otherwise Wi-Fi/LBS."""
    c = f.content
    if not f.consistent or len(c) != 35:
        return _info.decode_wifi(f, device_id, now)
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    off = skip_cell(c, GPS_SIZE)
    attrs["driverUniqueId"] = c[off:off + 8].hex()
    return position_or_event(position, device_id, now, attrs)


def decode_ibutton(f: Frame, device_id: str, now: datetime) -> Records:
    """0x61: IMEI, GPS, cell (4-byte CID), iButton id (6 bytes, as a decimal number)."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 8, device_id, attrs, f.tz)
    off = skip_cell(c, 8 + GPS_SIZE, cid_size=4)
    if len(c) >= off + 6:
        attrs["driverUniqueId"] = str(int.from_bytes(c[off:off + 6], "big"))
    return position_or_event(position, device_id, now, attrs)


def decode_status_driver(f: Frame, device_id: str, now: datetime) -> Records:
    """0x36: status with modules (Jimi 4G), or (VL103) GPS, cell, extras, driver tag (8 bytes)."""
    c = f.content
    if len(c) < GPS_SIZE + 16 or f.extended or _modules_fit(c, 5):
        return _info.decode_status_modules(f, device_id, now)
    attrs: dict = {"driverUniqueId": c[-8:].hex()}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    return position_or_event(position, device_id, now, attrs)


def _modules_fit(c: bytes, off: int) -> bool:
    """True when (id u16, length u8, value) modules from ``off`` end exactly with the content."""
    while off + 3 <= len(c):
        off += 3 + c[off + 2]
    return off == len(c)


def decode_gps_phone(f: Frame, device_id: str, now: datetime) -> Records:
    """0x1A: GPS, phone number (21 ASCII bytes, zero-padded), language [VL03 0x2A layout]."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    phone = c[GPS_SIZE:GPS_SIZE + 21].split(b"\x00", 1)[0]
    if phone and phone.isdigit():
        attrs["phone"] = phone.decode("ascii")
    return position_or_event(position, device_id, now, attrs)


def decode_address_request(f: Frame, device_id: str, now: datetime) -> Records:
    """0x2A: GPS and a phone number asking for an address (answered with 0x97): an Event."""
    c = f.content
    attrs: dict = {}
    phone = c[GPS_SIZE:GPS_SIZE + 21].split(b"\x00", 1)[0]
    if phone and phone.isdigit():
        attrs["phone"] = phone.decode("ascii")
    return event(device_id, now, "addressRequest", attrs)


def decode_gps_typed_cell(f: Frame, device_id: str, now: datetime) -> Records:
    """0x38: GPS, upload mode, re-upload, cell type (>= 3: 4G cell + u16 RSSI; else 2G + u8)."""
    c = f.content
    attrs: dict = {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    if len(c) >= GPS_SIZE + 2:
        attrs["event"] = c[GPS_SIZE]
        attrs["archive"] = c[GPS_SIZE + 1] > 0
    return position_or_event(position, device_id, now, attrs)


def decode_nothing(f: Frame, device_id: str, now: datetime) -> Records:
    """Known messages with nothing to record (0x08 keep-alive, 0x35 photo announcement)."""
    return NOTHING


def decode_network(f: Frame, device_id: str, now: datetime) -> Records:
    return _info.decode_network(f, device_id, now)


DECODERS: dict[int, Decoder] = {
    T.HEARTBEAT_SHORT: decode_nothing,
    T.GPS: decode_gps_lbs,
    T.GPS_LBS_6: decode_gps_lbs,
    T.GPS_LBS: decode_gps_lbs,
    T.GPS_LBS_EXTEND: decode_gps_lbs,
    T.GPS_LBS_2: decode_gps_upload,
    T.GPS_LBS_4: decode_gps_upload,
    T.GPS_LBS_3: decode_gps_upload,
    T.GPS_LBS_5: decode_gps_upload,
    T.GPS_LBS_DRIVER: decode_gps_upload,
    T.GPS_LBS_4G: decode_gps_4g,
    T.GPS_LBS_STATUS: decode_alarm,
    T.GPS_LBS_STATUS_2: decode_alarm,
    T.GPS_LBS_STATUS_3: decode_alarm,
    T.GPS_LBS_STATUS_4G: decode_alarm,
    T.GPS_LBS_EXT: var.decode_0x32,
    T.GPS_LBS_EXT_STATUS: var.decode_0x33,
    T.LBS_PHONE: decode_gps_rfid,
    T.IBUTTON: decode_ibutton,
    T.STATUS_2: decode_status_driver,
    T.GPS_PHONE: decode_gps_phone,
    T.ADDRESS_REQUEST: decode_address_request,
    T.GPS_LBS_8: decode_gps_typed_cell,
    T.PHOTO_INFO: decode_nothing,
    T.LBS_MULTIPLE_3: var.decode_0x24,
    T.GPS_LBS_X1: var.decode_0x34,
    T.WIFI_4G: var.decode_0xa2,
    T.HEARTBEAT_4G: var.decode_0xa3,
    **_info.DECODERS,
}
