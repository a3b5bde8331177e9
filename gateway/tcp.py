"""TCP listeners: one ``asyncio.Protocol`` per device connection.

``data_received`` never awaits: it feeds the sans-IO connection, sends
immediate replies, submits records to the writer and registers deferred ACKs
(uvicorn's H11Protocol shape).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import Callable

from protocols import ProtocolError
from protocols._connection import ConnectionOptions

from .metrics import ProtocolMetrics
from .archive import new_session_id
from .proxy import ProxyHeaderError, ProxyHeaderParser
from .session import Ingest, handle_decoded, log_protocol_error
from .settings import ListenerSettings

__all__ = ["DeviceProtocol", "ConnectionSet"]

log = logging.getLogger("uvis.gateway")

WRITE_HIGH_WATER = 64 * 1024
WRITE_LOW_WATER = 16 * 1024
#: seconds a connection may take to send its PROXY header (capped by idle_timeout)
PROXY_HEADER_TIMEOUT = 10.0


class ConnectionSet:
    """Open TCP device connections; pauses and resumes them all on back-pressure."""

    def __init__(self) -> None:
        self.live: set[DeviceProtocol] = set()
        self.paused = False
        self.accepting = True
        self._empty: asyncio.Event | None = None
        #: connections holding replies released by a commit, written at the end of the loop turn
        self._dirty: list[DeviceProtocol] = []

    def queue_reply(self, proto: "DeviceProtocol", data: bytes) -> None:
        """A reply released by a commit: the replies a connection gets from one
        commit go out in one write, all connections' at the end of the loop turn
        (under load a commit releases several ACKs per device; one write syscall
        each was a fifth of the gateway's CPU)."""
        outbox = proto._outbox
        if outbox is not None:
            outbox.append(data)
            return
        proto._outbox = [data]
        if not self._dirty:
            asyncio.get_running_loop().call_soon(self._flush_replies)
        self._dirty.append(proto)

    def _flush_replies(self) -> None:
        dirty, self._dirty = self._dirty, []
        for proto in dirty:
            proto.flush_replies()

    def discard(self, proto: "DeviceProtocol") -> None:
        self.live.discard(proto)
        if not self.live and self._empty is not None:
            self._empty.set()

    async def wait_empty(self, timeout: float) -> bool:
        """Wait until every connection is gone; False on timeout."""
        if not self.live:
            return True
        self._empty = asyncio.Event()
        try:
            await asyncio.wait_for(self._empty.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        for proto in list(self.live):
            proto.apply_pause()


class DeviceProtocol(asyncio.Protocol):
    __slots__ = ("_factory", "_options", "_ingest", "_metrics", "_conns", "_idle", "transport",
                 "conn", "peer", "_last", "_timer", "_open", "_protocol", "_errors_logged",
                 "_session", "_transport_name", "_proxy", "_proxy_on", "_outbox")

    def __init__(self, protocol: str, factory: Callable, options: ConnectionOptions,
                 listener: ListenerSettings, ingest: Ingest, metrics: ProtocolMetrics,
                 conns: ConnectionSet) -> None:
        self._protocol = protocol
        self._factory = factory
        self._options = options
        self._idle = listener.idle_timeout
        self._ingest = ingest
        self._metrics = metrics
        self._conns = conns
        self.transport: asyncio.Transport | None = None
        self.conn = None
        self.peer = None
        self._timer: asyncio.TimerHandle | None = None
        self._last = 0.0
        self._open = False
        self._errors_logged = 0
        self._session = 0
        self._transport_name = listener.transport
        self._proxy_on = listener.proxy_protocol
        self._proxy: ProxyHeaderParser | None = None
        self._outbox: list[bytes] | None = None

    # -- asyncio callbacks -------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.peer = transport.get_extra_info("peername")
        if not self._conns.accepting:
            transport.abort()
            return
        transport.set_write_buffer_limits(WRITE_HIGH_WATER, WRITE_LOW_WATER)
        self.conn = self._factory(options=self._options)
        self._open = True
        self._conns.live.add(self)
        self._metrics.connections.inc()
        self._metrics.connections_open.inc()
        self._last = time.monotonic()
        self._session = new_session_id()
        if self._proxy_on:
            self._proxy = ProxyHeaderParser()
            first = min(self._idle, PROXY_HEADER_TIMEOUT) if self._idle > 0 else PROXY_HEADER_TIMEOUT
            self._timer = asyncio.get_running_loop().call_later(first, self._check_idle)
        elif self._idle > 0:
            self._timer = asyncio.get_running_loop().call_later(self._idle, self._check_idle)
        self.apply_pause()

    def data_received(self, data: bytes) -> None:
        self._last = time.monotonic()
        if self._proxy is not None:
            data = self._proxy_header(data)
            if not data:
                return
        conn = self.conn
        now = datetime.now(timezone.utc)
        conn.receive_data(data)
        ingest = self._ingest
        while self._open:
            try:
                decoded = conn.next_decoded(now)
            except ProtocolError as exc:
                self._on_error(exc)
                if ingest.archive is not None:
                    ingest.archive.record(self._protocol, self._transport_name, self.peer, self._session,
                                          conn.device_id, exc.frame or exc.data, str(exc))
                if exc.fatal or getattr(conn, "closed", False):
                    self.close()
                    return
                continue
            if decoded is None:
                return
            if ingest.archive_all:
                ingest.archive.record(self._protocol, self._transport_name, self.peer, self._session,
                                      decoded.login or conn.device_id, conn.last_frame, None)
            if not handle_decoded(decoded, self._ingest, self._metrics, self._send, self.is_open,
                                  self._send_later, (self._transport_name, conn.last_frame)):
                self.close()
                return

    def eof_received(self) -> bool | None:
        return None  # close our side too; pending ACKs are dropped with the socket

    def connection_lost(self, exc: Exception | None) -> None:
        if self._open:
            self._open = False
            self._metrics.connections_open.dec()
        self._conns.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- helpers -----------------------------------------------------------
    def is_open(self) -> bool:
        return self._open and self.transport is not None and not self.transport.is_closing()

    def _send(self, data: bytes) -> None:
        if self._outbox is not None:  # replies released earlier go first
            self.flush_replies()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _send_later(self, data: bytes) -> None:
        self._conns.queue_reply(self, data)

    def flush_replies(self) -> None:
        outbox, self._outbox = self._outbox, None
        if outbox and self.transport is not None and not self.transport.is_closing():
            self.transport.write(outbox[0] if len(outbox) == 1 else b"".join(outbox))

    def close(self) -> None:
        if self._outbox is not None:
            self.flush_replies()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def apply_pause(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if self._conns.paused:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()

    def _on_error(self, exc: ProtocolError) -> None:
        self._metrics.decode_errors.inc()
        if self._errors_logged < 5:
            self._errors_logged += 1
            log_protocol_error(self._protocol, self.peer, exc, getattr(self.conn, "device_id", None))

    def _proxy_header(self, data: bytes) -> bytes | None:
        """Read the PROXY header; the bytes after it, or None (incomplete or closed)."""
        try:
            header = self._proxy.feed(data)
        except ProxyHeaderError as exc:
            self._proxy = None
            self._metrics.proxy_errors.inc()
            log.warning("%s %s: %s; closing", self._protocol, self.peer, exc)
            self.close()
            return None
        if header is None:
            return None
        self._proxy = None
        if header.source is not None:
            log.debug("%s %s: PROXY v%d client %s", self._protocol, self.peer, header.version,
                      header.source)
            self.peer = header.source
        return header.rest

    def _check_idle(self) -> None:
        self._timer = None
        if not self._open:
            return
        if self._proxy is not None:  # no complete PROXY header in time
            self._proxy = None
            self._metrics.proxy_errors.inc()
            log.warning("%s %s: no PROXY header in time; closing", self._protocol, self.peer)
            self.close()
            return
        if self._idle <= 0:
            return
        idle_for = time.monotonic() - self._last
        if idle_for >= self._idle:
            log.info("%s %s idle for %.0f s: closing", self._protocol, self.peer, idle_for)
            self.close()
            return
        self._timer = asyncio.get_running_loop().call_later(self._idle - idle_for, self._check_idle)
