"""Helpers shared by the two Coban / TK103 text protocols (``gps103`` and ``tk103``).

- ``merge``: one ``Decoded`` for several messages of one datagram or one
  ``--framed`` frame (both protocols accept several messages per datagram).
- ``ascii_text``: a frame's bytes as text; non-ASCII bytes are a ``MalformedError``.
- ``soft``: apply a strict converter of ``protocols._text`` to an optional,
  firmware-dependent trailing field; a field that does not convert is dropped
  (``None``) instead of failing the whole report.
- ``cell_attributes``: the serving cell as flat, JSON-able attributes.
- ``format_dm``: degrees -> ``ddmm.mmmm`` for the device-side encoders.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from ._errors import MalformedError
from ._records import EMPTY, Decoded

__all__ = ["merge", "ascii_text", "soft", "cell_attributes", "format_dm"]

T = TypeVar("T")


def merge(results: list[Decoded]) -> Decoded:
    """Concatenate records and replies of several messages, in order."""
    if not results:
        return EMPTY
    if len(results) == 1:
        return results[0]
    replies = b"".join(d.reply for d in results if d.reply)
    logins = [d.login for d in results if d.login]
    rejects = b"".join(d.reject_reply for d in results if d.reject_reply)
    return Decoded(
        positions=tuple(p for d in results for p in d.positions),
        events=tuple(e for d in results for e in d.events),
        reply=replies or None,
        defer_reply=any(d.defer_reply for d in results),
        login=logins[-1] if logins else None,
        reject_reply=rejects or None,
        close=any(d.close for d in results),
        checksum_ok=all(d.checksum_ok for d in results),
        unknown=next((d.unknown for d in results if d.unknown), None),
    )


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


def format_dm(value: float, degree_digits: int) -> tuple[str, bool]:
    """Signed degrees -> (``d+mm.mmmm`` with 4-decimal minutes, negative).

    Resolution 0.0001 minute (1/600000 degree); used by both device encoders.
    """
    ticks = round(abs(value) * 600000)  # units of 0.0001 minute
    degrees, rest = divmod(ticks, 600000)
    return f"{degrees:0{degree_digits}d}{rest // 10000:02d}.{rest % 10000:04d}", value < 0
