"""SpoolingSink: a Sink that falls back to the local spool.

While the database answers within ``write_timeout``, batches go straight to
it. When a write fails or takes too long, the sink turns *degraded*: this
batch and the following ones are appended to the spool (fsynced), which counts
as committed, so their ACKs go out. A replayer task drains the spool into the
database, oldest segment first, whenever it can; a segment is deleted only
after every batch in it has committed (a crash in between replays it again,
and the (device, fix time) key absorbs the repeats). When the spool is empty
the sink writes to the database directly again.

When the spool is full (quota), a batch is tried on the database once more;
if that fails too the write raises: the BatchWriter keeps the batch, sends no
ACK and retries, the ingest queue fills and reading pauses. Nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any, Sequence

from protocols import Event, Position
from storage.base import Frames, Sink, WriteResult
from storage.spool import Spool, SpoolFull

__all__ = ["SpoolingSink"]

log = logging.getLogger(__name__)


class SpoolingSink:
    def __init__(self, sink: Sink, spool: Spool, *, write_timeout: float = 5.0,
                 retry_initial: float = 0.5, retry_max: float = 10.0, observer: Any = None,
                 adopt: Sequence[Spool] = ()) -> None:
        self._sink = sink
        self.spool = spool
        #: spools no running process writes to any more (another worker count
        #: left them): replayed first, read-only, then removed
        self.adopted = list(adopt)
        self.write_timeout = write_timeout
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self._observer = observer
        self.degraded = False
        self._lock = asyncio.Lock()
        self._kick = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.spooled_rows = 0
        self.replayed_rows = 0
        #: wall-clock time the oldest batch waiting in the spool was written (None: empty)
        self._backlog_since: float | None = None

    async def start(self) -> None:
        await asyncio.to_thread(self.spool.open)
        for other in list(self.adopted):
            await asyncio.to_thread(other.open)
            if other.empty:
                self.adopted.remove(other)
                continue
            log.warning("spool %s (left by another worker count) holds %d bytes: replaying",
                        other.dir, other.bytes)
            self.degraded = True
            self._kick.set()
        for spool in (self.spool, *self.adopted):
            corrupt = spool.corrupt_segments()
            if corrupt:
                log.error("spool %s: %d damaged segment(s) in %s (kept; inspect and replay them with "
                          "`uvis-gateway spool replay --corrupt`)", spool.dir, len(corrupt),
                          corrupt[0].parent)
        if not self.spool.empty:
            log.warning("spool holds %d bytes from an earlier run: replaying", self.spool.bytes)
            self._backlog_since = min(p.stat().st_mtime for p in self.spool.segments())
            self.degraded = True
            self._kick.set()
        self._task = asyncio.get_running_loop().create_task(self._replayer(), name="uvis-spool-replay")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await asyncio.to_thread(self.spool.close)

    @property
    def backlog_age(self) -> float:
        """Seconds the oldest spooled batch has waited (0: the spool is empty)."""
        return 0.0 if self._backlog_since is None else max(0.0, time.time() - self._backlog_since)

    # -- Sink ----------------------------------------------------------------
    async def write(self, positions: Sequence[Position], events: Sequence[Event],
                    received_at: datetime, frames: Frames | None = None) -> WriteResult:
        if not self.degraded:
            try:
                return await self._direct(positions, events, received_at, frames)
            except Exception as exc:
                log.warning("database write failed or too slow (%r): spooling locally", exc)
                self.degraded = True
        try:
            async with self._lock:
                await asyncio.to_thread(self.spool.append, positions, events, received_at, frames)
        except SpoolFull:
            log.error("spool full (%d bytes): holding the batch unacknowledged", self.spool.bytes)
            self._kick.set()
            return await self._direct(positions, events, received_at, frames)
        rows = len(positions) + len(events)
        if self._backlog_since is None:
            self._backlog_since = time.time()
        self.spooled_rows += rows
        self._notify("spool_appended", rows)
        self._kick.set()
        return WriteResult(spooled=rows)

    async def _direct(self, positions: Sequence[Position], events: Sequence[Event],
                      received_at: datetime, frames: Frames | None = None) -> WriteResult:
        return await asyncio.wait_for(self._sink.write(positions, events, received_at, frames),
                                      self.write_timeout)

    # -- replay --------------------------------------------------------------
    async def _replayer(self) -> None:
        while True:
            await self._kick.wait()
            self._kick.clear()
            delay = self.retry_initial
            while True:
                try:
                    if await self._drain_once():
                        break
                    delay = self.retry_initial
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.info("spool replay: database not ready (%r); retry in %.1fs", exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.retry_max)

    async def _drain_once(self) -> bool:
        """Replay every sealed segment; True when the spool is empty afterwards."""
        while self.adopted:
            other = self.adopted[0]
            for path in other.segments():
                await self._replay_segment(other, path)
            self.adopted.pop(0)
            log.info("spool %s replayed", other.dir)
        async with self._lock:
            await asyncio.to_thread(self.spool.seal)
            segments = self.spool.sealed_segments()
            if not segments:
                self.degraded = False
                self._backlog_since = None
                log.info("spool drained: writing to the database directly again")
                return True
        for path in segments:
            await self._replay_segment(self.spool, path)
        return False

    async def _replay_segment(self, spool: Spool, path: Any) -> None:
        """Write every batch of one segment (the store quarantines what the
        database refuses, so a poisoned batch cannot block the ones behind it;
        only a transient error raises), then remove the segment."""
        batches = await asyncio.to_thread(lambda: list(spool.read(path)))
        results = []
        for batch in batches:
            results.append(await self._direct(batch.positions, batch.events, batch.received_at,
                                              batch.frames))
        async with self._lock:
            await asyncio.to_thread(spool.remove, path)
        rows = sum(len(b.positions) + len(b.events) for b in batches)
        self.replayed_rows += rows
        self._notify("spool_replayed", rows)
        for result in results:  # what the replay stored and what it found already there
            self._notify("spool_committed", result)

    def _notify(self, hook: str, *args: Any) -> None:
        fn = getattr(self._observer, hook, None)
        if fn is not None:
            try:
                fn(*args)
            except Exception:
                log.exception("observer %s failed", hook)
