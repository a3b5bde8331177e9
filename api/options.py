"""The API's options that an operator sets (the gateway's [api] table is this
struct plus its own keys). Imports nothing but msgspec, so the gateway's
settings can name it without loading the API or asyncio."""

from __future__ import annotations

import msgspec

__all__ = ["ApiOptions"]


class ApiOptions(msgspec.Struct, frozen=True, kw_only=True):
    #: JWTs from an identity provider: HS256 secret, or a JWKS file/URL (RS256/ES256)
    jwt_secret: str | None = None
    jwt_jwks: str | None = None
    #: CA certificates (PEM) for the JWKS URL's https (default: the system's)
    jwt_jwks_ca: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_groups_claim: str = "groups"
    #: CORS allow-list of origins (empty: no CORS headers)
    cors_origins: tuple[str, ...] = ()
    #: token bucket per token (per address without one): refill per second, size
    rate_limit: float = 50.0
    rate_burst: int = 100
    #: requests in flight in this process beyond which the API answers 503
    max_in_flight: int = 64
    #: read-only pool: connections and statement timeout (s)
    pool_size: int = 8
    statement_timeout: float = 5.0
    #: a device seen within this many seconds is online
    online_window: float = 300.0
    #: live: messages queued per subscriber before it is dropped; subscribers per process
    live_queue: int = 1000
    live_max_subscribers: int = 1000
    #: longest range of an export or summary, days
    max_range_days: float = 31.0
    #: serve over HTTPS with this certificate and key (PEM)
    tls_cert: str | None = None
    tls_key: str | None = None
