"""GT02 frames in both directions: the server's only reply and the device's packets."""

from __future__ import annotations

from .constants import HEARTBEAT_REPLY, START, STOP

__all__ = ["heartbeat_reply", "packet"]


def heartbeat_reply() -> bytes:
    """``54 68 1A 0D 0A``."""
    return HEARTBEAT_REPLY


def packet(protocol: int, content: bytes, terminal: bytes, serial: int, *, power: int = 0,
           gsm: int = 0) -> bytes:
    """``68 68 LL power GSM terminal(8) serial(2) protocol content 0D 0A``."""
    body = bytes((power, gsm)) + terminal + (serial & 0xFFFF).to_bytes(2, "big") + bytes((protocol,))
    body += content
    if len(body) > 0xFF:
        raise ValueError("gt02: content too long for a one-byte length")
    return START + bytes((len(body),)) + body + STOP
