"""TCP device connections: one ``asyncio.Protocol`` per connection (accepted
by gateway/transports/listener.py).

``data_received`` never awaits: the driver (gateway/transports/driver.py)
feeds the sans-IO connection and applies the error, budget and archive
rules; this module sends immediate replies, submits records to the writer and
registers deferred ACKs (uvicorn's H11Protocol shape).

Every connection is held to the guard's rules (gateway/runtime/guard.py): caps at
accept (penalty, file descriptors, total, pre-login, per address), an error
budget, a deadline for the first valid frame and one for completing a started
frame (or HTTP request head: slowloris) apart from the idle timeout, and at
most ``read_budget_frames`` frames decoded per event-loop turn.

A login on a protocol that takes a model (gt06, meitrack) applies the device's
(gateway/runtime/devices.py): from the cache at once, else the session is held
(reading paused, nothing decoded) until the database answers.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
from datetime import datetime, timezone
from typing import Callable

from protocols._connection import ConnectionOptions

from ..runtime.archive import new_session_id
from ..runtime.devices import MISSING
from ..runtime.guard import in_networks
from ..runtime.budgets import Budget
from ..runtime.log_aggregator import host_of
from ..runtime.ingest import Ingest, handle_decoded
from ..runtime.metrics import ProtocolMetrics
from ..settings import ListenerSettings
from .connections import ConnectionSet
from .driver import SKIP, Driver, LiveRules
from .proxy import ProxyHeaderError, ProxyHeaderParser

__all__ = ["DeviceProtocol", "trusted_proxy"]

log = logging.getLogger("uvis.gateway")

WRITE_HIGH_WATER = 64 * 1024
WRITE_LOW_WATER = 16 * 1024
#: seconds a connection may take to send its PROXY header (capped by idle_timeout)
PROXY_HEADER_TIMEOUT = 10.0
#: bytes left in a connection's buffer that count as a started frame (fewer:
#: separators a framer keeps until the next frame)
PARTIAL_FRAME_BYTES = 4


@functools.lru_cache(maxsize=64)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def trusted_proxy(host: str, cidrs: tuple[str, ...]) -> bool:
    """True when ``host`` lies in one of ``cidrs`` (IPv4-mapped IPv6 counts as IPv4)."""
    return in_networks(host, _networks(tuple(cidrs)))


class DeviceProtocol(asyncio.Protocol):
    __slots__ = ("_factory", "_options", "_ingest", "_metrics", "_conns", "_idle", "transport",
                 "conn", "_last", "_timer", "_open", "_protocol", "_transport_name", "_proxy",
                 "_proxy_on", "_outbox", "_listener", "_host", "_driver", "_rules", "_counted",
                 "_opened_at", "_partial_since", "_turn_paused", "_loop", "on_made", "_models",
                 "_held")

    def __init__(self, protocol: str, factory: Callable, options: ConnectionOptions,
                 listener: ListenerSettings, ingest: Ingest, metrics: ProtocolMetrics,
                 conns: ConnectionSet) -> None:
        self._protocol = protocol
        self._factory = factory
        self._options = options
        self._listener = listener
        self._idle = listener.idle_timeout
        self._ingest = ingest
        self._metrics = metrics
        self._conns = conns
        self.transport: asyncio.Transport | None = None
        self.conn = None
        self._driver = Driver(None, None)
        self._rules: LiveRules | None = None
        self._host = "?"
        self._timer: asyncio.TimerHandle | None = None
        self._last = 0.0
        self._open = False
        self._counted = False
        self._transport_name = listener.transport
        self._proxy_on = listener.proxy_protocol
        self._proxy: ProxyHeaderParser | None = None
        self._outbox: list[bytes] | None = None
        self._opened_at = 0.0
        self._partial_since: float | None = None
        self._turn_paused = False
        self._loop: asyncio.AbstractEventLoop | None = None
        #: the device gate's models when this protocol takes one (else None)
        self._models = None
        #: True while a login waits for its device's model: nothing is decoded
        self._held = False
        #: set by the listener (gateway/transports/listener.py): called first in connection_made
        self.on_made: Callable[[], None] | None = None

    @property
    def peer(self) -> object:
        return self._driver.peer

    @property
    def _budget(self) -> Budget | None:
        return self._driver.budget

    # -- asyncio callbacks -------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        driver = self._driver
        driver.peer = transport.get_extra_info("peername")
        if self.on_made is not None:
            self.on_made()
        if not self._conns.accepting:
            transport.abort()
            return
        loop = self._loop = asyncio.get_running_loop()
        guard = self._ingest.guard
        self._host = host = host_of(self.peer)
        refusal = guard.admit(host, per_address=not self._proxy_on)
        if refusal is None and self._proxy_on and not trusted_proxy(host, self._listener.proxy_trusted):
            refusal = "untrusted_proxy"
        if refusal is not None:
            self._metrics.refused(refusal)
            guard.logs.note(self._protocol, f"connections refused ({refusal})", self.peer,
                            level=logging.WARNING if refusal in ("fd_limit", "untrusted_proxy")
                            else logging.INFO)
            transport.abort()
            return
        if self._proxy_on:  # per address: the client the header names, not the proxy
            self._host = None
        guard.opened(self._host)
        self._counted = True
        transport.set_write_buffer_limits(WRITE_HIGH_WATER, WRITE_LOW_WATER)
        self.conn = driver.conn = self._factory(options=self._options)
        if hasattr(self.conn, "set_model"):
            if self._listener.model:
                self.conn.set_model(self._listener.model)
            self._models = self._ingest.gate.models
        driver.budget = Budget(guard.budget(self._protocol))
        driver.rules = self._rules = LiveRules(self._ingest, self._metrics, self._protocol,
                                               self._transport_name)
        driver.session = new_session_id()
        self._open = True
        self._conns.live.add(self)
        self._metrics.connections.inc()
        self._metrics.connections_open.inc()
        self._last = self._opened_at = loop.time()
        if self._proxy_on:
            self._proxy = ProxyHeaderParser()
        self._arm()
        self.apply_pause()

    def data_received(self, data: bytes) -> None:
        loop = self._loop
        self._last = loop.time()
        if self._proxy is not None:
            data = self._proxy_header(data)
            if not data:
                return
        driver = self._driver
        driver.receive(data)  # after a fatal error the rest of the stream is dropped
        if self._held:  # bytes that were on their way: decoded once the model is known
            return
        self._drain()
        if self.is_open():  # bytes that yielded no valid frame count against the budget
            driver.received(len(data))
            if driver.stop is not None:
                self._stopped()

    def _drain(self) -> None:
        """Decode what is buffered, at most ``read_budget_frames`` frames per loop turn."""
        driver = self._driver
        conn = self.conn
        ingest = self._ingest
        left = ingest.guard.limits.read_budget_frames
        now = datetime.now(timezone.utc)
        while self._open and not self._held:
            if left <= 0:  # fairness: the rest after the other connections' turn
                if not self._turn_paused:
                    self._turn_paused = True
                    self.apply_pause()
                    self._loop.call_soon(self._next_turn)
                return
            left -= 1
            decoded = driver.next(now)
            if driver.stop is not None:
                self._stopped()
                return
            if decoded is SKIP:
                continue
            if decoded is None:
                break
            if not handle_decoded(decoded, ingest, self._metrics, self._send, self.is_open,
                                  self._send_later, (self._transport_name, conn.last_frame), conn):
                self.close()
                return
            if decoded.login is not None and self._models is not None:
                self._model_for(decoded.login)
        if self._held:
            return
        if getattr(conn, "buffered", 0) >= PARTIAL_FRAME_BYTES:
            if self._partial_since is None:
                self._partial_since = self._loop.time()
                self._arm()
        else:
            self._partial_since = None

    def _model_for(self, device_id: str) -> None:
        """Apply the model of the device that logged in: from the cache at once,
        else hold the session until the database answers (``_model_found``)."""
        model = self._models.cached(device_id)
        if model is not MISSING:
            self.conn.set_model(model or self._listener.model or None)
            return
        self._held = True
        self.apply_pause()
        self._models.lookup(device_id).add_done_callback(
            functools.partial(self._model_found, device_id))

    def _model_found(self, device_id: str, future: asyncio.Future) -> None:
        self._held = False
        if not self._open:
            return
        model = None if future.cancelled() else future.result()
        if self.conn.device_id == device_id:
            self.conn.set_model(model or self._listener.model or None)
        self.apply_pause()
        self._drain()

    def _stopped(self) -> None:
        """The driver ended the session: spent budget (an offence), a fatal
        error (an offence before any valid frame) or a decoder bug."""
        stop = self._driver.stop
        if stop.reason == "abuse":
            self._abuse("error_budget", stop.detail)
            return
        if stop.reason == "closed" and not self._driver.proven:  # a stream that never made sense
            self._rules.strike(self._driver)
        self.close()

    def _next_turn(self) -> None:
        self._turn_paused = False
        if not self._open:
            return
        self._drain()
        if not self._turn_paused:
            self.apply_pause()

    def eof_received(self) -> bool | None:
        return None  # close our side too; pending ACKs are dropped with the socket

    def connection_lost(self, exc: Exception | None) -> None:
        if self._open:
            self._open = False
            self._metrics.connections_open.dec()
        if self._counted:
            self._counted = False
            self._ingest.guard.closed(self._host, not self._driver.proven)
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
        if self._conns.paused or self._turn_paused or self._held:
            self.transport.pause_reading()
        else:
            self.transport.resume_reading()

    def _abuse(self, reason: str, detail: str) -> None:
        """Close for abuse: counted, logged (aggregated), an offence of the address."""
        self._rules.offence(self._driver, reason, detail, f"connections closed ({reason})")
        if self.transport is not None:
            self.transport.abort()  # nothing owed to this peer: no graceful close

    def _proxy_header(self, data: bytes) -> bytes | None:
        """Read the PROXY header; the bytes after it, or None (incomplete or closed)."""
        try:
            header = self._proxy.feed(data)
        except ProxyHeaderError as exc:
            self._proxy = None
            self._metrics.proxy_errors.inc()
            self._ingest.guard.logs.note(self._protocol, "bad PROXY headers", self.peer, f"{exc}; closing")
            self.close()
            return None
        if header is None:
            return None
        self._proxy = None
        if header.source is not None:
            log.debug("%s %s: PROXY v%d client %s", self._protocol, self.peer, header.version,
                      header.source)
            self._driver.peer = header.source
            guard = self._ingest.guard
            source = host_of(self.peer)
            refusal = guard.admit_source(source)
            if refusal is not None:
                self._metrics.refused(refusal)
                guard.logs.note(self._protocol, f"connections refused ({refusal})", self.peer,
                                level=logging.INFO)
                self.transport.abort()
                return None
            self._host = source  # counted: released at close
        return header.rest

    # -- deadlines ---------------------------------------------------------
    def _deadline(self) -> tuple[float, int, str] | None:
        """The earliest deadline of this connection and its name."""
        limits = self._ingest.guard.limits
        found: list[tuple[float, int, str]] = []
        if self._proxy is not None:
            first = min(self._idle, PROXY_HEADER_TIMEOUT) if self._idle > 0 else PROXY_HEADER_TIMEOUT
            found.append((self._opened_at + first, 0, "proxy"))
        if self._budget is not None and not self._budget.valid and limits.login_timeout > 0:
            found.append((self._opened_at + limits.login_timeout, 1, "login_timeout"))
        if self._partial_since is not None and limits.frame_timeout > 0:
            found.append((self._partial_since + limits.frame_timeout, 2, "frame_timeout"))
        if self._idle > 0:
            found.append((self._last + self._idle, 3, "idle"))
        return min(found) if found else None

    def _arm(self) -> None:
        deadline = self._deadline()
        if deadline is None:
            return
        if self._timer is not None:
            if self._timer.when() <= deadline[0]:
                return
            self._timer.cancel()
        self._timer = self._loop.call_at(deadline[0], self._check)

    def _check(self) -> None:
        self._timer = None
        if not self._open:
            return
        deadline = self._deadline()
        if deadline is None:
            return
        when, _, what = deadline
        now = self._loop.time()
        if when > now:
            self._timer = self._loop.call_at(when, self._check)
            return
        if what == "proxy":  # no complete PROXY header in time
            self._proxy = None
            self._metrics.proxy_errors.inc()
            self._ingest.guard.logs.note(self._protocol, "no PROXY header in time",
                                         self.peer, "closing")
            self.close()
        elif what == "idle":
            log.info("%s %s idle for %.0f s: closing", self._protocol, self.peer, now - self._last)
            self.close()
        else:
            limits = self._ingest.guard.limits
            self._abuse(what, "no valid frame within %g s" % limits.login_timeout
                        if what == "login_timeout" else
                        "a frame was not completed within %g s" % limits.frame_timeout)
