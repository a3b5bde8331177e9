"""0x0900 uplink transparent data: a type byte, then the vendor payload.

Types (vendor layouts as Traccar's Jt808ProtocolDecoder reads them; the
standard leaves the payload to the vendor):
- 0x40 text: ``GTSL|..`` card reader (field 4 = driver id), other text -> ``data``.
- 0x41 ``$OBD-RT,...`` OBD text (see _vendor.obd_rt).
- 0xF0 OBD: BCD time, archive flag, vehicle type, subtype: 0x01 readings
  ``count, [id u16, len, value]`` (F0_READINGS; others kept as io<id>),
  0x02 trouble codes, 0x03 events (F0_EVENTS), each followed by
  ``status u32 | lat u32 | lon u32`` (a Position); 0x04 trip, 0x0B VIN,
  0x15 event code (events without a location).
- 0xFF location: BCD time, lat s32, lon s32 (1e-6), altitude s16, speed
  u16 (0.1 km/h), course u16.
- 0x53 / 0x54: status, lat, lon, altitude, speed, course, BCD time, then BLE
  tags (0x53) or masked sensor records (0x54).
- 0xF3 ``[id u16, len u16, value]``: 0x0002 collision (1/25600 g), 0x0006 BCD time.
Other types become a ``transparent`` event carrying the type and the data.
"""

from __future__ import annotations

from .._records import Position
from ._catalogue import Scalar, read_scalar
from ._context import Context, Records, event
from ._location import PROTOCOL, add_alarm, coordinates, parse_bcd_time
from ._vendor import obd_rt

__all__ = ["decode_transparent", "F0_READINGS", "F0_EVENTS"]

#: 0xF0 subtype 0x01 reading id -> value
F0_READINGS: dict[int, Scalar] = {
    0x0102: Scalar("odometer", 4, mul=100), 0x0528: Scalar("odometer", 4, mul=100),
    0x0546: Scalar("odometer", 4, mul=100), 0x0103: Scalar("fuel", 4, div=100),
    0x0111: Scalar("fuelTemp", 1, add=-40), 0x012E: Scalar("oilLevel", 2, div=10),
    0x052A: Scalar("fuel", 2, div=100), 0x0105: Scalar("fuelUsed", 4, div=100),
    0x052C: Scalar("fuelUsed", 4, div=100), 0x014A: Scalar("fuelConsumption", 2, div=100),
    0x0537: Scalar("fuelConsumption", 2, div=100), 0x0538: Scalar("fuelConsumption", 2, div=100),
    0x0539: Scalar("fuelConsumption", 2, div=100), 0x052B: Scalar("fuel", 1),
    0x052D: Scalar("coolantTemp", 1, add=-40), 0x052E: Scalar("airTemp", 1, add=-40),
    0x0530: Scalar("power", 2, div=1000), 0x0535: Scalar("obdSpeed", 2, div=10),
    0x0536: Scalar("rpm", 2), 0x053D: Scalar("intakePressure", 2, div=10),
    0x0544: Scalar("liquidLevel", 1), 0x0547: Scalar("throttle", 1), 0x0548: Scalar("throttle", 1),
}

#: 0xF0 subtype 0x03 event id -> Traccar alarm
F0_EVENTS: dict[int, str] = {
    0x01: "powerRestored", 0x02: "powerCut", 0x0E: "idle", 0x1A: "hardAcceleration",
    0x1B: "hardBraking", 0x1C: "hardCornering", 0x1D: "laneChange", 0x1E: "laneChange",
    0x1F: "laneChange", 0x23: "fatigueDriving", 0x25: "overspeed", 0x26: "accident",
    0x27: "accident", 0x28: "accident", 0x31: "door", 0x32: "door",
}

_F3_EVENTS = {51: "hardAcceleration", 52: "hardBraking", 53: "hardCornering", 54: "laneChange",
              56: "accident"}


def _u(data: bytes, i: int, n: int) -> int:
    return int.from_bytes(data[i:i + n], "big")


