"""The [api] table of the settings (the integrator API, api/), its
``config --print-default`` comments (``DOCS``, merged into
gateway/config_cmd.DOCS) and the mapping onto api.config.ApiConfig."""

from __future__ import annotations

from typing import Any

import msgspec

from api.options import ApiOptions

__all__ = ["ApiSettings", "DOCS", "api_config", "validate_api"]


class ApiSettings(ApiOptions, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The [api] table: the API's own options (api.options.ApiOptions, shared with
    api.config.ApiConfig) and how the gateway decides to serve it."""

    #: "auto": API tokens count as configured when the database holds one at start; "on"; "off"
    tokens: str = "auto"
    #: allow a non-loopback bind with no token and no JWT configuration
    insecure: bool = False


DOCS: dict[str, tuple[str, str | None]] = {
    "Settings.api": ("The integrator API (/api/v1, /docs): authentication, limits, live feed.", None),
    "ApiSettings.tokens": (
        'API tokens (uvis-gateway token create): "auto" counts them as configured when the database '
        'holds a live token at start, "on" always, "off" never (JWT only). With no credential source '
        "the API listens on 127.0.0.1 only.", None),
    "ApiSettings.insecure": (
        "Allow a non-loopback api_host with no token and no JWT configured (--api-insecure). Data "
        "endpoints still need a credential.", None),
    "ApiSettings.jwt_secret": ("JWTs signed with HS256 by this shared secret.", '"change-me"'),
    "ApiSettings.jwt_jwks": ("JWTs signed with RS256/ES256: a JWKS file or https URL of the identity "
                             "provider's public keys.", '"https://idp.example.com/.well-known/jwks.json"'),
    "ApiSettings.jwt_jwks_ca": ("CA certificates (PEM file) that sign the JWKS URL's https certificate, "
                                "for an identity provider with a private CA (default: the system's CAs).",
                                '"/etc/uvis/idp-ca.pem"'),
    "ApiSettings.jwt_issuer": ("Required iss claim of JWTs.", '"https://idp.example.com/"'),
    "ApiSettings.jwt_audience": ("Required aud claim of JWTs.", '"uvis-api"'),
    "ApiSettings.jwt_groups_claim": ("The JWT claim that lists the caller's device groups (absent: "
                                     "every group).", None),
    "ApiSettings.cors_origins": ("Origins allowed by CORS (browser apps); empty: no CORS headers.", None),
    "ApiSettings.rate_limit": ("Requests per second per token (per address without one) ...", None),
    "ApiSettings.rate_burst": ("... and the burst above that rate; beyond: 429 with Retry-After.", None),
    "ApiSettings.max_in_flight": ("Requests served at once per API process; beyond: 503 with "
                                  "Retry-After.", None),
    "ApiSettings.pool_size": ("Connections of the API's read-only database pool (per process).", None),
    "ApiSettings.statement_timeout": ("Seconds an API query may run before PostgreSQL cancels it.", None),
    "ApiSettings.online_window": ("A device seen within this many seconds is online.", None),
    "ApiSettings.live_queue": ("Live messages queued per subscriber; a subscriber further behind is "
                               "dropped with a reason.", None),
    "ApiSettings.live_max_subscribers": ("Live subscribers per API process.", None),
    "ApiSettings.max_range_days": ("Longest from..to of an export or a summary, days.", None),
    "ApiSettings.tls_cert": ("Serve the API over HTTPS with this certificate (PEM) ...",
                             '"/etc/uvis/api.crt"'),
    "ApiSettings.tls_key": ("... and this key.", '"/etc/uvis/api.key"'),
}


def api_config(settings: Any, *, port: int | None = None) -> Any:
    """The api package's ApiConfig for these gateway settings."""
    from api.config import ApiConfig

    a = settings.api
    shared = {f: getattr(a, f) for f in ApiOptions.__struct_fields__}
    from .commands import command_limits

    return ApiConfig(port=settings.api_port if port is None else port,
                     commands=command_limits(settings), **shared)


def validate_api(api: ApiSettings, error: type[Exception]) -> None:
    if api.tokens not in ("auto", "on", "off"):
        raise error(f"api.tokens: expected auto, on or off, got {api.tokens!r}")
    if api.jwt_jwks_ca and not (api.jwt_jwks or "").startswith("https://"):
        raise error("api.jwt_jwks_ca: only for an https api.jwt_jwks URL")
    if bool(api.tls_cert) != bool(api.tls_key):
        raise error("api.tls_cert and api.tls_key go together")
    for name in ("rate_limit", "rate_burst", "max_in_flight", "pool_size", "statement_timeout",
                 "live_queue", "live_max_subscribers", "max_range_days"):
        if getattr(api, name) <= 0:
            raise error(f"api.{name}: must be positive")


def with_insecure(settings: Any) -> Any:
    """``--api-insecure``: the settings with api.insecure = true."""
    return msgspec.structs.replace(settings, api=msgspec.structs.replace(settings.api, insecure=True))
