"""Server -> device: replies and commands in the ``[MF*ID[*IDX]*LEN*CONTENT]`` envelope."""

from __future__ import annotations

from .constants import ESCAPED

__all__ = ["envelope", "escape", "command", "message_text"]


def escape(data: bytes) -> bytes:
    """Binary content (AMR voice) with ``} [ ] , *`` escaped as ``7D 01..05``."""
    for raw, escaped in ESCAPED:  # '}' first, so the escapes' own 7D bytes survive
        data = data.replace(raw, escaped)
    return data


def envelope(manufacturer: str, device_id: str, content: bytes, index: str | None = None) -> bytes:
    """``[<MF>*<ID>[*<IDX>]*<len>*<content>]``, len = 4 lowercase hex digits of the content."""
    head = f"[{manufacturer}*{device_id}*" + (f"{index}*" if index is not None else "")
    return head.encode("ascii") + b"%04x*" % len(content) + content + b"]"


def command(manufacturer: str, device_id: str, content: str, *, indexed: bool = False) -> bytes:
    """A server command, e.g. ``command("SG", id, "UPLOAD,60")``; ``3G`` devices get ``SG``,
    devices that use an index get ``0001``."""
    maker = "SG" if manufacturer == "3G" else manufacturer
    return envelope(maker, device_id, content.encode("utf-8"), "0001" if indexed else None)


def message_text(text: str) -> str:
    """``MESSAGE,<text as UTF-16BE hex>`` content."""
    return "MESSAGE," + text.encode("utf-16-be").hex()
