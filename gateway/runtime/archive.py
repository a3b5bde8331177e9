"""The raw frame archive: frames that failed to decode (and, when asked,
every frame), kept with their time, protocol, transport, remote address,
session and device, so `uvis-gateway replay` can re-decode them later.

``record`` never blocks and never grows without bound: past ``max_pending``
unsaved frames the oldest are dropped and counted. A task writes what is
pending once a second with COPY.

Budgets (``[limits]``): at most ``archive_frames_per_second`` frames and
``archive_bytes_per_second`` bytes a second, ``archive_frames_per_peer_second``
from one address, each frame cut to ``archive_max_frame_bytes``; what is over
budget is counted (uvis_raw_frames_skipped_total), not kept. Frames older than
``archive_retention_hours`` are deleted once a minute.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any

from ..settings.limits import LimitsSettings  # noqa: F401  (the type of ``limits``)

__all__ = ["RawArchive", "new_session_id"]

log = logging.getLogger("uvis.gateway")

_sequence = itertools.count()


def new_session_id() -> int:
    """Unique across processes and restarts in practice: ms clock and a counter."""
    return (time.time_ns() // 1_000_000) * 1024 + next(_sequence) % 1024


class RawArchive:
    #: seconds between two retention trims
    TRIM_PERIOD = 60.0
    #: distinct addresses counted per second (more: over the per-peer budget)
    MAX_PEERS_PER_SECOND = 10_000

    def __init__(self, store: Any, metrics: Any, *, max_pending: int = 10_000,
                 period: float = 1.0, limits: LimitsSettings | None = None) -> None:
        self._store = store
        self._metrics = metrics
        self._pending: deque[tuple] = deque()
        self._max = max_pending
        self._period = period
        self._task: asyncio.Task | None = None
        self.dropped = 0
        self.skipped = 0
        #: None: no per-second budgets, no frame cut (the gateway always passes its [limits])
        self.limits = limits
        self._second = 0
        self._frames = 0
        self._bytes = 0
        self._peers: dict[str, int] = {}
        self._last_trim = 0.0

    def _within_budget(self, remote: Any, size: int) -> bool:
        limits = self.limits
        second = int(time.monotonic())
        if second != self._second:
            self._second, self._frames, self._bytes = second, 0, 0
            self._peers.clear()
        reason = None
        if self._frames >= limits.archive_frames_per_second:
            reason = "frames_per_second"
        elif self._bytes + size > limits.archive_bytes_per_second:
            reason = "bytes_per_second"
        else:
            host = remote[0] if isinstance(remote, tuple) and remote else str(remote)
            seen = self._peers.get(host, 0)
            if seen >= limits.archive_frames_per_peer_second or (
                    not seen and len(self._peers) >= self.MAX_PEERS_PER_SECOND):
                reason = "frames_per_peer_second"
            else:
                self._peers[host] = seen + 1
        if reason is not None:
            self.skipped += 1
            self._metrics.raw_frames_skipped.labels(reason).inc()
            return False
        self._frames += 1
        self._bytes += size
        return True

    def record(self, protocol: str, transport: str, remote: Any, session: int,
               device_id: str | None, data: bytes, error: str | None) -> None:
        if self.limits is not None:
            cap = self.limits.archive_max_frame_bytes
            if len(data) > cap:
                data = data[:cap]
                self._metrics.raw_frames_truncated.inc()
            if not self._within_budget(remote, len(data)):
                return
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
            if time.monotonic() - self._last_trim >= self.TRIM_PERIOD:
                self._last_trim = time.monotonic()
                await self.trim()

    async def trim(self) -> int:
        """Delete frames past the retention; the number deleted (0 when off or failing)."""
        hours = self.limits.archive_retention_hours if self.limits is not None else None
        pool = getattr(self._store, "pool", None)
        if hours is None or pool is None:
            return 0
        try:
            status = await pool.execute(
                "DELETE FROM raw_frames WHERE received_at < now() - make_interval(secs => $1)",
                float(hours) * 3600.0)
        except Exception as exc:
            log.info("raw archive: retention trim failed (%r); will retry", exc)
            return 0
        return int(status.rsplit(" ", 1)[-1]) if status else 0

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
