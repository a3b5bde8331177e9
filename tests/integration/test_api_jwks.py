"""JWTs checked against a JWKS URL (``api.jwt_jwks``), served here by a small
HTTP(S) server on 127.0.0.1 that counts its requests: RS256 and ES256 keys,
scopes and groups, key rotation (an unknown kid refetches once, and at most
once per JWKS_MIN_INTERVAL), bad signatures, an identity provider that is
down, broken or hangs (503 within the fetch's time limit, never a 500), https
with a private CA, and the URL rule (https; plain http to loopback only).

JWKS_MIN_INTERVAL (5 s) is shortened here so that the test does not sleep it
out; JWKS_TIMEOUT keeps its real value."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import ssl
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from api import auth
from api.auth import JWKS_TIMEOUT, jwks_source_problem
from api.service import ApiStartError
from tests.integration._api import T0, client, pos, running_api, set_group
from tests.integration.test_api_tls import self_signed

pytestmark = pytest.mark.integration

INTERVAL = 1.0
PAST_INTERVAL = INTERVAL + 0.05  # a sleep that surely ends after the interval
UNAVAILABLE = {"error": "the identity provider's keys (api.jwt_jwks) cannot be fetched now", "status": 503}
UNKNOWN_KEY = {"error": "JWT signed by an unknown key", "status": 401}


class JwksServer:
    """GET anything: the JWKS document (``mode`` "ok"), a 404, a body that is
    not JSON, one over the size limit, or no answer at all ("hang")."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.keys: list[dict] = []
        self.mode = "ok"
        self.hits = 0
        self._release = asyncio.Event()

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl_context else 'http'}://127.0.0.1:{self.port}/.well-known/jwks.json"

    async def __aenter__(self) -> JwksServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self._release.set()
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.hits += 1
            if self.mode == "hang":
                await self._release.wait()
                return
            status, body = {
                "ok": lambda: ("200 OK", json.dumps({"keys": self.keys}).encode()),
                "404": lambda: ("404 Not Found", b'{"error": "not here"}'),
                "garbage": lambda: ("200 OK", b"<html>maintenance</html>"),
                "huge": lambda: ("200 OK", b'{"keys": [' + b" " * (auth.JWKS_MAX_BYTES + 10) + b"]}"),
            }[self.mode]()
            writer.write(f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: "
                         f"{len(body)}\r\nconnection: close\r\n\r\n".encode() + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private, kid: str) -> dict:
    algorithm = jwt.algorithms.RSAAlgorithm if isinstance(private, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
    return dict(json.loads(algorithm.to_jwk(private.public_key())), kid=kid, use="sig")


def signed(private, kid: str, scope: str, **claims) -> str:
    algorithm = "RS256" if isinstance(private, rsa.RSAPrivateKey) else "ES256"
    body = {"sub": claims.pop("sub", "svc"), "scope": scope, "exp": int(time.time()) + 300, **claims}
    return jwt.encode(body, private, algorithm=algorithm, headers={"kid": kid})


async def get(api, credential: str, path: str):
    async with client(api, credential) as http:
        return await http.get(path)


@pytest.fixture
def short_interval(monkeypatch):
    monkeypatch.setattr(auth, "JWKS_MIN_INTERVAL", INTERVAL)


async def test_rs256_and_es256_from_a_jwks_url_scopes_groups_and_key_rotation(
        clean_database_url, store, db_pool, short_interval) -> None:
    rsa1, ec1, rsa2, forger = rsa_key(), ec.generate_private_key(ec.SECP256R1()), rsa_key(), rsa_key()
    await store.write([pos("dev-a", 1), pos("dev-a", 2), pos("dev-b", 3)], [], T0)
    await set_group(db_pool, "dev-a", "fleet-a")
    await set_group(db_pool, "dev-b", "fleet-b")
    async with JwksServer() as idp:
        idp.keys = [jwk(rsa1, "rsa-1"), jwk(ec1, "ec-1")]
        async with running_api(clean_database_url, jwt_jwks=idp.url) as api:
            fleet_a = signed(rsa1, "rsa-1", "devices:read positions:read", groups=["fleet-a"])
            r = await get(api, fleet_a, "/api/v1/devices/dev-a/positions")
            assert r.status_code == 200, r.text
            assert [p["fix_time"] for p in r.json()["items"]] == ["2024-05-01T12:00:01Z",
                                                                  "2024-05-01T12:00:02Z"]
            assert (await get(api, fleet_a, "/api/v1/devices/dev-b/positions")).status_code == 404
            assert idp.hits == 1

            reader = signed(ec1, "ec-1", "devices:read")                 # ES256, every group
            r = await get(api, reader, "/api/v1/devices/dev-b")
            assert (r.status_code, r.json()["device_id"], r.json()["group"]) == (200, "dev-b", "fleet-b")
            assert (await get(api, reader, "/api/v1/devices/dev-a/positions")).status_code == 403
            assert idp.hits == 1                                          # both keys came in one fetch

            forged = signed(forger, "rsa-1", "admin")                     # a known kid, the wrong key
            r = await get(api, forged, "/api/v1/devices/dev-a")
            assert (r.status_code, r.json()) == (401, {"error": "invalid JWT (InvalidSignatureError)",
                                                       "status": 401})
            forged_ec = signed(ec.generate_private_key(ec.SECP256R1()), "ec-1", "admin")
            assert (await get(api, forged_ec, "/api/v1/devices/dev-a")).status_code == 401
            assert idp.hits == 1                                          # a bad signature fetches nothing

            # the provider rotates: rsa-2 is published, and a token signed by it refetches once
            idp.keys = [jwk(rsa2, "rsa-2"), jwk(ec1, "ec-1"), dict(jwk(rsa1, "enc-1"), use="enc")]
            await asyncio.sleep(PAST_INTERVAL)
            rotated = signed(rsa2, "rsa-2", "positions:read")
            r = await get(api, rotated, "/api/v1/devices/dev-b/positions")
            assert (r.status_code, len(r.json()["items"])) == (200, 1)
            assert idp.hits == 2
            assert (await get(api, rotated, "/api/v1/devices/dev-b/positions")).status_code == 200
            assert idp.hits == 2
            # rsa-1 is gone from the document now; a key published for encryption never verifies
            assert (await get(api, fleet_a, "/api/v1/devices/dev-a")).json() == UNKNOWN_KEY
            encryption_key = signed(rsa1, "enc-1", "admin")
            assert (await get(api, encryption_key, "/api/v1/devices/dev-a")).json() == UNKNOWN_KEY
            assert idp.hits == 2

            # made-up kids: one fetch per interval at most, however many come at once
            made_up = signed(rsa1, "no-such-kid", "admin")
            r = await get(api, made_up, "/api/v1/devices/dev-a")
            assert (r.status_code, r.json()) == (401, UNKNOWN_KEY)
            assert idp.hits == 2                                          # fetched just now: not again
            await asyncio.sleep(PAST_INTERVAL)
            answers = await asyncio.gather(*(get(api, made_up, "/api/v1/devices/dev-a") for _ in range(10)))
            assert [a.status_code for a in answers] == [401] * 10
            assert idp.hits == 3


async def test_provider_down_broken_or_hanging_is_503_in_bounded_time_never_500(
        clean_database_url, store, short_interval, monkeypatch, caplog) -> None:
    key = rsa_key()
    await store.write([pos("dev-a", 1)], [], T0)
    token = signed(key, "k1", "devices:read")
    async with JwksServer() as idp:
        idp.keys = [jwk(key, "k1")]
        async with running_api(clean_database_url, jwt_jwks=idp.url) as api:
            for mode, hits in (("404", 1), ("garbage", 2), ("huge", 3)):
                idp.mode = mode
                r = await get(api, token, "/api/v1/devices/dev-a")
                assert (r.status_code, r.json(), r.headers["retry-after"]) == (503, UNAVAILABLE, "5"), mode
                assert idp.hits == hits
                # at once again: no new fetch, the same answer without waiting on the provider
                r = await get(api, token, "/api/v1/devices/dev-a")
                assert (r.status_code, idp.hits) == (503, hits)
                await asyncio.sleep(PAST_INTERVAL)

            idp.mode = "hang"
            started = time.monotonic()
            answers = await asyncio.gather(*(get(api, token, "/api/v1/devices/dev-a") for _ in range(5)))
            elapsed = time.monotonic() - started
            assert [a.status_code for a in answers] == [503] * 5
            assert JWKS_TIMEOUT - 0.2 <= elapsed <= JWKS_TIMEOUT + 2.0
            assert idp.hits == 4                                          # one fetch for the five

            await asyncio.sleep(PAST_INTERVAL)
            idp.mode = "ok"
            r = await get(api, token, "/api/v1/devices/dev-a")
            assert (r.status_code, r.json()["device_id"], idp.hits) == (200, "dev-a", 5)

            # keys expire while the provider is down: the keys fetched before still serve,
            # but a kid they lack cannot be looked up (503, not a 401 for a maybe valid token)
            monkeypatch.setattr(auth, "JWKS_TTL", 0.0)
            idp.mode = "404"
            await asyncio.sleep(PAST_INTERVAL)
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="uvis.api"):
                r = await get(api, token, "/api/v1/devices/dev-a")
            assert (r.status_code, idp.hits) == (200, 6)
            assert [m.getMessage() for m in caplog.records if m.name == "uvis.api"] == [
                f"JWKS {idp.url}: cannot fetch the identity provider's keys (ValueError: HTTP 404); "
                "keeping the keys fetched before"]
            r = await get(api, signed(key, "k2", "devices:read"), "/api/v1/devices/dev-a")
            assert (r.status_code, r.json()) == (503, UNAVAILABLE)


