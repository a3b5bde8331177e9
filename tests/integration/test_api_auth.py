"""Who may read what: API tokens, JWTs (HS256 and RS256 from a JWKS file),
scopes, groups, rate limits, the in-flight bound, and the safe default bind."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.config import ApiConfig
from api.service import ApiStartError, bind_address
from storage.api_store import revoke_token
from tests.integration._api import T0, client, pos, running_api, set_group, token

pytestmark = pytest.mark.integration

SECRET = "a-shared-secret-of-32-bytes-or-more!"


@pytest.fixture
async def api(clean_database_url, store):
    async with running_api(clean_database_url, jwt_secret=SECRET, jwt_issuer="https://idp.test/",
                           jwt_audience="uvis") as service:
        await store.write([pos("dev-a", 1), pos("dev-b", 2)], [], T0)
        yield service


def hs256(scope: str, *, groups=None, exp: float = 300, nbf: float | None = None,
          iss: str = "https://idp.test/", aud: str = "uvis", key: str = SECRET) -> str:
    now = int(time.time())
    claims = {"sub": "alice", "scope": scope, "exp": now + exp, "iss": iss, "aud": aud}
    if groups is not None:
        claims["groups"] = groups
    if nbf is not None:
        claims["nbf"] = now + nbf
    return jwt.encode(claims, key, algorithm="HS256")


async def status(api, credential: str | None, path: str = "/api/v1/devices/dev-a") -> int:
    async with client(api, credential) as http:
        return (await http.get(path)).status_code


async def test_the_auth_matrix(api, db_pool) -> None:
    reader = await token(db_pool, "reader", "devices:read")
    fleet = await token(db_pool, "fleet-b", "devices:read", "positions:read", groups=("b",))
    await set_group(db_pool, "dev-b", "b")
    assert await status(api, None) == 401                                   # no credential
    assert await status(api, "uvis_" + "x" * 43) == 401                     # unknown token
    assert await status(api, "not-a-token") == 401
    assert await status(api, reader) == 200
    assert await status(api, reader, "/api/v1/devices/dev-a/positions") == 403   # wrong scope
    assert await status(api, fleet, "/api/v1/devices/dev-b/positions") == 200
    assert await status(api, fleet, "/api/v1/devices/dev-a") == 404         # another fleet's device
    assert await status(api, fleet, "/api/v1/devices/dev-a/positions") == 404
    async with client(api, fleet) as http:
        assert [d["device_id"] for d in (await http.get("/api/v1/devices")).json()["items"]] == ["dev-b"]
        assert [p["device_id"] for p in (await http.get("/api/v1/positions/latest")).json()["items"]] == \
            ["dev-b"]
        assert (await http.get("/api/v1/devices/dev-a")).json() == {
            "error": "unknown device dev-a", "status": 404}
        forbidden = await http.get("/api/v1/events")
        assert forbidden.json() == {"error": "this needs the scope events:read", "status": 403}


async def test_revoked_and_expired_tokens(api, db_pool) -> None:
    secret = await token(db_pool, "soon-gone", "devices:read")
    assert await status(api, secret) == 200
    async with db_pool.acquire() as conn:
        assert await revoke_token(conn, "soon-gone")
    deadline = time.monotonic() + 5                                         # within 5 s
    while await status(api, secret) != 401:
        assert time.monotonic() < deadline, "a revoked token still works after 5 s"
        await asyncio.sleep(0.1)
    expired = await token(db_pool, "expired", "devices:read",
                          expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    async with client(api, expired) as http:
        r = await http.get("/api/v1/devices/dev-a")
    assert (r.status_code, r.json()["error"], r.headers["www-authenticate"]) == (
        401, "token expired", 'Bearer realm="uvis"')


async def test_jwts_hs256(api, db_pool) -> None:
    await set_group(db_pool, "dev-b", "b")
    assert await status(api, hs256("devices:read")) == 200
    assert await status(api, hs256("devices:read", groups=["b"])) == 404   # group from the claim
    assert await status(api, hs256("events:read")) == 403
    assert await status(api, hs256("devices:read", exp=-60)) == 401        # expired
    assert await status(api, hs256("devices:read", nbf=600)) == 401        # not yet valid
    assert await status(api, hs256("devices:read", iss="https://evil.test/")) == 401
    assert await status(api, hs256("devices:read", aud="other")) == 401
    assert await status(api, hs256("devices:read", key="x" * 40)) == 401   # badly signed
    unsigned = jwt.encode({"sub": "x", "scope": "admin", "exp": time.time() + 60}, None, algorithm="none")
    assert await status(api, unsigned) == 401


async def test_jwts_rs256_from_a_jwks_file(clean_database_url, store, tmp_path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [dict(public, kid="k1", use="sig")]}))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "svc", "scope": "devices:read positions:read", "exp": time.time() + 60}
    async with running_api(clean_database_url, jwt_jwks=str(tmp_path / "jwks.json")) as api:
        await store.write([pos("dev-a", 1)], [], T0)
        good = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        forged = jwt.encode(claims, other, algorithm="RS256", headers={"kid": "k1"})
        unknown = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k2"})
        assert await status(api, good, "/api/v1/devices/dev-a/positions") == 200
        assert await status(api, forged) == 401
        assert await status(api, unknown) == 401


async def test_rate_limit_then_served_again(clean_database_url, store, db_pool) -> None:
    async with running_api(clean_database_url, rate_limit=5.0, rate_burst=3) as api:
        secret = await token(db_pool, "busy", "devices:read")
        async with client(api, secret) as http:
            answers = [await http.get("/api/v1/devices") for _ in range(4)]
            assert [r.status_code for r in answers] == [200, 200, 200, 429]
            limited = answers[-1]
            assert limited.json() == {"error": "rate limit exceeded", "status": 429}
            assert (limited.headers["retry-after"], limited.headers["ratelimit-limit"],
                    limited.headers["ratelimit-remaining"]) == ("1", "3", "0")
            await asyncio.sleep(0.25)                                       # 5/s refills one
            assert (await http.get("/api/v1/devices")).status_code == 200
        async with client(api) as anonymous:
            metrics = (await anonymous.get("/metrics")).text                # loopback: open
            assert "uvis_api_rate_limited_total 1.0" in metrics
            # per address without a token
            assert [(await anonymous.get("/api/v1/devices")).status_code for _ in range(4)] == \
                [401, 401, 401, 429]


async def test_requests_in_flight_are_bounded(clean_database_url, store, db_pool) -> None:
    async with running_api(clean_database_url, max_in_flight=2) as api:
        secret = await token(db_pool, "many", "positions:read")
        # three slow queries at once (each sleeps in PostgreSQL): the third is refused at once
        await store.write([pos("dev-a", 1)], [], T0)
        slow = "/api/v1/devices/dev-a/positions"
        gate = asyncio.Event()

        async def sleeper():
            async with db_pool.acquire() as conn:
                async with conn.transaction():
                    await conn.execute("LOCK TABLE positions IN ACCESS EXCLUSIVE MODE")
                    await gate.wait()

        locker = asyncio.create_task(sleeper())
        await asyncio.sleep(0.2)
        async with client(api, secret) as http:
            first = [asyncio.create_task(http.get(slow)) for _ in range(2)]
            await asyncio.sleep(0.5)
            third = await http.get(slow)
            gate.set()
            await locker
            assert [(await t).status_code for t in first] == [200, 200]
        assert (third.status_code, third.headers["retry-after"], third.json()["status"]) == (503, "1", 503)


def test_safe_default_bind() -> None:
    config = ApiConfig()
    assert bind_address(config, False, False, None) == "127.0.0.1"
    assert bind_address(config, True, False, None) == "0.0.0.0"
    assert bind_address(config, False, True, "0.0.0.0") == "0.0.0.0"
    with pytest.raises(ApiStartError, match="--api-insecure"):
        bind_address(config, False, False, "0.0.0.0")


async def test_metrics_need_a_scope_off_loopback(api, db_pool) -> None:
    import httpx

    reader = await token(db_pool, "reader", "devices:read")
    watcher = await token(db_pool, "prometheus", "metrics:read")
    # 127.0.0.2 is not the loopback address the API trusts (127.0.0.1, ::1)
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.port}", transport=transport) as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"authorization": f"Bearer {reader}"})).status_code == 403
        r = await http.get("/metrics", headers={"authorization": f"Bearer {watcher}"})
        assert r.status_code == 200 and "uvis_api_requests_total" in r.text
        assert (await http.get("/health")).status_code == 200


async def test_token_command(clean_database_url) -> None:
    import subprocess
    import sys

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "gateway.cli", "token", *args, "--database-url",
                               clean_database_url], capture_output=True, text=True, timeout=60)

    made = cli("create", "--name", "dispatch", "--scope", "positions:read", "--scope", "live:read",
               "--group", "acme", "--expires", "90d")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert made.stdout == secret + "\n" and secret.startswith("uvis_")        # the secret alone on stdout
    assert "scopes positions:read live:read; groups acme; expires" in made.stderr
    assert secret not in cli("list").stdout                                  # only its hash is kept
    assert cli("create", "--name", "dispatch", "--scope", "admin").returncode == 1   # the name is taken
    bad = cli("create", "--name", "x", "--scope", "everything")
    assert bad.returncode == 2 and "--scope everything: unknown" in bad.stderr
    listed = cli("list").stdout.split("\t")
    assert listed[:4] == ["dispatch", "active", "scopes=positions:read,live:read", "groups=acme"]
    assert cli("revoke", "dispatch").returncode == 0
    assert cli("list").stdout.split("\t")[1] == "revoked"
    assert cli("revoke", "dispatch").returncode == 1


async def test_a_fleet_token_keeps_its_devices_in_its_groups(api, db_pool) -> None:
    await set_group(db_pool, "dev-b", "b")
    writer = await token(db_pool, "fleet-b-writer", "devices:read", "devices:write", groups=("b", "b2"))
    async with client(api, writer) as http:
        moved = await http.patch("/api/v1/devices/dev-b", json={"group": "a"})
        assert (moved.status_code, moved.json()["status"]) == (403, 403)
        assert (await http.patch("/api/v1/devices/dev-b", json={"group": "b2"})).json()["group"] == "b2"
        assert (await http.patch("/api/v1/devices/dev-a", json={"name": "x"})).status_code == 404
        nul = await http.patch("/api/v1/devices/dev-b", json={"attributes": {"k": "a\u0000b"}})
        assert (nul.status_code, nul.json()["error"]) == (400, "attributes: at most 16 KiB of JSON, "
                                                                "no NUL characters")
