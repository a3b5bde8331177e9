"""GTCAN: vehicle CAN-bus data selected by ``<CAN report mask>`` (one field per set bit).

``+RESP:GTCAN,<version>,<IMEI>,<name>,<report type>,<CAN state>,<mask>,<fields...>``.
Bits 0-21 are the catalogue's (``_catalogue.CAN_BITS``), 22-28 single fields
on the models ``CAN_MODEL_BITS`` names (no field elsewhere), bit 29 announces ``<CAN report expansion mask>`` and its fields
(``CAN_EXT_BITS``, one field each; bit 28 is a DTC list on GV35xCEU, bits
26/27 working-time masks on GV355CEU and bit 31 a further mask: decoding
stops there), bits 30/31 a position block and its
cell (found by the block anchor). Field forms: ``H<hm>`` odometer in
hectometres, ``L``/``P`` prefixed litres/percent, ``L/H`` litres per hour.

A set bit the catalogue lacks keeps its field as ``io<bit>`` (``io<64 + bit>``
for the expansion mask) and counts as an unknown item.
"""

from __future__ import annotations

from typing import Any

from ._catalogue import CAN_BITS, CAN_EXPANSION_BIT, CAN_EXT_BITS, CAN_MODEL_BITS, model_of
from ._fields import Block, TextMessage, int_or_none, is_hex

__all__ = ["can_attributes"]

_LAST_FIELD_BIT = 28
_EXT_OFFSET = 64
_FIRST_MODEL_BIT = 22


def _ext_stop(model: str) -> frozenset[int]:
    """Expansion bits whose field is a mask or count on ``model`` (decoding stops)."""
    stop = {31}
    if model in ("GV350CEU", "GV355CEU"):
        stop.add(28)
    if model == "GV355CEU":
        stop.update((26, 27))
    return frozenset(stop)


def _put(table: dict, bit: int, offset: int, text: str, attrs: dict[str, Any]) -> None:
    entry = table.get(bit)
    if entry is None:
        if text:
            attrs[f"io{offset + bit}"] = text
        return
    if not text:
        return
    value = entry[1](text)
    if value is not None:
        attrs[entry[0]] = value


def can_attributes(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    fields = msg.fields
    mask_index = msg.name_index + 3
    stop = blocks[0].start if blocks else msg.end
    if mask_index >= stop or not is_hex(fields[mask_index]) or len(fields[mask_index]) > 8:
        return attrs
    state = int_or_none(fields[mask_index - 1])
    if state is not None:
        attrs["canState"] = state
    mask = int(fields[mask_index], 16)
    model = model_of(msg.version)
    table = {**CAN_BITS, **CAN_MODEL_BITS.get(model, {})}
    index = mask_index + 1
    for bit in range(_LAST_FIELD_BIT + 1):
        if mask & (1 << bit):
            if bit >= _FIRST_MODEL_BIT and bit not in table:
                continue
            if index >= stop:
                return attrs
            _put(table, bit, 0, fields[index], attrs)
            index += 1
    if not mask & (1 << CAN_EXPANSION_BIT) or index >= stop:
        return attrs
    ext = int(fields[index], 16) if is_hex(fields[index]) and len(fields[index]) <= 8 else 0
    index += 1
    ext_stop = _ext_stop(model)
    for bit in range(32):
        if not ext & (1 << bit):
            continue
        if bit in ext_stop or index >= stop:
            break
        _put(CAN_EXT_BITS, bit, _EXT_OFFSET, fields[index], attrs)
        index += 1
    return attrs
