"""What a message decoder gets besides the body, and the Event helper."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from .._records import Event, Position
from ._location import PROTOCOL

__all__ = ["Context", "Tally", "Records", "event"]

Records = tuple[tuple[Position, ...], tuple[Event, ...]]


class Tally:
    """Counts the items of one frame that the catalogue does not know."""

    __slots__ = ("unknown",)

    def __init__(self) -> None:
        self.unknown = 0


class Context(NamedTuple):
    device_id: str
    now: datetime
    #: the terminal's clock offset from UTC in minutes (GMT+8 unless configured)
    utc_offset_min: int
    tally: "Tally | None" = None


def event(ctx: Context, kind: str, attrs: dict, time: datetime | None = None) -> Records:
    return (), (Event(device_id=ctx.device_id, protocol=PROTOCOL, time=time or ctx.now,
                      type=kind, attributes=attrs),)
