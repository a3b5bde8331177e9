"""Helpers shared by the two Coban / TK103 text protocols (``gps103`` and ``tk103``).

- ``merge``: protocols._records.merge_decoded (several messages per datagram).
- ``ascii_text``: a frame's bytes as text; non-ASCII bytes are a ``MalformedError``.
- ``soft``: apply a strict converter of ``protocols._text`` to an optional,
  firmware-dependent trailing field; a field that does not convert is dropped
  (``None``) instead of failing the whole report.
- ``cell_attributes``: the serving cell as flat, JSON-able attributes.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from ._errors import MalformedError
from ._records import merge_decoded as merge

__all__ = ["merge", "ascii_text", "soft", "cell_attributes"]

T = TypeVar("T")



def ascii_text(frame: bytes, protocol: str) -> str:
    try:
        return frame.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedError(f"{protocol}: non-ASCII bytes in message", data=frame) from None


def soft(convert: Callable[[str], T], text: str) -> T | None:
    """``convert(text)``, or None when ``text`` is empty or does not convert."""
    if not text:
        return None
    try:
        return convert(text)
    except MalformedError:
        return None


def cell_attributes(mcc: int | None, mnc: int | None, lac: int, cid: int) -> dict[str, int]:
    """The serving cell (``mcc``/``mnc`` when the message carries them)."""
    attrs: dict[str, int] = {}
    if mcc is not None:
        attrs["mcc"] = mcc
    if mnc is not None:
        attrs["mnc"] = mnc
    attrs["lac"] = lac
    attrs["cid"] = cid
    return attrs
