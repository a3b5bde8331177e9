"""Binary @Track frames (placeholder until the decoders land)."""

from __future__ import annotations

from datetime import datetime

from .._errors import MalformedError


def decode_binary(frame: bytes, last, now: datetime):
    raise MalformedError("gl200: binary frames not decoded yet", data=frame)
