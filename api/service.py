"""The API wired together: the read-only store, authentication, the live
hub, the Litestar app inside the outer middleware, uvicorn. Used by ``run``
(worker 0, on the gateway's loop) and by ``uvis-gateway api`` (processes of
its own)."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from storage.api_store import ApiStore, open_api_store

from .app import build_litestar
from .auth import Authenticator, jwks_source_problem
from .config import LOOPBACK, ApiConfig
from .live import LiveHub
from .metrics import ApiMetrics
from .middleware import ApiMiddleware
from .server import ApiServer

__all__ = ["ApiService", "ApiStartError", "bind_address"]

log = logging.getLogger("uvis.api")


class ApiStartError(Exception):
    """The API refuses to start (the message says why and what to do)."""


def bind_address(config: ApiConfig, auth_configured: bool, insecure: bool, host: str | None) -> str:
    """Where to listen: safe by default (loopback only without any credential source)."""
    if auth_configured:
        return host or "0.0.0.0"
    if host is None or host in LOOPBACK:
        log.warning("no API token and no JWT configuration: the API listens on 127.0.0.1 only "
                    "(create a token: uvis-gateway token create --name NAME --scope positions:read)")
        return "127.0.0.1" if host in (None, "localhost") else host
    if not insecure:
        raise ApiStartError(
            f"the API would listen on {host} with no token and no JWT configured; create a token "
            "(uvis-gateway token create), set [api] tokens = \"on\" or a JWT key, or pass --api-insecure")
    log.warning("the API listens on %s with no credential source (--api-insecure): every data "
                "endpoint answers 401 until a token exists", host)
    return host


class ApiService:
    def __init__(self, config: ApiConfig, dsn: str) -> None:
        self.config, self.dsn = config, dsn
        self.store: ApiStore | None = None
        self.hub: LiveHub | None = None
        self.server: ApiServer | None = None
        self.metrics = ApiMetrics()
        self.port: int | None = None
        self.host: str | None = None

    async def start(self, *, host: str | None, tokens: str = "auto", insecure: bool = False,
                    health: Callable[[], Awaitable[dict]] | None = None,
                    render_metrics: Callable[[], bytes] | None = None,
                    reuse_port: bool = False) -> None:
        c = self.config
        if (problem := jwks_source_problem(c.jwt_jwks)) is not None:
            raise ApiStartError(problem)
        self.store = await open_api_store(self.dsn, max_size=c.pool_size,
                                          statement_timeout=c.statement_timeout,
                                          online_window=c.online_window)
        try:
            configured = c.jwt_configured or tokens == "on" or (tokens == "auto" and await self._has_tokens())
            self.host = bind_address(c, configured, insecure, host)
            self.hub = LiveHub(self.store.pool, self.dsn, queue_size=c.live_queue,
                               max_subscribers=c.live_max_subscribers)
            await self.hub.start()
            self.metrics.bind_live(self.hub)
            app = build_litestar(self.store, c, health_check=health or self._health,
                                 render_metrics=lambda: self.metrics.render(render_metrics),
                                 hub=self.hub)
            outer = ApiMiddleware(app, c, Authenticator(c, self.store), self.metrics)
            self.server = ApiServer(outer, self.host, c.port, reuse_port=reuse_port,
                                    tls_cert=c.tls_cert, tls_key=c.tls_key)
            await self.server.start()
            self.port = self.server.port
        except BaseException:
            await self.stop()
            raise
        log.info("API on %s://%s:%d (docs: /docs)", "https" if c.tls_cert else "http", self.host,
                 self.port)

    async def _has_tokens(self) -> bool:
        return await self.store.pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM api_tokens WHERE revoked_at IS NULL "
            "AND (expires_at IS NULL OR expires_at > now()))")

    async def _health(self) -> dict:
        try:
            await asyncio.wait_for(self.store.pool.fetchval("SELECT 1"), 2.0)
        except Exception as exc:
            log.warning("health: the database does not answer (%r)", exc)
            return {"status": "unavailable", "database": "unreachable", "problems": []}
        return {"status": "ok", "database": "ok", "problems": []}

    async def stop(self) -> None:
        if self.hub is not None:
            await self.hub.close()
        if self.server is not None:
            await self.server.stop()
        if self.store is not None:
            await self.store.close()