async def test_nothing_listening_at_the_jwks_url_is_a_quick_503(clean_database_url, store) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                                         # closed when the block ends
    key = rsa_key()
    async with running_api(clean_database_url, jwt_jwks=f"http://127.0.0.1:{port}/jwks.json") as api:
        started = time.monotonic()
        r = await get(api, signed(key, "k1", "devices:read"), "/api/v1/devices")
        assert (r.status_code, r.json()) == (503, UNAVAILABLE)
        assert time.monotonic() - started < 2.0


@pytest.fixture
async def https_idp(store, monkeypatch, tmp_path):
    """A JWKS provider over https with a self-signed certificate, publishing k1;
    dev-a stored; no SSL_CERT_FILE: (provider, its certificate, a token)."""
    cert, private = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, private)
    key = rsa_key()
    await store.write([pos("dev-a", 1)], [], T0)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    async with JwksServer(server_context) as idp:
        idp.keys = [jwk(key, "k1")]
        yield idp, cert, signed(key, "k1", "devices:read")


async def refused_by_certificate(api, idp, token, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="uvis.api"):
        r = await get(api, token, "/api/v1/devices/dev-a")
    assert (r.status_code, idp.hits) == (503, 0)                        # refused before any request
    assert "certificate verify failed" in caplog.text


