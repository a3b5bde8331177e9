"""UDP listeners: one datagram endpoint per port; identity per source address.

Each peer gets its own sans-IO connection object (``receive_frame`` takes one
datagram), kept in a bounded LRU that forgets peers idle for longer than the
session timeout.

Under the guard's rules (gateway/runtime/guard.py) like TCP: while the ingest queue is
above its high-water mark datagrams are dropped and counted (a device resends
what was not acknowledged), datagrams from a penalized address or larger than
the listener's ``max_frame_size`` are dropped undecoded, and every peer has an
error budget; a peer that spends it is an offence of its address.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any, Callable

from protocols import MalformedError, ProtocolError
from protocols._connection import ConnectionOptions

from ..runtime.archive import new_session_id
from ..runtime.guard import Budget, host_of
from ..runtime.metrics import ProtocolMetrics
from .driver import Ingest, bad_input, decoder_bug, handle_decoded, is_valid

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
        #: addr -> (connection, last seen, session id, budget)
        self._sessions: OrderedDict[Any, tuple[Any, float, int, Budget]] = OrderedDict()
        self.transport: asyncio.DatagramTransport | None = None
        self.accepting = True
        self.dropped = 0

    @property
    def sessions(self) -> int:
        return len(self._sessions)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def _session(self, addr: Any, now_mono: float) -> tuple[Any, int, Budget]:
        entry = self._sessions.pop(addr, None)
        if entry is None or now_mono - entry[1] > self._timeout:
            conn, session = self._factory(options=self._options), new_session_id()
            budget = Budget(self._ingest.guard.budget(self._protocol))
        else:
            conn, session, budget = entry[0], entry[2], entry[3]
        self._sessions[addr] = (conn, now_mono, session, budget)
        while len(self._sessions) > self._max:
            self._sessions.popitem(last=False)
        return conn, session, budget

    def _drop(self, reason: str, addr: Any, detail: str = "") -> None:
        self.dropped += 1
        self._metrics.dropped(reason)
        self._ingest.guard.logs.note(self._protocol, f"datagrams dropped ({reason})", addr, detail)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if not self.accepting:
            return
        ingest = self._ingest
        if ingest.paused:  # the ingest queue is full: memory stays bounded, devices resend
            self._drop("backpressure", addr)
            return
        guard = ingest.guard
        if guard.refused(host_of(addr)):
            self._drop("penalty", addr)
            return
        now_mono = time.monotonic()
        conn, session, budget = self._session(addr, now_mono)
        archive = ingest.archive
        transport = self.transport

        def send(reply: bytes) -> None:
            if transport is not None and not transport.is_closing():
                transport.sendto(reply, addr)

        try:
            if len(data) > self._options.max_frame_size:
                raise MalformedError(f"{self._protocol}: datagram of {len(data)} bytes exceeds the "
                                     f"maximum frame size", data=data)
            decoded = conn.receive_frame(data, datetime.now(timezone.utc))
        except ProtocolError as exc:
            cause = bad_input(ingest, self._metrics, self._protocol, "udp", addr, session,
                              conn.device_id, exc, budget, data)
            if cause is not None:
                self._offence(addr, cause)
            elif not budget.valid and guard.charge(host_of(addr), self._protocol):  # fresh ports do not reset it
                guard.logs.note(self._protocol, "addresses penalized for repeated abuse", addr)
            return
        except Exception as exc:  # a decoder bug: counted and logged once per interval
            decoder_bug(ingest, self._metrics, self._protocol, "udp", addr, session, conn, exc, data)
            self._sessions.pop(addr, None)
            return
        if is_valid(decoded):
            budget.good_frame()
        elif decoded.unknown is not None:
            cause = budget.bad_frame()
            if cause is not None:
                self._offence(addr, cause)
                return
        if ingest.archive_all:
            archive.record(self._protocol, "udp", addr, session, decoded.login or conn.device_id,
                           data, None)
        if not handle_decoded(decoded, ingest, self._metrics, send, self._is_open,
                              frame=("udp", data), conn=conn):
            self._sessions.pop(addr, None)

    def _offence(self, addr: Any, cause: str) -> None:
        """A peer spent its error budget: forget its session, strike its address."""
        self._sessions.pop(addr, None)
        self._metrics.closed("error_budget")
        guard = self._ingest.guard
        guard.logs.note(self._protocol, "peers over their error budget", addr, cause)
        if guard.strike(host_of(addr)):
            guard.logs.note(self._protocol, "addresses penalized for repeated abuse", addr)

    def _is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable etc.
        pass
