"""Walking the additional-information items of a location report: ``id u8 | len u8 | value``.

The catalogue (what each id means) is ``_catalogue.ITEMS``; this module is
the loop over it. Key ``sat`` is moved to Position.satellites by the caller.
Item 0x80 (a vendor OBD extension) runs to the end of the body.
"""

from __future__ import annotations

from ._catalogue import ITEMS, Scalar, Spec, Text, read_scalar, read_text
from ._layouts import LAYOUTS
from ._vendor import VENDOR_LAYOUTS

__all__ = ["decode_items", "read_scalar", "read_text", "keep_unknown", "HANDLERS"]

HANDLERS = {**LAYOUTS, **VENDOR_LAYOUTS}


def keep_unknown(prefix: str, item_id: int, data: bytes, attrs: dict) -> None:
    """An item the catalogue does not know: ``<prefix><id>`` = integer (1/2/4/8 bytes) or hex."""
    value = int.from_bytes(data, "big") if len(data) in (1, 2, 4, 8) else data.hex()
    attrs[f"{prefix}{item_id}"] = value


def _apply(spec: Spec, data: bytes, attrs: dict) -> bool:
    if isinstance(spec, Scalar):
        if len(data) != spec.size:
            return False
        attrs[spec.key] = read_scalar(spec, data)
        return True
    if isinstance(spec, Text):
        attrs[spec.key] = read_text(spec, data)
        return True
    try:
        return HANDLERS[spec.name](data, attrs) is not False
    except (IndexError, ValueError, UnicodeError):
        return False


def decode_item(item_id: int, data: bytes, attrs: dict) -> bool:
    """Decode one item into ``attrs``; False when the catalogue has no fitting variant."""
    item = ITEMS.get(item_id)
    if item is None:
        return False
    for sizes, spec in item.variants:
        if sizes is None or len(data) in sizes:
            return _apply(spec, data, attrs)
    return False


def decode_items(body: bytes, offset: int, attrs: dict) -> int:
    """Walk items from ``offset`` to the end; returns how many were unknown (kept as io<id>).

    A truncated last item ends the walk (kept as unknown with the bytes there are).
    """
    unknown = 0
    end = len(body)
    i = offset
    while i + 2 <= end:
        item_id, size = body[i], body[i + 1]
        if item_id == 0x80:
            unknown += HANDLERS["obd_extension"](body[i + 3:], attrs) or 0
            return unknown
        data = body[i + 2:i + 2 + size]
        i += 2 + size
        if not decode_item(item_id, data, attrs):
            keep_unknown("io", item_id, data, attrs)
            unknown += 1
    return unknown
