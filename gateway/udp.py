"""UDP listeners: one datagram endpoint per port; identity per source address.

Each peer gets its own sans-IO connection object (``receive_frame`` takes one
datagram), kept in a bounded LRU that forgets peers idle for longer than the
session timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, Callable

from protocols import ProtocolError
from protocols._connection import ConnectionOptions

from .metrics import ProtocolMetrics
from .archive import new_session_id
from .session import Ingest, handle_decoded, log_protocol_error

__all__ = ["DatagramListener"]


class DatagramListener(asyncio.DatagramProtocol):
    def __init__(self, protocol: str, factory: Callable, options: ConnectionOptions, ingest: Ingest,
                 metrics: ProtocolMetrics, max_sessions: int, session_timeout: float) -> None:
        self._protocol = protocol
        self._factory = factory
        self._options = options
        self._ingest = ingest
        self._metrics = metrics
        self._max = max_sessions
        self._timeout = session_timeout
        self._sessions: OrderedDict[Any, tuple[Any, float, int]] = OrderedDict()
        self.transport: asyncio.DatagramTransport | None = None
        self.accepting = True

    @property
    def sessions(self) -> int:
        return len(self._sessions)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def _session(self, addr: Any, now_mono: float) -> tuple[Any, int]:
        entry = self._sessions.pop(addr, None)
        if entry is None or now_mono - entry[1] > self._timeout:
            conn, session = self._factory(options=self._options), new_session_id()
        else:
            conn, session = entry[0], entry[2]
        self._sessions[addr] = (conn, now_mono, session)
        while len(self._sessions) > self._max:
            self._sessions.popitem(last=False)
        return conn, session

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if not self.accepting:
            return
        now_mono = time.monotonic()
        conn, session = self._session(addr, now_mono)
        archive = self._ingest.archive
        transport = self.transport

        def send(reply: bytes) -> None:
            if transport is not None and not transport.is_closing():
                transport.sendto(reply, addr)

        try:
            decoded = conn.receive_frame(data, datetime.now(timezone.utc))
        except ProtocolError as exc:
            self._metrics.decode_errors.inc()
            log_protocol_error(self._protocol, addr, exc, getattr(conn, "device_id", None))
            if archive is not None:
                archive.record(self._protocol, "udp", addr, session, conn.device_id, data, str(exc))
            return
        if self._ingest.archive_all:
            archive.record(self._protocol, "udp", addr, session, decoded.login or conn.device_id,
                           data, None)
        if not handle_decoded(decoded, self._ingest, self._metrics, send, self._is_open,
                              frame=("udp", data)):
            self._sessions.pop(addr, None)

    def _is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable etc.
        pass
