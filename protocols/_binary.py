"""Binary field helpers shared by protocols (BCD, big-endian integers)."""

from __future__ import annotations

from ._errors import MalformedError

__all__ = ["bcd_digits", "encode_bcd", "imei_from_bcd"]

_HEX_DIGITS = frozenset("0123456789")


def bcd_digits(data: bytes) -> str:
    """Packed BCD -> its decimal digits (two per byte); MalformedError on a non-digit nibble."""
    text = data.hex()
    if not _HEX_DIGITS.issuperset(text):
        raise MalformedError("not BCD", data=data)
    return text


def imei_from_bcd(data: bytes) -> str:
    """An 8-byte BCD terminal id with a leading 0 nibble -> 15-digit IMEI."""
    digits = bcd_digits(data)
    return digits[1:] if len(digits) == 16 and digits[0] == "0" else digits.lstrip("0") or "0"


def encode_bcd(digits: str, size: int) -> bytes:
    """Decimal digits -> ``size`` bytes of packed BCD, left-padded with zeros."""
    if not digits.isdigit() or len(digits) > size * 2:
        raise ValueError(f"cannot encode {digits!r} as {size} bytes of BCD")
    return bytes.fromhex(digits.rjust(size * 2, "0"))
