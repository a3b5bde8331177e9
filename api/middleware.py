"""The outermost ASGI layer, around the whole Litestar app (unknown paths too):
who is asking (401; 503 when a JWT cannot be checked because the identity
provider's keys cannot be fetched), the rate limit per identity (429), the
bound on requests in flight (503), security headers (HSTS when served over
TLS), one JSON access-log line per request (the token's name, never its
secret, and never the query string)."""

from __future__ import annotations

import logging
import math
import time
from typing import Awaitable, Callable

import msgspec

from .auth import JWKS_MIN_INTERVAL, Authenticator, AuthError, AuthUnavailable, Principal, RateLimiter
from .config import ApiConfig
from .metrics import ApiMetrics

__all__ = ["ApiMiddleware", "PUBLIC_PATHS"]

access_log = logging.getLogger("uvis.api.access")
_encode = msgspec.json.Encoder().encode

#: no credential needed
PUBLIC_PATHS = ("/health", "/openapi.json", "/docs")
#: long-lived streams: bounded by live_max_subscribers, not by max_in_flight
STREAM_PATHS = ("/api/v1/live", "/api/v1/live/sse")
LOOPBACK = ("127.0.0.1", "::1")
LOCAL = Principal("loopback", frozenset({"metrics:read"}), None)

_BASE_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                 (b"x-frame-options", b"DENY")]
_CSP_API = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_CSP_DOCS = (b"content-security-policy",
             b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
             b"img-src 'self' data:; frame-ancestors 'none'")
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/docs/")


def _credential(scope: dict) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
            return ""
    if scope["path"] in STREAM_PATHS:  # browsers cannot set headers on EventSource/WebSocket
        from urllib.parse import parse_qs

        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("access_token")
        if values:
            return values[0]
    return None


class ApiMiddleware:
    def __init__(self, app: ASGIApp, config: ApiConfig, auth: Authenticator,
                 metrics: ApiMetrics) -> None:
        self.app, self.config, self.auth, self.metrics = app, config, auth, metrics
        self.limiter = RateLimiter(config.rate_limit, config.rate_burst)
        self.in_flight = 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        path = scope["path"]
        client = (scope.get("client") or ("?", 0))[0]
        status = [101 if scope["type"] == "websocket" else 0]
        extra = list(_BASE_HEADERS)
        extra.append(_CSP_DOCS if path.startswith("/docs") else _CSP_API)
        if scope.get("scheme") in ("https", "wss"):
            extra.append(_HSTS)
        rate_headers: list[tuple[bytes, bytes]] = []

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), *extra, *rate_headers]}
            elif message["type"] == "websocket.close":
                status[0] = message.get("code", 1000)
            await send(message)

        principal: Principal | None = None
        try:
            if not _public(path) and scope.get("method") != "OPTIONS":  # CORS preflights carry no credential
                principal, problem, unavailable = await self._identify(scope, client)
                key = f"token:{principal.name}" if principal is not None else f"addr:{client}"
                allowed, remaining, reset = self.limiter.take(key)
                rate_headers += [(b"ratelimit-limit", str(self.config.rate_burst).encode()),
                                 (b"ratelimit-remaining", str(remaining).encode()),
                                 (b"ratelimit-reset", str(int(reset + 0.999)).encode())]
                if not allowed:
                    self.metrics.rate_limited.inc()
                    return await self._reject(scope, send_with_headers, 429, "rate limit exceeded",
                                              [(b"retry-after", str(int(reset)).encode())])
                if principal is None and unavailable:
                    return await self._reject(scope, send_with_headers, 503, problem, [
                        (b"retry-after", str(math.ceil(JWKS_MIN_INTERVAL)).encode())])
                if principal is None:
                    return await self._reject(scope, send_with_headers, 401, problem,
                                              [(b"www-authenticate", b'Bearer realm="uvis"')])
            streaming = path in STREAM_PATHS
            if not streaming and self.in_flight >= self.config.max_in_flight:
                self.metrics.busy.inc()
                return await self._reject(scope, send_with_headers, 503, "too many requests in flight",
                                          [(b"retry-after", b"1")])
            scope["user"] = principal
            if not streaming:
                self.in_flight += 1
            try:
                await self.app(scope, receive, send_with_headers)
            finally:
                if not streaming:
                    self.in_flight -= 1
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(status[0], elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(_encode({
                    "method": scope.get("method", "WS"), "path": path[:256], "status": status[0],
                    "ms": round(elapsed * 1000, 2), "client": client,
                    "token": principal.name if principal is not None else None}).decode())

    async def _identify(self, scope: dict, client: str) -> tuple[Principal | None, str, bool]:
        """(who, why not, whether the credential could not be checked now: a 503, not a 401)."""
        credential = _credential(scope)
        if credential is None:
            if scope["path"] == "/metrics" and client in LOOPBACK:
                return LOCAL, "", False
            return None, "a credential is required (Authorization: Bearer TOKEN)", False
        try:
            return await self.auth.authenticate(credential), "", False
        except AuthError as exc:
            return None, str(exc), False
        except AuthUnavailable as exc:
            return None, str(exc), True

    async def _reject(self, scope: dict, send: Callable, status: int, message: str,
                      headers: list[tuple[bytes, bytes]]) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4000 + status, "reason": message})
            return
        body = _encode({"error": message, "status": status})
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()), *headers]})
        await send({"type": "http.response.body", "body": body})
