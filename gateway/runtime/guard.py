"""Every peer gets a budget: connection caps, error budgets, a penalty table
for repeated offenders and aggregated, rate-limited log lines.

One ``Guard`` per gateway process, shared by every listener (TCP, HTTP, UDP):
admission (total, pre-login and per-address caps, exempt networks, penalties)
and the UDP charge of bad datagrams here; one ``Budget`` per connection (or UDP
peer) and the ``PenaltyTable`` in gateway/runtime/budgets.py; the file
descriptor reserve in gateway/runtime/fd_reserve.py; the aggregated log lines
in gateway/runtime/log_aggregator.py. Nothing here awaits or grows without
bound: the penalty table and the per-address counts are bounded dicts, the
log aggregator keeps one counter per (protocol, cause).
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from ..settings.limits import LimitsSettings
from .budgets import ErrorBudget, PenaltyTable, error_budget_for
from .fd_reserve import FdReserve
from .log_aggregator import LogAggregator

__all__ = ["Guard", "in_networks"]


def in_networks(host: str, networks: tuple) -> bool:
    """True when the address ``host`` (a zone suffix ignored, IPv4-mapped IPv6 as
    IPv4) lies in one of ``networks`` (ipaddress networks); False for a name."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in net for net in networks if net.version == address.version)


class Guard(FdReserve):
    """Process-wide admission: caps, penalties, file descriptors (``FdReserve``); the log
    aggregator."""

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
        self._init_fds(limits)
        #: protocol -> its resolved error budget
        self._budgets: dict[str, ErrorBudget] = {}

    def budget(self, protocol: str) -> ErrorBudget:
        """The error budget of ``protocol`` (``error_budget_for``, resolved once)."""
        found = self._budgets.get(protocol)
        if found is None:
            found = self._budgets[protocol] = error_budget_for(self.limits, protocol)
        return found

    # -- TCP connections ---------------------------------------------------
    def exempt(self, host: str) -> bool:
        """True for addresses in ``exempt_networks`` (no per-address cap, no penalty)."""
        if not self._exempt:
            return False
        found = self._exempt_seen.get(host)
        if found is None:
            found = in_networks(host, self._exempt)
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
