"""IO element decoding, built from the catalogue in ``_catalogue.py``.

``IO_DEFS``: AVL ID -> (attribute key, converter, alarm table or None). A
converter gets the raw unsigned value as the device sent it and returns the
attribute value (None: nothing to store, e.g. an iButton of 0). IDs outside the
catalogue stay ``io<ID>`` with the raw unsigned value (variable-length ones as
lowercase hex) and are counted by ``count_unknown``. ``hdop`` is collected here
and moved to the top-level field by the decoder.
"""

from __future__ import annotations

from typing import Any, Callable

from ._ble import store_beacons, store_tags
from ._catalogue import ALARMS, AVL_IDS, GH3000_ALARMS, GH3000_IDS, Row

__all__ = ["IO_DEFS", "VARIABLE_DEFS", "GH_DEFS", "store_io", "store_variable", "io_key",
           "add_alarm", "count_unknown", "make_converter"]

Converter = Callable[[int], Any]
#: (key, converter, alarm table, value size; 0 = any size)
Spec = tuple[str, Converter, "dict[int | None, str] | None", int]


def _scaler(scale: float | None) -> Callable[[int | float], int | float]:
    """Multiply by the catalogue multiplier; 0.1/0.01/0.001 divide by 10/100/1000
    so that 12600 mV gives exactly 12.6 V."""
    if scale is None:
        return lambda v: v
    if scale < 1:
        divisor = round(1 / scale)
        return lambda v: v / divisor
    return lambda v: v * scale


def _signed(size: int) -> Callable[[int], int]:
    bits = 8 * size
    top, full = 1 << (bits - 1), 1 << bits

    def convert(value: int) -> int:
        # a value wider than the catalogue size came in a larger group: keep it unsigned
        return value - full if top <= value < full else value
    return convert


def _ibutton(value: int) -> str | None:
    """iButton / driver key: 8 bytes sent little-endian, shown as 16 hex digits."""
    if value == 0:
        return None
    return f"{int.from_bytes(value.to_bytes(8, 'big'), 'little'):016X}"


def make_converter(kind: str, size: int, scale: float | None) -> Converter:
    """The converter of one catalogue row (fixed-size kinds)."""
    scaled = _scaler(scale)
    if kind == "b":
        return lambda v: v != 0
    if kind == "s":
        sign = _signed(size)
        return lambda v: scaled(sign(v))
    if kind == "x":
        return lambda v: v.to_bytes(max(size, (v.bit_length() + 7) // 8), "big").hex()
    if kind == "d":
        return str
    if kind == "k":
        return _ibutton
    return scaled


def _defs(rows: dict[int, Row], alarms: dict[int, dict[int | None, str]]) -> dict[int, Spec]:
    return {avl_id: (key, make_converter(kind, size, scale), alarms.get(avl_id),
                     0 if kind == "b" else size)
            for avl_id, (_, key, size, kind, scale, _unit, _name) in rows.items() if 0 < size <= 8}


#: fixed-size AVL IDs of the catalogue
IO_DEFS: dict[int, Spec] = _defs(AVL_IDS, ALARMS)
#: GH3000 (codec 7) IO IDs
GH_DEFS: dict[int, Spec] = {
    avl_id: (key, make_converter(kind, 4, scale), GH3000_ALARMS.get(avl_id), 0)
    for avl_id, (key, kind, scale) in GH3000_IDS.items()}

_IO_KEYS = [f"io{n}" for n in range(256)]


def io_key(io_id: int) -> str:
    return _IO_KEYS[io_id] if io_id < 256 else f"io{io_id}"


def add_alarm(attrs: dict[str, Any], name: str) -> None:
    """Traccar's addAlarm: several alarms of one record join with commas."""
    old = attrs.get("alarm")
    attrs["alarm"] = name if old is None or old == name else f"{old},{name}"


def alarm_of(table: dict[int | None, str], value: int) -> str | None:
    name = table.get(value)
    if name is None and value:
        name = table.get(None)
    return name


def store_io(attrs: dict[str, Any], io_id: int, value: int,
             defs: dict[int, Spec] = IO_DEFS, size: int = 0) -> None:
    """One element. An element sent with another value size than the
    catalogue's is another model's element of that ID: kept as ``io<ID>``."""
    spec = defs.get(io_id)
    if spec is None or (size and spec[3] and spec[3] != size):
        attrs[io_key(io_id)] = value
        return
    key, convert, alarms, _size = spec
    converted = convert(value)
    if converted is not None:
        attrs[key] = converted
    if alarms is not None and (name := alarm_of(alarms, value)) is not None:
        add_alarm(attrs, name)


def count_unknown(attrs: dict[str, Any]) -> int:
    """How many ``io<ID>`` keys (items outside the catalogue) a record holds."""
    return sum(1 for key in attrs if key[:2] == "io" and key[2:].isdigit())


# --- variable-length elements (codec 8E) -------------------------------------

def _ascii(attrs: dict[str, Any], key: str, raw: bytes) -> None:
    text = raw.decode("latin-1").strip("\x00 ")
    if text.isprintable() and text:
        attrs[key] = text
    elif raw:
        attrs[key] = raw.hex()


def _variable_storer(key: str, kind: str) -> Callable[[dict[str, Any], bytes], None]:
    if kind == "beacon":
        return store_beacons
    if kind == "tags":
        return store_tags
    if kind == "x":
        return lambda attrs, raw: attrs.__setitem__(key, raw.hex())
    if key == "dtcs":  # fault codes: comma-separated in the element, spaces in Traccar
        return lambda attrs, raw: _ascii(attrs, key, raw.replace(b",", b" "))
    return lambda attrs, raw: _ascii(attrs, key, raw)


#: variable-length AVL ID -> storer(attrs, raw)
VARIABLE_DEFS: dict[int, Callable[[dict[str, Any], bytes], None]] = {
    avl_id: _variable_storer(key, kind)
    for avl_id, (_, key, size, kind, _scale, _unit, _name) in AVL_IDS.items()
    if not 0 < size <= 8}


def store_variable(attrs: dict[str, Any], io_id: int, raw: bytes) -> None:
    """A variable-length (or 16-byte) element; fixed-size catalogue IDs sent
    here are read big-endian from their bytes."""
    storer = VARIABLE_DEFS.get(io_id)
    if storer is not None:
        storer(attrs, raw)
    elif io_id in IO_DEFS and 0 < len(raw) <= 8:
        store_io(attrs, io_id, int.from_bytes(raw, "big"), size=len(raw))
    else:
        attrs[io_key(io_id)] = raw.hex()
