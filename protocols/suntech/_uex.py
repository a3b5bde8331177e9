"""UEX (external serial data) fields of legacy reports.

``...;IO;<length>;<data (length bytes, may hold ';' and CR LF)>;<checksum>[;extras]``

Data forms: ``CabAVL"CabMensaje,<n>,<fuel1>,<fuel2>,...`` (fuel sensors),
``GTSL|...`` (driver id, 5th item), ``t_N=hex;N_N=hex.d;Q_D=hex`` (temperature,
fuel level, driving quality; ``fuel`` = the sum of the levels); anything else
is kept as ``serial`` text. The 8-bit sum after the data is not verified
(Traccar skips it too). A length that does not land on a ``;`` (seen on
binary payloads) falls back to the next ``;``.
"""

from __future__ import annotations

from typing import Any

from .._errors import MalformedError
from ._fields import get, hex_int, parse_float, parse_int

__all__ = ["decode_uex", "decode_uex_data"]


def decode_uex(f: list[str], i: int, attrs: dict[str, Any]) -> int:
    """Decode the UEX block at ``f[i]``; returns the index of the first extra field."""
    length = parse_int(get(f, i), "UEX length")
    rest = ";".join(f[i + 1:])
    cut = length if length < len(rest) else len(rest)
    if cut < len(rest) and rest[cut] != ";":
        found = rest.find(";", cut)
        cut = found if found >= 0 else len(rest)
    data = rest[:cut]
    decode_uex_data(data.rstrip("\r\n"), attrs)
    # data fields, then the checksum field
    return i + 1 + data.count(";") + 2


def decode_uex_data(data: str, attrs: dict[str, Any]) -> None:
    if data.startswith("CabAVL"):
        parts = data.split(",")
        for n, index in ((1, 2), (2, 3)):
            if len(parts) > index and parts[index]:
                attrs[f"fuel{n}"] = parse_float(parts[index], "fuel")
    elif data.startswith("GTSL"):
        items = data.split("|")
        if len(items) > 4 and items[4]:
            attrs["driverUniqueId"] = items[4]
    elif "=" in data and _sensor_items(data, attrs):
        pass
    elif data:
        attrs["serial"] = data


def _sensor_items(data: str, attrs: dict[str, Any]) -> bool:
    """``t_N=hex``, ``N_N=hex.d``, ``Q_D=hex``; False when the data is not of that form."""
    found: dict[str, Any] = {}
    fuel = 0.0
    try:
        for item in data.split(";"):
            key, _, value = item.partition("=")
            if key.startswith("t_"):
                found[f"temp{key[2:]}"] = hex_int(value, "temperature")
            elif key.startswith("N_"):
                whole, _, frac = value.partition(".")
                level = hex_int(whole, "fuel") + (parse_int(frac) / 10 ** len(frac) if frac else 0)
                found[f"fuel{key[2:]}"] = float(level)
                fuel += level
            elif key == "Q_D":
                found["drivingQuality"] = hex_int(value, "driving quality")
            else:
                return False
    except MalformedError:
        return False
    if any(k.startswith("fuel") for k in found):
        found["fuel"] = fuel
    attrs.update(found)
    return True
