"""The 8-character status field of the fixed-form position body (``STATUS_BITS``)."""

from __future__ import annotations

from ._catalogue import STATUS_BITS

__all__ = ["status_attributes"]


def status_attributes(status: str) -> dict:
    """``status`` is 8 hex digits (the regular expression checked them).

    Chars 0-4 are read through ``_catalogue.STATUS_BITS`` (a bit of the hex
    character, or the character compared to a value; bits marked ``always``
    are reported when clear too); chars 5-7 are ``fuel`` (hex).
    """
    attrs: dict = {}
    for entry in STATUS_BITS:
        char = status[entry.char]
        value = char == entry.match if entry.bit < 0 else bool(int(char, 16) >> entry.bit & 1)
        if value or entry.always:
            attrs[entry.key] = value
    attrs["fuel"] = int(status[5:8], 16)
    return attrs
