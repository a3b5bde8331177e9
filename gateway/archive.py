"""The raw frame archive: frames that failed to decode (and, when asked,
every frame), kept with their time, protocol, transport, remote address,
session and device, so `uvis-gateway replay` can re-decode them later.

``record`` never blocks and never grows without bound: past ``max_pending``
unsaved frames the oldest are dropped and counted. A task writes what is
pending once a second with COPY.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any

__all__ = ["RawArchive", "new_session_id"]

log = logging.getLogger("uvis.gateway")

_sequence = itertools.count()


def new_session_id() -> int:
    """Unique across processes and restarts in practice: ms clock and a counter."""
    return (time.time_ns() // 1_000_000) * 1024 + next(_sequence) % 1024


class RawArchive:
    def __init__(self, store: Any, metrics: Any, *, max_pending: int = 10_000,
                 period: float = 1.0) -> None:
        self._store = store
        self._metrics = metrics
        self._pending: deque[tuple] = deque()
        self._max = max_pending
        self._period = period
        self._task: asyncio.Task | None = None
        self.dropped = 0

    def record(self, protocol: str, transport: str, remote: Any, session: int,
               device_id: str | None, data: bytes, error: str | None) -> None:
        if len(self._pending) >= self._max:
            self._pending.popleft()
            self.dropped += 1
            self._metrics.raw_frames_dropped.inc()
        remote_text = f"{remote[0]}:{remote[1]}" if isinstance(remote, tuple) else (
            str(remote) if remote is not None else None)
        self._pending.append((datetime.now(timezone.utc), protocol, transport, remote_text,
                              session, device_id, bytes(data), error))

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="uvis-raw-archive")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._period)
            await self.flush()

    async def flush(self) -> None:
        """Write what is pending. Frames recorded while the write is in flight
        gather in a new queue; if the write fails, its frames go back in front
        of them and, past ``max_pending``, the oldest are the ones dropped."""
        if not self._pending:
            return
        rows, self._pending = self._pending, deque()
        try:
            await self._store.write_raw(list(rows))
        except Exception as exc:  # the database is down: keep them (bounded) for the next try
            log.info("raw archive: %d frames not saved yet (%r)", len(rows), exc)
            rows.extend(self._pending)
            excess = len(rows) - self._max
            for _ in range(max(0, excess)):
                rows.popleft()
            if excess > 0:
                self.dropped += excess
                self._metrics.raw_frames_dropped.inc(excess)
            self._pending = rows
            return
        self._metrics.raw_frames.inc(len(rows))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.flush()
