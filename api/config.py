"""The API's own settings (the gateway maps its [api] table onto this; api/
never imports gateway/)."""

from __future__ import annotations

from api.options import ApiOptions
from storage.commands import CommandLimits

__all__ = ["ApiConfig", "ApiOptions", "SCOPES", "LOOPBACK"]

#: every scope a token or JWT may carry; ``admin`` implies all of them
SCOPES = ("devices:read", "devices:write", "positions:read", "events:read", "live:read",
          "metrics:read", "commands:write", "commands:immobilise", "admin")

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class ApiConfig(ApiOptions, frozen=True, kw_only=True):
    """What an API process runs with: the operator's options and where it serves."""

    host: str = "127.0.0.1"
    port: int = 8080
    #: seconds a token's state (created, revoked) may be cached
    token_cache_seconds: float = 2.0
    max_body_bytes: int = 65536
    #: commands to devices: TTL and per-device limits (the gateway's [commands] table)
    commands: CommandLimits = CommandLimits()

    @property
    def jwt_configured(self) -> bool:
        return bool(self.jwt_secret or self.jwt_jwks)