def _located(ctx: Context, time, data: bytes, i: int, attrs: dict, **extra) -> Records:
    """``status u32 | lat u32 | lon u32`` at ``i`` -> a Position at ``time``."""
    status = _u(data, i, 4)
    lat, lon, ok = coordinates(status, _u(data, i + 4, 4), _u(data, i + 8, 4), attrs)
    attrs["ignition"] = bool(status & 1)
    return (Position(device_id=ctx.device_id, protocol=PROTOCOL, fix_time=time,
                     valid=ok and bool(status & 2), lat=lat, lon=lon, attributes=attrs, **extra),), ()


def _trim(data: bytes) -> str:
    """Text with control characters and blanks cut from both ends (a length prefix included)."""
    return data.decode("latin-1").strip("".join(map(chr, range(33))))


def _text(data: bytes, ctx: Context) -> Records:
    """0x40: text (some terminals put a u16 length first; it is trimmed with the blanks)."""
    text = _trim(data)
    fields = text.split("|")
    if fields[0] == "GTSL":
        return event(ctx, "driver", {"driverUniqueId": fields[4]} if len(fields) > 4 else {})
    return event(ctx, "transparent", {"data": text})


def _obd_text(data: bytes, ctx: Context) -> Records:
    attrs: dict = {}
    obd_rt(data.decode("latin-1"), attrs)
    return event(ctx, "status", attrs)


def _f0_readings(data: bytes, i: int, attrs: dict, ctx: Context) -> int:
    for _ in range(data[i]):
        rid, size = _u(data, i + 1, 2), data[i + 3]
        value = data[i + 4:i + 4 + size]
        i += 3 + size
        spec = F0_READINGS.get(rid)
        if rid == 0xFEEC:
            attrs["vin"] = value.decode("latin-1")
        elif spec is not None and len(value) == spec.size:
            attrs[spec.key] = read_scalar(spec, value)
        else:
            attrs[f"io{rid}"] = _u(value, 0, size) if size in (1, 2, 4) else value.hex()
            if ctx.tally is not None:
                ctx.tally.unknown += 1
    return i + 1


def _f0_codes(data: bytes, i: int, attrs: dict) -> int:
    """count u16, [system id u32, code count u16, [dtc u32, status u32, len u16, text]]."""
    codes = []
    systems, i = _u(data, i, 2), i + 2
    for _ in range(systems):
        count, i = _u(data, i + 4, 2), i + 6
        for _ in range(count):
            size = _u(data, i + 8, 2)
            codes.append(_trim(data[i + 10:i + 10 + size]))
            i += 10 + size
    attrs["dtcs"] = " ".join(codes)
    return i


def _f0_events(data: bytes, i: int, attrs: dict) -> int:
    for _ in range(data[i]):
        name = F0_EVENTS.get(data[i + 1])
        if name:
            add_alarm(attrs, name)
        i += 2 + data[i + 2]
    return i + 1


def _obd_f0(data: bytes, ctx: Context) -> Records:
    time = parse_bcd_time(data, 0, ctx.utc_offset_min)
    attrs: dict = {"archive": True} if data[6] > 0 else {}
    subtype, i = data[8], 9
    if subtype in (0x01, 0x02, 0x03):
        read = {0x01: lambda: _f0_readings(data, i, attrs, ctx), 0x02: lambda: _f0_codes(data, i, attrs),
                0x03: lambda: _f0_events(data, i, attrs)}[subtype]
        return _located(ctx, time, data, read(), attrs)
    if subtype == 0x04:
        attrs["tripNumber"] = _u(data, i + 1, 4)
        if data[i] == 0x02:
            j = i + 5 + 6 + 6 + 8 + 8 + 1
            attrs["idlingCount"], attrs["idlingTime"] = _u(data, j, 2), _u(data, j + 2, 2)
            attrs["tripOdometer"], attrs["tripFuel"] = _u(data, j + 4, 2) * 100, _u(data, j + 6, 2) / 100.0
    elif subtype == 0x0B:
        if data[i] > 0:
            attrs["vin"] = data[i + 1:i + 18].decode("latin-1")
    elif subtype == 0x15:
        code = _u(data, i, 4)
        if code in _F3_EVENTS:
            add_alarm(attrs, _F3_EVENTS[code])
        else:
            attrs["event"] = code
    else:
        return event(ctx, "transparent", {"type": 0xF0, "data": data.hex()})
    return event(ctx, "status", attrs, time)


