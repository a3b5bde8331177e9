"""What a message decoder gets besides the body, and the Event helper."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from .._records import Event, Position
from ._location import PROTOCOL

__all__ = ["Context", "Records", "event"]

Records = tuple[tuple[Position, ...], tuple[Event, ...]]


class Context(NamedTuple):
    device_id: str
    now: datetime
    #: the terminal's clock offset from UTC in minutes (GMT+8 unless configured)
    utc_offset_min: int


def event(ctx: Context, kind: str, attrs: dict, time: datetime | None = None) -> Records:
    return (), (Event(device_id=ctx.device_id, protocol=PROTOCOL, time=time or ctx.now,
                      type=kind, attributes=attrs),)
