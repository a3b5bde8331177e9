"""Per-report-type attributes of text messages (dispatch tables).

``LOCATED`` reports carry position blocks and become positions (or, without a
fix, an outdated position at the last known place, as Traccar does);
``INFO`` reports carry none and become events. Every decoder takes the parsed
message and its blocks and returns the attributes of the message.
"""

from __future__ import annotations

from typing import Any, Callable

from ._can import can_attributes
from ._eri import eri_attributes
from ._fields import Block, TextMessage, float_or_none, int_or_none, is_hex
from ._tail import head_attributes, parse_hours, tail_attributes, tail_fields
from ._catalogue import ALARM_BY_TYPE, HARSH, OBD_BITS

__all__ = ["LOCATED", "decode_located", "base_attributes"]

Decoder = Callable[[TextMessage, list[Block]], dict[str, Any]]


def _base(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = head_attributes(msg, blocks)
    attrs.update(tail_attributes(msg, tail_fields(msg, blocks)))
    alarm = ALARM_BY_TYPE.get(msg.kind)
    if alarm is not None:
        attrs["alarm"] = alarm
    if msg.name_index == 3:
        attrs["vin"] = msg.fields[2]
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


def _report_type(msg: TextMessage) -> int | None:
    """``<report id><report type>`` two fields after the device name (1-2 hex digits)."""
    text = _field(msg, 2)
    return int(text, 16) if 1 <= len(text) <= 2 and is_hex(text) else None


def _harsh(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = _base(msg, blocks)
    kind = _report_type(msg)
    alarm = HARSH.get(kind & 0x0F) if kind is not None else None
    if alarm is not None:
        attrs["alarm"] = alarm
    return attrs


def _input_status(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    """GTDIS: report type ``<input number><0/1>`` -> in<n>."""
    attrs = _base(msg, blocks)
    kind = _report_type(msg)
    if kind is not None and kind >> 4:
        attrs[f"in{kind >> 4}"] = kind & 0x0F == 1
    return attrs


def _ignition_location(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    """GTIGL: report type ``x1`` ignition on, ``x0`` off."""
    attrs = _base(msg, blocks)
    kind = _report_type(msg)
    if kind is not None:
        attrs["ignition"] = kind & 0x0F == 1
    return attrs


def _non_movement(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    """GTNMR: report type 1 = started moving, 0 = stopped."""
    attrs = _base(msg, blocks)
    kind = _report_type(msg)
    if kind is not None:
        attrs["motion"] = kind == 1
    return attrs


def _switch(number: int) -> Decoder:
    """GTLSW / GTTSW: ``<type>,<state>`` -> in1 / in2."""
    def decode(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
        attrs = _base(msg, blocks)
        state = _field(msg, 2)
        if state in ("0", "1"):
            attrs[f"in{number}"] = state == "1"
        return attrs
    return decode


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
    """GTDAR: ``<warning type>,<fatigue degree>``; type 1 is fatigue driving."""
    attrs = _base(msg, blocks)
    kind = int_or_none(_field(msg, 1))
    if kind == 1:
        attrs["alarm"] = "fatigueDriving"
        degree = int_or_none(_field(msg, 2))
        if degree is not None:
            attrs["fatigueDegree"] = degree
    elif kind is not None:
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
    """GTERI: the FRI layout plus the data its ``<ERI mask>`` selects (``_eri``)."""
    attrs = _base(msg, blocks)
    eri_attributes(msg, blocks, tail_fields(msg, blocks), attrs)
    return attrs


def _obd(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    """GTOBD: ``<report type>,<report mask>,<fields per set bit (OBD_BITS)>...,<OBD odometer km>``
    then the block and the device mileage (km)."""
    attrs = _base(msg, blocks)
    # an empty <VIN> slot after the IMEI leaves the name one field later
    shift = 0 if len(_field(msg, 2)) >= 4 else 1
    mask_text = _field(msg, 2 + shift)
    stop = blocks[0].start if blocks else msg.end
    if not is_hex(mask_text) or not 4 <= len(mask_text) <= 8:
        return attrs
    mask, index = int(mask_text, 16), msg.name_index + 3 + shift
    for bit in range(16):
        if mask & (1 << bit) and index < stop:
            key, convert = OBD_BITS[bit]
            value = convert(msg.fields[index]) if msg.fields[index] else None
            if value is not None:
                attrs[key] = value
            index += 1
    odometer = int_or_none(msg.fields[stop - 1]) if index < stop else None
    if odometer is not None:
        attrs["obdOdometer"] = odometer * 1000
    return attrs


def _can(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    attrs = can_attributes(msg, blocks)
    if blocks:
        attrs.update(tail_attributes(msg, tail_fields(msg, blocks)))
    return attrs


LOCATED: dict[str, Decoder] = {
    "GTIGN": _ignition(True), "GTIGF": _ignition(False),
    "GTHBM": _harsh, "GTSTT": _state, "GTDIS": _input_status, "GTIGL": _ignition_location,
    "GTNMR": _non_movement, "GTLSW": _switch(1), "GTTSW": _switch(2), "GTIDA": _driver, "GTDAR": _warning,
    "GTCTN": _container, "GTBPL": _battery_volts, "GTTEM": _temperature,
    "GTDAT": _data, "GTBAA": _accessory, "GTBID": _accessory, "GTERI": _eri,
    "GTCAN": _can, "GTOBD": _obd,
}


base_attributes = _base


def decode_located(msg: TextMessage, blocks: list[Block]) -> dict[str, Any]:
    return LOCATED.get(msg.kind, _base)(msg, blocks)

