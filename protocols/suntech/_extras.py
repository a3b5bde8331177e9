"""Optional columns after a legacy report's type fields (Traccar's ``suntech.hbm`` family).

``H_METER;BCK_VOLT;MSG_TYPE[;ADC1;ADC2;ADC3][;RPM];DRIVER_ID;REGISTERED[;T1;T2;T3]``
``[;CID;MCC;MNC;RX;LAC]``

Which columns a device sends is configured on the device, so the listener may
say it (``ConnectionOptions.extra``: ``hbm`` 0/1/2, ``includeAdc``,
``includeRpm``, ``includeTemp``, Traccar's names) and they are then read by
position. Without ``hbm`` they are recognised by shape: an hour meter
(digits), a backup voltage (``d.d``) and a message type (``0``/``1``), then a
14-hex-digit driver id column followed by its ``0``/``1`` flag (all zeros: no
driver), and ``id:value`` temperature columns numbered in order. The columns
between the message type and the driver id column are, in catalogue order,
ADC1-ADC3 (three), ADC1-ADC3 and RPM (four) or RPM (one); without a driver
column they are not told apart and are left out.
"""

from __future__ import annotations

from typing import Any, Mapping

import msgspec

from .._errors import MalformedError
from ._fields import get, parse_float, parse_int

__all__ = ["Extras", "extras_from", "decode_extras"]

_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")
_MINUTE_MS = 60_000


class Extras(msgspec.Struct, frozen=True):
    hbm: int | None = None
    adc: bool = False
    rpm: bool = False
    temp: bool = False


def extras_from(extra: Mapping[str, object]) -> Extras:
    hbm = extra.get("hbm")
    return Extras(None if hbm is None else int(hbm),  # type: ignore[call-overload]
                  bool(extra.get("includeAdc")), bool(extra.get("includeRpm")),
                  bool(extra.get("includeTemp")))


def decode_extras(f: list[str], extras: Extras, attrs: dict[str, Any]) -> None:
    if extras.hbm is None:
        _by_shape(f, attrs)
    elif extras.hbm >= 1:
        _by_position(f, extras, attrs)


def _head(f: list[str], attrs: dict[str, Any]) -> None:
    if get(f, 0):
        attrs["hours"] = parse_int(f[0], "hour meter") * _MINUTE_MS
    if get(f, 1):
        attrs["battery"] = parse_float(f[1], "backup voltage")
    if get(f, 2) == "0":
        attrs["archive"] = True


def _by_shape(f: list[str], attrs: dict[str, Any]) -> None:
    # backup voltage: one integer digit (``4.1``), unlike ADC columns (``002.795``)
    if len(f) < 3 or not f[0] or not _DIGITS.issuperset(f[0]) \
            or len(f[1].partition(".")[0]) != 1 or f[2] not in ("0", "1"):
        return
    try:
        parse_float(f[1])
    except MalformedError:
        return
    _head(f, attrs)
    for i in range(3, len(f) - 1):
        if _is_driver(f[i]) and f[i + 1] in ("0", "1"):
            if f[i].strip("0"):
                attrs["driverUniqueId"] = f[i]
            _between(f[3:i], attrs)
            break
    _temperatures([v for v in f[3:] if ":" in v], attrs)


def _between(columns: list[str], attrs: dict[str, Any]) -> None:
    """ADC1-3 [RPM] or RPM alone, by their count (see the module docstring)."""
    try:
        if len(columns) in (3, 4):
            for n, text in enumerate(columns[:3], start=1):
                if text:
                    attrs[f"adc{n}"] = parse_float(text, "adc")
        if len(columns) in (1, 4) and columns[-1]:
            attrs["rpm"] = parse_float(columns[-1], "rpm")
    except MalformedError:
        return


def _is_driver(text: str) -> bool:
    return len(text) == 14 and _HEX.issuperset(text)


def _by_position(f: list[str], extras: Extras, attrs: dict[str, Any]) -> None:
    _head(f, attrs)
    i = 3
    if extras.adc:
        for n in (1, 2, 3):
            if get(f, i):
                attrs[f"adc{n}"] = parse_float(f[i], "adc")
            i += 1
    if extras.rpm:
        if get(f, i):
            attrs["rpm"] = parse_float(f[i], "rpm")
        i += 1
    if get(f, i).strip("0"):
        attrs["driverUniqueId"] = f[i]
    i += 2
    if extras.temp:
        _temperatures(f[i:i + 3], attrs)


def _temperatures(values: list[str], attrs: dict[str, Any]) -> None:
    """``sensor-id:value`` columns -> ``temp1``.. (empty ones keep their slot)."""
    for n, text in enumerate(values[:3], start=1):
        _, _, value = text.partition(":")
        if value:
            attrs[f"temp{n}"] = parse_float(value, "temperature")
