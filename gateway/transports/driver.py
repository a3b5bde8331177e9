"""The one driver of sans-IO protocol connections, for every source.

A ``Driver`` feeds one connection (a TCP connection, a UDP peer, an MQTT
subscription, a ``decode`` session, a replayed session) and classifies what
comes out, so the rules live once:

* a ``Decoded`` value: a valid frame (login, position, event) proves the peer
  (its budget turns to the ratio); an unknown message is charged to the
  budget; with ``archive_all`` it is archived. The caller hands it on.
* a ``ProtocolError``: peer garbage. The rules count it, log it (aggregated,
  with a short hex prefix) and archive its bytes; the budget is charged. A
  fatal error (or a connection that closed itself) ends the session.
* anything else: a bug in protocols/. A live source counts it, logs it once
  per interval and archives the bytes, and the session ends (never a
  traceback per input, never the event loop's); ``decode`` and ``replay``
  let it surface.

What a source does with each outcome is its ``rules``: ``LiveRules`` (the
gateway's transports: metrics, the guard's aggregated logs and penalties, the
raw archive) or ``OfflineRules`` (``decode``/``replay``: counts and the first
error, described). After a step, ``driver.stop`` says why the session must
end, or is None.

Imports no asyncio (``uvis-gateway decode`` starts without it).
"""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

from protocols import Decoded, ProtocolError

__all__ = ["Driver", "Stop", "SKIP", "LiveRules", "OfflineRules", "is_valid", "describe"]

#: a step that yielded nothing to hand on (a bad frame was dealt with): go on
SKIP: Any = type("Skip", (), {"__repr__": lambda self: "SKIP", "__slots__": ()})()


class Stop(NamedTuple):
    """Why a session ends: ``abuse`` (its error budget is spent: an offence),
    ``closed`` (a fatal protocol error, or the connection closed itself) or
    ``bug`` (a decoder raised something other than a ProtocolError)."""

    reason: str
    detail: str


def is_valid(decoded: Decoded) -> bool:
    """A frame that proves a real device: a login, a position or an event."""
    return decoded.login is not None or bool(decoded.positions) or bool(decoded.events)


def describe(exc: ProtocolError) -> str:
    """``MalformedError: gt06: bad length [78780d01...]``: the type, the
    message and a short hex prefix of the bytes."""
    prefix = f" [{exc.hex_prefix}]" if exc.data else ""
    return f"{type(exc).__name__}: {exc}{prefix}"


