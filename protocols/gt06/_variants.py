"""Vendor layouts that reuse a GT06 protocol number, picked by their fixed content length [TRACCAR]
(Gt06ProtocolDecoder.decodeVariant: the length byte of each vendor's frame) or by their shape.

  0x12  31 VXT01 status | 28 Benway I/O mask | 38 S5 fuel/temperature | 36 WeTrust card |
        >= 108 GT06E card | IMEI before the GPS block (QH302R)
  0x16  31 VXT01 (cell without length byte) | 33 SeeWorld (4-byte CID)
  0x22  42 SeeWorld temperature/humidity | NT/XT (source, IMEI, date before the GPS block)
  0x24  41 SR411 mini GPS + power | other: multiple cells
  0x31  37 SL4X (8-byte CID, altitude)       0x32  34/36 SL4X status + altitude
  0x34  50 SL4X cells | other: X1 GPS        0xA2  59 LW4G GPS + status | other: cells + Wi-Fi
  0xA3  7 SeeWorld status | 19 pedometer | >= 26 GK310 single fence (GPS) | other: status
"""

from __future__ import annotations

from datetime import datetime

from msgspec.structs import replace

from . import _info
from ._catalogue import MODULES_37
from ._location import (
    GPS_SIZE,
    Records,
    event,
    generic_tail,
    gps_position,
    make_position,
    parse_time,
    position_or_event,
    skip_cell,
    skip_cell_4g,
    skip_cell_with_length,
    status_attributes,
    u16,
    u32,
    upload_tail,
)

__all__ = [
    "ALARM_VARIANTS",
    "MODULES_37",
    "UPLOAD_VARIANTS",
    "decode_0x24",
    "decode_0x32",
    "decode_0x33",
    "decode_0x34",
    "decode_0xa2",
    "decode_0xa3",
    "gps_lbs_12_variant",
    "nt_variant",
]


def _gps_cell(c: bytes, device_id: str, attrs: dict, start: int = 0, tz=None, **cell):
    position = gps_position(c, start, device_id, attrs, tz)
    return position, skip_cell(c, start + GPS_SIZE, **cell)


def _vxt01_12(f, device_id: str, now: datetime) -> Records:
    """0x12 VXT01: GPS, cell, terminal info, power (0.01 V), GSM, alarm extension."""
    c, attrs = f.content, {}
    position, off = _gps_cell(c, device_id, attrs, tz=f.tz)
    status_attributes(c[off], None, c[off + 3], None, attrs, "vxt01")
    attrs["power"] = u16(c, off + 1) / 100.0
    return position_or_event(position, device_id, now, attrs)


def _benway(f, device_id: str, now: datetime) -> Records:
    """0x12 Benway: GPS, cell, I/O mask (ignition bit 15, in2 bit 14, temperature or ADC)."""
    c, attrs = f.content, {}
    position, off = _gps_cell(c, device_id, attrs, tz=f.tz)
    mask = u16(c, off)
    attrs["ignition"] = bool(mask & 0x8000)
    attrs["in2"] = bool(mask & 0x4000)
    if mask & 0x1000:
        value = mask & 0x01FF
        attrs["temp1"] = -value if mask & 0x0200 else value
    else:
        value = mask & 0x03FF
        attrs["adc1"] = value if mask & 0x2000 else value / 10.0
    return position_or_event(position, device_id, now, attrs)


def _s5(f, device_id: str, now: datetime) -> Records:
    """0x12 S5: GPS, cell, status, power, GSM, alarm, oil (u16), temperature (sign + 7 bits), mileage x10."""
    c, attrs = f.content, {}
    position, off = _gps_cell(c, device_id, attrs, tz=f.tz)
    status_attributes(c[off], None, c[off + 3], c[off + 4], attrs, f.family)
    attrs["power"] = u16(c, off + 1) / 100.0
    attrs["oil"] = u16(c, off + 5)
    temp = c[off + 7]
    attrs["temp1"] = -(temp & 0x7F) if temp & 0x80 else temp
    attrs["odometer"] = u32(c, off + 8) * 10
    return position_or_event(position, device_id, now, attrs)


