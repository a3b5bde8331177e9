"""The 8-character status field of the fixed-form position body."""

from __future__ import annotations

__all__ = ["status_attributes"]

_HS = ("hs3", "hs2", "hs1")
_LS = ((1, "ls3"), (2, "ls2"), (3, "ls1"))


def status_attributes(status: str) -> dict:
    """``status`` is 8 uppercase hex digits (the regular expression checked them).

    char 1 ``0`` -> charge; char 2 ``1`` -> ignition; char 3 bits 0-3 -> in2,
    panic, out2 (always reported), blocked (when set); char 4 bits 0-2 -> hs3,
    hs2, hs1 and bit 3 -> door (when set); char 5 bits 1-3 -> ls3, ls2, ls1
    (when set); chars 6-8 -> ``fuel`` (hex).
    """
    c3, c4, c5 = int(status[2], 16), int(status[3], 16), int(status[4], 16)
    attrs: dict = {
        "charge": status[0] == "0",
        "ignition": status[1] == "1",
        "in2": bool(c3 & 1),
        "panic": bool(c3 & 2),
        "out2": bool(c3 & 4),
    }
    if c3 & 8:
        attrs["blocked"] = True
    for bit, key in enumerate(_HS):
        if c4 >> bit & 1:
            attrs[key] = True
    if c4 & 8:
        attrs["door"] = True
    for bit, key in _LS:
        if c5 >> bit & 1:
            attrs[key] = True
    attrs["fuel"] = int(status[5:8], 16)
    return attrs
