"""Binary buffered reports: CCC (fixed 0x34-byte records) and CCE (TLV records).

CCC: ``<version 2><record length 2><remaining cache 4>`` then records (see
``constants.CCC_RECORD``); all little-endian, coordinates 1e-6 degree, times
in seconds since 2000-01-01 UTC, battery/power in 1/100 V.

CCE: ``<remaining cache 4><record count 2>`` then per record ``<length 2>
<parameter count 2>`` and four groups (values of 1, 2, 4 and N bytes), each a
count byte then ``<id><value>`` pairs; an id starting with 0xFE is two bytes;
N-byte values carry their own length byte. See ``_cce`` for the parameters.
A record cut short ends the packet (the records before it are kept).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .._errors import MalformedError
from .._records import Position
from ._aaa import event_attributes
from ._cce import decode_cce_record
from .constants import CCC_HEADER, CCC_RECORD, EPOCH_2000, PROTOCOL

__all__ = ["decode_ccc", "decode_cce"]


def _ccc_position(imei: str, record: tuple) -> Position:
    (event, lat, lon, seconds, valid, sats, rssi, speed, course, hdop, altitude, odometer,
     runtime, _mcc, _mnc, _lac, _ci, status, adc1, battery, power, _geofence) = record
    attrs: dict[str, Any] = {}
    event_attributes(event, attrs)
    attrs.update(rssi=rssi, odometer=odometer, hours=runtime * 1000, status=status, adc1=adc1,
                 battery=battery / 100, power=power / 100)
    if abs(lat) > 90_000_000 or abs(lon) > 180_000_000:
        raise MalformedError("meitrack: CCC coordinates out of range")
    return Position(device_id=imei, protocol=PROTOCOL,
                    fix_time=EPOCH_2000 + timedelta(seconds=seconds), valid=valid == 1,
                    lat=lat / 1e6, lon=lon / 1e6, altitude_m=float(altitude),
                    speed_kmh=float(speed), course_deg=float(course), satellites=sats,
                    hdop=hdop / 10, attributes=attrs)


def decode_ccc(imei: str, data: bytes) -> tuple[Position, ...]:
    if len(data) < CCC_HEADER.size:
        raise MalformedError("meitrack: CCC packet cut short", data=data)
    _version, size, _cache = CCC_HEADER.unpack_from(data)
    if size < CCC_RECORD.size:
        raise MalformedError(f"meitrack: CCC record length {size}", data=data)
    return tuple(_ccc_position(imei, CCC_RECORD.unpack_from(data, pos))
                 for pos in range(CCC_HEADER.size, len(data) - CCC_RECORD.size + 1, size))


def decode_cce(imei: str, data: bytes) -> tuple[Position, ...]:
    if len(data) < 6:
        raise MalformedError("meitrack: CCE packet cut short", data=data)
    count = int.from_bytes(data[4:6], "little")
    positions: list[Position] = []
    pos = 6
    for _ in range(count):
        if pos + 4 > len(data):
            break
        end = pos + 2 + int.from_bytes(data[pos:pos + 2], "little")
        try:
            positions.append(decode_cce_record(imei, data, pos + 4, min(end, len(data))))
        except MalformedError:
            if not positions:
                raise
            break
        pos = end
    return tuple(positions)