def _card(f, device_id: str, now: datetime) -> Records:
    """0x12 WeTrust (36 bytes) and GT06E (>= 108): GPS, cell, mileage, card text, alarm, card status."""
    c, attrs = f.content, {}
    position, off = _gps_cell(c, device_id, attrs, tz=f.tz)
    attrs["odometer"] = u32(c, off)
    size = c[off + 4]
    attrs["card"] = c[off + 5:off + 5 + size].decode("latin-1").strip()
    off += 5 + size
    if len(c) >= off + 2 and c[off]:
        attrs["alarm"] = "general"
    if len(c) == off + 4:  # WeTrust: card status, driving time (u16)
        attrs["cardStatus"] = c[off + 1]
        attrs["drivingTime"] = u16(c, off + 2)
    return position_or_event(position, device_id, now, attrs)


def _imei_first(f, device_id: str, now: datetime) -> Records:
    """0x12 QH302R: IMEI (8 bytes), GPS, cell, tail."""
    c, attrs = f.content, {}
    position, off = _gps_cell(c, device_id, attrs, 8, tz=f.tz)
    generic_tail(c, off, attrs)
    return position_or_event(position, device_id, now, attrs)


_GPS_LBS_12 = {31: _vxt01_12, 28: _benway, 38: _s5, 36: _card}


def gps_lbs_12_variant(c: bytes):
    """The 0x12 vendor layout of a content, or None for the standard one."""
    special = _GPS_LBS_12.get(len(c))
    if special is not None:
        return special
    if len(c) >= 108:
        return _card
    if len(c) >= 8 + GPS_SIZE + 8 and parse_time(c, 0) is None and parse_time(c, 8) is not None:
        return _imei_first
    return None


def _seeworld_22(f, device_id: str, now: datetime) -> Records:
    """0x22 SeeWorld: GPS, cell (4-byte CID), ACC, mode, re-upload, mileage, travel time,
    temperature (sign bit 15, 0.01 degC), humidity (0.01 %)."""
    c, attrs = f.content, {}
    position, off = _gps_cell(c, device_id, attrs, tz=f.tz, cid_size=4)
    attrs["ignition"] = c[off] > 0
    attrs["odometer"] = u32(c, off + 3)
    temp = u16(c, off + 11)
    attrs["temp1"] = (-(temp & 0x7FFF) if temp & 0x8000 else temp) / 100.0
    attrs["humidity"] = u16(c, off + 13) / 100.0
    return position_or_event(position, device_id, now, attrs)


def _sl4x_31(f, device_id: str, now: datetime) -> Records:
    """0x31 SL4X: GPS, cell (2-byte MNC, 8-byte CID), ACC, mode, re-upload [, mileage], altitude."""
    c, attrs = f.content, {}
    position, off = _gps_cell(c, device_id, attrs, tz=f.tz, mnc2=True, cid_size=8)
    off = upload_tail(c, off, attrs)
    if len(c) - off > 2:
        attrs["odometer"] = u32(c, off)
        off += 4
    return _with_altitude(position, c, off, device_id, now, attrs)


def _with_altitude(position, c: bytes, off: int, device_id: str, now: datetime, attrs: dict) -> Records:
    """The position with the signed altitude (u16, metres) at ``off`` when present."""
    if position is not None and len(c) >= off + 2:
        altitude = float(int.from_bytes(c[off:off + 2], "big", signed=True))
        position = replace(position, altitude_m=altitude)
    return position_or_event(position, device_id, now, attrs)


def nt_variant(f):
    """0x22/0x25 NT/XT layout: source (1), IMEI (8), date (6), then GPS; None otherwise."""
    c = f.content
    if len(c) >= 15 + GPS_SIZE + 9 + 8 and c[0] < 0x10 and c[1] >> 4 == 0 \
            and c[1:9].hex().isdigit() and parse_time(c, 9) is not None:
        return _nt
    return None


