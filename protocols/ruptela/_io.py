"""IO element decoding, built from the catalogue in ``_catalogue.py``.

A handler gets the attribute dict, the raw unsigned value and its size in
bytes. IDs not in ``IO_HANDLERS`` become ``io<ID>`` with the raw value (and
are counted by ``count_unknown``). Pairs of 8-byte halves (driver IDs, tag
IDs) are collected in ``halves`` and joined once the record's IO section is
read.
"""

from __future__ import annotations

from typing import Any, Callable

from ._catalogue import ALARMS, HALF_PAIRS, IO_IDS

__all__ = ["IO_HANDLERS", "store_io", "join_halves", "HALF_PAIRS", "count_unknown",
           "add_alarm"]

Attrs = dict[str, Any]
Handler = Callable[[Attrs, int, int], None]


def _signed(value: int, size: int) -> int:
    bits = size * 8
    return value - (1 << bits) if value >> (bits - 1) else value


def _scaler(scale: "float | tuple[int, int] | None") -> Callable[[int], int | float]:
    """The multiplier as exactly as the catalogue states it: a fraction (a, b)
    gives v * a / b; 1/n multipliers divide by n (0.05 l/h: v / 20)."""
    if scale is None:
        return lambda v: v
    if isinstance(scale, tuple):
        num, den = scale
        return lambda v: v * num / den
    inverse = 1 / scale
    if scale < 1 and abs(inverse - round(inverse)) < 1e-9:
        divisor = round(inverse)
        return lambda v: v / divisor
    return lambda v: v * scale


_CONDITIONS: dict[str, Callable[[int], bool]] = {
    "nonzero": lambda v: v != 0, "zero": lambda v: v == 0, "one": lambda v: v == 1}


def add_alarm(attrs: Attrs, name: str) -> None:
    old = attrs.get("alarm")
    attrs["alarm"] = name if old is None or old == name else f"{old},{name}"


def _handler(key: str, kind: str, scale: "float | tuple[int, int] | None",
             alarm: tuple[str, str] | None) -> Handler:
    scaled = _scaler(scale)
    when, name = (_CONDITIONS[alarm[0]], alarm[1]) if alarm else (None, "")

    def handler(attrs: Attrs, value: int, size: int) -> None:
        if kind == "b":
            attrs[key] = value != 0
        elif kind == "s":
            attrs[key] = scaled(_signed(value, size))
        elif kind == "x":
            attrs[key] = value.to_bytes(size, "big").hex()
        else:
            attrs[key] = scaled(value)
        if when is not None and when(value):
            add_alarm(attrs, name)
    return handler


IO_HANDLERS: dict[int, Handler] = {
    io_id: _handler(key, kind, scale, ALARMS.get(io_id))
    for io_id, (_, key, kind, scale, _unit, _name) in IO_IDS.items()}

_HALF_IDS = frozenset(HALF_PAIRS) | frozenset(second for second, _, _ in HALF_PAIRS.values())

_IO_KEYS = [f"io{n}" for n in range(1024)]


def store_io(attrs: Attrs, halves: dict[int, bytes], io_id: int, value: int, size: int) -> None:
    if io_id in _HALF_IDS:
        halves[io_id] = value.to_bytes(size, "big")
        return
    handler = IO_HANDLERS.get(io_id)
    if handler is not None:
        handler(attrs, value, size)
    else:
        attrs[_IO_KEYS[io_id] if io_id < 1024 else f"io{io_id}"] = value


def count_unknown(attrs: Attrs) -> int:
    """How many ``io<ID>`` keys (items outside the catalogue) a record holds."""
    return sum(1 for key in attrs if key[:2] == "io" and key[2:].isdigit())


def _text(raw: bytes) -> str:
    text = raw.rstrip(b"\x00 ")
    if text.isascii() and text.decode("ascii").isprintable():
        return text.decode("ascii")
    return raw.hex()


def join_halves(attrs: Attrs, halves: dict[int, bytes]) -> None:
    """Both halves of a pair -> one attribute; a lone half stays ``io<ID>`` (hex)."""
    for first, (second, key, ascii_text) in HALF_PAIRS.items():
        a, b = halves.pop(first, None), halves.pop(second, None)
        if a is not None and b is not None:
            value = _text(a + b) if ascii_text else (a + b).hex()
            if value.strip("0"):
                attrs[key] = value
        else:
            for io_id, raw in ((first, a), (second, b)):
                if raw is not None:
                    attrs[f"io{io_id}"] = raw.hex()
