"""Who is asking: API tokens (hash looked up, cached a few seconds), JWTs from
the user's identity provider, and the rate limit per identity.

A :class:`Principal` carries the scopes (``admin`` implies every scope) and the
groups it may see (None: every device). Scopes are checked at one place, the
route guards in api/app.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec

from storage.api_store import TOKEN_PREFIX, ApiStore, hash_secret

from .config import SCOPES, ApiConfig

__all__ = ["Principal", "Authenticator", "RateLimiter", "AuthError"]

log = logging.getLogger("uvis.api")


class AuthError(Exception):
    """No valid credential (401); the message is safe to show."""


class Principal(msgspec.Struct, frozen=True):
    #: the token's name, or "jwt:<sub>"
    name: str
    scopes: frozenset[str]
    #: None: every device; otherwise only devices in these groups
    groups: tuple[str, ...] | None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


class _Bounded(OrderedDict):
    """An LRU dict with a size bound."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class Authenticator:
    def __init__(self, config: ApiConfig, store: ApiStore) -> None:
        self.config = config
        self.store = store
        self._tokens = _Bounded(10_000)  # hash -> (Principal | None, fetched at)
        self._jwt_keys: Any = None
        self._jwt_keys_at = 0.0

    async def authenticate(self, credential: str) -> Principal:
        if credential.startswith(TOKEN_PREFIX):
            return await self._token(credential)
        if self.config.jwt_configured and credential.count(".") == 2:
            return await self._jwt(credential)
        raise AuthError("invalid credential")

    async def _token(self, secret: str) -> Principal:
        if len(secret) > 200:
            raise AuthError("invalid token")
        digest = hash_secret(secret)
        now = time.monotonic()
        cached = self._tokens.get(digest)
        if cached is None or now - cached[1] > self.config.token_cache_seconds:
            row = await self.store.token_by_hash(digest)
            principal = None
            if row is not None and row.revoked_at is None:
                principal = (Principal(row.name, frozenset(row.scopes), row.groups or None),
                             row.expires_at)
            cached = (principal, now)
            self._tokens.put(digest, cached)
        if cached[0] is None:
            raise AuthError("invalid or revoked token")
        principal, expires = cached[0]
        if expires is not None and expires <= datetime.now(timezone.utc):
            raise AuthError("token expired")
        return principal

    async def _jwt(self, token: str) -> Principal:
        import jwt

        c = self.config
        try:
            if c.jwt_secret:
                key, algorithms = c.jwt_secret, ["HS256"]
            else:
                header = jwt.get_unverified_header(token)
                key = (await self._jwks()).get(header.get("kid"))
                if key is None:
                    keys = await self._jwks()
                    key = next(iter(keys.values())) if len(keys) == 1 and not header.get("kid") else None
                if key is None:
                    raise AuthError("JWT signed by an unknown key")
                algorithms = ["RS256", "ES256"]
            claims = jwt.decode(token, key, algorithms=algorithms, issuer=c.jwt_issuer,
                                audience=c.jwt_audience, leeway=5,
                                options={"require": ["exp"], "verify_aud": c.jwt_audience is not None})
        except jwt.ExpiredSignatureError:
            raise AuthError("JWT expired") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid JWT ({type(exc).__name__})") from None
        scope = claims.get("scope", "")
        scopes = scope.split() if isinstance(scope, str) else [s for s in scope if isinstance(s, str)]
        groups = claims.get(c.jwt_groups_claim)
        if isinstance(groups, str):
            groups = [groups]
        groups = tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else None
        return Principal(f"jwt:{claims.get('sub', '?')}"[:200],
                         frozenset(s for s in scopes if s in SCOPES), groups)

    async def _jwks(self) -> dict[str, Any]:
        """kid -> key, from the JWKS file or URL, kept 5 minutes."""
        if self._jwt_keys is not None and time.monotonic() - self._jwt_keys_at < 300:
            return self._jwt_keys
        source = self.config.jwt_jwks or ""
        if source.startswith(("http://", "https://")):
            import urllib.request

            def fetch() -> bytes:
                with urllib.request.urlopen(source, timeout=5) as response:  # noqa: S310
                    return response.read(1 << 20)

            data = await asyncio.to_thread(fetch)
        else:
            data = Path(source).read_bytes()
        import jwt

        keys = jwt.PyJWKSet.from_dict(json.loads(data))
        self._jwt_keys = {k.key_id: k.key for k in keys.keys}
        self._jwt_keys_at = time.monotonic()
        return self._jwt_keys


class RateLimiter:
    """A token bucket per identity (bounded number of identities, LRU)."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate, self.burst = rate, burst
        self._buckets = _Bounded(max_keys)

    def take(self, key: str) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until a request is allowed again / the bucket is full)."""
        now = time.monotonic()
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            tokens -= 1.0
            self._buckets.put(key, (tokens, now))
            return True, int(tokens), (self.burst - tokens) / self.rate
        self._buckets.put(key, (tokens, now))
        return False, 0, max(1.0, math.ceil((1.0 - tokens) / self.rate))
