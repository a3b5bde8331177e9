"""BatchWriter: groups submitted records into batches for a Sink.

``submit`` never blocks (it is called from ``asyncio.Protocol.data_received``):
records and their ``on_commit`` callback join the current batch. A single
writer task writes batches one after the other; it flushes when the batch
reaches ``max_rows`` or its oldest record is ``max_age`` seconds old (a timer
started by the batch's first record, no polling). While a write is in flight
new submissions gather in the next batch, so batches grow under load.

The sink quarantines the rows the database refuses for their values (a data
error never reaches the writer, see storage.quarantine), so what fails here is
transient. A failed write keeps its batch and is retried with exponential backoff
(``retry_initial`` doubling up to ``retry_max``) until it commits or the writer
is closed without flushing; callbacks run only after the commit of the batch
that holds their records, in submission order.

Flow control: ``queue_rows`` counts rows pending and in flight; pressure
listeners get True when it rises above ``high_water`` and False when it falls
below ``low_water`` again.

Observer (optional, any object with these methods): ``batch_committed(rows,
seconds, result)`` after each commit (``seconds`` of the successful write),
``batch_failed(exc, attempt)`` after each failed attempt. ``received_at`` given
to the sink is the wall-clock time of the batch's first record.

Defaults, measured with tests/storage/bench_batch_size.py (PostgresStore.write
to PostgreSQL 15.20 on 127.0.0.1, 2 shared cores, Python 3.11.7, asyncpg
0.32.0, one connection; 60,000 positions per size with 3 attributes over 100
devices, fresh keys; two runs):

    batch rows        500      1000      5000     20000
    rows/s        46-47k    56-62k    70-87k    87-90k
    ms/batch           11     16-18     57-72   221-229

A batch of 5,000 rows gets most of the throughput at a fifth of the latency of
20,000, so max_rows=5000; under load batches grow past it anyway (they gather
while a write is in flight). max_age=0.1 s bounds the ACK delay at light load.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from protocols import Event, Position
from storage.base import Sink, WriteResult
from storage.quarantine import Frame

__all__ = ["BatchWriter"]

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class _Batch:
    __slots__ = ("positions", "events", "callbacks", "received_at", "p_frames", "e_frames",
                 "first_submitted")

    def __init__(self) -> None:
        self.positions: list[Position] = []
        self.events: list[Event] = []
        self.callbacks: list[Callable[[], None]] = []
        self.received_at: datetime | None = None
        #: the raw frame of each record (for the quarantine), aligned with the lists
        self.p_frames: list[Frame] = []
        self.e_frames: list[Frame] = []
        self.first_submitted = 0.0

    @property
    def rows(self) -> int:
        return len(self.positions) + len(self.events)


class BatchWriter:
    def __init__(self, sink: Sink, *, max_rows: int = 5000, max_age: float = 0.1,
                 high_water: int = 50_000, low_water: int = 10_000,
                 retry_initial: float = 0.1, retry_max: float = 5.0,
                 observer: Any = None, clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = _utcnow) -> None:
        if low_water > high_water:
            raise ValueError("low_water must not exceed high_water")
        self._sink = sink
        self.max_rows = max_rows
        self.max_age = max_age
        self.high_water = high_water
        self.low_water = low_water
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self._observer = observer
        self._clock = clock
        self._wall_clock = wall_clock
        self._pending = _Batch()
        self._due = False  # the pending batch is full or old enough
        self._inflight: _Batch | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._wake = asyncio.Event()
        self._abandon = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing = False
        self._pressured = False
        self._failing = False
        self._listeners: list[Callable[[bool], None]] = []
        self.batches = 0
        self.rows = 0
        self.duplicates = 0
        self.failures = 0

    # -- public -------------------------------------------------------------

    @property
    def queue_rows(self) -> int:
        inflight = self._inflight.rows if self._inflight is not None else 0
        return self._pending.rows + inflight

    @property
    def oldest_age(self) -> float:
        """Seconds the oldest record not yet committed has waited (0: none)."""
        batch = self._inflight if self._inflight is not None and self._inflight.rows else self._pending
        return self._clock() - batch.first_submitted if batch.rows else 0.0

    @property
    def failing(self) -> bool:
        """True while the batch in flight has failed and waits for a retry."""
        return self._failing

    @property
    def pressured(self) -> bool:
        return self._pressured

    def add_pressure_listener(self, cb: Callable[[bool], None]) -> None:
        self._listeners.append(cb)

    async def start(self) -> None:
        if self._task is not None:
            raise RuntimeError("BatchWriter already started")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="uvis-batch-writer")

    def submit(self, positions: Sequence[Position], events: Sequence[Event],
               on_commit: Callable[[], None] | None = None, frame: Frame = None) -> None:
        """Queue records (and the callback that sends their ACK after the
        commit). ``frame``: (transport, raw bytes) they were decoded from, kept
        with any of them the database refuses (quarantine)."""
        if self._closing:
            raise RuntimeError("BatchWriter is closed")
        batch = self._pending
        n = len(positions) + len(events)
        if n:
            if batch.rows == 0:
                batch.received_at = self._wall_clock()
                batch.first_submitted = self._clock()
                self._timer = asyncio.get_running_loop().call_later(self.max_age, self._flush_now)
            if positions:
                batch.positions.extend(positions)
                batch.p_frames.extend([frame] * len(positions))
            if events:
                batch.events.extend(events)
                batch.e_frames.extend([frame] * len(events))
            if batch.rows >= self.max_rows:
                self._flush_now()
        if on_commit is not None:
            if batch.rows:
                batch.callbacks.append(on_commit)
            elif self._inflight is not None:
                self._inflight.callbacks.append(on_commit)
            else:
                _run_callback(on_commit)
        if n and not self._pressured and self.queue_rows > self.high_water:
            self._set_pressure(True)

    async def close(self, flush: bool = True) -> None:
        """Flush what is pending (running its callbacks) and stop; with
        ``flush=False`` abandon pending and in-flight batches (a retrying write
        stops, its callbacks never run)."""
        self._closing = True
        if not flush:
            self._abandon.set()
        self._wake.set()
        task = self._task
        if task is None:
            return
        if not flush:
            task.cancel()
        try:
            await asyncio.shield(task) if flush else await task
        except asyncio.CancelledError:
            if not task.done():
                raise

    # -- the writer task ----------------------------------------------------

    def _flush_now(self) -> None:
        self._due = True
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._pending.rows == 0:
                if self._closing:
                    return
                continue
            if not (self._due or self._closing):
                continue
            batch = self._take()
            await self._write(batch)
            self._inflight = None
            for cb in batch.callbacks:
                _run_callback(cb)
            if self._pressured and self.queue_rows < self.low_water:
                self._set_pressure(False)
            if self._due or self._closing:
                self._wake.set()

    def _take(self) -> _Batch:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due = False
        batch = self._inflight = self._pending
        self._pending = _Batch()
        return batch

    async def _write(self, batch: _Batch) -> None:
        if batch.rows == 0:
            return
        delay = self.retry_initial
        attempt = 0
        while True:
            attempt += 1
            started = self._clock()
            try:
                result = await self._sink.write(batch.positions, batch.events, batch.received_at,
                                                (batch.p_frames, batch.e_frames))
            except Exception as exc:  # a transient error (the sink quarantines data errors)
                self.failures += 1
                self._failing = True
                self._notify("batch_failed", exc, attempt)
                log.warning("batch of %d rows failed (attempt %d): %r; retry in %.2fs",
                            batch.rows, attempt, exc, delay)
                await self._sleep(delay)
                delay = min(delay * 2, self.retry_max)
                continue
            self._failing = False
            self._committed(batch, self._clock() - started, result)
            return

    async def _sleep(self, delay: float) -> None:
        try:
            async with asyncio.timeout(delay):
                await self._abandon.wait()
        except TimeoutError:
            return
        raise asyncio.CancelledError  # closed without flush: give the batch up

    def _committed(self, batch: _Batch, seconds: float, result: WriteResult) -> None:
        self.batches += 1
        self.rows += batch.rows
        self.duplicates += result.positions_duplicate + result.events_duplicate
        self._notify("batch_committed", batch.rows, seconds, result)

    def _notify(self, hook: str, *args: Any) -> None:
        fn = getattr(self._observer, hook, None)
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:
            log.exception("observer %s failed", hook)

    def _set_pressure(self, on: bool) -> None:
        self._pressured = on
        for cb in list(self._listeners):
            try:
                cb(on)
            except Exception:
                log.exception("pressure listener failed")


def _run_callback(cb: Callable[[], None]) -> None:
    try:
        cb()
    except Exception:
        log.exception("on_commit callback failed")
