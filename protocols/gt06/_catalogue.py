"""GT06 item catalogues (modules, IO items, OBD PIDs) as data, and the loop that reads them.

Each entry: id -> (Traccar attribute key, kind, scale). Kinds: u8/u16/u24/u32/s16/s32 big-endian
integers, u32le little-endian, hex (lower-case hex string), ascii (stripped text), bool (non-zero).
A value is ``raw * scale`` (computed as a division for fractions) when a scale is given, else the raw integer. Items missing from a table
are kept as ``io<id>`` (integer when 1, 2 or 4 bytes long, else hex) and counted as unknown.

Sources: [TRACCAR] Gt06ProtocolDecoder (0x70 modules, 0x36 modules, 0x37 module, 0xF1 item 5,
0x8C PIDs); Jimi IoT VL103/LL303 "modular" documents for 0x70 ids 0x0033/0x0034.
"""

from __future__ import annotations

__all__ = [
    "ITEMS_F1",
    "MODULAR_EVENTS",
    "MODULES_36",
    "MODULES_37",
    "MODULES_70",
    "OBD_PIDS",
    "UNKNOWN",
    "keep_unknown",
    "read_items",
    "read_value",
]

Item = tuple[str, str, float | None]

#: 0x70 modular packet: module id (u16) -> item; 0x0011 cell, 0x002A inputs, 0x002B event,
#: 0x0033 GPS, 0x0034 event record and 0x007F BLE tag are decoded by their own functions.
MODULES_70: dict[int, Item] = {
    0x0003: ("iccid", "hex", None),
    0x0009: ("sat", "u8", None),
    0x000A: ("satVisible", "u8", None),
    0x0018: ("battery", "u16", 0.01),
    0x0028: ("hdop", "u8", 0.1),
    0x0029: ("index", "u32", None),
    0x002E: ("odometer", "u32le", None),
}

#: 0x36 status modules: id (u16), length (u8), value [TRACCAR]
MODULES_36: dict[int, Item] = {
    0x0018: ("battery", "u16", 0.01),
    0x0032: ("startupStatus", "u8", None),
    0x006A: ("batteryLevel", "u8", None),
}

#: 0x37 location modules: id (u16), length (u8), value [TRACCAR]
MODULES_37: dict[int, Item] = {
    0x0027: ("power", "u16", 0.01),
    0x002E: ("odometer", "u32", None),
    0x003B: ("accuracy", "u16", 0.01),
}

#: 0xF1 IO items: id (u16), length (u8), value [TRACCAR]
ITEMS_F1: dict[int, Item] = {
    0x0005: ("power", "u16", 0.01),
}

#: 0x8C OBD text pairs ``PP...=hex``: PID (the first two characters, read as hex, compared as
#: decimal numbers by Traccar) -> (key, scale); values are hex, times the scale (vin: text)
OBD_PIDS: dict[int, tuple[str, float | None]] = {
    40: ("odometer", 0.01),
    43: ("fuel", 0.01),
    45: ("coolantTemp", 0.01),
    53: ("obdSpeed", 0.01),
    54: ("rpm", 0.01),
    71: ("fuelUsed", 0.01),
    73: ("hours", 0.01),
    74: ("vin", None),
}

#: 0x70 module 0x002B event byte -> Traccar alarm name [TRACCAR]
MODULAR_EVENTS: dict[int, str] = {
    0x11: "lowBattery",
    0x12: "lowPower",
    0x13: "powerCut",
    0x14: "removing",
}

#: a reserved attribute key: the count of unknown items of a record (popped before the record
#: leaves the decoder, never stored)
UNKNOWN = "\x00unknown"

_SIZES = {"u8": 1, "u16": 2, "u24": 3, "u32": 4, "s16": 2, "s32": 4, "u32le": 4}


def read_value(kind: str, data: bytes, scale: float | None):
    """One value of a catalogue kind from ``data`` (the item's bytes)."""
    if kind == "hex":
        return data.hex()
    if kind == "ascii":
        return data.decode("latin-1").strip("\x00 ")
    if kind == "bool":
        return any(data)
    size = _SIZES[kind]
    if len(data) < size:
        raise ValueError(f"gt06: {kind} item of {len(data)} bytes")
    if kind == "u32le":
        raw = int.from_bytes(data[:4], "little")
    else:
        raw = int.from_bytes(data[:size], "big", signed=kind[0] == "s")
    if scale is None:
        return raw
    return raw / round(1 / scale) if scale < 1 else raw * scale  # 402 / 100 is 4.02, 402 * 0.01 is not


def keep_unknown(attrs: dict, item_id: int, data: bytes, prefix: str = "io") -> None:
    """Keep an item the catalogue does not know as ``<prefix><id>`` and count it."""
    attrs[f"{prefix}{item_id}"] = int.from_bytes(data, "big") if len(data) in (1, 2, 4) else data.hex()
    attrs[UNKNOWN] = attrs.get(UNKNOWN, 0) + 1


def read_items(items: list[tuple[int, bytes]], table: dict[int, Item], attrs: dict) -> None:
    """Every (id, data) through ``table``; unknown ids kept as ``io<id>``."""
    for item_id, data in items:
        entry = table.get(item_id)
        if entry is None:
            keep_unknown(attrs, item_id, data)
            continue
        key, kind, scale = entry
        try:
            attrs[key] = read_value(kind, data, scale)
        except ValueError:  # shorter than its kind: kept raw, like an unknown item
            keep_unknown(attrs, item_id, data)
