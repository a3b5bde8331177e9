"""The ``params`` field of a D packet: ``NAME:TYPE:VALUE`` items, comma-separated.

Forms (Wialon IPS v2.0 "Additional parameters"): TYPE ``1`` int / long long,
``2`` double, ``3`` string (``constants.PARAM_TYPES``). Names are lowercased (as
Traccar does) and kept as the attribute key. Values: type 1 -> int (a value
with a fraction -> float), type 2 -> float, type 3 -> the text; ``true`` /
``false`` (any type) -> booleans; ``NA`` -> no value. A value of type 1/2 that
is not a number is kept as text. Catalogued names (``constants.PARAMS``:
``bat`` -> ``batteryLevel``, ``temp`` -> ``deviceTemp`` as integers,
``accuracy``) are read as their catalogue type whatever TYPE says; when they
do not fit it they stay under their own name. Items with an unknown TYPE are
kept (value read like a type 3) and counted as unknown items; items that are
not ``NAME:TYPE:VALUE`` at all are kept under ``param<n>`` and counted.
"""

from __future__ import annotations

from .._errors import MalformedError
from .._text import parse_number
from .constants import INTEGER_KEYS, PARAM_KEYS, PARAM_TYPES

__all__ = ["parse_params", "param_value"]

_BOOLEANS = {"true": True, "false": False}


def _number(text: str) -> int | float | None:
    if text[:1] in "0123456789+-.":
        try:
            return parse_number(text)
        except MalformedError:
            return None
    return None


def param_value(text: str, kind: str = "") -> int | float | bool | str:
    """The value of one item read as TYPE ``kind`` (``""``: any number, else text)."""
    flag = _BOOLEANS.get(text.lower())
    if flag is not None:
        return flag
    if kind == "string":
        return text
    number = _number(text)
    if number is None:
        return text
    return float(number) if kind == "double" else number


def _catalogued(key: str, value: object, name: str) -> tuple[str, object]:
    if key in INTEGER_KEYS:
        if isinstance(value, str):
            value = _number(value) if value else None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            return name, value  # not a number: keep it under its own name
    elif isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # catalogued doubles (accuracy)
    return key, value


def parse_params(text: str) -> tuple[dict[str, object], int]:
    """Attributes of a params field, and how many items were outside the catalogue."""
    attributes: dict[str, object] = {}
    unknown = 0
    if not text or text == "NA":
        return attributes, unknown
    for n, item in enumerate(text.split(","), 1):
        name, sep, rest = item.partition(":")
        code, sep2, value = rest.partition(":")
        if not (sep and sep2 and name):
            if item:
                attributes[f"param{n}"] = item
                unknown += 1
            continue
        if value == "NA":
            continue
        kind = PARAM_TYPES.get(code)
        if kind is None:
            unknown += 1
            kind = "string"
        name = name.lower()
        key = PARAM_KEYS.get(name)
        if key is None:
            attributes[name] = param_value(value, kind)
        else:
            key, parsed = _catalogued(key, param_value(value), name)
            attributes[key] = parsed
    return attributes, unknown
