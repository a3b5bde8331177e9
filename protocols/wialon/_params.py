"""The ``params`` field of a D packet: ``NAME:TYPE:VALUE`` items, comma-separated.

Names are lowercased (as Traccar does). A value that reads as a number
becomes one (int without a fraction, else float) whatever TYPE says;
``true``/``false`` become booleans; anything else stays text. ``bat`` ->
``batteryLevel`` and ``temp`` -> ``deviceTemp`` (integers), ``accuracy`` is
kept. Items that are not ``NAME:TYPE:VALUE`` are skipped.
"""

from __future__ import annotations

from .._errors import MalformedError
from .._text import parse_number
from .constants import INTEGER_KEYS, PARAM_KEYS

__all__ = ["parse_params", "param_value"]

_BOOLEANS = {"true": True, "false": False}


def param_value(text: str) -> int | float | bool | str:
    if text[:1] in "0123456789+-.":
        try:
            return parse_number(text)
        except MalformedError:
            pass
    flag = _BOOLEANS.get(text.lower())
    return text if flag is None else flag


def parse_params(text: str) -> dict[str, object]:
    attributes: dict[str, object] = {}
    if not text or text == "NA":
        return attributes
    for item in text.split(","):
        name, sep, rest = item.partition(":")
        kind, sep2, value = rest.partition(":")
        if not (sep and sep2 and name):
            continue
        key = PARAM_KEYS.get(name.lower(), name.lower())
        parsed = param_value(value)
        if key in INTEGER_KEYS:
            if isinstance(parsed, float) and parsed.is_integer():
                parsed = int(parsed)
            if not isinstance(parsed, int) or isinstance(parsed, bool):
                key = name.lower()  # not a number: keep it under its own name
        attributes[key] = parsed
    return attributes
