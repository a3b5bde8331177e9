"""uvicorn serving an ASGI app on the running event loop (no signal handlers
of its own: the process that embeds it owns SIGTERM)."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

__all__ = ["ApiServer"]


class ApiServer:
    def __init__(self, app, host: str, port: int, *, reuse_port: bool = False,
                 tls_cert: str | None = None, tls_key: str | None = None) -> None:
        self._config = uvicorn.Config(
            app, host=host, port=port, lifespan="on", log_level="warning", access_log=False,
            server_header=False, proxy_headers=False, ws="websockets-sansio", ws_max_size=65536,
            h11_max_incomplete_event_size=16 * 1024, timeout_keep_alive=15,
            timeout_graceful_shutdown=5, ssl_certfile=tls_cert, ssl_keyfile=tls_key)
        self._server = uvicorn.Server(self._config)
        self._host, self._reuse_port = host, reuse_port
        self.port = port
        self._task: asyncio.Task | None = None
        self._sock: socket.socket | None = None

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self._reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((self._host, self.port))
        sock.listen(2048)
        sock.setblocking(False)
        return sock

    async def start(self) -> None:
        self._sock = self._bind()
        self.port = self._sock.getsockname()[1]
        self._task = asyncio.get_running_loop().create_task(self._server._serve(sockets=[self._sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what failed
                raise RuntimeError("the API server stopped while starting")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