class Driver:
    """Drives one sans-IO connection ``conn`` for one peer under ``rules``.

    Streams: ``receive(data)`` then ``next(now)`` until it returns None (each
    call decodes at most one frame: the caller bounds the work per turn).
    Frames (datagrams, MQTT payloads, archived frames): ``frame(data, now)``.
    Both return a ``Decoded`` to hand on, or ``SKIP``; ``stop`` is set when the
    session must end. ``budget``: the peer's error budget (None: no budget).
    """

    __slots__ = ("conn", "rules", "peer", "session", "budget", "stop")

    def __init__(self, conn: Any, rules: Any, peer: Any = None, session: int = 0,
                 budget: Any = None) -> None:
        self.conn = conn
        self.rules = rules
        self.peer = peer
        self.session = session
        self.budget = budget
        self.stop: Stop | None = None

    @property
    def device_id(self) -> str | None:
        return getattr(self.conn, "device_id", None)

    @property
    def proven(self) -> bool:
        """True once the peer sent a valid frame (always, without a budget)."""
        return self.budget is None or self.budget.valid

    # -- streams ---------------------------------------------------------------
    def receive(self, data: bytes) -> None:
        """Buffer bytes of the stream (ignored after the connection closed itself)."""
        if not getattr(self.conn, "closed", False):
            self.conn.receive_data(data)

    def next(self, now: Any) -> Any:
        """The next buffered frame decoded: a ``Decoded``, ``SKIP``, or None
        when no complete frame is buffered."""
        try:
            decoded = self.conn.next_decoded(now)
        except ProtocolError as exc:
            return self._bad(exc, b"")
        except Exception as exc:  # noqa: BLE001 - a decoder bug: the rules decide
            return self._bug(exc, b"")
        if decoded is None:
            return None
        return self._good(decoded, getattr(self.conn, "last_frame", b""))

    def received(self, size: int) -> None:
        """Charge ``size`` bytes to the budget of a peer not proven yet."""
        budget = self.budget
        if budget is not None and not budget.valid and self.stop is None:
            cause = budget.received(size)
            if cause is not None:
                self.stop = Stop("abuse", cause)

    # -- frames ----------------------------------------------------------------
    def frame(self, data: bytes, now: Any) -> Any:
        """One whole frame decoded: a ``Decoded`` or ``SKIP``."""
        try:
            decoded = self.conn.receive_frame(data, now)
        except ProtocolError as exc:
            return self._bad(exc, data)
        except Exception as exc:  # noqa: BLE001 - a decoder bug: the rules decide
            return self._bug(exc, data)
        return self._good(decoded, data)

    # -- the rules -------------------------------------------------------------
    def _good(self, decoded: Decoded, data: bytes) -> Any:
        budget = self.budget
        if budget is not None:
            if is_valid(decoded):
                if not budget.valid:
                    self.rules.proved(self)
                budget.good_frame()
            elif decoded.unknown is not None:
                cause = budget.bad_frame()
                if cause is not None:
                    self.stop = Stop("abuse", cause)
                    return SKIP
        self.rules.decoded(self, decoded, data)
        return decoded

    def bad(self, exc: ProtocolError, data: bytes) -> Any:
        """Input the caller found bad before decoding (an oversize datagram):
        the rules of a decoder's ProtocolError. Returns ``SKIP``."""
        return self._bad(exc, data)

    def _bad(self, exc: ProtocolError, data: bytes) -> Any:
        cause = self.rules.bad_input(self, exc, data)
        budget = self.budget
        if cause is None and budget is not None:
            cause = budget.bad_frame()
            if cause is None and not budget.valid:
                self.rules.unproven_error(self)
        if cause is not None:
            self.stop = Stop("abuse", cause)
        elif exc.fatal or getattr(self.conn, "closed", False):
            self.stop = Stop("closed", describe(exc))
        return SKIP

    def _bug(self, exc: Exception, data: bytes) -> Any:
        self.rules.decoder_bug(self, exc, data)  # OfflineRules: raises
        self.stop = Stop("bug", f"{type(exc).__name__}: {exc}")
        return SKIP


class OfflineRules:
    """``decode`` and ``replay``: no budget, no archive, no log; protocol
    errors are counted and the first one kept, described; a decoder bug
    surfaces (re-raised)."""

    __slots__ = ("errors", "first_error")

    def __init__(self) -> None:
        self.errors = 0
        self.first_error: str | None = None

    def take_error(self) -> str | None:
        """The first error since the last call (and forget it)."""
        error, self.first_error = self.first_error, None
        return error

    def proved(self, driver: Driver) -> None:
        pass

    def decoded(self, driver: Driver, decoded: Decoded, data: bytes) -> None:
        pass

    def unproven_error(self, driver: Driver) -> None:
        pass

    def bad_input(self, driver: Driver, exc: ProtocolError, data: bytes) -> str | None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = describe(exc)
        return None

    def decoder_bug(self, driver: Driver, exc: Exception, data: bytes) -> None:
        raise exc


