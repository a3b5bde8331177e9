"""What the gateway does with each ``Decoded``: the one place where decoded
frames meet the writer, the allow-list, replies and metrics. Shared by the
TCP and UDP listeners; no awaits (called from data_received)."""

from __future__ import annotations

import logging
from time import monotonic
from typing import Any, Callable

from protocols import Decoded, ProtocolError

from .metrics import ProtocolMetrics

__all__ = ["DeviceGate", "Ingest", "handle_decoded", "log_protocol_error"]

log = logging.getLogger("uvis.gateway")


class DeviceGate:
    """Decides whether a device may log in (identity lives here, not in protocols/)."""

    def __init__(self, register_unknown: bool, allowed: set[str] | frozenset[str] = frozenset()) -> None:
        self.register_unknown = register_unknown
        self.allowed = set(allowed)

    def admits(self, device_id: str) -> bool:
        return self.register_unknown or device_id in self.allowed


class Ingest:
    """What listeners hand decoded frames to: the writer's submit, the
    allow-list, and the raw frame archive (``archive_all``: every frame)."""

    def __init__(self, submit: Callable, gate: DeviceGate, archive: Any = None,
                 archive_all: bool = False) -> None:
        self.submit = submit
        self.gate = gate
        self.archive = archive
        self.archive_all = archive_all and archive is not None


def handle_decoded(
    decoded: Decoded,
    ingest: Ingest,
    metrics: ProtocolMetrics,
    send: Callable[[bytes], None],
    is_open: Callable[[], bool],
) -> bool:
    """Route one decoded frame. Returns False when the connection must close."""
    metrics.frames.inc()
    if not decoded.checksum_ok:
        metrics.checksum_mismatches.inc()
    if decoded.unknown is not None:
        metrics.unknown_messages.inc()
    if decoded.login is not None and not ingest.gate.admits(decoded.login):
        metrics.rejected.inc()
        log.info("%s device %s refused by the allow-list", metrics_name(metrics), decoded.login)
        if decoded.reject_reply:
            send(decoded.reject_reply)
        return False
    positions, events = decoded.positions, decoded.events
    reply = decoded.reply
    if positions or events:
        if positions:
            metrics.positions.inc(len(positions))
        if events:
            metrics.events.inc(len(events))
        if reply is not None and decoded.defer_reply:
            acks, latency = metrics.acks, metrics.ack_latency

            def on_commit(reply: bytes = reply, submitted: float = monotonic()) -> None:
                if is_open():
                    send(reply)
                    acks.inc()
                    latency.observe(monotonic() - submitted)

            ingest.submit(positions, events, on_commit)
            reply = None
        else:
            ingest.submit(positions, events, None)
    elif reply is not None and decoded.defer_reply:
        # nothing to store but the reply waits for earlier records of this
        # session: keep the order by queueing an empty submission
        def on_commit(reply: bytes = reply) -> None:
            if is_open():
                send(reply)

        ingest.submit((), (), on_commit)
        reply = None
    if reply is not None:
        send(reply)
    return not decoded.close


def metrics_name(metrics: ProtocolMetrics) -> str:
    return getattr(metrics, "name", "device")


def log_protocol_error(protocol: str, peer: object, exc: ProtocolError, device_id: str | None) -> None:
    log.warning("%s %s%s: %s [%s]", protocol, peer, f" ({device_id})" if device_id else "",
                exc, exc.hex_prefix)
