"""UDP listeners: one datagram endpoint per port; identity per source address.

Each peer gets its own sans-IO connection object (``receive_frame`` takes one
datagram) and driver (gateway/transports/driver.py: the error, budget and
archive rules), kept in a bounded LRU that forgets peers idle for longer than the
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

from protocols import MalformedError
from protocols._connection import ConnectionOptions

from ..runtime.archive import new_session_id
from ..runtime.devices import MISSING
from ..runtime.budgets import Budget
from ..runtime.log_aggregator import host_of
from ..runtime.ingest import Ingest, handle_decoded
from ..runtime.metrics import ProtocolMetrics
from .driver import SKIP, Driver, LiveRules

__all__ = ["DatagramListener"]


class DatagramListener(asyncio.DatagramProtocol):
    def __init__(self, protocol: str, factory: Callable, options: ConnectionOptions, ingest: Ingest,
                 metrics: ProtocolMetrics, max_sessions: int, session_timeout: float,
                 model: str = "") -> None:
        self._protocol = protocol
        self._factory = factory
        self._options = options
        self._ingest = ingest
        self._metrics = metrics
        self._max = max_sessions
        self._timeout = session_timeout
        self._rules = LiveRules(ingest, metrics, protocol, "udp")
        #: the listener's default model; the device gate's models when the protocol takes one
        self._model = model
        self._models = ingest.gate.models if hasattr(factory, "set_model") else None
        #: addr -> (driver, last seen)
        self._sessions: OrderedDict[Any, tuple[Driver, float]] = OrderedDict()
        self.transport: asyncio.DatagramTransport | None = None
        self.accepting = True
        self.dropped = 0

    @property
    def sessions(self) -> int:
        return len(self._sessions)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def _session(self, addr: Any, now_mono: float) -> Driver:
        entry = self._sessions.pop(addr, None)
        if entry is None or now_mono - entry[1] > self._timeout:
            conn = self._factory(options=self._options)
            if self._model and hasattr(conn, "set_model"):
                conn.set_model(self._model)
            driver = Driver(conn, self._rules, addr, new_session_id(),
                            Budget(self._ingest.guard.budget(self._protocol)))
        else:
            driver = entry[0]
        self._sessions[addr] = (driver, now_mono)
        while len(self._sessions) > self._max:
            self._sessions.popitem(last=False)
        return driver

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
        driver = self._session(addr, time.monotonic())
        transport = self.transport

        def send(reply: bytes) -> None:
            if transport is not None and not transport.is_closing():
                transport.sendto(reply, addr)

        if len(data) > self._options.max_frame_size:  # bad input, never decoded
            decoded = driver.bad(MalformedError(
                f"{self._protocol}: datagram of {len(data)} bytes exceeds the maximum frame size",
                data=data), data)
        else:
            decoded = driver.frame(data, datetime.now(timezone.utc))
        stop, driver.stop = driver.stop, None
        if stop is not None and stop.reason != "closed":  # spent budget or a decoder bug
            self._sessions.pop(addr, None)
            if stop.reason == "abuse":
                self._rules.offence(driver, "error_budget", stop.detail, "peers over their error budget")
            return
        if decoded is SKIP:  # a fatal error keeps the peer's session: each datagram stands alone
            return
        if not handle_decoded(decoded, ingest, self._metrics, send, self._is_open,
                              frame=("udp", data), conn=driver.conn):
            self._sessions.pop(addr, None)
        elif decoded.login is not None and self._models is not None:
            self._model_for(driver.conn, decoded.login)

    def _model_for(self, conn: Any, device_id: str) -> None:
        """The model of the device that logged in, from the cache at once, else
        when the database answers (each datagram stands alone: none is held)."""
        model = self._models.cached(device_id)
        if model is not MISSING:
            conn.set_model(model or self._model or None)
            return

        def found(future: asyncio.Future) -> None:
            if not future.cancelled() and conn.device_id == device_id:
                conn.set_model(future.result() or self._model or None)

        self._models.lookup(device_id).add_done_callback(found)

    def _is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable etc.
        pass
