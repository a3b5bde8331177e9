"""GTCAN: vehicle CAN-bus data selected by ``<CAN report mask>`` (one field per set bit).

``+RESP:GTCAN,<version>,<IMEI>,<name>,<report type>,<CAN state>,<mask>,<fields...>``;
bit 29 announces ``<CAN report expansion mask>`` and its own fields (bit 0: AdBlue
level), bits 30/31 a position block and its cell, found by the block anchor.
"""

from __future__ import annotations

from typing import Any, Callable

from ._fields import Block, TextMessage, float_or_none, int_or_none, is_hex

__all__ = ["can_attributes"]

_EXPANSION_BIT = 29
_LAST_FIELD_BIT = 28


def _number(text: str) -> float | None:
    return float_or_none(text.lstrip("HPLMC") if text[:1].isalpha() else text)


def _distance(text: str, attrs: dict[str, Any]) -> None:
    value = _number(text)
    if value is not None:
        attrs["odometer"] = round(value * (100.0 if text[:1] == "H" else 1000.0), 1)


def _fuel_level(text: str, attrs: dict[str, Any]) -> None:
    value = _number(text)
    if value is not None:
        attrs["fuel"] = value


def _hours(text: str, attrs: dict[str, Any]) -> None:
    value = _number(text)
    if value is not None:
        attrs["hours"] = round(value * 3_600_000)


def _ignition(text: str, attrs: dict[str, Any]) -> None:
    value = int_or_none(text)
    if value is not None:
        attrs["ignition"] = value > 0


def _key(name: str, convert: Callable[[str], Any] = _number) -> Callable[[str, dict], None]:
    def put(text: str, attrs: dict[str, Any]) -> None:
        value = convert(text)
        if value is not None and value != "":
            attrs[name] = value
    return put


def _text(text: str) -> str | None:
    return text or None


_BASE: dict[int, Callable[[str, dict], None]] = {
    0: _key("vin", _text), 1: _ignition, 2: _distance, 3: _key("fuelUsed"),
    4: _key("rpm", int_or_none), 5: _key("obdSpeed"), 6: _key("coolantTemp"),
    7: _key("fuelConsumption"), 8: _fuel_level, 9: _key("range"), 10: _key("throttle"),
    11: _hours, 12: _key("drivingTime"), 13: _key("idleTime"),
    14: _key("idleFuelConsumption"), 15: _key("axleWeight"), 16: _key("tachograph", _text),
    17: _key("indicators", _text), 18: _key("lights", _text), 19: _key("doors", _text),
}


def can_attributes(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    fields = msg.fields
    mask_index = msg.name_index + 3
    stop = blocks[0].start if blocks else msg.end
    if mask_index >= stop or not is_hex(fields[mask_index], 8):
        return attrs
    state = int_or_none(fields[mask_index - 1])
    if state is not None:
        attrs["canState"] = state
    mask = int(fields[mask_index], 16)
    index = mask_index + 1
    for bit in range(_LAST_FIELD_BIT + 1):
        if not mask & (1 << bit):
            continue
        if index >= stop:
            return attrs
        put = _BASE.get(bit)
        if put is not None:
            put(fields[index], attrs)
        index += 1
    if mask & (1 << _EXPANSION_BIT) and index + 1 < stop and is_hex(fields[index], 8):
        if int(fields[index], 16) & 0x01:
            level = _number(fields[index + 1])
            if level is not None:
                attrs["adBlueLevel"] = level
    return attrs
