"""Where decoded frames go: the writer's submit, the allow-list, replies,
deferred ACKs and metrics (``handle_decoded``, called by the TCP and UDP
transports after the driver, gateway/transports/driver.py, classified the
frame); no awaits (called from data_received)."""

from __future__ import annotations

import asyncio
import logging
from time import monotonic
from typing import Any, Callable

from protocols import Decoded

from ..settings.limits import LimitsSettings
from .guard import Guard
from .metrics import ProtocolMetrics

__all__ = ["DeviceGate", "Ingest", "handle_decoded"]

log = logging.getLogger("uvis.gateway")


class DeviceGate:
    """Decides whether a device may log in (identity lives here, not in protocols/),
    and what it is: its model (``models``: gateway/runtime/devices.py, None: no
    per-device models, the listeners' defaults only)."""

    def __init__(self, register_unknown: bool, allowed: set[str] | frozenset[str] = frozenset(),
                 models: Any = None) -> None:
        self.register_unknown = register_unknown
        self.allowed = set(allowed)
        self.models = models

    def admits(self, device_id: str) -> bool:
        return self.register_unknown or device_id in self.allowed


class Tally:
    """Per-frame counts (frames, positions, events, ACKs) gathered in plain ints
    and added to the Prometheus counters once per event-loop turn.

    Each ``Counter.inc`` takes a lock: under load the per-frame increments were
    a fifth of the gateway's CPU (py-spy, benchmarks/README.md). The counters
    are exact again before any later callback runs (the flush is the next
    ``call_soon``), so /metrics never sees the difference.
    """

    __slots__ = ("_pending", "_scheduled")

    def __init__(self) -> None:
        self._pending: dict[ProtocolMetrics, list[int]] = {}
        self._scheduled = False

    def _counts(self, metrics: ProtocolMetrics) -> list[int]:
        counts = self._pending.get(metrics)
        if counts is None:
            counts = self._pending[metrics] = [0, 0, 0, 0]
            if not self._scheduled:
                try:
                    asyncio.get_running_loop().call_soon(self.flush)
                    self._scheduled = True
                except RuntimeError:  # no loop here: the caller flushes
                    pass
        return counts

    def frame(self, metrics: ProtocolMetrics, positions: int, events: int) -> None:
        counts = self._counts(metrics)
        counts[0] += 1
        counts[1] += positions
        counts[2] += events

    def ack(self, metrics: ProtocolMetrics) -> None:
        self._counts(metrics)[3] += 1

    def flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, {}
        for metrics, (frames, positions, events, acks) in pending.items():
            if frames:
                metrics.frames.inc(frames)
            if positions:
                metrics.positions.inc(positions)
            if events:
                metrics.events.inc(events)
            if acks:
                metrics.acks.inc(acks)


class Ingest:
    """What listeners hand decoded frames to: the writer's submit, the
    allow-list, and the raw frame archive (``archive_all``: every frame)."""

    def __init__(self, submit: Callable, gate: DeviceGate, archive: Any = None,
                 archive_all: bool = False, guard: Guard | None = None) -> None:
        self.submit = submit
        self.gate = gate
        self.archive = archive
        self.archive_all = archive_all and archive is not None
        self.tally = Tally()
        #: caps, budgets, penalties and aggregated logs (gateway/runtime/guard.py)
        self.guard = guard or Guard(LimitsSettings())
        #: True while the writer's queue is above its high-water mark: stream
        #: sources stop reading, datagram and QoS 0 sources drop and count
        self.paused = False
        #: commands to devices (gateway/runtime/commands.py CommandRouter), when running
        self.commands: Any = None


def handle_decoded(
    decoded: Decoded,
    ingest: Ingest,
    metrics: ProtocolMetrics,
    send: Callable[[bytes], None],
    is_open: Callable[[], bool],
    send_deferred: Callable[[bytes], None] | None = None,
    frame: tuple[str, bytes] | None = None,
    conn: Any = None,
) -> bool:
    """Route one decoded frame. Returns False when the connection must close.

    ``send_deferred`` sends the replies that wait for the commit (default
    ``send``; TCP joins those of one commit into one write). ``frame``:
    (transport, raw bytes), kept with records the database refuses.
    """
    tally = ingest.tally
    positions, events = decoded.positions, decoded.events
    tally.frame(metrics, len(positions), len(events))
    if not decoded.checksum_ok:
        metrics.checksum_mismatches.inc()
    if decoded.unknown is not None:
        metrics.unknown_messages.inc()
    if decoded.unknown_items:
        metrics.unknown_items.inc(decoded.unknown_items)
    if decoded.login is not None and not ingest.gate.admits(decoded.login):
        metrics.rejected.inc()
        ingest.guard.logs.note(metrics_name(metrics), "devices refused by the allow-list", "-",
                               level=logging.INFO, device=decoded.login)
        if decoded.reject_reply:
            send(decoded.reject_reply)
        return False
    if ingest.commands is not None and conn is not None and (decoded.login is not None
                                                             or decoded.answers):
        ingest.commands.seen(decoded, conn, metrics, send, is_open)  # register; route answers
    reply = decoded.reply
    if positions or events:
        if reply is not None and decoded.defer_reply:
            latency = metrics.ack_latency
            later = send_deferred or send

            def on_commit(reply: bytes = reply, submitted: float = monotonic()) -> None:
                if is_open():
                    later(reply)
                    tally.ack(metrics)
                    latency.observe(monotonic() - submitted)

            ingest.submit(positions, events, on_commit, frame)
            reply = None
        else:
            ingest.submit(positions, events, None, frame)
    elif reply is not None and decoded.defer_reply:
        # nothing to store but the reply waits for earlier records of this
        # session: keep the order by queueing an empty submission
        later_empty = send_deferred or send

        def on_commit(reply: bytes = reply) -> None:
            if is_open():
                later_empty(reply)

        ingest.submit((), (), on_commit)
        reply = None
    if reply is not None:
        send(reply)
    return not decoded.close


def metrics_name(metrics: ProtocolMetrics) -> str:
    return getattr(metrics, "name", "device")
