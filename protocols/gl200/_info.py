"""Text messages without a position block: device information, cell and Wi-Fi
lists, version, power on/off, serial data, and ``+ACK`` command results.

Each decoder returns ``(event type, attributes)``.
"""

from __future__ import annotations

from typing import Any, Callable

from .._commands import CommandAnswer
from ._fields import TextMessage, float_or_none, int_or_none, is_hex, parse_stamp
from ._catalogue import ALARM_BY_TYPE, INF_STATE

__all__ = ["INFO", "decode_info", "command_answer"]

InfoDecoder = Callable[[TextMessage], tuple[str, dict[str, Any]]]


def _body(msg: TextMessage) -> list[str]:
    return msg.fields[msg.name_index + 1:msg.end]


def _millivolts(text: str) -> float | None:
    value = int_or_none(text)
    return value / 1000.0 if value is not None and len(text) >= 4 else None


def _inf(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    """``<state>,<ICCID>,<rssi>,<ber>,[<power flag>,<power mV>,<power2 mV>],<battery V>,...,
    <last fix time>,<analog inputs...>``."""
    body = _body(msg)
    attrs: dict[str, Any] = {}
    if len(body) < 5:
        return "status", attrs
    if is_hex(body[0], 2):
        attrs["state"] = body[0]
        ignition, motion = INF_STATE.get(int(body[0], 16), (None, None))
        if ignition is not None:
            attrs["ignition"] = ignition
        if motion is not None:
            attrs["motion"] = motion
    if body[1]:
        attrs["iccid"] = body[1]
    rssi = int_or_none(body[2])
    if rssi is not None:
        attrs["rssi"] = rssi
    volts = next((i for i in range(4, min(len(body), 9)) if "." in body[i]), None)
    if volts is None:
        return "status", attrs
    battery = float_or_none(body[volts])
    if battery is not None and battery < 10:
        attrs["battery"] = battery
        if volts + 1 < len(body) and body[volts + 1] == "1":
            attrs["charge"] = True
    for key, text in zip(("power", "power2"), body[5:volts]):
        value = _millivolts(text)
        if value is not None:
            attrs[key] = value
    fix = next((i for i in range(volts + 1, len(body)) if len(body[i]) == 14
                and parse_stamp(body[i]) is not None), None)
    if fix is not None:
        number = 1
        for text in body[fix + 1:]:
            if len(text) == 2 and not text.isdigit() or text.startswith(("+", "-")):
                break
            value = int_or_none(text)
            if value is not None:
                attrs[f"adc{number}"] = value
            number += 1
            if number > 3:
                break
    return "status", attrs


def _gsm(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    """``<fix type>`` then 7 cells of ``<MCC>,<MNC>,<LAC>,<cell id>,<rx level>,<reserved>``."""
    body = _body(msg)
    attrs: dict[str, Any] = {}
    if body and body[0]:
        attrs["fixType"] = body[0]
    cells = [body[i:i + 6] for i in range(1, len(body) - 5, 6)]
    present = [c for c in cells if c[0] and c[3]]
    attrs["cellCount"] = len(present)
    if present:
        rssi = int_or_none(present[-1][4])
        if rssi is not None:
            attrs["rssi"] = rssi
    return "status", attrs


def _lbs(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    """GTLBS: ``<trigger>,<report type>,<battery %>,<reserved>,<motion>,<reserved>,<reserved>,
    <mask>`` then 7 cells of ``<MCC>,<MNC>,<LAC hex>,<cell hex>,<rx level>,<reserved>``."""
    body = _body(msg)
    attrs: dict[str, Any] = {}
    level = int_or_none(body[2]) if len(body) > 2 else None
    if level is not None and 0 <= level <= 100:
        attrs["batteryLevel"] = level
    cells = [body[i:i + 6] for i in range(8, len(body) - 4, 6)]
    present = [c for c in cells if c[0] and is_hex(c[2]) and is_hex(c[3])]
    attrs["cellCount"] = len(present)
    if present and present[0][0].isdigit() and present[0][1].isdigit():
        first = present[0]
        attrs.update(mcc=int(first[0]), mnc=int(first[1]), lac=int(first[2], 16),
                     cid=int(first[3], 16))
    return "status", attrs


def _wifi(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    body = _body(msg)
    attrs: dict[str, Any] = {}
    count = int_or_none(body[0]) if body else None
    if count is not None:
        attrs["wifiCount"] = count
    level = int_or_none(body[-1]) if body else None
    if level is not None and 0 <= level <= 100:
        attrs["batteryLevel"] = level
    return "status", attrs


def _version(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    body = _body(msg)
    attrs: dict[str, Any] = {}
    if len(body) >= 3:
        attrs["deviceType"] = body[0]
        for key, text in (("versionFw", body[1]), ("versionHw", body[2])):
            if is_hex(text, 4):
                attrs[key] = int(text, 16)
            elif text:
                attrs[key] = text
    return "status", attrs


def _alarm(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    return "alarm", {"alarm": ALARM_BY_TYPE[msg.kind]}


def _serial_data(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    """GTDTT: ``<length>,<hex data>``; an embedded ``COMB,<n>,<fuel>,...`` line is a fuel sensor."""
    body = _body(msg)
    attrs: dict[str, Any] = {}
    data = body[-1] if body else ""
    if not is_hex(data) or len(data) % 2:
        if data:
            attrs["data"] = data
        return "status", attrs
    raw = bytes.fromhex(data)
    text = raw.decode("latin-1")
    attrs["data"] = text if text.isprintable() or set(text) <= set(_PRINTABLE) else data
    for line in text.splitlines():
        parts = line.split(",")
        if parts[0] == "COMB" and len(parts) > 2:
            fuel = float_or_none(parts[2])
            if fuel is not None:
                attrs["fuel"] = fuel
    return "status", attrs


_PRINTABLE = "".join(chr(c) for c in range(32, 127)) + "\r\n\t"


INFO: dict[str, InfoDecoder] = {
    "GTINF": _inf, "GTGSM": _gsm, "GTWIF": _wifi, "GTVER": _version, "GTLBS": _lbs,
    "GTPNA": _alarm, "GTPFA": _alarm, "GTDTT": _serial_data,
}


def command_result(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    """``+ACK:GT<cmd>,...``: the acknowledged command and its serial."""
    body = _body(msg)
    return "result", {"result": ",".join([msg.kind[2:], *body])}


def decode_info(msg: TextMessage) -> tuple[str, dict[str, Any]]:
    return INFO[msg.kind](msg)


_HEX4 = frozenset("0123456789abcdefABCDEF")


def command_answer(msg: TextMessage) -> tuple[CommandAnswer, ...]:
    """``+ACK:GT<cmd>,<version>,<IMEI>,<device name>,[<sub-command>,]<serial>,<send time>,
    <count>$``: the device accepted command GT<cmd>; linked by the 4-hex-digit serial number
    the command carried (Queclink @Track air interface protocol, "Acknowledgement")."""
    if msg.prefix != "ACK" or msg.kind == "GTHBD" or not 0 < msg.end <= len(msg.fields):
        return ()
    raw = msg.fields[msg.end - 1]
    serial = int(raw, 16) if len(raw) == 4 and _HEX4.issuperset(raw) else None
    body = _body(msg)
    text = ",".join([msg.kind[2:], *body])
    return (CommandAnswer(protocol="gl200", device_id=msg.imei, serial=serial,
                          reply_to=msg.kind, ok=True, text=text, meaning=f"{msg.kind} accepted"),)
