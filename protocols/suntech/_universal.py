"""Universal ASCII reports (ST4300/4500 ...): ``TYPE;ID;HDR_MASK;<fields per mask bit>``.

Mask bit 0 stands for the device id (no column); bits 1-18: model, SW, message
type, date, time, cell id, MCC, MNC, LAC, RX, lat, lon, speed, course,
satellites, fix, input, output; bits 19-21: STT mode/reason/message number or
ALT alert id/modifier/data; bit 22 reserved (one column, skipped); bit 23 an
ASSIGN mask (hex) followed by one
value per set bit (``io1`` ... ``io32``). Columns left over -> ``assign1`` ...
(counted as unknown items). ``UEX`` carries serial data (see ``_uex``) after the
output column instead of bits 19-21. Every report records its ``type``.
BLE (beacon scan) and RES (command answer) have fixed layouts. Column
catalogue: ``_catalogue.UNIVERSAL_COLUMNS``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .._errors import MalformedError
from ._fields import coord, get, hex_int, number_or_text, parse_float, parse_int, ymd_hms
from ._report import Report, alert, event, position
from ._uex import decode_uex
from .constants import (
    UNIVERSAL_BIT_ASSIGN, UNIVERSAL_BIT_EXTRA, UNIVERSAL_FIELDS, UNIVERSAL_FIRST_BIT,
    UNIVERSAL_TAIL,
)

__all__ = ["decode_universal"]

_GENERIC_TAIL = ("tail1", "tail2", "tail3")
_BLE_TAG = ("Rssi", "RssiMin", "RssiMax", "Id", "Samples", "Major", "Minor")


def decode_universal(f: list[str], now: datetime) -> Report:
    kind, device_id = f[0], get(f, 1)
    if not device_id:
        raise MalformedError("suntech: report without a device id", data=kind.encode())
    if kind == "RES":
        return Report(device_id=device_id, universal=True, events=(event(
            device_id, now, "commandResult", {"type": kind, "result": ";".join(f[2:])}),))
    if kind == "BLE":
        return _ble(f, device_id)
    if kind == "ALV":
        return Report(device_id=device_id, universal=True)
    if kind not in ("STT", "ALT", "UEX", "EMG", "EVT"):
        return Report(device_id=device_id, universal=True, unknown=kind[:16])
    return _masked(f, device_id, kind, now)


def _columns(f: list[str], kind: str) -> tuple[dict[str, str], int]:
    """Mask-selected columns by name, and the index after them."""
    mask = hex_int(get(f, 2), "header mask")
    names = UNIVERSAL_FIELDS + ((() if kind == "UEX" else
                                 UNIVERSAL_TAIL.get(kind, _GENERIC_TAIL)))
    values: dict[str, str] = {}
    i = 3
    for bit, name in enumerate(names, UNIVERSAL_FIRST_BIT):
        if mask >> bit & 1:
            values[name] = get(f, i)
            i += 1
    if kind == "UEX":  # serial data replaces the tail; no ASSIGN block follows it
        values["uex"] = str(i)
        return values, i
    if mask >> UNIVERSAL_BIT_EXTRA & 1:
        i += 1
    if mask >> UNIVERSAL_BIT_ASSIGN & 1:
        values["assign"] = get(f, i)
        i += 1
    return values, i


def _masked(f: list[str], device_id: str, kind: str, now: datetime) -> Report:
    v, i = _columns(f, kind)
    attrs: dict[str, Any] = {"type": kind}
    unknown = _status(v, attrs)
    if "uex" in v and get(f, i):
        i = decode_uex(f, i, attrs)
    if v.get("assign"):
        i = _assigned(f, i, hex_int(v["assign"], "assign mask"), attrs)
    for n, text in enumerate(f[i:], start=1):
        if text:
            attrs[f"assign{n}"] = text
            unknown += 1
    if not (v.get("date") and v.get("time") and v.get("lat") and v.get("lon")):
        return Report(device_id=device_id, universal=True, unknown_items=unknown,
                      events=(event(device_id, now, "status", attrs),))
    speed = parse_float(v["speed"], "speed") if v.get("speed") else None
    course = parse_float(v["course"], "course") if v.get("course") else None
    sats = parse_int(v["sat"], "satellites") if v.get("sat") else None
    return Report(device_id=device_id, universal=True, unknown_items=unknown, positions=(position(
        device_id, ymd_hms(v["date"], v["time"]), v.get("fix", "1") == "1",
        coord(v["lat"], 90.0), coord(v["lon"], 180.0), speed, course, sats, attrs),))


def _status(v: dict[str, str], attrs: dict[str, Any]) -> int:
    """Header columns -> attributes; returns the number of unknown items (alert ids)."""
    if v.get("versionFw"):
        attrs["versionFw"] = v["versionFw"]
    if v.get("msgType") == "0":
        attrs["archive"] = True
    if v.get("rssi"):
        attrs["rssi"] = parse_int(v["rssi"], "rssi")
    for key in ("input", "output"):
        text = v.get(key)
        if text:
            attrs[key] = parse_int(text, key)  # eight 0/1 characters read as decimal
            if key == "input":
                attrs["ignition"] = text[-1] == "1"
    for key in ("mode", "reason", "index"):
        if v.get(key):
            attrs[key] = parse_int(v[key], key)
    unknown = 0
    if v.get("alertId"):
        unknown = alert(parse_int(v["alertId"], "alert id"), attrs)
    if v.get("alertModifier"):
        attrs["alertModifier"] = number_or_text(v["alertModifier"])
    if v.get("alertData"):
        attrs["alertData"] = v["alertData"]
    return unknown


def _assigned(f: list[str], i: int, mask: int, attrs: dict[str, Any]) -> int:
    for bit in range(32):
        if mask >> bit & 1:
            if get(f, i):
                attrs[f"io{bit + 1}"] = number_or_text(f[i])
            i += 1
    return i


def _ble(f: list[str], device_id: str) -> Report:
    """``BLE;ID;MODEL;SW;date;time;lat;lon;count;`` then 7 columns per tag."""
    if len(f) < 9:
        raise MalformedError("suntech: BLE report cut short", data=f[0].encode())
    attrs: dict[str, Any] = {"type": "BLE"}
    if f[3]:
        attrs["versionFw"] = f[3]
    count = min(parse_int(f[8], "tag count"), (len(f) - 9 + len(_BLE_TAG) - 1) // len(_BLE_TAG))
    for n in range(1, count + 1):
        base = 9 + (n - 1) * len(_BLE_TAG)
        for k, name in enumerate(_BLE_TAG):
            text = get(f, base + k)
            if text:
                attrs[f"tag{n}{name}"] = text if name == "Id" else number_or_text(text)
    return Report(device_id=device_id, universal=True, positions=(position(
        device_id, ymd_hms(f[4], f[5]), True, coord(f[6], 90.0), coord(f[7], 180.0),
        None, None, None, attrs),))
