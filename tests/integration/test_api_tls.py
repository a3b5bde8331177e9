"""The API over TLS as a user serves it: ``uvis-gateway api`` (its own process)
with ``[api] tls_cert`` and ``tls_key`` in its config file, a self-signed
certificate made here, a real TLS client on 127.0.0.1 that trusts only that
certificate, a token and the real database. HSTS is sent over TLS and not over
plain HTTP; plain HTTP to the TLS port gets no data."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from ipaddress import IPv4Address

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration._api import T0, client, pos, running_api, token

pytestmark = pytest.mark.integration

HSTS = "max-age=31536000; includeSubDomains"
TRACK = "/api/v1/devices/dev-tls/positions"


def self_signed(directory) -> tuple[str, str]:
    """(cert.pem, key.pem) for 127.0.0.1 and localhost, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "uvis-test-api")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "api.crt", directory / "api.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_api(config, database_url: str, port: int, log) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "api", "--config", str(config),
                             "--database-url", database_url, "--api-host", "127.0.0.1",
                             "--api-port", str(port), "--log-level", "INFO"],
                            env=dict(os.environ, PYTHONUNBUFFERED="1"), stderr=log.open("w"), text=True)
    deadline = time.monotonic() + 60
    while "API ready" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the API did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.1)
    return proc


def _plain_request(port: int, secret: str) -> bytes:
    """Everything a plain-HTTP request to ``port`` gets back before the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {TRACK} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {secret}\r\n"
                     "Connection: close\r\n\r\n".encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


async def test_api_served_over_tls_with_hsts_and_no_data_over_plain_http(
        clean_database_url, store, db_pool, tmp_path) -> None:
    await store.write([pos("dev-tls", s, lat=22.5 + s / 1000) for s in range(3)], [], T0)
    secret = await token(db_pool, "tls-reader", "positions:read")
    cert, key = self_signed(tmp_path)
    config, log = tmp_path / "uvis.toml", tmp_path / "api.log"
    config.write_text(f'[api]\ntokens = "on"\ntls_cert = "{cert}"\ntls_key = "{key}"\n')
    port = _free_port()
    api = _start_api(config, clean_database_url, port, log)
    try:
        assert f"API on https://127.0.0.1:{port}" in log.read_text()
        assert f"API ready on https://127.0.0.1:{port}" in log.read_text()
        trusting = ssl.create_default_context(cafile=cert)
        async with httpx.AsyncClient(base_url=f"https://127.0.0.1:{port}", verify=trusting, timeout=30,
                                     headers={"authorization": f"Bearer {secret}"}) as https:
            r = await https.get(TRACK)
            assert r.status_code == 200, r.text
            assert [(p["fix_time"], p["lat"]) for p in r.json()["items"]] == [
                ("2024-05-01T12:00:00Z", 22.5), ("2024-05-01T12:00:01Z", 22.501),
                ("2024-05-01T12:00:02Z", 22.502)]
            assert r.headers["strict-transport-security"] == HSTS
            assert r.headers["x-content-type-options"] == "nosniff"
            stream = r.extensions["network_stream"]
            assert stream.get_extra_info("ssl_object").version() in ("TLSv1.2", "TLSv1.3")
            # HSTS on every answer over TLS: the open /health and a 401 too
            health = await https.get("/health")
            assert (health.status_code, health.headers["strict-transport-security"]) == (200, HSTS)
            anonymous = await https.get(TRACK, headers={"authorization": ""})
            assert (anonymous.status_code, anonymous.headers["strict-transport-security"]) == (401, HSTS)
        # the certificate served is the one configured: a client trusting only the system CAs refuses it
        async with httpx.AsyncClient(verify=ssl.create_default_context(), timeout=30) as system:
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await system.get(f"https://127.0.0.1:{port}/health")
        # plain HTTP to the TLS port: no HTTP answer (so no data), and the server goes on serving TLS
        plain = _plain_request(port, secret)
        assert plain == b"" or plain[:2] == b"\x15\x03", plain[:200]   # closed, at most a TLS alert
        async with httpx.AsyncClient(timeout=30) as http:
            with pytest.raises(httpx.HTTPError):
                await http.get(f"http://127.0.0.1:{port}{TRACK}", headers={"authorization": f"Bearer {secret}"})
        async with httpx.AsyncClient(verify=trusting, timeout=30) as https:
            again = await https.get(f"https://127.0.0.1:{port}{TRACK}",
                                    headers={"authorization": f"Bearer {secret}"})
            assert (again.status_code, len(again.json()["items"])) == (200, 3)
    finally:
        api.terminate()
        assert api.wait(30) == 0
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


async def test_no_hsts_over_plain_http(clean_database_url, store, db_pool) -> None:
    await store.write([pos("dev-tls", 0)], [], T0)
    async with running_api(clean_database_url) as api:
        async with client(api, await token(db_pool, "plain-reader", "positions:read")) as http:
            r = await http.get(TRACK)
            assert r.status_code == 200 and len(r.json()["items"]) == 1
            assert r.headers["x-content-type-options"] == "nosniff"       # the same middleware ran
            assert "strict-transport-security" not in r.headers