def _location_ff(data: bytes, ctx: Context) -> Records:
    time = parse_bcd_time(data, 0, ctx.utc_offset_min)
    lat, lon = int.from_bytes(data[6:10], "big", signed=True), int.from_bytes(data[10:14], "big", signed=True)
    return (Position(device_id=ctx.device_id, protocol=PROTOCOL, fix_time=time, valid=True,
                     lat=lat / 1e6, lon=lon / 1e6,
                     altitude_m=float(int.from_bytes(data[14:16], "big", signed=True)),
                     speed_kmh=_u(data, 16, 2) / 10.0, course_deg=float(_u(data, 18, 2)),
                     attributes={}),), ()


def _tlv_f3(data: bytes, ctx: Context) -> Records:
    attrs: dict = {}
    time, i = None, 0
    while i + 4 <= len(data):
        sub, size = _u(data, i, 2), _u(data, i + 2, 2)
        if sub == 0x0002:
            attrs["collision"] = _u(data, i + 4, 2) / 256.0 / 100.0
        elif sub == 0x0006:
            time = parse_bcd_time(data, i + 4, ctx.utc_offset_min)
        i += 4 + size
    return event(ctx, "status", attrs, time)


def _sensors(data: bytes, attrs: dict, i: int) -> None:
    """0x54 records: mask u16, time (6), light u16, device temperature and humidity s16 /10,
    temperature 3 s16 /10, acceleration (6), air pressure u16 (by mask bits 0-4)."""
    while i + 8 <= len(data):
        mask, i = _u(data, i, 2), i + 8
        for bit, size, keys in ((0, 2, ("lightSensor",)), (1, 4, ("deviceTemp", "humidity")),
                                (2, 2, ("temp3",)), (3, 6, ()), (4, 2, ("airPressure",))):
            if mask >> bit & 1:
                for n, key in enumerate(keys):
                    raw = int.from_bytes(data[i + 2 * n:i + 2 * n + 2], "big", signed=bit != 0 and bit != 4)
                    attrs[key] = raw if bit in (0, 4) else raw / 10.0
                i += size


def _tags(data: bytes, attrs: dict, i: int) -> None:
    i += 1  # total node count
    while i + 8 <= len(data):
        n = data[i] + 1
        attrs[f"tag{n}Mac"] = data[i + 1:i + 7].hex()
        attrs[f"tag{n}Rssi"] = data[i + 7] - 256 * (data[i + 7] > 127)
        size = data[i + 8]
        attrs[f"tag{n}Data"] = data[i + 9:i + 9 + size].hex()
        i += 9 + size


def _location_5x(kind: int):
    def decode(data: bytes, ctx: Context) -> Records:
        time = parse_bcd_time(data, 18, ctx.utc_offset_min)
        attrs: dict = {}
        (_tags if kind == 0x53 else _sensors)(data, attrs, 24)
        return _located(ctx, time, data, 0, attrs,
                        altitude_m=float(int.from_bytes(data[12:14], "big", signed=True)),
                        speed_kmh=_u(data, 14, 2) / 10.0, course_deg=float(_u(data, 16, 2)))
    return decode


_TYPES = {0x40: _text, 0x41: _obd_text, 0xF0: _obd_f0, 0xFF: _location_ff, 0xF3: _tlv_f3,
          0x53: _location_5x(0x53), 0x54: _location_5x(0x54)}


def decode_transparent(body: bytes, ctx: Context) -> Records:
    if not body:
        return event(ctx, "transparent", {})
    handler = _TYPES.get(body[0])
    if handler is None:
        return event(ctx, "transparent", {"type": body[0], "data": body[1:257].hex()})
    return handler(body[1:], ctx)
