"""Server -> device bytes. Raw NMEA has one: the optional RMC acknowledgement."""

from __future__ import annotations

from .constants import ACK_REPLY

__all__ = ["encode_ack"]


def encode_ack() -> bytes:
    """``OK1\\r\\n``: sent for each RMC on TCP when the listener enables ``ack``."""
    return ACK_REPLY
