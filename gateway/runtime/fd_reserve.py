"""File descriptors kept for the API, the database and the logs.

``raise_nofile_limit`` lifts the soft RLIMIT_NOFILE at start. ``FdReserve``
(a part of ``Guard``) keeps device connections below the limit minus
``fd_reserve``: past it the listeners stop accepting and new connections wait
in the listen backlog (``uvis_accept_paused``, ``uvis_fd_limit_near``) until a
descriptor frees up.
"""

from __future__ import annotations

import logging
import resource
from typing import Any

from ..settings.limits import LimitsSettings

__all__ = ["FdReserve", "raise_nofile_limit"]

log = logging.getLogger("uvis.gateway")


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


class FdReserve:
    """The file-descriptor part of ``Guard``: its ``open`` connections, ``handshaking``
    sockets, ``metrics`` and ``logs`` are the guard's."""

    open: int
    limits: LimitsSettings
    metrics: Any
    logs: Any

    def _init_fds(self, limits: LimitsSettings) -> None:
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