class LiveRules:
    """The gateway's sources (TCP, HTTP, UDP, MQTT): ``ingest`` (its guard, its
    archive, ``archive_all``), the listener's or subscription's ``metrics``
    (gateway/runtime/metrics.py ProtocolMetrics), the protocol and transport
    names for logs and the archive. ``counts_prelogin``: the guard counts this
    source's connections before their first valid frame (TCP, HTTP);
    ``charges_address``: bad datagrams of a peer not proven yet are charged to
    its address across source ports (UDP)."""

    __slots__ = ("ingest", "metrics", "protocol", "transport", "counts_prelogin",
                 "charges_address", "_escape", "_host_of", "log_name")

    def __init__(self, ingest: Any, metrics: Any, protocol: str, transport: str, *,
                 log_name: str | None = None) -> None:
        from ..runtime.log_aggregator import escape, host_of  # asyncio: live sources only

        self.ingest = ingest
        self.metrics = metrics
        self.protocol = protocol
        self.transport = transport
        self.log_name = log_name or protocol
        self.counts_prelogin = transport in ("tcp", "http")
        self.charges_address = transport == "udp"
        self._escape = escape
        self._host_of = host_of

    def proved(self, driver: Driver) -> None:
        if self.counts_prelogin:
            self.ingest.guard.logged_in()

    def decoded(self, driver: Driver, decoded: Decoded, data: bytes) -> None:
        ingest = self.ingest
        if ingest.archive_all:
            ingest.archive.record(self.protocol, self.transport, driver.peer, driver.session,
                                  decoded.login or driver.device_id, data, None)

    def bad_input(self, driver: Driver, exc: ProtocolError, data: bytes) -> str | None:
        """Count it, fold it into the aggregated log line, archive it (within
        the archive's budget). A cause to cut the peer off, or None."""
        ingest = self.ingest
        self.metrics.decode_errors.inc()
        ingest.guard.logs.note(self.log_name, "malformed frames", driver.peer,
                               f"{exc} [{exc.hex_prefix}]", device=driver.device_id)
        if ingest.archive is not None:
            ingest.archive.record(self.protocol, self.transport, driver.peer, driver.session,
                                  driver.device_id, exc.frame or data or exc.data,
                                  self._escape(exc, 500))
        return None

    def unproven_error(self, driver: Driver) -> None:
        """A bad frame within the budget of a peer not proven yet: UDP charges
        it to the address across source ports (fresh ports do not reset it)."""
        if self.charges_address:
            guard = self.ingest.guard
            if guard.charge(self._host_of(driver.peer), self.protocol):
                guard.logs.note(self.protocol, "addresses penalized for repeated abuse", driver.peer)

    def decoder_bug(self, driver: Driver, exc: Exception, data: bytes) -> None:
        """A bug in protocols/ (tests/integration/test_hostile_fuzz.py hunts
        them): counted (uvis_decoder_bugs_total), logged once per interval with
        its type (no traceback per input) and its bytes archived for a replay
        after the fix; the session ends."""
        ingest = self.ingest
        self.metrics.decoder_bug()
        ingest.guard.logs.note(self.log_name, "decoder bugs (exceptions that are not protocol errors)",
                               driver.peer, f"{type(exc).__name__}: {exc}", level=logging.ERROR,
                               device=driver.device_id)
        if ingest.archive is not None:
            frame = data or getattr(driver.conn, "last_frame", b"")
            ingest.archive.record(self.protocol, self.transport, driver.peer, driver.session,
                                  driver.device_id, frame,
                                  self._escape(f"decoder bug: {type(exc).__name__}: {exc}", 500))

    def offence(self, driver: Driver, reason: str, detail: str, what: str) -> None:
        """A peer closed for abuse: counted, logged (aggregated), an offence of its address."""
        self.metrics.closed(reason)
        guard = self.ingest.guard
        guard.logs.note(self.protocol, what, driver.peer, detail, device=driver.device_id)
        self.strike(driver)

    def strike(self, driver: Driver) -> None:
        guard = self.ingest.guard
        if guard.strike(self._host_of(driver.peer)):
            guard.logs.note(self.protocol, "addresses penalized for repeated abuse", driver.peer)
