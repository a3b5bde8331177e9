"""A TCP listener that owns its listening sockets, so it can stop accepting.

asyncio's ``Server`` (and uvloop's) has no pause: near the open-file limit
the gateway could only accept a connection and close it at once, which the
device sees as a reset. Here the listener accepts itself: a reader on the
listening socket, ``sock.accept()`` and ``loop.connect_accepted_socket``
(plain or TLS, on uvloop and asyncio alike). While the process is within its
file-descriptor reserve (``Guard.fd_room``) or ``accept`` fails for want of
descriptors (EMFILE, ENFILE), the reader is removed: new connections wait in
the kernel's backlog instead of being reset, and are accepted when a
connection closes (``Guard.closed`` resumes the paused listeners) or on a
short timer.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import ssl
from typing import Callable

from ..runtime.guard import Guard

__all__ = ["TcpListener", "RETRY_SECONDS"]

log = logging.getLogger("uvis.gateway")

#: seconds between two looks while paused (the resume on a closed connection comes first)
RETRY_SECONDS = 0.5
#: connections accepted per readiness callback (the rest on the next loop turn)
ACCEPTS_PER_TURN = 128
#: accept() errors that mean "no descriptor (or memory) now": pause and retry
_RESOURCE_ERRORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def _bind(host: str | None, port: int, backlog: int, reuse_port: bool) -> list[socket.socket]:
    """Listening sockets for (host, port), as ``loop.create_server`` makes them."""
    infos = socket.getaddrinfo(host or None, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                               socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    seen: set = set()
    try:
        for family, kind, proto, _, address in infos:
            if (family, address) in seen:
                continue
            seen.add((family, address))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(backlog)
            sock.setblocking(False)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class TcpListener:
    """Accepts device connections on one (host, port) and hands each to
    ``factory``'s protocol; pauses accepting near the open-file limit."""

    def __init__(self, name: str, factory: Callable[[], asyncio.Protocol], guard: Guard,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.name = name
        self._factory = factory
        self._guard = guard
        self._ssl = ssl_context
        self.sockets: list[socket.socket] = []
        self.paused = False
        self.closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        #: connect_accepted_socket in progress (a TLS handshake): kept alive here
        self._pending: set[asyncio.Task] = set()

    async def start(self, host: str | None, port: int, *, backlog: int = 4096,
                    reuse_port: bool = False) -> None:
        self._loop = asyncio.get_running_loop()
        self.sockets = _bind(host, port, backlog, reuse_port)
        self._resume()

    @property
    def port(self) -> int:
        return self.sockets[0].getsockname()[1]

    # -- accepting -----------------------------------------------------------
    def _on_readable(self, sock: socket.socket) -> None:
        guard = self._guard
        for turn in range(ACCEPTS_PER_TURN):
            if not guard.fd_room():
                if turn == 0:  # a connection waits and there is no room: pause
                    self._pause("open files near the limit")
                return  # else: the reader fires again if one waits
            try:
                conn, peer = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _RESOURCE_ERRORS:
                    self._pause(f"accept: {exc.strerror}")
                    return
                continue  # ECONNABORTED and the like: that client is gone, not us
            conn.setblocking(False)
            if conn.family in (socket.AF_INET, socket.AF_INET6):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            guard.handshaking += 1
            task = self._loop.create_task(self._connect(conn, peer))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _connect(self, conn: socket.socket, peer: object) -> None:
        """Make the connection; counted in ``guard.handshaking`` until its
        protocol's ``connection_made`` (then the guard counts it as open)."""
        guard = self._guard
        counted = True

        def made() -> None:
            nonlocal counted
            if counted:
                counted = False
                guard.handshaking -= 1

        def factory() -> asyncio.Protocol:
            proto = self._factory()
            proto.on_made = made
            return proto

        try:  # on failure the loop's transport owns the socket and has closed it
            await self._loop.connect_accepted_socket(factory, conn, ssl=self._ssl)
        except (OSError, ssl.SSLError, asyncio.TimeoutError, ConnectionError) as exc:
            guard.logs.note(self.name, "TLS handshakes failed" if self._ssl else
                            "connections lost at accept", peer, str(exc), level=logging.INFO)
        finally:
            made()
            guard.maybe_resume()

    def _pause(self, why: str) -> None:
        if self.paused or self.closed:
            return
        self.paused = True
        for sock in self.sockets:
            self._loop.remove_reader(sock.fileno())
        self._guard.accept_paused(self, why)
        self._timer = self._loop.call_later(RETRY_SECONDS, self._retry)

    def _retry(self) -> None:
        self._timer = None
        if self.paused and not self.closed:
            if self._guard.fd_room():
                self.resume()
            else:
                self._timer = self._loop.call_later(RETRY_SECONDS, self._retry)

    def resume(self) -> None:
        """Accept again (the guard calls it when a connection closed)."""
        if not self.paused or self.closed:
            return
        self.paused = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._guard.accept_resumed(self)
        self._resume()

    def _resume(self) -> None:
        for sock in self.sockets:
            self._loop.add_reader(sock.fileno(), self._on_readable, sock)

    # -- closing -------------------------------------------------------------
    def close(self) -> None:
        """Stop accepting; what waits in the backlog is reset with the socket."""
        if self.closed:
            return
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.paused:
            self.paused = False
            self._guard.accept_resumed(self)
        for task in self._pending:  # a handshake in progress: its transport closes the socket
            task.cancel()
        for sock in self.sockets:
            if self._loop is not None:
                self._loop.remove_reader(sock.fileno())
            sock.close()

    async def wait_closed(self) -> None:
        """Wait for the handshakes cancelled by ``close``."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

