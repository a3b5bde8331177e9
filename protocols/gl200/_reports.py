"""Per-report-type attributes of text messages (dispatch tables).

``LOCATED`` reports carry position blocks and become positions (or, without a
fix, an outdated position at the last known place, as Traccar does);
``INFO`` reports carry none and become events. Every decoder takes the parsed
message and its blocks and returns the attributes of the message.
"""

from __future__ import annotations

from typing import Any, Callable

from ._can import can_attributes
from ._fields import Block, TextMessage, float_or_none, int_or_none, is_hex
from ._tail import head_attributes, parse_hours, tail_attributes, tail_fields
from .constants import ALARM_BY_TYPE, HARSH_BEHAVIOUR

__all__ = ["LOCATED", "decode_located", "base_attributes"]

Decoder = Callable[[TextMessage, list[Block]], dict[str, Any]]


def _base(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = head_attributes(msg, blocks)
    attrs.update(tail_attributes(msg, tail_fields(msg, blocks)))
    alarm = ALARM_BY_TYPE.get(msg.kind)
    if alarm is not None:
        attrs["alarm"] = alarm
    return attrs


def _field(msg: TextMessage, offset: int) -> str:
    """The field ``offset`` places after the device name ('' when absent)."""
    index = msg.name_index + offset
    return msg.fields[index] if index < msg.end else ""


def _ignition(on: bool) -> Decoder:
    def decode(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
        attrs = {"ignition": on}
        duration = int_or_none(_field(msg, 1))
        if duration is not None:
            attrs["ignitionOffDuration" if on else "ignitionOnDuration"] = duration
        tail = tail_fields(msg, blocks)
        if tail:
            hours = parse_hours(tail[0])
            if hours is not None:
                attrs["hours"] = hours
            km = float_or_none(tail[-1])
            if km is not None and "." in tail[-1]:
                attrs["odometer"] = round(km * 1000.0, 1)
        return attrs
    return decode


def _harsh(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    if blocks and blocks[0].start >= 2:
        kind = msg.fields[blocks[0].start - 2]
        alarm = HARSH_BEHAVIOUR.get(kind[-1:]) if kind.isdigit() else None
        if alarm is not None:
            attrs["alarm"] = alarm
    return attrs


def _state(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    state = _field(msg, 1)
    if is_hex(state, 2):
        attrs["state"] = state
        attrs["motion"] = state[-1] == "2"
    return attrs


def _driver(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    ident = _field(msg, 2)
    if ident:
        attrs["driverUniqueId"] = ident
    return attrs


def _warning(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    kind = int_or_none(_field(msg, 1))
    if kind is not None:
        attrs["warningType"] = kind
    return attrs


def _before_block(msg: TextMessage, blocks: list[Block]) -> str:
    return msg.fields[blocks[0].start - 1] if blocks and blocks[0].start > msg.name_index else ""


def _container(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    level = int_or_none(_before_block(msg, blocks))
    if level is not None and 0 <= level <= 100:
        attrs["batteryLevel"] = level
    return attrs


def _battery_volts(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    attrs.pop("batteryLevel", None)
    volts = float_or_none(_field(msg, 1))
    if volts is not None:
        attrs["battery"] = volts
    return attrs


def _temperature(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    attrs["alarm"] = "temperature"
    temp = int_or_none(_field(msg, 2))
    if temp is not None:
        attrs["deviceTemp"] = temp
    return attrs


def _data(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    text = _before_block(msg, blocks) if blocks else msg.fields[msg.end - 1]
    if text:
        attrs["data"] = text
    return attrs


def _accessory(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    """GTBAA / GTBID: Bluetooth accessory; ``<append mask>`` bit 1 MAC, bit 3 voltage (mV)."""
    attrs = _base(msg, blocks)
    stop = blocks[0].start if blocks else msg.end
    for i in range(msg.name_index + 1, stop - 1):
        text = msg.fields[i]
        if not is_hex(text, 4):
            continue
        mask = int(text, 16)
        if not mask & 0x02 or not is_hex(msg.fields[i + 1], 12):
            continue
        index = i + 1
        for bit, key in ((0, "accessoryName"), (1, "accessoryMac"), (2, "accessoryStatus"),
                         (3, "accessoryVoltage")):
            if mask & (1 << bit) and index < stop:
                value = msg.fields[index]
                index += 1
                if key == "accessoryVoltage":
                    mv = int_or_none(value)
                    if mv is not None:
                        attrs[key] = mv / 1000.0
                elif value:
                    attrs[key] = value
        break
    return attrs


def _eri(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    """GTERI: the FRI layout plus extras selected by ``<ERI mask>`` (bit 0: digital fuel sensor)."""
    attrs = _base(msg, blocks)
    mask_text = _field(msg, 1)
    if not is_hex(mask_text, 8) or not int(mask_text, 16) & 0x01:
        return attrs
    tail = tail_fields(msg, blocks)
    status = next((i for i in range(2, len(tail)) if len(tail[i]) == 6 and is_hex(tail[i])), None)
    if status is not None:
        fuel = next((t for t in tail[status + 1:] if is_hex(t, 4)), None)
        if fuel is not None:
            attrs["fuel"] = int(fuel, 16)
    return attrs


def _can(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = can_attributes(msg, blocks)
    if blocks:
        attrs.update(tail_attributes(msg, tail_fields(msg, blocks)))
    return attrs


LOCATED: dict[str, Decoder] = {
    "GTIGN": _ignition(True), "GTIGF": _ignition(False),
    "GTHBM": _harsh, "GTSTT": _state, "GTIDA": _driver, "GTDAR": _warning,
    "GTCTN": _container, "GTBPL": _battery_volts, "GTTEM": _temperature,
    "GTDAT": _data, "GTBAA": _accessory, "GTBID": _accessory, "GTERI": _eri,
    "GTCAN": _can,
}


base_attributes = _base


def decode_located(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    return LOCATED.get(msg.kind, _base)(msg, blocks)

