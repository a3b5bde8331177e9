"""What a data part yields (shared by the codec decoders)."""

from __future__ import annotations

import msgspec

from .._records import Event, Position, UnknownMessage

__all__ = ["Payload"]


class Payload(msgspec.Struct, frozen=True, kw_only=True):
    """What a data part yields; ``count`` is the number to acknowledge, or None
    when the codec gets no count reply (codec 12/13). (A Struct: built in C.)"""

    positions: tuple[Position, ...] = ()
    events: tuple[Event, ...] = ()
    count: int | None = None
    unknown: UnknownMessage | None = None
    #: IO elements outside the catalogue (kept as ``io<ID>``)
    unknown_items: int = 0
