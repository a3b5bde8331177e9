"""IO element definitions: AVL ID -> (attribute key, converter).

Keys and units follow Traccar's attribute names (fact sheet
shared/protocols/teltonika.md); IDs not in the table stay ``io<ID>`` with the
raw unsigned value (variable-length ones as lowercase hex). A converter gets
the raw unsigned value and returns the attribute value, or None to drop it.
``hdop`` is collected here and moved to the top-level field by the decoder.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["IO_DEFS", "VARIABLE_DEFS", "store_io", "store_variable", "io_key"]

Converter = Callable[[int], Any]


def _flag(value: int) -> bool:
    return value != 0


def _volts(value: int) -> float:
    return value / 1000.0


def _tenth(value: int) -> float:
    return value / 10


def _ibutton(value: int) -> str | None:
    """iButton / driver key: 8 bytes sent little-endian, shown as 16 hex digits."""
    if value == 0:
        return None
    return f"{int.from_bytes(value.to_bytes(8, 'big'), 'little'):016X}"


def _decimal(value: int) -> str:
    return str(value)


#: green-driving type (IO 253) -> Traccar alarm name
_GREEN_DRIVING = {1: "hardAcceleration", 2: "hardBraking", 3: "hardCornering"}


def _alarm(value: int) -> str | None:
    return _GREEN_DRIVING.get(value)


def _raw(value: int) -> int:
    return value


#: AVL ID -> (key, converter); FMB-family meanings (the common case)
IO_DEFS: dict[int, tuple[str, Converter]] = {
    1: ("in1", _flag),
    2: ("in2", _flag),
    3: ("in3", _flag),
    4: ("in4", _flag),
    9: ("adc1", _volts),
    10: ("adc2", _volts),
    11: ("iccid", _decimal),
    16: ("odometer", _raw),
    21: ("rssi", _raw),
    66: ("power", _volts),
    67: ("battery", _volts),
    78: ("driverUniqueId", _ibutton),
    179: ("out1", _flag),
    180: ("out2", _flag),
    181: ("pdop", _tenth),
    182: ("hdop", _tenth),
    199: ("tripOdometer", _raw),
    239: ("ignition", _flag),
    240: ("motion", _flag),
    241: ("operator", _raw),
    253: ("alarm", _alarm),
}

_IO_KEYS = [f"io{n}" for n in range(256)]


def io_key(io_id: int) -> str:
    return _IO_KEYS[io_id] if io_id < 256 else f"io{io_id}"


def store_io(attrs: dict[str, Any], io_id: int, value: int) -> None:
    spec = IO_DEFS.get(io_id)
    if spec is None:
        attrs[io_key(io_id)] = value
        return
    converted = spec[1](value)
    if converted is not None:
        attrs[spec[0]] = converted


# --- variable-length elements (codec 8E) -------------------------------------

def _ascii(attrs: dict[str, Any], key: str, raw: bytes) -> None:
    text = raw.decode("latin-1").strip("\x00 ")
    if text.isprintable() and text:
        attrs[key] = text


def _vin(attrs: dict[str, Any], raw: bytes) -> None:
    _ascii(attrs, "vin", raw)


def _tag_rssi(attrs: dict[str, Any], n: int, raw: bytes) -> None:
    attrs[f"tag{n}Rssi"] = int.from_bytes(raw, "big", signed=True)


def _tag_id(attrs: dict[str, Any], n: int, raw: bytes) -> None:
    attrs[f"tag{n}Id"] = raw.hex()


def _tag_voltage(attrs: dict[str, Any], n: int, raw: bytes) -> None:
    """EYE advertisement battery byte: 2000 mV + 10 mV per step (last byte)."""
    attrs[f"tag{n}Voltage"] = 2000 + 10 * raw[-1]


def _tag_low_battery(attrs: dict[str, Any], n: int, raw: bytes) -> None:
    attrs[f"tag{n}LowBattery"] = int.from_bytes(raw, "big")


def _tag_battery(attrs: dict[str, Any], n: int, raw: bytes) -> None:
    attrs[f"tag{n}Battery"] = int.from_bytes(raw, "big")


def _tag_mac(attrs: dict[str, Any], n: int, raw: bytes) -> None:
    attrs[f"tag{n}Mac"] = raw.hex()


#: BLE beacon/sensor parameter ID -> storer (advanced beacon record format)
_TAG_PARAMS: dict[int, Callable[[dict[str, Any], int, bytes], None]] = {
    0x00: _tag_rssi,
    0x01: _tag_id,
    0x02: _tag_voltage,
    0x0D: _tag_low_battery,
    0x0E: _tag_battery,
    0x0F: _tag_mac,
}


def _ble_tags(attrs: dict[str, Any], raw: bytes) -> None:
    """Beacon list: flags (1), then per tag: size (1) + [param (1), length (1), value]."""
    off, n = 1, 0
    while off < len(raw):
        size = raw[off]
        tag = raw[off + 1 : off + 1 + size]
        off += 1 + size
        n += 1
        pos = 0
        while pos + 2 <= len(tag):
            param, length = tag[pos], tag[pos + 1]
            value = tag[pos + 2 : pos + 2 + length]
            pos += 2 + length
            storer = _TAG_PARAMS.get(param)
            if storer is not None and len(value) == length and length:
                storer(attrs, n, value)


#: variable-length AVL ID -> storer(attrs, raw)
VARIABLE_DEFS: dict[int, Callable[[dict[str, Any], bytes], None]] = {
    256: _vin,
    548: _ble_tags,
    10828: _ble_tags,
    10829: _ble_tags,
    10831: _ble_tags,
}


def store_variable(attrs: dict[str, Any], io_id: int, raw: bytes) -> None:
    storer = VARIABLE_DEFS.get(io_id)
    if storer is None:
        attrs[io_key(io_id)] = raw.hex()
    else:
        storer(attrs, raw)
