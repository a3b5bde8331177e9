"""IO element definitions: IO ID -> how it becomes a Traccar attribute.

A handler gets the attribute dict, the raw unsigned value and its size in
bytes. IDs not in ``IO_HANDLERS`` become ``io<ID>`` with the raw value. Pairs
of 8-byte halves (driver IDs, tag IDs) are collected in ``Halves`` and joined
once the record's IO section is read.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["IO_HANDLERS", "store_io", "join_halves", "HALF_PAIRS"]

Attrs = dict[str, Any]
Handler = Callable[[Attrs, int, int], None]


def _signed(value: int, size: int) -> int:
    bits = size * 8
    return value - (1 << bits) if value >> (bits - 1) else value


def _set(key: str, convert: Callable[[int], Any] = lambda v: v) -> Handler:
    def handler(attrs: Attrs, value: int, size: int) -> None:
        attrs[key] = convert(value)
    return handler


def _flag(key: str) -> Handler:
    return _set(key, lambda v: v > 0)


def _scaled(key: str, factor: float) -> Handler:
    return _set(key, lambda v: v * factor)


def _signed_tenths(key: str) -> Handler:
    def handler(attrs: Attrs, value: int, size: int) -> None:
        attrs[key] = _signed(value, size) / 10
    return handler


def _device_temp(attrs: Attrs, value: int, size: int) -> None:
    attrs["deviceTemp"] = _signed(value, size)


def _hex(key: str) -> Handler:
    def handler(attrs: Attrs, value: int, size: int) -> None:
        attrs[key] = value.to_bytes(size, "big").hex()
    return handler


def _alarm(name: str, when: Callable[[int], bool] = lambda v: v > 0) -> Handler:
    def handler(attrs: Attrs, value: int, size: int) -> None:
        if when(value):
            attrs["alarm"] = name
    return handler


IO_HANDLERS: dict[int, Handler] = {
    2: _flag("in1"), 3: _flag("in2"), 4: _flag("in3"), 5: _flag("in4"),
    13: _flag("motion"), 173: _flag("motion"),
    20: _set("adc3"), 21: _set("adc4"), 22: _set("adc1"), 23: _set("adc2"),
    29: _set("power", lambda v: v / 1000), 30: _set("battery", lambda v: v / 1000),
    32: _device_temp,
    34: _hex("driverUniqueId"),
    39: _set("engineLoad"),
    65: _set("odometer"),
    74: _signed_tenths("temp3"),
    78: _signed_tenths("temp0"), 79: _signed_tenths("temp1"), 80: _signed_tenths("temp2"),
    88: _alarm("jamming"),
    94: _scaled("rpm", 0.25),
    95: _set("obdSpeed"),
    98: _set("fuel", lambda v: v * 100 / 255),
    100: _set("fuelConsumption", lambda v: v / 20),
    134: _alarm("hardBraking"),
    136: _alarm("hardAcceleration"),
    150: _set("operator"),
    163: _scaled("odometer", 5), 164: _scaled("tripOdometer", 5),
    165: _set("obdSpeed", lambda v: v / 256),
    166: _scaled("rpm", 0.125), 197: _scaled("rpm", 0.125),
    170: _flag("charge"),
    205: _set("fuel"),
    207: _scaled("fuelLevel", 0.4),
    208: _scaled("fuelUsed", 0.5),
    251: _flag("ignition"), 409: _flag("ignition"),
    410: _alarm("tow"),
    411: _alarm("accident"),
    415: _alarm("gpsAntennaCut", lambda v: v == 0),
    645: _scaled("obdOdometer", 1000),
    758: _alarm("tampering", lambda v: v == 1),
}

#: first half ID -> (second half ID, attribute, as ASCII text (else hex))
HALF_PAIRS: dict[int, tuple[int, str, bool]] = {
    126: (127, "driverUniqueId", True),     # CAN driver ID
    155: (156, "driverUniqueId", True),     # tachograph driver ID
    760: (761, "tagId", False),
}
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
