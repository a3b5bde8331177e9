"""GT06 item-bearing messages: information transfer 0x94, camera alarm 0x95, modular 0x70,
IO 0xF1, peripheral 0xF2, OBD 0x8C, battery management 0x40, multimedia 0x41.

Items a catalogue does not know are kept (``io<id>``, ``info<sub-type>``, ``obd<pid>``) and
counted as unknown items of the frame.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ._catalogue import (
    ITEMS_F1,
    MODULAR_EVENTS,
    MODULES_70,
    OBD_PIDS,
    UNKNOWN,
    keep_unknown,
    read_items,
)
from ._location import (
    NOTHING,
    Records,
    event,
    make_position,
    parse_time,
    position_or_event,
    u16,
    u32,
)
from .constants import ALARM_95

__all__ = ["DECODERS"]


def _tlv(c: bytes, start: int, size_len: int) -> list[tuple[int, bytes]]:
    out = []
    i = start
    while i + 2 + size_len <= len(c):
        tag = u16(c, i)
        size = int.from_bytes(c[i + 2:i + 2 + size_len], "big")
        i += 2 + size_len
        out.append((tag, c[i:i + size]))
        i += size
    return out


def _info_text(data: bytes, attrs: dict) -> None:
    """0x04: ``ALM1=..;ALM2=..;ALM3=..;ALM4=..;STA1=..;DYD=..;...`` (hex values)."""
    for pair in data.decode("latin-1").split(";"):
        key, _, value = pair.partition("=")
        try:
            number = int(value, 16)
        except ValueError:
            continue
        if key in ("ALM1", "ALM2", "ALM3", "ALM4"):
            attrs[f"alarm{key[3]}Status"] = number
        elif key == "STA1":
            attrs["otherStatus"] = number
        elif key == "DYD":
            attrs["engineStatus"] = number


def _info_door(data: bytes, attrs: dict) -> None:
    """0x05: [date (6)] flags: bit 0 door, bit 2 I/O port."""
    if data:
        attrs["door"] = bool(data[-1] & 0x01)
        attrs["io1"] = bool(data[-1] & 0x04)


def _info_ids(data: bytes, attrs: dict) -> None:
    """0x0A: IMEI, IMSI, ICCID (BCD, padded with F)."""
    attrs["imei"] = data[0:8].hex().lstrip("0")
    attrs["imsi"] = data[8:16].hex().lstrip("0")
    attrs["iccid"] = data[16:26].hex().replace("f", "")


def _info_network(data: bytes, attrs: dict) -> None:
    if len(data) == 1:
        attrs["networkTechnology"] = "4G" if data[0] else "2G"
    elif len(data) == 2:
        attrs["power"] = u16(data, 0) / 100.0


def _info_fuel(data: bytes, attrs: dict) -> None:
    """0x0D: [date (6)] ``!AIOIL,addr,out,temperature,version,status,measured,moving,times,cs``."""
    if data[:1] != b"!":
        data = data[6:]
    fields = data.decode("latin-1").split(",")
    if len(fields) >= 8 and fields[0] == "!AIOIL":
        try:
            temp, fuel = float(fields[3]), float(fields[6])
        except ValueError:  # not the sensor's numbers: nothing to report, as Traccar
            return
        attrs["temp1"] = temp
        attrs["fuel"] = fuel


def _info_rfid(data: bytes, attrs: dict) -> None:
    """0x1B: serial text, or header, type, 4-byte tag, checksum, footer."""
    if data[:1].isalpha():
        attrs["serial"] = data.decode("latin-1").strip()
    elif len(data) >= 6:
        attrs["driverUniqueId"] = data[2:6].hex()


def _info_satellites(data: bytes, attrs: dict) -> None:
    """0x09: GPS state, satellites in fix + their SNRs, visible satellites + their SNRs, ..."""
    if len(data) >= 2:
        used = data[1]
        attrs["sat"] = used
        if len(data) > 2 + used:
            attrs["satVisible"] = used + data[2 + used]


def _info_climate(data: bytes, attrs: dict) -> None:
    attrs["temp1"] = int.from_bytes(data[0:4], "big", signed=True) / 10.0
    attrs["humidity"] = int.from_bytes(data[4:8], "big", signed=True) / 10.0


_INFO: dict[int, Callable[[bytes, dict], None]] = {
    0x00: lambda data, attrs: attrs.__setitem__("adc1", u16(data, 0) / 100.0),
    0x04: _info_text, 0x05: _info_door, 0x09: _info_satellites, 0x0A: _info_ids,
    0x0B: _info_network, 0x0D: _info_fuel, 0x1B: _info_rfid, 0x1E: _info_climate,
}


def decode_info(f, device_id: str, now: datetime) -> Records:
    """0x94 information transfer: 78 78 form = external voltage (s16, 0.01 V); 79 79 form =
    sub-type byte + data (constants.INFO_TYPES); other sub-types kept as ``info<N>`` (hex)."""
    c = f.content
    attrs: dict = {}
    if not f.extended:
        if len(c) >= 2:
            attrs["power"] = int.from_bytes(c[0:2], "big", signed=True) / 100.0
        return event(device_id, now, "status", attrs)
    if not c:
        return NOTHING
    handler = _INFO.get(c[0])
    if handler is None:
        keep_unknown(attrs, c[0], c[1:], "info")
    else:
        handler(c[1:], attrs)
    return event(device_id, now, "status", attrs)


def decode_alarm_95(f, device_id: str, now: datetime) -> Records:
    """0x95 camera alarm: short (date, event) -> Event; long (date, lat, lon, course word, event,
    event data u16, file names) and JC400 (FF FF, version, GPS with the course word before a
    u16 speed, power 0.1 V, event, ...) -> Position."""
    c = f.content
    attrs: dict = {}
    if len(c) <= 7:
        off, position = 6, None
    elif c[:2] == b"\xff\xff":  # JC400: marker, version, GPS with the course word before a u16 speed
        position = make_position(parse_time(c, 3, f.tz), c[9] & 0x0F, u32(c, 10), u32(c, 14),
                                 float(u16(c, 20)), u16(c, 18), device_id, attrs)
        attrs["power"] = u16(c, 22) / 10.0
        off = 24
    else:
        position = make_position(parse_time(c, 0, f.tz), None, u32(c, 6), u32(c, 10), None, u16(c, 14),
                                 device_id, attrs)
        off = 16
    code = c[off] if len(c) > off else 0
    attrs["event"] = code
    if len(c) >= off + 3:
        attrs["eventData"] = u16(c, off + 1)
    name = ALARM_95.get(code)
    if code == 0x01 and len(c) <= 7:
        name = "general"
    if name is not None:
        attrs["alarm"] = name
    files = c[off + 3:].split(b"\x00", 1)[0] if len(c) > off + 3 else b""
    if files:
        attrs["eventFiles"] = files.decode("latin-1")
    if position is not None:
        return position_or_event(position, device_id, now, attrs)
    return event(device_id, parse_time(c, 0, f.tz) or now, "alarm", attrs)


def _module_gps(d: bytes, device_id: str, attrs: dict):
    """Module 0x0033: unix time, satellites, altitude (s16), lat, lon, speed, course word."""
    fix_time = datetime.fromtimestamp(u32(d, 0), UTC)
    altitude = float(int.from_bytes(d[5:7], "big", signed=True))
    return make_position(fix_time, d[4], u32(d, 7), u32(d, 11), float(d[15]), u16(d, 16),
                         device_id, attrs, altitude)


def _module_special(tag: int, data: bytes, attrs: dict) -> bool:
    """Modules 0x0011, 0x002A, 0x002B, 0x0034, 0x007F; False for the others."""
    if tag == 0x0011:
        return True  # serving cell (MCC, MNC, LAC, CID, RSSI): network data, not an attribute
    if tag == 0x002A and data:
        attrs["door"] = bool(data[0] & 0x0F)
        attrs["tamper"] = bool(data[0] >> 4)
    elif tag == 0x002B and data:
        attrs["event"] = data[0]
        if data[0] in MODULAR_EVENTS:
            attrs["alarm"] = MODULAR_EVENTS[data[0]]
    elif tag == 0x0034 and data:
        attrs["event"] = data[0]
        if data[0] == 0x12:
            attrs["alarm"] = "removing"
    elif tag == 0x007F and len(data) >= 14:
        attrs["tag1Id"] = data[0:6].hex()
        attrs["tag1Battery"] = u16(data, 6) / 1000.0
        attrs["tag1BatteryLevel"] = data[8]
        attrs["tag1Temp"] = int.from_bytes(data[9:11], "big", signed=True) / 10.0
        attrs["tag1Humidity"] = int.from_bytes(data[11:13], "big", signed=True)
        attrs["tag1Status"] = data[13]
    else:
        return False
    return True


def decode_modular(f, device_id: str, now: datetime) -> Records:
    """0x70 modular packet: (module id u16, length u16, data) repeated; _catalogue.MODULES_70."""
    attrs: dict = {}
    gps = None
    items = []
    for tag, data in _tlv(f.content, 0, 2):
        if tag == 0x0033 and len(data) >= 18:
            gps = data if u32(data, 0) else gps
        elif not _module_special(tag, data, attrs):
            items.append((tag, data))
    read_items(items, MODULES_70, attrs)
    position = _module_gps(gps, device_id, attrs) if gps is not None else None
    if position is None:
        return event(device_id, now, "alarm" if "alarm" in attrs else "status", attrs)
    return position_or_event(position, device_id, now, attrs)


def decode_io(f, device_id: str, now: datetime) -> Records:
    """0xF1: unix time, then (id u16, length u8, value) items (_catalogue.ITEMS_F1)."""
    attrs: dict = {}
    read_items(_tlv(f.content, 4, 1), ITEMS_F1, attrs)
    return event(device_id, now, "status", attrs)


def decode_peripheral(f, device_id: str, now: datetime) -> Records:
    """0xF2 peripheral data: unix time, then status items: 0x000A BLE event (u16 length: MAC
    type, MAC, event, event data, data type, details), 0x000C external battery (u8 length:
    level, charging, cycles u16, reserved), others (u8 length; 0: the next byte) kept as io<id>."""
    c = f.content
    attrs: dict = {}
    off = 4
    while off + 3 <= len(c):
        tag = u16(c, off)
        if tag == 0x000A:
            size = u16(c, off + 2)
            d = c[off + 4:off + 4 + size]
            attrs["mac"] = d[1:7].hex()
            attrs["event"] = d[7] if len(d) > 7 else 0
            if len(d) > 8 and attrs["event"]:
                attrs["eventData"] = d[8]
            if len(d) > 9:
                attrs["dataType"] = d[9]
            attrs["dataDetails"] = d[10:].hex()
            off += 4 + size
        elif tag == 0x000C:
            d = c[off + 3:off + 3 + c[off + 2]]
            attrs["externalBatteryLevel"] = d[0] if d else 0
            if len(d) > 1 and d[1]:
                attrs["externalBatteryCharge"] = True
            if len(d) >= 4:
                attrs["externalBatteryCycles"] = u16(d, 2)
            off += 3 + c[off + 2]
        else:
            size, head = c[off + 2], 3
            if size == 0 and off + 3 < len(c):
                size, head = c[off + 3], 4
            keep_unknown(attrs, tag, c[off + head:off + head + size])
            off += head + size
    return event(device_id, datetime.fromtimestamp(u32(c, 0), UTC) if len(c) >= 4 else now,
                 "status", attrs)


def decode_obd(f, device_id: str, now: datetime) -> Records:
    """0x8C OBD: date, ignition, ASCII ``PPxx=hex`` pairs separated by commas, 12 bytes of tail."""
    c = f.content
    attrs: dict = {}
    if len(c) > 6:
        attrs["ignition"] = c[6] > 0
    text = c[7:max(7, len(c) - 12)].split(b"\x00", 1)[0].decode("latin-1")
    for pair in text.split(","):
        key, sep, value = pair.partition("=")
        if not sep or len(key) < 2:
            continue
        try:
            pid = int(key[:2], 16)
        except ValueError:
            continue
        entry = OBD_PIDS.get(pid)
        if entry is None:
            attrs[f"obd{key}"] = value
            attrs[UNKNOWN] = attrs.get(UNKNOWN, 0) + 1
        elif entry[1] is None:
            attrs[entry[0]] = value
        else:
            try:
                attrs[entry[0]] = int(value, 16) * entry[1]
            except ValueError:
                continue
    return event(device_id, parse_time(c, 0, f.tz) or now, "status", attrs)


_BMS = (("relativeCapacity", 1, None), ("remainingCapacity", 2, None), ("absoluteCapacity", 1, None),
        ("fullCapacity", 2, None), ("batteryHealth", 1, None), ("batteryTemp", 2, "k"),
        ("current", 2, None), ("battery", 2, 0.001), ("cycleIndex", 2, None))


_BMS_TAIL = (("currentChargeInterval", "u16"), ("maxChargeInterval", "u16"), ("barcode", 16),
             ("batteryVersion", "u16"), ("manufacturer", 16), ("batteryStatus", "u32"),
             ("controllerStatus", "u32"), ("controllerFault", "u32"))


def decode_bms(f, device_id: str, now: datetime) -> Records:
    """0x40 WD-209 battery management: serial (8), unix time, capacities, health, temperature
    (0.1 K), current, voltage (mV), cycles, 14 cell voltages (mV), charge intervals, barcode,
    version, manufacturer, battery / controller status and fault words."""
    c = f.content
    attrs: dict = {}
    off = 12
    for key, size, scale in _BMS:
        if len(c) < off + size:
            break
        raw = int.from_bytes(c[off:off + size], "big")
        attrs[key] = raw / 10.0 - 273.1 if scale == "k" else raw / round(1 / scale) if scale else raw
        off += size
    for i in range(1, 15):
        if len(c) >= off + 2:
            attrs[f"batteryCell{i}"] = u16(c, off) / 1000.0
            off += 2
    for key, kind in _BMS_TAIL:
        size = kind if isinstance(kind, int) else {"u16": 2, "u32": 4}[kind]
        if len(c) < off + size:
            break
        data = c[off:off + size]
        attrs[key] = data.decode("latin-1").strip("\x00 ") if isinstance(kind, int) else int.from_bytes(data, "big")
        off += size
    time = datetime.fromtimestamp(u32(c, 8), UTC) if len(c) >= 12 else now
    return event(device_id, time, "status", attrs)


def decode_multimedia(f, device_id: str, now: datetime) -> Records:
    """0x41 photo chunks: acknowledged; images are not assembled."""
    return NOTHING


DECODERS: dict[int, Callable] = {
    0x94: decode_info, 0x95: decode_alarm_95, 0x70: decode_modular, 0xF1: decode_io,
    0xF2: decode_peripheral, 0x8C: decode_obd, 0x40: decode_bms, 0x41: decode_multimedia,
}
