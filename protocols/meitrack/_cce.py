"""CCE record parameters, decoded from the catalogue (``_catalogue.CCE_FIXED`` for
1-, 2- and 4-byte values, ``_VARIABLE`` below for N-byte ones).

A record is four groups (values of 1, 2, 4 and N bytes), each a count byte
then ``<id><value>`` pairs; an id starting with 0xFE is two bytes; N-byte
values carry their own length byte. Numbers are little-endian.

N-byte ids: 0x0E-0x13 base stations (MCC 2, MNC 2, LAC 2, CI 4, signal 2;
the first is ``mcc``/``mnc``/``lac``/``cid``, the others ``cell<n>``),
0x1D-0x25 Wi-Fi access points (MAC 6, signal 2: ``wifi<n>``), 0x2A-0x31
temperature sensors (label 1, signed 1/100 degree C: ``temp<id - 0x2A>``),
0x4B network type (``networkType``), 0xFE31 alarm (protocol 1, ``alarmType`` 1,
then for protocol 2 the picture file: ``image`` = ``yyyy-mm-dd/<name>``),
0xFE73 BLE sensor tags (count, then per tag: name length, name, MAC 6,
``tagBattery`` 1, temperature int16/256 C, humidity uint16/256 %, 8 bytes of
thresholds), 0xFEA8 batteries (three ``<present><level %>`` pairs, alert).

An id the catalogue lacks is kept as ``io<id>`` (an integer for 1/2/4-byte
values, hex text for N-byte ones) and counted by the caller.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

from .._errors import MalformedError
from .._records import Position
from ._aaa import event_attributes
from ._catalogue import CCE_FIXED
from .constants import EPOCH_2000, PROTOCOL

__all__ = ["decode_cce_record"]

_TAG_TAIL = 6 + 1 + 2 + 2 + 8


def _s16(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


def _image(value: bytes, attrs: dict[str, Any]) -> None:
    if len(value) < 2:
        return
    attrs["alarmType"] = value[1]
    name = value[2:].decode("latin-1") if value[0] == 0x02 else ""
    if len(name) >= 8 and name[:8].isdigit():
        name = f"{name[:4]}-{name[4:6]}-{name[6:8]}/{name}"
    if name:
        attrs["image"] = name


def _tags(value: bytes, attrs: dict[str, Any]) -> None:
    pos = 1
    for n in range(1, value[0] + 1 if value else 1):
        if pos >= len(value):
            return
        size = value[pos]
        name_end = pos + 1 + size
        if name_end + _TAG_TAIL > len(value):
            return
        prefix = "tag" if n == 1 else f"tag{n}"
        attrs[prefix + "Name"] = value[pos + 1:name_end].decode("latin-1")
        attrs[prefix + "Mac"] = value[name_end:name_end + 6].hex()
        attrs[prefix + "Battery"] = value[name_end + 6]
        t = name_end + 7
        attrs[prefix + "Temp"] = _s16(int.from_bytes(value[t:t + 2], "little")) / 256
        attrs[prefix + "Humidity"] = int.from_bytes(value[t + 2:t + 4], "little") / 256
        pos = name_end + _TAG_TAIL


def _batteries(value: bytes, attrs: dict[str, Any]) -> None:
    for k in range(3):
        if 2 * k + 1 < len(value) and value[2 * k]:
            attrs["batteryLevel" if k == 0 else f"battery{k + 1}Level"] = value[2 * k + 1]


def _cell(pid: int) -> Callable[[bytes, dict[str, Any]], None]:
    def put(value: bytes, attrs: dict[str, Any]) -> None:
        if len(value) < 12:
            return
        mcc, mnc, lac = (int.from_bytes(value[i:i + 2], "little") for i in (0, 2, 4))
        cid = int.from_bytes(value[6:10], "little")
        rssi = _s16(int.from_bytes(value[10:12], "little"))
        if pid == 0x0E:
            if mcc or mnc or lac or cid:
                attrs.update(mcc=mcc, mnc=mnc, lac=lac, cid=cid)
        else:
            attrs[f"cell{pid - 0x0E + 1}"] = f"{mcc},{mnc},{lac},{cid},{rssi}"
    return put


def _wifi(pid: int) -> Callable[[bytes, dict[str, Any]], None]:
    def put(value: bytes, attrs: dict[str, Any]) -> None:
        if len(value) >= 8:
            mac = ":".join(f"{b:02x}" for b in value[:6])
            attrs[f"wifi{pid - 0x1D + 1}"] = f"{mac},{_s16(int.from_bytes(value[6:8], 'little'))}"
    return put


def _temperature(pid: int) -> Callable[[bytes, dict[str, Any]], None]:
    def put(value: bytes, attrs: dict[str, Any]) -> None:
        if len(value) >= 3:
            attrs[f"temp{pid - 0x2A}"] = _s16(int.from_bytes(value[1:3], "little")) / 100
    return put


def _network(value: bytes, attrs: dict[str, Any]) -> None:
    text = value[3:3 + value[2]] if len(value) >= 3 else b""
    if text:
        attrs["networkType"] = text.decode("latin-1")


_VARIABLE: dict[int, Callable[[bytes, dict[str, Any]], None]] = {
    **{i: _cell(i) for i in (0x0E, 0x0F, 0x10, 0x12, 0x13)},
    **{i: _wifi(i) for i in range(0x1D, 0x26)},
    **{i: _temperature(i) for i in range(0x2A, 0x32)},
    0x4B: _network, 0xFE31: _image, 0xFE73: _tags, 0xFEA8: _batteries,
}


def _store(pid: int, size: int, raw: bytes, values: dict[str, Any]) -> None:
    if not size:
        handler = _VARIABLE.get(pid)
        if handler is not None:
            handler(raw, values)
        else:
            values[f"io{pid}"] = raw.hex()
        return
    number = int.from_bytes(raw, "little")
    entry = CCE_FIXED[size].get(pid)
    if entry is None:
        values[f"io{pid}"] = number
    elif entry[0] == "event":
        event_attributes(number, values)
    elif entry[0] == "lock":
        if number:
            values["lock"] = number == 2
    else:
        values[entry[0]] = entry[1](number)


def _params(data: bytes, pos: int, end: int, values: dict[str, Any]) -> None:
    for size in (1, 2, 4, 0):
        if pos >= end:
            raise MalformedError("meitrack: CCE record cut short")
        count = data[pos]
        pos += 1
        for _ in range(count):
            if pos >= end:
                raise MalformedError("meitrack: CCE record cut short")
            pid = data[pos]
            if pid == 0xFE:
                pid = 0xFE00 | data[pos + 1] if pos + 1 < end else -1
                pos += 1
            pos += 1
            length = size or (data[pos] if pos < end else 0)
            if not size:
                pos += 1
            if pos + length > end or pid < 0:
                raise MalformedError("meitrack: CCE parameter cut short")
            _store(pid, size, data[pos:pos + length], values)
            pos += length


def decode_cce_record(imei: str, data: bytes, pos: int, end: int) -> Position:
    values: dict[str, Any] = {}
    _params(data, pos, end, values)
    lat, lon = values.pop("_lat", 0.0), values.pop("_lon", 0.0)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise MalformedError("meitrack: CCE coordinates out of range")
    engine = values.pop("_engine", None)
    if engine is not None:
        values["hours"] = engine
    fix_time = EPOCH_2000 + timedelta(seconds=values.pop("_time", 0))
    return Position(
        device_id=imei, protocol=PROTOCOL, fix_time=fix_time, valid=values.pop("_valid", 0) >= 1,
        lat=lat, lon=lon, altitude_m=values.pop("_alt", None),
        speed_kmh=values.pop("_speed", None), course_deg=values.pop("_course", None),
        satellites=values.pop("_sat", None), hdop=values.pop("_hdop", None), attributes=values)
