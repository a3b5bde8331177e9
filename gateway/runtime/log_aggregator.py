"""Aggregated, rate-limited log lines about peers, and making their text safe.

One log line per (protocol, cause) per interval instead of one per event
(``LogAggregator``, the guard's ``logs``); device-controlled text escaped
(``escape``) and peers reduced to their address (``host_of``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

__all__ = ["LogAggregator", "escape", "host_of"]

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
