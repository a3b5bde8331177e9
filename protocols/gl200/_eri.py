"""GTERI: the fixed report plus accessory data selected by ``<ERI mask>``.

``+RESP:GTERI,<version>,<IMEI>,<name>,<ERI mask>,<power>,<report type>,<number>,
<blocks>,<common tail>,<ERI data>,<send time>,<count>``. The common tail is the
model's FRI tail (``_tail``); the ERI data starts after it:

* vehicle units (GV/CV ..., a 6-hex ``<device status>`` in the tail): two
  fields after the status (the status, then ``<reserved/UART device type>``);
* GV200: ``<odometer>,<hours>,<AD1>,<AD2>,<AD3>,<inputs>,<outputs>,<UART>``;
* GL5xx: ``<CSQ>,<BER>,<odometer slot>,<battery %>,<mode>,<motion>``;
* GL320M: ``<odometer>,<battery %>`` (mask bit 7 is its external battery).

The data fields come in mask-bit order (``_catalogue.ERI_BITS``). Bits the
catalogue lacks make the rest of the data unreadable: it is kept as text under
``io<96 + bit>`` (lowest such bit) and counted.
"""

from __future__ import annotations

from typing import Any

from ._catalogue import ERI_BITS, model_of
from ._fields import Block, TextMessage, float_or_none, int_or_none, is_hex
from ._tail import analog

__all__ = ["eri_attributes"]

_GENERIC = 96


def _start(model: str, tail: list[str]) -> int | None:
    if model.startswith("GL5"):
        return 6
    if model == "GL320M":
        return 2
    if model == "GV200":
        return 8
    status = next((i for i in range(2, len(tail)) if len(tail[i]) == 6 and is_hex(tail[i])), None)
    return status + 2 if status is not None else None


def _hex(text: str) -> int | None:
    return int(text, 16) if is_hex(text) else None


def _at(tail: list[str], i: int) -> str:
    return tail[i] if 0 <= i < len(tail) else ""


def _one_wire(tail: list[str], i: int, attrs: dict[str, Any]) -> int:
    """``<count>,(<id>,<type>,<temperature: signed hex, 1/16 C>)...`` -> temp<n>."""
    count = int_or_none(_at(tail, i)) or 0
    i += 1
    for n in range(1, count + 1):
        raw = _hex(_at(tail, i + 2))
        if raw is not None and len(tail[i + 2]) <= 4:
            attrs[f"temp{n}"] = (raw - 0x10000 if raw & 0x8000 else raw) * 0.0625
        i += 3
    return i


def _fuel_sensors(mask: int, gv350m: bool, tail: list[str], i: int, attrs: dict[str, Any]) -> int:
    count = int_or_none(_at(tail, i)) or 0
    i += 1
    for _ in range(count):
        i += 2 if gv350m else 1               # type (and UART id)
        if gv350m and mask & 0x01:
            value = _hex(_at(tail, i))
            if value is not None:
                attrs["fuel"] = value
            i += 1
        if mask & 0x08:
            value = float_or_none(_at(tail, i))
            if value is not None:
                attrs["fuel"] = value
            i += 1
        i += (mask >> 4 & 1) + (mask >> 10 & 1)  # volume, fuel temperature
    return i


def _rf433(tail: list[str], i: int) -> int:
    count = int_or_none(_at(tail, i)) or 0
    i += 1
    for _ in range(count):
        kind = _at(tail, i + 1)
        i += 4 if kind == "2" else 3
    return i


#: BLE accessory append-mask bit -> (attribute suffix or None, converter)
_BLE: dict[int, tuple[str | None, Any]] = {
    0: (None, None), 1: ("Id", str), 2: (None, None), 3: (None, None), 4: ("Temp", float_or_none),
    5: ("Humidity", int_or_none), 7: (None, None), 8: (None, None), 9: (None, None),
    10: (None, None), 11: (None, None), 12: (None, None), 13: ("Battery", int_or_none),
    14: (None, None),
}


def _ble(model: str, tail: list[str], i: int, attrs: dict[str, Any]) -> int:
    count = int_or_none(_at(tail, i)) or 0
    i += 1
    for n in range(1, count + 1):
        i += 5 if model.startswith("GV600M") else 4  # index, type, model, [length], raw data
        mask = _hex(_at(tail, i)) or 0
        i += 1
        for bit in range(16):
            if not mask & (1 << bit) or bit not in _BLE:
                continue
            suffix, convert = _BLE[bit]
            text = _at(tail, i)
            i += 1
            if suffix and text:
                value = convert(text)
                if value is not None:
                    attrs[f"tag{n}{suffix}"] = value
    return i


def _common(model: str, tail: list[str], attrs: dict[str, Any]) -> None:
    """GV200 (no device status word): analog inputs, inputs and outputs."""
    if model.startswith("GL5") or model == "GL320M":
        return
    if model != "GV200":
        return  # vehicle units: analog inputs come with the common tail (``_tail``)
    for key, text in (("input", _at(tail, 5)), ("output", _at(tail, 6))):
        value = _hex(text)
        if value is not None:
            attrs[key] = value
    for n, text in enumerate(tail[2:5], start=1):
        if text:
            analog(n, text, attrs)


def eri_attributes(msg: TextMessage, blocks: list[Block], tail: list[str],
                   attrs: dict[str, Any]) -> None:
    mask = _hex(msg.fields[msg.name_index + 1]) if msg.name_index + 1 < msg.end else None
    model = model_of(msg.version)
    _common(model, tail, attrs)
    i = _start(model, tail) if mask else None
    if mask is None or i is None:
        return
    unknown = [bit for bit in range(32) if mask & (1 << bit) and bit not in ERI_BITS]
    gv350m = model == "GV350M"
    if mask & 0x01 and not gv350m:
        value = _hex(_at(tail, i))
        if value is not None:
            attrs["fuel"] = value
        i += 1
    if mask & (1 << 29):
        data_mask = _hex(_at(tail, i + 2)) or 0
        i += 3
        if data_mask & 0x01:
            value = _hex(_at(tail, i))
            if value is not None:
                attrs["fuel"] = value
            i += 1
        i += data_mask >> 1 & 1
    if mask & 0x02:
        i = _one_wire(tail, i, attrs)
    if mask & 0x04:
        return  # CAN data inside GTERI: not decoded (no field count to skip it)
    if (mask & 0x18 or (gv350m and mask & 0x01)) and i < len(tail):
        i = _fuel_sensors(mask, gv350m, tail, i, attrs)
    if mask & 0x80:
        if model == "GL320M":
            value = int_or_none(_at(tail, i))
            if value is not None:
                attrs["externalBattery"] = value
            i += 1
        else:
            i = _rf433(tail, i)
    if mask & 0x100 and model != "GL320M":
        i = _ble(model, tail, i, attrs)
    if unknown and i < len(tail):
        attrs[f"io{_GENERIC + unknown[0]}"] = ",".join(tail[i:])