def _nt(f, device_id: str, now: datetime) -> Records:
    """NT/XT: ..., GPS, cell (length byte), status, power (0.01 V), battery (0.1 V), GSM, alarm,
    language, mileage (u24), hours (u24, minutes) [, 0x25: driver length, type, id]."""
    c, attrs = f.content, {}
    position = gps_position(c, 15, device_id, attrs, f.tz)
    off = skip_cell_with_length(c, 15 + GPS_SIZE, cid_size=4 if f.msg_type == 0x25 else 3)
    status_attributes(c[off], None, c[off + 4], c[off + 5], attrs, f.family)
    attrs["power"] = u16(c, off + 1) / 100.0
    attrs["battery"] = c[off + 3] / 10.0
    off += 7
    attrs["odometer"] = int.from_bytes(c[off:off + 3], "big")
    attrs["hours"] = int.from_bytes(c[off + 3:off + 6], "big") * 60_000
    off += 6
    if f.msg_type == 0x25 and len(c) > off and c[off] > 1:
        attrs["driverUniqueId"] = c[off + 2:off + 1 + c[off]].hex()
    return position_or_event(position, device_id, now, attrs)


UPLOAD_VARIANTS = {(0x22, 42): _seeworld_22, (0x31, 37): _sl4x_31}


def _vxt01_16(f, device_id: str, now: datetime) -> Records:
    """0x16 VXT01: GPS, cell (no length byte), status, voltage level, GSM (alarm byte unused)."""
    c, attrs = f.content, {}
    position, off = _gps_cell(c, device_id, attrs, tz=f.tz)
    status_attributes(c[off], c[off + 1], c[off + 2], None, attrs, "vxt01")
    return position_or_event(position, device_id, now, attrs)


