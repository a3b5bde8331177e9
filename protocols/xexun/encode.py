"""Server -> device: Xexun never answers a report; these are the SMS-style
commands Traccar sends over the same connection (no terminator)."""

from __future__ import annotations

from .constants import DEFAULT_PASSWORD

__all__ = ["encode_engine_stop", "encode_engine_resume"]


def encode_engine_stop(password: str = DEFAULT_PASSWORD) -> bytes:
    return f"powercar{password} 11".encode("ascii")


def encode_engine_resume(password: str = DEFAULT_PASSWORD) -> bytes:
    return f"powercar{password} 00".encode("ascii")
