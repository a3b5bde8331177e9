"""Who is asking: API tokens (hash looked up, cached a few seconds), JWTs from
the user's identity provider, and the rate limit per identity.

A :class:`Principal` carries the scopes (``admin`` implies every scope) and the
groups it may see (None: every device). Scopes are checked at one place, the
route guards in api/app.py.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import math
import ssl
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import msgspec

from storage.api_store import TOKEN_PREFIX, ApiStore, hash_secret

from .config import SCOPES, ApiConfig

__all__ = ["Principal", "Authenticator", "RateLimiter", "AuthError", "AuthUnavailable", "JwksKeys",
           "jwks_source_problem"]

log = logging.getLogger("uvis.api")

#: JWKS: keys kept this long (s); an unknown kid or a failed fetch refetches at most this
#: often; a whole fetch's time limit; the largest document read
JWKS_TTL = 300.0
JWKS_MIN_INTERVAL = 5.0
JWKS_TIMEOUT = 5.0
JWKS_MAX_BYTES = 1 << 20


class AuthError(Exception):
    """No valid credential (401); the message is safe to show."""


class AuthUnavailable(Exception):
    """The credential cannot be checked now (503): the identity provider's keys
    cannot be fetched. The message is safe to show."""


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
        self._jwks: JwksKeys | None = None

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
                kid = jwt.get_unverified_header(token).get("kid")
                if self._jwks is None:
                    self._jwks = JwksKeys(c.jwt_jwks or "", c.jwt_jwks_ca)
                key = await self._jwks.key(kid if isinstance(kid, str) else None)
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


def jwks_source_problem(source: str | None) -> str | None:
    """Why ``jwt_jwks`` cannot be used (None: it can). A URL must be https; plain
    http only to a loopback address (an identity provider's sidecar or a test),
    since keys fetched in clear from elsewhere could be swapped on the way."""
    if not source or "://" not in source:
        return None  # a file (or no JWKS)
    try:
        url = urlsplit(source)
        host = url.hostname
    except ValueError:
        return f"api.jwt_jwks: not a URL: {source!r}"
    if url.scheme == "https" and host:
        return None
    if url.scheme == "http" and host:
        if host == "localhost":
            return None
        try:
            if ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            pass
        return (f"api.jwt_jwks: {source} is plain http to a host that is not loopback; "
                "use https (plain http is accepted for 127.0.0.1, ::1 and localhost only)")
    return f"api.jwt_jwks: expected an https URL or a file, got {source!r}"


class JwksKeys:
    """kid -> public key from a JWKS file or URL.

    Kept ``JWKS_TTL`` seconds. A kid it does not know refetches at once (the
    identity provider rotated its keys), but at most once per
    ``JWKS_MIN_INTERVAL`` so that made-up kids cannot make us hammer it; one
    fetch at a time, the requests waiting for it share its result. A fetch has
    ``JWKS_TIMEOUT`` seconds in all (connect, TLS, headers, body of at most
    ``JWKS_MAX_BYTES``) and follows no redirect. A failed fetch keeps the keys
    it had (the provider being down does not lock out tokens signed by a key
    we know) and is logged; with no keys at all, or for a kid we could not
    look up, the answer is :class:`AuthUnavailable` (503), not a 401, since the
    token may well be valid. https is checked against the system's CAs
    (or against ``ca``, the PEM file of a private CA: ``api.jwt_jwks_ca``).
    """

    def __init__(self, source: str, ca: str | None = None) -> None:
        self.source = source
        self.ca = ca
        self.keys: dict[str | None, Any] | None = None
        self._fetched_at = -math.inf      # last successful fetch (monotonic)
        self._tried_at = -math.inf        # last attempt
        self._failed = False              # the last attempt failed
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> Any:
        """The key for ``kid``: AuthError when the provider does not publish it,
        AuthUnavailable when its keys could not be fetched."""
        if self.keys is None or time.monotonic() - self._fetched_at >= JWKS_TTL:
            await self._refresh()
        key = self._pick(kid)
        if key is None and kid is not None:
            await self._refresh()  # rotation: the provider may publish it by now
            key = self._pick(kid)
        if key is not None:
            return key
        if self.keys is None or self._failed:
            raise AuthUnavailable("the identity provider's keys (api.jwt_jwks) cannot be fetched now")
        raise AuthError("JWT signed by an unknown key")

    def _pick(self, kid: str | None) -> Any:
        keys = self.keys or {}
        if kid is None and len(keys) == 1:
            return next(iter(keys.values()))
        return keys.get(kid)

    async def _refresh(self) -> None:
        if self._lock.locked():  # a fetch is under way: its result stands for this request too
            async with self._lock:
                return
        async with self._lock:
            if time.monotonic() - self._tried_at < JWKS_MIN_INTERVAL:
                return  # an attempt ended just now
            try:
                async with asyncio.timeout(JWKS_TIMEOUT):
                    data = await self._read()
                import jwt

                keys = {k.key_id: k.key for k in jwt.PyJWKSet.from_dict(json.loads(data)).keys
                        if k.public_key_use in (None, "sig")}  # never an encryption key
            except Exception as exc:  # noqa: BLE001 - whatever failed, the request gets a 503
                self._failed = True
                log.warning("JWKS %s: cannot fetch the identity provider's keys (%s); %s", self.source,
                            _describe(exc), "keeping the keys fetched before" if self.keys else
                            "JWTs get 503 until it answers")
                return
            finally:
                self._tried_at = time.monotonic()  # the interval counts from the attempt's end
            self.keys, self._fetched_at, self._failed = keys, self._tried_at, False

    async def _read(self) -> bytes:
        if "://" not in self.source:
            return await asyncio.to_thread(_read_file, self.source)
        problem = jwks_source_problem(self.source)
        if problem is not None:
            raise ValueError(problem)
        import aiohttp

        context = ssl.create_default_context(cafile=self.ca)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=JWKS_TIMEOUT)) as session:
            async with session.get(self.source, ssl=context, allow_redirects=False,
                                   headers={"accept": "application/json"}) as response:
                if response.status != 200:
                    where = response.headers.get("location")
                    raise ValueError(f"HTTP {response.status}" + (f" to {where}" if where else ""))
                data = bytearray()
                async for chunk in response.content.iter_chunked(65536):
                    data += chunk
                    if len(data) > JWKS_MAX_BYTES:
                        raise ValueError(f"more than {JWKS_MAX_BYTES} bytes")
        return bytes(data)


def _read_file(path: str) -> bytes:
    with open(path, "rb") as f:
        data = f.read(JWKS_MAX_BYTES + 1)
    if len(data) > JWKS_MAX_BYTES:
        raise ValueError(f"more than {JWKS_MAX_BYTES} bytes")
    return data


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {JWKS_TIMEOUT:g} s"
    return f"{type(exc).__name__}: {exc}"[:300]


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
