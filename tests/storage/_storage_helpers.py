"""Record factories and Sink wrappers for the storage tests (the database
behind every wrapper is the real one)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from protocols import Event, Position

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def pos(device: str = "dev1", second: int = 0, **kw) -> Position:
    fields = dict(device_id=device, protocol="gt06", fix_time=T0 + timedelta(seconds=second),
                  valid=True, lat=22.54321, lon=114.0123, altitude_m=35.5, speed_kmh=12.3,
                  course_deg=270.0, satellites=9, hdop=0.8,
                  attributes={"ignition": True, "io5": 3, "power": 12.5})
    fields.update(kw)
    return Position(**fields)


def ev(device: str = "dev1", second: int = 0, type: str = "alarm", **kw) -> Event:
    fields = dict(device_id=device, protocol="gt06", time=T0 + timedelta(seconds=second),
                  type=type, attributes={"alarm": "sos"})
    fields.update(kw)
    return Event(**fields)


class FlakySink:
    """Raises ConnectionError for the first ``failures`` calls, then writes
    through to the real store."""

    def __init__(self, sink, failures: int) -> None:
        self.sink = sink
        self.failures = failures
        self.calls = 0

    async def write(self, positions, events, received_at, frames=None):
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"simulated outage {self.calls}")
        return await self.sink.write(positions, events, received_at, frames)


class GatedSink:
    """Each write waits for one ``release()`` before writing to the store."""

    def __init__(self, sink) -> None:
        self.sink = sink
        self.permits = asyncio.Semaphore(0)
        self.sizes: list[int] = []
        self.entered = asyncio.Event()

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self.permits.release()

    async def write(self, positions, events, received_at, frames=None):
        self.entered.set()
        await self.permits.acquire()
        self.sizes.append(len(positions) + len(events))
        return await self.sink.write(positions, events, received_at, frames)


class Recorder:
    """Observer that records the writer's hooks."""

    def __init__(self) -> None:
        self.committed: list[tuple[int, object]] = []
        self.failed: list[tuple[str, int]] = []

    def batch_committed(self, rows, seconds, result) -> None:
        assert seconds >= 0
        self.committed.append((rows, result))

    def batch_failed(self, exc, attempt) -> None:
        self.failed.append((type(exc).__name__, attempt))
