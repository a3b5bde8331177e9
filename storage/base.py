"""The storage interface the gateway depends on (only the composition root
names the concrete PostgreSQL implementation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Sequence

import msgspec

from protocols import Event, Position

__all__ = ["WriteResult", "Sink", "Reader", "DeviceRow", "Frames"]

#: the raw frame of each record of a batch, aligned with (positions, events):
#: (transport, bytes), or None where unknown; kept with quarantined records
Frames = tuple[Sequence["tuple[str, bytes] | None"], Sequence["tuple[str, bytes] | None"]]


class WriteResult(msgspec.Struct, frozen=True, kw_only=True):
    positions_inserted: int = 0
    #: true resends (every attribute already stored), absorbed by the key
    positions_duplicate: int = 0
    events_inserted: int = 0
    events_duplicate: int = 0
    #: fixes that shared a stored fix's (device, fix time) and brought new
    #: attributes (an alarm on the same GPS block): merged into it
    positions_merged: int = 0
    #: records written to the quarantine table instead (acknowledged: nothing lost)
    quarantined: int = 0
    #: records stored with a value repaired or dropped (named in attributes.invalid)
    repaired: int = 0
    #: rows written to the local spool instead of the database (fsynced)
    spooled: int = 0


class Sink(Protocol):
    """Writes one batch in one transaction; returns only after COMMIT.

    Idempotent: positions are unique on (device_id, fix_time), events on
    (device_id, time, type, digest of attributes); a resent record is counted
    as a duplicate and not stored twice, a fix with new attributes for a stored
    key is merged. Records the database refuses for their values are
    quarantined (with their raw frame from ``frames``), never raised; raises
    only on transient errors (nothing committed).
    """

    async def write(self, positions: Sequence[Position], events: Sequence[Event],
                    received_at: datetime, frames: Frames | None = None) -> WriteResult: ...


class DeviceRow(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    protocol: str
    first_seen: datetime
    last_seen: datetime


class Reader(Protocol):
    """The store's own read side (the gateway's counts, tests). The integrator
    API reads through storage.api_store (read-only pool, its own queries)."""

    async def devices(self, *, limit: int, after: str | None) -> list[DeviceRow]: ...

    async def track(self, device_id: str, *, start: datetime | None, end: datetime | None,
                    limit: int, after: datetime | None) -> list[Position]: ...

    async def latest(self, *, limit: int, after: str | None) -> list[Position]: ...

    async def device_exists(self, device_id: str) -> bool: ...

    async def counts(self) -> dict[str, Any]: ...