def _seeworld_16(f, device_id: str, now: datetime) -> Records:
    """0x16 SeeWorld: as the standard alarm with a 4-byte CID."""
    from .decode import status_tail
    c, attrs = f.content, {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    status_tail(c, skip_cell_with_length(c, GPS_SIZE, cid_size=4), attrs, f)
    return position_or_event(position, device_id, now, attrs)


def _sl4x_32(f, device_id: str, now: datetime) -> Records:
    """0x32 SL4X: GPS, cell (length byte), status, voltage level, GSM, alarm, altitude (s16)."""
    c, attrs = f.content, {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    off = skip_cell_with_length(c, GPS_SIZE, mnc2=True, cid_size=8)
    if len(c) >= off + 4:
        status_attributes(c[off], c[off + 1], c[off + 2], c[off + 3], attrs, f.family)
    return _with_altitude(position, c, off + 4, device_id, now, attrs)


ALARM_VARIANTS = {(0x16, 31): _vxt01_16, (0x16, 33): _seeworld_16, (0x32, 34): _sl4x_32,
                  (0x32, 36): _sl4x_32}


def decode_0x24(f, device_id: str, now: datetime) -> Records:
    """0x24: SR411 mini (41 bytes: GPS, cell, ACC, power, battery) or multiple cells."""
    c = f.content
    if len(c) != 41:
        return _info.decode_network(f, device_id, now)
    attrs: dict = {}
    position, off = _gps_cell(c, device_id, attrs, tz=f.tz)
    attrs["ignition"] = c[off] > 0
    attrs["power"] = u16(c, off + 1) / 100.0
    attrs["battery"] = u16(c, off + 3) / 100.0
    return position_or_event(position, device_id, now, attrs)


def decode_0x32(f, device_id: str, now: datetime) -> Records:
    """0x32: 79 79 AZ735 location; 78 78 GPS + cell + status (standard or SL4X)."""
    if f.extended:
        return _az735(f, device_id, now)
    from .decode import decode_alarm
    return decode_alarm(f, device_id, now)


def decode_0x33(f, device_id: str, now: datetime) -> Records:
    """0x33: 79 79 AZ735 alarm; 78 78 cells + Wi-Fi."""
    if f.extended:
        return _az735(f, device_id, now)
    return _info.decode_network(f, device_id, now)


def _az735(f, device_id: str, now: datetime) -> Records:
    """AZ735: date, GPS length (0: no fix) [sats, lat, lon, speed, course], cell length [cell,
    RSSI], extra cells (length + data), Wi-Fi (length + data), status, reserved (length + data)."""
    from .constants import AZ735_STATUS
    c, attrs = f.content, {}
    time = parse_time(c, 0, f.tz)
    position = None
    off = 7
    if len(c) > 6 and c[6]:
        position = make_position(time, c[7] & 0x0F, u32(c, 8), u32(c, 12), float(c[16]), u16(c, 17),
                                 device_id, attrs)
        off = 19
    if off < len(c) and c[off]:
        end = skip_cell_with_length(c, off)
        if end < len(c):
            attrs["rssi"] = c[end]
        off = end + 1
    else:
        off += 1
    for _ in range(2):  # extra cells, Wi-Fi
        off += 1 + (c[off] if off < len(c) else 0)
    if off < len(c):
        attrs["status"] = c[off]
        if f.msg_type == 0x33 and c[off] in AZ735_STATUS:
            key, value = AZ735_STATUS[c[off]]
            attrs[key] = value
    if position is not None:
        return position_or_event(position, device_id, now, attrs)
    return event(device_id, time or now, "status", attrs)


def decode_0x34(f, device_id: str, now: datetime) -> Records:
    """0x34: SL4X cells (50 bytes) or X1: alarm word (u32), GPS, terminal info (u16), mileage,
    cell (4-byte CID), driver (u32, 0: none), battery, power (0.01 V), port info (u32; bits 20-23:
    ADC count), inputs, outputs, ADC values (0.01 V)."""
    c = f.content
    if len(c) == 50:
        return _info.decode_network(f, device_id, now)
    attrs: dict = {}
    position = gps_position(c, 4, device_id, attrs, f.tz)
    off = 4 + GPS_SIZE + 2
    if len(c) < off + 4 + 9 + 14:  # a shorter X1 record: its GPS block only
        return position_or_event(position, device_id, now, attrs)
    attrs["odometer"] = u32(c, off)
    off = skip_cell(c, off + 4, cid_size=4)
    driver = u32(c, off)
    if driver:
        attrs["driverUniqueId"] = str(driver)
    attrs["battery"] = u16(c, off + 4) / 100.0
    attrs["power"] = u16(c, off + 6) / 100.0
    ports = u32(c, off + 8)
    attrs["input"] = c[off + 12]
    attrs["output"] = c[off + 13]
    off += 14
    for i in range(1, ((ports >> 20) & 0x0F) + 1):
        if len(c) >= off + 2:
            attrs[f"adc{i}"] = u16(c, off) / 100.0
            off += 2
    return position_or_event(position, device_id, now, attrs)


def _lw4g(f, device_id: str, now: datetime) -> Records:
    """0xA2 LW4G: GPS, 4G cell, network, status, power (0.01 V), voltage level, GSM, alarm,
    language, mileage (u32), hours (u32 s), terminal id (8), inputs (u16)."""
    c, attrs = f.content, {}
    position = gps_position(c, 0, device_id, attrs, f.tz)
    off = skip_cell_4g(c, GPS_SIZE) + 1
    status_attributes(c[off], c[off + 3], c[off + 4], c[off + 5], attrs, f.family)
    attrs["power"] = u16(c, off + 1) / 100.0
    off += 7
    attrs["odometer"] = u32(c, off)
    attrs["hours"] = u32(c, off + 4) * 1000
    attrs["input"] = u16(c, off + 16)
    return position_or_event(position, device_id, now, attrs)


def decode_0xa2(f, device_id: str, now: datetime) -> Records:
    return _lw4g(f, device_id, now) if len(f.content) == 59 else _info.decode_network(f, device_id, now)


def decode_0xa3(f, device_id: str, now: datetime) -> Records:
    """0xA3: SeeWorld status (7), pedometer (19), GK310 single fence (GPS + cell), other status."""
    c = f.content
    if len(c) == 7:
        attrs = status_attributes(c[0], c[1], c[2], c[3], {}, f.family)
        return event(device_id, now, "alarm" if "alarm" in attrs else "status", attrs)
    if len(c) >= GPS_SIZE + 8 and parse_time(c, 0) is not None:
        attrs: dict = {}
        position, off = _gps_cell(c, device_id, attrs, tz=f.tz)
        generic_tail(c, off, attrs)
        return position_or_event(position, device_id, now, attrs)
    return _info.decode_heartbeat_4g(f, device_id, now)
