"""The storage interface the gateway depends on (only the composition root
names the concrete PostgreSQL implementation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Sequence

import msgspec

from protocols import Event, Position

__all__ = ["WriteResult", "Sink", "Reader", "DeviceRow"]


class WriteResult(msgspec.Struct, frozen=True, kw_only=True):
    positions_inserted: int = 0
    positions_duplicate: int = 0
    events_inserted: int = 0
    events_duplicate: int = 0
    #: rows written to the local spool instead of the database (fsynced)
    spooled: int = 0


class Sink(Protocol):
    """Writes one batch in one transaction; returns only after COMMIT.

    Idempotent: positions are unique on (device_id, fix_time), events on
    (device_id, time, type); a resent record is counted as a duplicate and
    not stored twice. Raises on any database error (nothing committed).
    """

    async def write(self, positions: Sequence[Position], events: Sequence[Event],
                    received_at: datetime) -> WriteResult: ...


class DeviceRow(msgspec.Struct, frozen=True, kw_only=True):
    device_id: str
    protocol: str
    first_seen: datetime
    last_seen: datetime


class Reader(Protocol):
    """The read side the API uses."""

    async def devices(self, *, limit: int, after: str | None) -> list[DeviceRow]: ...

    async def track(self, device_id: str, *, start: datetime | None, end: datetime | None,
                    limit: int, after: datetime | None) -> list[Position]: ...

    async def latest(self, *, limit: int, after: str | None) -> list[Position]: ...

    async def device_exists(self, device_id: str) -> bool: ...

    async def counts(self) -> dict[str, Any]: ...
