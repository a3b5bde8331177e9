"""BLE beacon lists of codec 8E variable-length elements.

AVL 385 "Beacon" (Teltonika "Beacon list" format): data part byte, then per
beacon a flags byte; flags >> 4 non-zero = iBeacon (UUID 16, major 2, minor 2),
else Eddystone (namespace 10, instance 6); RSSI (signed byte); flag bit 1: a
battery voltage (2 bytes, 0.01 V); flag bit 2: a temperature (2 bytes).
Keys ``beacon<n>Uuid/Major/Minor/Namespace/Instance/Rssi/Battery/Temp``.

AVL 548, 10828, 10829, 10831 "Advanced BLE beacon data": header byte, then per
tag: size (1) + [parameter ID (1), length (1), value] ... Parameters (key
``tag<n><Name>``) are in ``TAG_PARAMS``; unknown parameters are kept as
``tag<n>Param<ID>`` (hex).
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["store_beacons", "store_tags", "TAG_PARAMS"]

Attrs = dict[str, Any]


def store_beacons(attrs: Attrs, raw: bytes) -> None:
    off, n = 1, 1
    while off < len(raw):
        flags = raw[off]
        off += 1
        prefix = f"beacon{n}"
        if flags >> 4:
            if off + 20 > len(raw):
                break
            attrs[prefix + "Uuid"] = raw[off : off + 16].hex()
            attrs[prefix + "Major"] = int.from_bytes(raw[off + 16 : off + 18], "big")
            attrs[prefix + "Minor"] = int.from_bytes(raw[off + 18 : off + 20], "big")
            off += 20
        else:
            if off + 16 > len(raw):
                break
            attrs[prefix + "Namespace"] = raw[off : off + 10].hex()
            attrs[prefix + "Instance"] = raw[off + 10 : off + 16].hex()
            off += 16
        if off >= len(raw):
            break
        attrs[prefix + "Rssi"] = int.from_bytes(raw[off : off + 1], "big", signed=True)
        off += 1
        if flags & 0x02 and off + 2 <= len(raw):
            attrs[prefix + "Battery"] = int.from_bytes(raw[off : off + 2], "big") / 100
            off += 2
        if flags & 0x04 and off + 2 <= len(raw):
            attrs[prefix + "Temp"] = int.from_bytes(raw[off : off + 2], "big")
            off += 2
        n += 1


def _rssi(attrs: Attrs, prefix: str, value: bytes) -> None:
    attrs[prefix + "Rssi"] = int.from_bytes(value[:1], "big", signed=True)


def _tag_id(attrs: Attrs, prefix: str, value: bytes) -> None:
    attrs[prefix + "Id"] = value.hex()


def _eye_flags(attrs: Attrs, prefix: str, value: bytes) -> None:
    """EYE advertisement data: flags byte; bit 6 low battery; bit 7: the next
    byte is the battery voltage, 2000 mV + 10 mV per step."""
    flags = value[0]
    if flags & 0x40:
        attrs[prefix + "LowBattery"] = True
    if flags & 0x80 and len(value) > 1:
        attrs[prefix + "Voltage"] = 2000 + 10 * value[1]


def _low_battery(attrs: Attrs, prefix: str, value: bytes) -> None:
    attrs[prefix + "LowBattery"] = int.from_bytes(value, "big")


def _battery(attrs: Attrs, prefix: str, value: bytes) -> None:
    attrs[prefix + "Battery"] = int.from_bytes(value, "big")


def _mac(attrs: Attrs, prefix: str, value: bytes) -> None:
    attrs[prefix + "Mac"] = value.hex()


#: advanced beacon parameter ID -> storer
TAG_PARAMS: dict[int, Callable[[Attrs, str, bytes], None]] = {
    0x00: _rssi,
    0x01: _tag_id,
    0x02: _eye_flags,
    0x0D: _low_battery,
    0x0E: _battery,
    0x0F: _mac,
}


def store_tags(attrs: Attrs, raw: bytes) -> None:
    off, n = 1, 0
    while off < len(raw):
        size = raw[off]
        tag = raw[off + 1 : off + 1 + size]
        off += 1 + size
        n += 1
        prefix = f"tag{n}"
        pos = 0
        while pos + 2 <= len(tag):
            param, length = tag[pos], tag[pos + 1]
            value = tag[pos + 2 : pos + 2 + length]
            pos += 2 + length
            if len(value) != length or not length:
                continue
            storer = TAG_PARAMS.get(param)
            if storer is None:
                attrs[f"{prefix}Param{param}"] = value.hex()
            else:
                storer(attrs, prefix, value)