async def test_jwks_over_https_checks_the_certificate(
        clean_database_url, https_idp, short_interval, monkeypatch, caplog) -> None:
    idp, cert, token = https_idp
    async with running_api(clean_database_url, jwt_jwks=idp.url) as api:
        await refused_by_certificate(api, idp, token, caplog)
        # the operator points OpenSSL at the provider's CA
        monkeypatch.setenv("SSL_CERT_FILE", cert)
        await asyncio.sleep(PAST_INTERVAL)
        r = await get(api, token, "/api/v1/devices/dev-a")
        assert (r.status_code, r.json()["device_id"], idp.hits) == (200, "dev-a", 1)


async def test_jwks_over_https_with_the_configured_ca(
        clean_database_url, https_idp, short_interval, tmp_path, caplog) -> None:
    """api.jwt_jwks_ca: the provider's private CA for its https, without touching
    the process's OpenSSL environment; another CA's file is refused like none."""
    idp, cert, token = https_idp
    (tmp_path / "other").mkdir()
    other, _ = self_signed(tmp_path / "other")
    async with running_api(clean_database_url, jwt_jwks=idp.url, jwt_jwks_ca=other) as api:
        await refused_by_certificate(api, idp, token, caplog)
    async with running_api(clean_database_url, jwt_jwks=idp.url, jwt_jwks_ca=cert) as api:
        r = await get(api, token, "/api/v1/devices/dev-a")
        assert (r.status_code, r.json()["device_id"], idp.hits) == (200, "dev-a", 1)


@pytest.mark.parametrize("source, problem", [
    ("https://idp.example.com/.well-known/jwks.json", None),
    ("http://127.0.0.1:8081/jwks.json", None),
    ("http://127.0.0.2/jwks.json", None),
    ("http://[::1]:8081/jwks.json", None),
    ("http://localhost/jwks.json", None),
    ("/etc/uvis/jwks.json", None),
    (None, None),
    ("http://idp.example.com/jwks.json",
     "api.jwt_jwks: http://idp.example.com/jwks.json is plain http to a host that is not loopback; use "
     "https (plain http is accepted for 127.0.0.1, ::1 and localhost only)"),
    ("http://10.0.0.5/jwks.json",
     "api.jwt_jwks: http://10.0.0.5/jwks.json is plain http to a host that is not loopback; use "
     "https (plain http is accepted for 127.0.0.1, ::1 and localhost only)"),
    ("file:///etc/uvis/jwks.json", "api.jwt_jwks: expected an https URL or a file, got 'file:///etc/uvis/jwks.json'"),
    ("https:///jwks.json", "api.jwt_jwks: expected an https URL or a file, got 'https:///jwks.json'"),
])
def test_jwks_url_rule(source, problem) -> None:
    assert jwks_source_problem(source) == problem


async def test_plain_http_jwks_off_loopback_refuses_to_start(clean_database_url) -> None:
    with pytest.raises(ApiStartError, match="^api.jwt_jwks: http://idp.example.com/jwks.json is plain http"):
        async with running_api(clean_database_url, jwt_jwks="http://idp.example.com/jwks.json"):
            pass
