"""Every peer gets a budget: connection caps, error budgets, a penalty table
for repeated offenders and aggregated, rate-limited log lines.

One ``Guard`` per gateway process, shared by every listener (TCP, HTTP, UDP);
one ``Budget`` per connection (or UDP peer). Nothing here awaits or grows
without bound: the penalty table and the per-address counts are bounded
dicts, the log aggregator keeps one counter per (protocol, cause).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
import time
from collections import OrderedDict
from typing import Any

import msgspec

from ..settings.limits import LOOSER_BUDGETS, LimitsSettings

__all__ = ["Budget", "ErrorBudget", "Guard", "error_budget_for", "LogAggregator", "PenaltyTable", "escape", "host_of",
           "raise_nofile_limit"]

log = logging.getLogger("uvis.gateway")

_PRINTABLE = frozenset(range(0x20, 0x7F)) - {0x5C}


def escape(text: object, limit: int = 160) -> str:
    """Device-controlled text made safe for one log line: control characters,
    backslashes and non-ASCII as escapes, at most ``limit`` characters."""
    raw = str(text)
    if len(raw) > limit:
        raw = raw[:limit] + "..."
    if all(ord(c) in _PRINTABLE for c in raw):
        return raw
    return "".join(c if ord(c) in _PRINTABLE else
                   ("\\\\" if c == "\\" else c.encode("unicode_escape").decode("ascii")) for c in raw)


def host_of(peer: Any) -> str:
    """The address part of a peer ((host, port[, ...]) tuple, or text)."""
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer) if peer is not None else "?"


def raise_nofile_limit() -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard limit; returns (soft, hard) after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        target = max(soft, 1 << 20)
    else:
        target = hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-file limit from %d to %d: %s", soft, target, exc)
    return soft, hard


class PenaltyTable:
    """Addresses that were closed for abuse ``strikes`` times within ``seconds``
    are refused for ``seconds``. Bounded: the least recently struck entries go
    first."""

    def __init__(self, size: int, strikes: int, seconds: float) -> None:
        self._size = max(1, size)
        self._strikes = max(1, strikes)
        self._seconds = seconds
        #: host -> [strikes in the current window, window start, refused until]
        self._table: OrderedDict[str, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._table)

    def strike(self, host: str, now: float) -> bool:
        """Count one offence; True when the address is refused from now on."""
        entry = self._table.pop(host, None)
        if entry is None or now - entry[1] > self._seconds:
            entry = [0, now, entry[2] if entry is not None else 0.0]
        entry[0] += 1
        if entry[0] >= self._strikes:
            entry[2] = now + self._seconds
            entry[0], entry[1] = 0, now
        self._table[host] = entry
        while len(self._table) > self._size:
            self._table.popitem(last=False)
        return entry[2] > now

    def refused(self, host: str, now: float) -> bool:
        entry = self._table.get(host)
        return entry is not None and entry[2] > now

    def penalized(self, now: float) -> int:
        return sum(1 for entry in self._table.values() if entry[2] > now)


class LogAggregator:
    """One log line per (protocol, cause) per interval: the first event of a
    quiet cause is logged at once with its detail; the following ones are
    counted and summed up in one line when the interval ends ("h02: 48266
    malformed frames from 1204 addresses in the last 10 s")."""

    #: distinct addresses remembered per cause and interval (the count says "N+" past it)
    MAX_ADDRESSES = 10_000

    def __init__(self, interval: float, logger: logging.Logger = log, counter: Any = None) -> None:
        self.interval = interval
        self._log = logger
        #: a Prometheus counter of the events folded into sums (uvis_log_lines_suppressed_total)
        self._counter = counter
        #: (protocol, cause) -> [count, addresses, level, last line at]
        self._causes: dict[tuple[str, str], list[Any]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self.lines = 0
        self.suppressed = 0

    def note(self, protocol: str, cause: str, peer: Any, detail: str = "",
             level: int = logging.WARNING, device: str | None = None) -> None:
        key = (protocol, cause)
        now = time.monotonic()
        entry = self._causes.get(key)
        if entry is None:
            entry = self._causes[key] = [0, set(), level, -1e18]
        if entry[0] == 0 and now - entry[3] >= self.interval:
            entry[3] = now
            self._emit(level, "%s %s%s: %s%s", protocol, escape(peer),
                       f" ({escape(device)})" if device else "", cause,
                       f": {escape(detail)}" if detail else "",
                       extra={"protocol": protocol, "peer": escape(peer), "device": device,
                              "cause": cause, "count": 1})
            return
        entry[0] += 1
        if len(entry[1]) < self.MAX_ADDRESSES:
            entry[1].add(host_of(peer))
        self.suppressed += 1
        if self._counter is not None:
            self._counter.inc()
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_later(self.interval, self.flush)

    def flush(self) -> None:
        """Log the sums of the interval that ended."""
        self._timer = None
        now = time.monotonic()
        again = False
        for (protocol, cause), entry in self._causes.items():
            count, addresses = entry[0], entry[1]
            if not count:
                continue
            since = now - entry[3]
            entry[0], entry[1], entry[3] = 0, set(), now
            many = f"{len(addresses)}+" if len(addresses) >= self.MAX_ADDRESSES else str(len(addresses))
            self._emit(entry[2], "%s: %d %s from %s address%s in the last %.0f s", protocol, count,
                       cause, many, "" if len(addresses) == 1 else "es", since,
                       extra={"protocol": protocol, "cause": cause, "count": count,
                              "addresses": len(addresses)})
            again = True
        if again:  # a cause that keeps going is summed up again after the next interval
            self._schedule_quiet()

    def _schedule_quiet(self) -> None:
        try:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self.flush)
        except RuntimeError:
            self._timer = None

    def _emit(self, level: int, msg: str, *args: Any, extra: dict) -> None:
        self.lines += 1
        self._log.log(level, msg, *args, extra=extra)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.flush()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class ErrorBudget(msgspec.Struct, frozen=True, kw_only=True):
    """One protocol's error budget, resolved (``error_budget_for``)."""

    frames: int
    bytes: int
    ratio: float
    min_frames: int


_BUDGET_FIELDS = {"error_budget_frames": "frames", "error_budget_bytes": "bytes",
                  "error_ratio": "ratio", "error_ratio_min_frames": "min_frames"}


def error_budget_for(limits: LimitsSettings, protocol: str) -> ErrorBudget:
    """``protocol``'s budget: ``[limits]``, loosened by the protocol's built-in
    default (``LOOSER_BUDGETS``: the looser value applies), then the protocol's
    ``[[limits.protocols]]`` entry, which overrides both."""
    values = {short: getattr(limits, name) for name, short in _BUDGET_FIELDS.items()}
    for name, value in LOOSER_BUDGETS.get(protocol, {}).items():
        short = _BUDGET_FIELDS[name]
        # looser: more frames or bytes, a higher ratio; min_frames: more frames too
        values[short] = max(values[short], type(values[short])(value))
    from protocols.registry import UnknownProtocol, get

    for entry in limits.protocols:
        try:
            name = get(entry.protocol).name
        except UnknownProtocol:
            name = entry.protocol
        if name != protocol:
            continue
        for field, short in _BUDGET_FIELDS.items():
            value = getattr(entry, field)
            if value is not None:
                values[short] = value
    return ErrorBudget(**values)


class Budget:
    """One connection's (or UDP peer's) error budget.

    Before its first valid frame (a login, a position or an event) a peer may
    send ``frames`` bad frames (decode errors, unknown messages) and ``bytes``
    bytes; after it, bad frames may be at most ``ratio`` of the frames, counted
    over at least ``min_frames`` (halved as they go, so old behaviour fades).
    Each method returns the reason to close, or None. The numbers are the
    protocol's (``Guard.budget``).
    """

    __slots__ = ("limits", "valid", "bad", "good", "bytes")

    def __init__(self, limits: ErrorBudget) -> None:
        self.limits = limits
        self.valid = False
        self.bad = 0
        self.good = 0
        self.bytes = 0

    def received(self, size: int) -> str | None:
        if self.valid:
            return None
        self.bytes += size
        if self.bytes > self.limits.bytes:
            return f"no valid frame within {self.limits.bytes} bytes"
        return None

    def good_frame(self) -> None:
        self.valid = True
        self.good += 1
        if self.good + self.bad >= 4 * self.limits.min_frames:
            self.good //= 2
            self.bad //= 2

    def bad_frame(self) -> str | None:
        self.bad += 1
        limits = self.limits
        if not self.valid:
            if self.bad > limits.frames:
                return f"{self.bad} bad frames before a valid one"
            return None
        total = self.good + self.bad
        if total >= limits.min_frames and self.bad > limits.ratio * total:
            return f"{self.bad} of its last {total} frames were bad"
        return None


class Guard:
    """Process-wide admission: caps, penalties, file descriptors; the log aggregator."""

    def __init__(self, limits: LimitsSettings, metrics: Any = None) -> None:
        self.limits = limits
        self.metrics = metrics
        self.penalties = PenaltyTable(limits.penalty_table_size, limits.penalty_strikes,
                                      limits.penalty_seconds)
        self.logs = LogAggregator(limits.log_interval, counter=getattr(metrics, "log_lines_suppressed", None))
        self.open = 0
        self.prelogin = 0
        self._per_address: dict[str, int] = {}
        #: UDP: bad datagrams per address not yet charged as an offence (bounded)
        self._errors: dict[str, int] = {}
        self._exempt = tuple(ipaddress.ip_network(c, strict=False) for c in limits.exempt_networks)
        self._exempt_seen: dict[str, bool] = {}
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.fd_limit = soft if soft != resource.RLIM_INFINITY else 1 << 20
        #: device connections past this wait in the listen backlog: listeners
        #: stop accepting (fds kept for the API and the database)
        self.fd_cap = max(16, self.fd_limit - limits.fd_reserve)
        self.fd_near = False
        #: sockets accepted whose connection is not made yet (TLS handshakes)
        self.handshaking = 0
        #: listeners not accepting now (gateway/transports/listener.py), to resume when fds free up
        self._paused: set[Any] = set()
        #: protocol -> its resolved error budget
        self._budgets: dict[str, ErrorBudget] = {}

    def budget(self, protocol: str) -> ErrorBudget:
        """The error budget of ``protocol`` (``error_budget_for``, resolved once)."""
        found = self._budgets.get(protocol)
        if found is None:
            found = self._budgets[protocol] = error_budget_for(self.limits, protocol)
        return found

    # -- accept pauses (gateway/transports/listener.py) --------------------------------
    def fd_room(self) -> bool:
        """True while one more device connection fits below ``fd_cap``."""
        return self.open + self.handshaking < self.fd_cap

    def accept_paused(self, listener: Any, why: str) -> None:
        """``listener`` stopped accepting: new connections wait in its backlog."""
        self._paused.add(listener)
        self._set_fd_near(True)
        if self.metrics is not None:
            self.metrics.accept_paused.set(1)
        self.logs.note(getattr(listener, "name", "tcp"), "accept pauses (open files near the limit)",
                       "-", f"{why}; {self.open} connections open, limit {self.fd_limit}, "
                       f"reserve {self.limits.fd_reserve}")

    def accept_resumed(self, listener: Any) -> None:
        self._paused.discard(listener)
        if not self._paused and self.metrics is not None:
            self.metrics.accept_paused.set(0)
        if self.fd_near and self.open < self.fd_cap * 0.9:
            self._set_fd_near(False)

    def maybe_resume(self) -> None:
        """A descriptor freed up: paused listeners accept again while there is room."""
        while self._paused and self.fd_room():
            listener = self._paused.pop()
            listener.resume()
            self.accept_resumed(listener)

    def _set_fd_near(self, near: bool) -> None:
        if near != self.fd_near:
            self.fd_near = near
            if self.metrics is not None:
                self.metrics.fd_limit_near.set(1 if near else 0)

    # -- TCP connections ---------------------------------------------------
    def exempt(self, host: str) -> bool:
        """True for addresses in ``exempt_networks`` (no per-address cap, no penalty)."""
        if not self._exempt:
            return False
        found = self._exempt_seen.get(host)
        if found is None:
            try:
                address = ipaddress.ip_address(host.split("%", 1)[0])
            except ValueError:
                return False
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
                address = address.ipv4_mapped
            found = any(address in net for net in self._exempt if net.version == address.version)
            if len(self._exempt_seen) >= 4096:
                self._exempt_seen.clear()
            self._exempt_seen[host] = found
        return found

    def admit(self, host: str, per_address: bool = True) -> str | None:
        """None, or why a new connection from ``host`` is refused. ``per_address``
        False: the per-address rules wait for the real source (PROXY header)."""
        limits = self.limits
        exempt = self.exempt(host) or not per_address
        if not exempt and self.penalties.refused(host, time.monotonic()):
            return "penalty"
        if self.open >= self.fd_cap:  # listeners pause before; a connection made elsewhere
            self._set_fd_near(True)
            return "fd_limit"
        if self.fd_near and not self._paused and self.open < self.fd_cap * 0.9:
            self._set_fd_near(False)
        if self.open >= limits.max_connections:
            return "max_connections"
        if self.prelogin >= limits.max_prelogin_connections:
            return "max_prelogin_connections"
        if not exempt and self._per_address.get(host, 0) >= limits.max_connections_per_address:
            return "max_connections_per_address"
        return None

    def admit_source(self, host: str) -> str | None:
        """The per-address rules for the client a PROXY header names; counts it when admitted."""
        if self.exempt(host):
            return None
        if self.penalties.refused(host, time.monotonic()):
            return "penalty"
        if self._per_address.get(host, 0) >= self.limits.max_connections_per_address:
            return "max_connections_per_address"
        self._per_address[host] = self._per_address.get(host, 0) + 1
        return None

    def opened(self, host: str | None) -> None:
        """A connection admitted; ``host`` None: counted per address later (admit_source)."""
        self.open += 1
        self.prelogin += 1
        if host is not None:
            self._per_address[host] = self._per_address.get(host, 0) + 1

    def logged_in(self) -> None:
        self.prelogin -= 1

    def closed(self, host: str | None, prelogin: bool) -> None:
        self.open -= 1
        if prelogin:
            self.prelogin -= 1
        if self._paused:
            self.maybe_resume()
        if host is None:
            return
        left = self._per_address.get(host, 0) - 1
        if left > 0:
            self._per_address[host] = left
        else:
            self._per_address.pop(host, None)

    def connections_from(self, host: str) -> int:
        return self._per_address.get(host, 0)

    def strike(self, host: str) -> bool:
        """An offence by ``host``; True when it is refused from now on."""
        if self.exempt(host):
            return False
        refused = self.penalties.strike(host, time.monotonic())
        if refused and self.metrics is not None:
            self.metrics.penalized_addresses.set(self.penalties.penalized(time.monotonic()))
        return refused

    def refused(self, host: str) -> bool:
        return self.penalties.refused(host, time.monotonic())

    def charge(self, host: str, protocol: str) -> bool:
        """A bad datagram from ``host`` before any valid one from that peer:
        every ``protocol``'s budget of frames of them (over all its source
        ports) are an offence. True when the address is refused from now on."""
        if self.exempt(host):
            return False
        errors = self._errors.pop(host, 0) + 1
        if errors > self.budget(protocol).frames:
            return self.strike(host)
        self._errors[host] = errors
        while len(self._errors) > self.limits.penalty_table_size:
            del self._errors[next(iter(self._errors))]
        return False

    def close(self) -> None:
        self.logs.close()
