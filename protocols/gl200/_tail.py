"""Fields around the position blocks of text reports: external power before the
blocks, odometer / hour meter / battery / device status after them.

Two families: vehicle units (GV, CV, GB ...) follow the last block with
``<mileage km>,<hour meter>,<analog inputs...>,<backup battery %>,<device status>``
(device status = 6 hex: motion/ignition state, digital inputs, digital outputs);
personal units (GL, GT ...) follow it with a few fields ending in the battery %.
"""

from __future__ import annotations

from typing import Any

from ._catalogue import model_of
from ._fields import Block, TextMessage, float_or_none, int_or_none, is_hex

__all__ = ["tail_fields", "tail_attributes", "head_attributes", "status_attributes",
           "parse_hours", "analog"]

def tail_fields(msg: TextMessage, blocks: list[Block]) -> list[str]:
    if not blocks:
        return []
    return msg.fields[blocks[-1].start + blocks[-1].size:msg.end]


def parse_hours(text: str) -> int | None:
    """``HHHHH:MM:SS`` -> milliseconds (Traccar's ``hours`` unit)."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    h, m, s = (int(p) for p in parts)
    return ((h * 60 + m) * 60 + s) * 1000


def _is_status(text: str) -> bool:
    return len(text) == 6 and is_hex(text)


def status_attributes(text: str, attrs: dict[str, Any]) -> None:
    """Device status ``SSIIOO``: state (1x ignition off, 2x on; x1 rest, x2 moving), inputs, outputs."""
    state = int(text[:2], 16)
    high, low = state >> 4, state & 0x0F
    if high in (1, 2):
        attrs["ignition"] = high == 2
    if low in (1, 2):
        attrs["motion"] = low == 2
    attrs["input"] = int(text[2:4], 16)
    attrs["output"] = int(text[4:6], 16)


def _battery(text: str, attrs: dict[str, Any]) -> None:
    value = int_or_none(text)
    if value is not None and 0 <= value <= 100:
        attrs["batteryLevel"] = value


def _odometer(text: str, attrs: dict[str, Any]) -> None:
    km = float_or_none(text)
    if km is not None and "." in text and km >= 0:
        attrs["odometer"] = round(km * 1000.0, 1)


def analog(n: int, text: str, attrs: dict[str, Any]) -> None:
    """``<AD n>``: millivolts (``adc<n>`` in V), or ``F<level>`` for a fuel sensor (``fuel<n>``)."""
    if text[:1] == "F":
        level = int_or_none(text[1:])
        if level is not None:
            attrs[f"fuel{n}"] = level
        return
    mv = int_or_none(text)
    if mv is not None:
        attrs[f"adc{n}"] = mv / 1000.0


def _gl5(msg: TextMessage, tail: list[str], attrs: dict[str, Any]) -> None:
    """GL5xx: ``<CSQ BER>,<battery mV>,<battery %>,<mode>,<motion>,<temperature C>``
    after the block (whose last slot holds the CSQ RSSI)."""
    mv = int_or_none(tail[1])
    if mv is not None and mv >= 1000:
        attrs["battery"] = mv / 1000.0
    _battery(tail[2], attrs)
    if msg.kind != "GTERI" and len(tail) > 5 and "." in tail[5]:
        temp = float_or_none(tail[5])
        if temp is not None:
            attrs["temp1"] = temp


def tail_attributes(msg: TextMessage, tail: list[str]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if not tail:
        return attrs
    status = next((i for i in range(2, len(tail)) if _is_status(tail[i])), None)
    vehicle = status is not None or (len(tail) >= 5 and ("." in tail[0] or ":" in tail[1]))
    if not vehicle and model_of(msg.version).startswith("GL5") and len(tail) >= 3:
        _gl5(msg, tail, attrs)
        return attrs
    if not vehicle:
        for text in reversed(tail):
            if int_or_none(text) is not None:
                _battery(text, attrs)
                break
        return attrs
    for text in tail[:2]:
        if "." in text:
            _odometer(text, attrs)
            break
    for text in tail[1:3]:
        hours = parse_hours(text)
        if hours is not None:
            attrs["hours"] = hours
            break
    if status is not None:
        _battery(tail[status - 1], attrs)
        status_attributes(tail[status], attrs)
        for n, text in enumerate(tail[2:status - 1], start=1):
            if text:
                analog(n, text, attrs)
    elif len(tail) > 4:
        _battery(tail[4], attrs)
    return attrs


def head_attributes(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    """External power (mV) three fields before the first block: ``<power>,<id/type>,<number>``."""
    attrs: dict[str, Any] = {}
    if not blocks:
        return attrs
    index = blocks[0].start - 3
    if index > msg.name_index:
        text = msg.fields[index]
        mv = int_or_none(text)
        if mv is not None and 3 <= len(text) <= 6 and mv >= 0:
            attrs["power"] = mv / 1000.0
    return attrs
