"""Hostile peers over real sockets on 127.0.0.1 and a real PostgreSQL: every
rule of gateway/runtime/guard.py (issue 13) has its test here. Loopback's whole
127.0.0.0/8 answers on Linux, so 127.0.0.2 and 127.0.0.3 are other addresses.
Loopback is exempt from the per-address rules by default (local proxies and
load generators): these tests clear ``exempt_networks`` to play the internet."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import subprocess
import time
from datetime import datetime, timezone

import asyncpg
import pytest

from gateway.runtime.app import Gateway
from gateway.transports.proxy import encode_v1
from gateway.settings import load_settings
from protocols import Fix
from protocols.registry import get as get_protocol
from simulators.fleet import FleetConfig, run_fleet

pytestmark = pytest.mark.integration

FIX = Fix(time=datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc), lat=51.5, lon=-0.125)


def make_settings(dsn: str, listeners: list[dict], limits: dict | None = None, **extra):
    values = {"database_url": dsn, "api_enabled": False, "batch_max_age": 0.05,
              "listeners": [{"port": 0, "host": "127.0.0.1", **item} for item in listeners],
              "limits": {"exempt_networks": [], **(limits or {})}}
    values.update(extra)
    return load_settings(env={}, overrides=values)


def sample(gw: Gateway, name: str, labels: dict) -> float:
    return gw.metrics.registry.get_sample_value(name, labels) or 0.0


def guard_count(gw: Gateway, kind: str, protocol: str, transport: str, reason: str) -> float:
    name = {"refused": "uvis_connections_refused_total", "closed": "uvis_connections_closed_by_guard_total",
            "dropped": "uvis_dropped_total"}[kind]
    return sample(gw, name, {"protocol": protocol, "transport": transport, "reason": reason})


async def connect(port: int, source: str = "127.0.0.1"):
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def closed_soon(reader: asyncio.StreamReader, timeout: float = 5.0) -> bool:
    """True when the gateway closes (or resets) the connection within ``timeout``."""
    try:
        while await asyncio.wait_for(reader.read(65536), timeout):
            pass
    except ConnectionResetError:
        return True
    except asyncio.TimeoutError:
        return False
    return True


async def teltonika_login(port: int, imei: str, source: str = "127.0.0.1") -> bytes:
    reader, writer = await connect(port, source)
    try:
        writer.write(get_protocol("teltonika").device(imei).hello())
        return await asyncio.wait_for(reader.read(1), 5)
    except ConnectionResetError:  # refused after the hello arrived: a reset, not a FIN
        return b""
    finally:
        writer.close()


async def test_error_budget_closes_garbage_and_repeat_offenders_are_refused(clean_database_url) -> None:
    """Random bytes into h02 (it decoded garbage into "unknown" frames for ever):
    closed over the error budget; after three such closes the address is
    refused at once; another address still logs in."""
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "h02"}, {"protocol": "teltonika"}],
                               {"penalty_strikes": 3, "penalty_seconds": 60}))
    await gw.start()
    h02, teltonika = gw.ports[("h02", "tcp")], gw.ports[("teltonika", "tcp")]
    rng = random.Random(13)
    try:
        for _ in range(3):
            reader, writer = await connect(h02)
            try:
                for _ in range(64):  # 8 KB at a time; closed long before 512 KB
                    writer.write(bytes(rng.getrandbits(8) for _ in range(8192)))
                    await writer.drain()
                    if reader.at_eof():
                        break
                assert await closed_soon(reader)
            except (ConnectionResetError, BrokenPipeError):
                pass
            finally:
                writer.close()
        assert guard_count(gw, "closed", "h02", "tcp", "error_budget") == 3
        reader, writer = await connect(h02)                 # refused at once
        assert await closed_soon(reader, 2.0)
        writer.close()
        assert guard_count(gw, "refused", "h02", "tcp", "penalty") == 1
        assert await teltonika_login(teltonika, "866000000000101", "127.0.0.1") == b""  # every listener
        assert guard_count(gw, "refused", "teltonika", "tcp", "penalty") == 1
        assert await teltonika_login(teltonika, "866000000000102", "127.0.0.2") == b"\x01"
        assert sample(gw, "uvis_penalized_addresses", {}) == 1
    finally:
        await gw.stop()


async def test_slowloris_and_login_deadlines(clean_database_url, store) -> None:
    """OsmAnd is HTTP: one byte every 0.25 s kept the idle timer fresh for ever.
    A request head must now complete within frame_timeout; a connection that
    sends nothing valid is closed at login_timeout; a whole request is served."""
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "osmand", "transport": "http"}],
                               {"frame_timeout": 1.0, "login_timeout": 2.5, "penalty_strikes": 100}))
    await gw.start()
    port = gw.ports[("osmand", "http")]
    try:
        slow_reader, slow = await connect(port)
        idle_reader, idle = await connect(port)
        started = time.monotonic()
        slow.write(b"GET /?id=777")
        closed_at = None
        for byte in b"&lat=1&lon=2&timestamp=1700000000 HTTP/1.1\r\nHost: x\r\n":
            await asyncio.sleep(0.25)
            if slow_reader.at_eof():
                break
            try:
                slow.write(bytes([byte]))
            except (ConnectionResetError, BrokenPipeError):
                break
        assert await closed_soon(slow_reader, 3.0)
        closed_at = time.monotonic() - started
        assert closed_at < 6.0, closed_at  # long before its 14 s of trickle were over
        assert guard_count(gw, "closed", "osmand", "http", "frame_timeout") == 1
        reader, writer = await connect(port)
        writer.write(b"GET /?id=778&lat=51.5&lon=-0.125&timestamp=1700000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5) == (
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        writer.close()
        assert await closed_soon(idle_reader, 4.0)
        assert guard_count(gw, "closed", "osmand", "http", "login_timeout") == 1
        slow.close()
        idle.close()
    finally:
        await gw.stop()
    (position,) = await store.track("778", limit=5)
    assert (position.lat, position.lon) == (51.5, -0.125)
    assert await store.track("777", limit=5) == []


async def test_caps_per_address_and_before_login(clean_database_url) -> None:
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "teltonika"}],
                               {"max_connections_per_address": 3, "max_prelogin_connections": 4}))
    await gw.start()
    port = gw.ports[("teltonika", "tcp")]
    opened = []
    try:
        for _ in range(3):
            opened.append(await connect(port, "127.0.0.1"))
        reader, writer = await connect(port, "127.0.0.1")       # the 4th from one address
        assert await closed_soon(reader, 2.0)
        writer.close()
        assert guard_count(gw, "refused", "teltonika", "tcp", "max_connections_per_address") == 1
        second = await connect(port, "127.0.0.2")               # 4 waiting for a login now
        reader, writer = await connect(port, "127.0.0.3")       # a 5th before login: refused
        assert await closed_soon(reader, 2.0)
        writer.close()
        assert guard_count(gw, "refused", "teltonika", "tcp", "max_prelogin_connections") == 1
        second[1].write(get_protocol("teltonika").device("866000000000201").hello())
        assert await asyncio.wait_for(second[0].read(1), 5) == b"\x01"   # logged in: 3 waiting
        assert await teltonika_login(port, "866000000000202", "127.0.0.3") == b"\x01"
        for pair in [*opened, second]:
            pair[1].close()
    finally:
        await gw.stop()


async def _udp_socket(source: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    sock.setblocking(False)
    return sock


async def test_udp_datagrams_dropped_and_counted_while_the_queue_is_full(clean_database_url,
                                                                          store) -> None:
    """The queue's limit applies to UDP too: above the high-water mark datagrams
    are dropped and counted (the device resends what was not acknowledged)."""
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "teltonika", "transport": "udp"}],
                               queue_high_water=2, queue_low_water=1, batch_max_age=1.5))
    await gw.start()
    port = gw.ports[("teltonika", "udp")]
    sock = await _udp_socket()
    try:
        for i in range(8):
            device = get_protocol("teltonika").device(f"86600000000030{i}", transport="udp")
            sock.sendto(device.encode_fixes([FIX]).data, ("127.0.0.1", port))
            await asyncio.sleep(0.05)
        # rows 1-3 went in; the third took the queue above 2 rows: 5 dropped
        assert guard_count(gw, "dropped", "teltonika", "udp", "backpressure") == 5
        for _ in range(100):  # the batch commits at 1.5 s; the queue drains; reading resumes
            if not gw._ingest.paused:
                break
            await asyncio.sleep(0.05)
        device = get_protocol("teltonika").device("866000000000399", transport="udp")
        sock.sendto(device.encode_fixes([FIX]).data, ("127.0.0.1", port))
        for _ in range(100):
            if await store.track("866000000000399", limit=1):
                break
            await asyncio.sleep(0.05)
        assert guard_count(gw, "dropped", "teltonika", "udp", "backpressure") == 5
    finally:
        sock.close()
        await gw.stop()
    stored = {imei for imei in [f"86600000000030{i}" for i in range(8)] + ["866000000000399"]
              if await store.track(imei, limit=1)}
    assert stored == {"866000000000300", "866000000000301", "866000000000302", "866000000000399"}


async def _raw_frames(dsn: str) -> list[tuple[str, int]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT remote, length(data) AS n FROM raw_frames ORDER BY id")
    finally:
        await conn.close()
    return [(row["remote"].rsplit(":", 1)[0], row["n"]) for row in rows]


async def test_archive_budget_and_one_aggregated_log_line(clean_database_url, caplog) -> None:
    """12 bad datagrams from two addresses in one second: 2 archived per address,
    each cut to 100 bytes; one line at once and one line summing up the rest."""
    caplog.set_level(logging.INFO, logger="uvis.gateway")
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "teltonika", "transport": "udp"}],
                               {"archive_frames_per_peer_second": 2, "archive_max_frame_bytes": 100,
                                "log_interval": 1.0, "error_budget_frames": 1000}))
    await gw.start()
    port = gw.ports[("teltonika", "udp")]
    socks = [await _udp_socket("127.0.0.1"), await _udp_socket("127.0.0.2")]
    garbage = bytes(range(1, 251)) + bytes(50)  # 300 bytes no codec accepts
    try:
        while time.monotonic() % 1 > 0.3:  # all twelve inside one archive second
            await asyncio.sleep(0.02)
        for i in range(12):
            socks[i % 2].sendto(garbage, ("127.0.0.1", port))
        for _ in range(100):
            if sample(gw, "uvis_decode_errors_total", {"protocol": "teltonika", "transport": "udp"}) == 12:
                break
            await asyncio.sleep(0.02)
        for _ in range(100):  # the archive writes once a second; the sum is logged after 1 s
            if len(await _raw_frames(clean_database_url)) >= 4 and any(
                    "malformed frames from" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # nothing more comes
        assert sorted(await _raw_frames(clean_database_url)) == (
            [("127.0.0.1", 100)] * 2 + [("127.0.0.2", 100)] * 2)
        assert sample(gw, "uvis_raw_frames_skipped_total", {"reason": "frames_per_peer_second"}) == 8
        assert sample(gw, "uvis_raw_frames_truncated_total", {}) == 12
    finally:
        for sock in socks:
            sock.close()
        await gw.stop()
    assert sample(gw, "uvis_log_lines_suppressed_total", {}) == 11
    lines = [r.getMessage() for r in caplog.records if "malformed frames" in r.getMessage()]
    assert len(lines) == 2, lines
    assert lines[0].startswith("teltonika ('127.0.0.1', ") and ": malformed frames: " in lines[0]
    assert lines[1].startswith("teltonika: 11 malformed frames from 2 addresses in the last "), lines[1]


def _certificate(tmp_path) -> tuple[str, str]:
    cert, key = tmp_path / "gw.crt", tmp_path / "gw.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


async def test_tls_listener_handshake_and_data(clean_database_url, store, tmp_path) -> None:
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("the openssl binary is not installed (Debian: apt-get install openssl)")
    cert, key = _certificate(tmp_path)
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "gt06", "tls_cert": cert, "tls_key": key}]))
    await gw.start()
    port = gw.ports[("gt06", "tcp")]
    client = ssl.create_default_context(cafile=cert)
    try:
        device = get_protocol("gt06").device("864717003283581")
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client,
                                                       server_hostname="localhost")
        assert writer.get_extra_info("ssl_object").version() in ("TLSv1.2", "TLSv1.3")
        writer.write(device.hello())
        assert [a.kind for a in device.receive_data(await asyncio.wait_for(reader.read(1024), 5))] == ["hello"]
        writer.write(device.encode_fixes([FIX]).data)
        assert [a.kind for a in device.receive_data(await asyncio.wait_for(reader.read(1024), 5))] == ["fixes"]
        writer.close()
        plain_reader, plain = await connect(port)          # no TLS: no answer, closed
        plain.write(get_protocol("gt06").device("864717003283582").hello())
        assert await closed_soon(plain_reader, 5.0)
        plain.close()
    finally:
        await gw.stop()
    (position,) = await store.track("864717003283581", limit=5)
    assert (position.fix_time, position.lat, position.lon) == (FIX.time, FIX.lat, FIX.lon)
    assert await store.track("864717003283582", limit=5) == []


async def test_proxy_header_from_an_untrusted_address_is_refused(clean_database_url, store) -> None:
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "teltonika", "proxy_protocol": True,
                                                     "proxy_trusted": ["10.0.0.0/8"]}]))
    await gw.start()
    port = gw.ports[("teltonika", "tcp")]
    try:
        reader, writer = await connect(port)
        header = encode_v1(("203.0.113.7", 41234), ("10.1.2.3", 5027))
        writer.write(header + get_protocol("teltonika").device("866000000000501").hello())
        assert await closed_soon(reader, 3.0)  # a FIN, or a reset when the bytes arrived first
        writer.close()
        assert guard_count(gw, "refused", "teltonika", "tcp", "untrusted_proxy") == 1
    finally:
        await gw.stop()
    assert await store.devices(limit=10) == []


async def test_a_device_removed_from_the_allow_list_is_refused(clean_database_url, store) -> None:
    """Known to the database (it sent a fix before) but no longer on the list: refused."""
    listeners = [{"protocol": "teltonika"}]
    first = Gateway(make_settings(clean_database_url, listeners, register_unknown_devices=False,
                                  allowed_devices=["866000000000601", "866000000000602"]))
    await first.start()
    try:
        for imei in ("866000000000601", "866000000000602"):
            device = get_protocol("teltonika").device(imei)
            reader, writer = await connect(first.ports[("teltonika", "tcp")])
            writer.write(device.hello())
            assert await asyncio.wait_for(reader.read(1), 5) == b"\x01"
            writer.write(device.encode_fixes([FIX]).data)
            assert len(await asyncio.wait_for(reader.readexactly(4), 5)) == 4
            writer.close()
    finally:
        await first.stop()
    assert sorted(d.device_id for d in await store.devices(limit=10)) == ["866000000000601",
                                                                          "866000000000602"]
    second = Gateway(make_settings(clean_database_url, listeners, register_unknown_devices=False,
                                   allowed_devices=["866000000000601"]))
    await second.start()
    try:
        port = second.ports[("teltonika", "tcp")]
        assert await teltonika_login(port, "866000000000601") == b"\x01"
        assert await teltonika_login(port, "866000000000602") == b"\x00"
        assert second.metrics.devices_rejected.labels("teltonika", "tcp")._value.get() == 1
    finally:
        await second.stop()


async def test_simulator_survives_connections_closed_at_once(clean_database_url) -> None:
    """Every connection is refused at accept: the simulator counts the closes
    and finishes (it raised RuntimeError from a write on the closed transport)."""
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "gt06"}],
                               {"max_connections_per_address": 0}))
    await gw.start()
    try:
        stats = await run_fleet(FleetConfig(protocol="gt06", devices=3, rate=2.0, duration=1.5,
                                            port=gw.ports[("gt06", "tcp")], ack_timeout=2.0,
                                            drain_timeout=0.5))
    finally:
        await gw.stop()
    assert stats.acked == 0 and stats.connects >= 3
    assert stats.closed + stats.errors == stats.connects
    assert stats.closed >= 3
    assert guard_count(gw, "refused", "gt06", "tcp", "max_connections_per_address") == stats.connects


def test_the_soft_open_file_limit_is_raised_to_the_hard_one() -> None:
    import sys

    code = ("import resource; soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE); "
            "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)); "
            "from gateway.runtime.fd_reserve import raise_nofile_limit; "
            "print(raise_nofile_limit() == (hard, hard), resource.getrlimit(resource.RLIMIT_NOFILE)[0] == hard)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


async def test_raw_archive_retention_deletes_only_old_frames(clean_database_url, store) -> None:
    from datetime import timedelta

    from gateway.runtime.archive import RawArchive
    from gateway.settings.limits import LimitsSettings
    from gateway.runtime.metrics import Metrics

    now = datetime.now(timezone.utc)
    rows = [(now - timedelta(hours=hours), "h02", "tcp", "192.0.2.1:5", 1, None, b"x", "bad")
            for hours in (0.1, 0.5, 1.5, 30)]
    await store.write_raw(rows)
    archive = RawArchive(store, Metrics(), limits=LimitsSettings(archive_retention_hours=1.0))
    assert await archive.trim() == 2
    assert len(await _raw_frames(clean_database_url)) == 2
    kept = RawArchive(store, Metrics(), limits=LimitsSettings(archive_retention_hours=None))
    assert await kept.trim() == 0


def test_tls_certificate_is_reloaded_when_its_files_change(tmp_path) -> None:
    import os
    import shutil
    import ssl

    from gateway.transports.tls import CertificateWatch

    if shutil.which("openssl") is None:
        pytest.skip("the openssl binary is not installed (Debian: apt-get install openssl)")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    cert, key = _certificate(tmp_path / "a")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    watch = CertificateWatch(context, cert, key)
    assert watch.check() is False                       # unchanged
    new_cert, new_key = _certificate(tmp_path / "b")
    shutil.copy(new_cert, cert)
    shutil.copy(new_key, key)
    os.utime(cert, ns=(1, 2_000_000_000_000_000_000))
    assert watch.check() is True and watch.reloads == 1
    with open(key, "w") as handle:                      # a broken pair keeps the previous one
        handle.write("not a key")
    assert watch.check() is False and watch.reloads == 1


def _client_certificates(tmp_path) -> tuple[str, str, str, str, str]:
    """(ca, device cert, device key, stranger cert, stranger key): the device's
    certificate is signed by the CA, the stranger's by itself."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=devices-ca",
        "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=864717003283581", "-keyout", "dev.key",
        "-out", "dev.csr")
    run("x509", "-req", "-in", "dev.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", "dev.crt")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stranger",
        "-keyout", "x.key", "-out", "x.crt")
    return tuple(str(tmp_path / name) for name in ("ca.crt", "dev.crt", "dev.key", "x.crt", "x.key"))


async def test_tls_client_certificates_are_required_when_configured(clean_database_url, store,
                                                                    tmp_path) -> None:
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("the openssl binary is not installed (Debian: apt-get install openssl)")
    (tmp_path / "server").mkdir()
    cert, key = _certificate(tmp_path / "server")
    ca, dev_cert, dev_key, x_cert, x_key = _client_certificates(tmp_path)
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "gt06", "tls_cert": cert, "tls_key": key,
                                                     "tls_client_ca": ca}]))
    await gw.start()
    port = gw.ports[("gt06", "tcp")]

    async def login(client_cert: str | None, client_key: str | None, imei: str) -> list[str]:
        context = ssl.create_default_context(cafile=cert)
        if client_cert is not None:
            context.load_cert_chain(client_cert, client_key)
        device = get_protocol("gt06").device(imei)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context,
                                                           server_hostname="localhost")
            writer.write(device.hello())
            answer = await asyncio.wait_for(reader.read(1024), 5)
            writer.close()
            return [ack.kind for ack in device.receive_data(answer)]
        except (ssl.SSLError, ConnectionError):
            return []

    try:
        assert await login(dev_cert, dev_key, "864717003283581") == ["hello"]  # signed by the CA
        assert await login(None, None, "864717003283582") == []               # no certificate
        assert await login(x_cert, x_key, "864717003283583") == []            # not signed by the CA
        assert sample(gw, "uvis_connections_total", {"protocol": "gt06", "transport": "tcp"}) == 1
    finally:
        await gw.stop()


async def test_behind_a_proxy_the_per_address_cap_counts_the_real_client(clean_database_url) -> None:
    """Every connection comes from the proxy (127.0.0.1); the cap counts the
    client its PROXY header names."""
    gw = Gateway(make_settings(clean_database_url, [{"protocol": "teltonika", "proxy_protocol": True}],
                               {"max_connections_per_address": 2}))
    await gw.start()
    port = gw.ports[("teltonika", "tcp")]
    held = []

    async def through_proxy(client: str, imei: str) -> bytes:
        reader, writer = await connect(port)
        held.append(writer)
        writer.write(encode_v1((client, 40000 + len(held)), ("10.1.2.3", 5027))
                     + get_protocol("teltonika").device(imei).hello())
        try:
            return await asyncio.wait_for(reader.read(1), 5)
        except ConnectionResetError:
            return b""

    try:
        assert await through_proxy("203.0.113.7", "866000000000701") == b"\x01"
        assert await through_proxy("203.0.113.7", "866000000000702") == b"\x01"
        assert await through_proxy("203.0.113.7", "866000000000703") == b""     # a third from it
        assert await through_proxy("203.0.113.8", "866000000000704") == b"\x01"  # another client
        assert guard_count(gw, "refused", "teltonika", "tcp", "max_connections_per_address") == 1
    finally:
        for writer in held:
            writer.close()
        await gw.stop()


async def test_loopback_is_exempt_from_the_per_address_rules_by_default(clean_database_url) -> None:
    settings = load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_enabled": False,
        "listeners": [{"protocol": "teltonika", "port": 0, "host": "127.0.0.1"}],
        "limits": {"max_connections_per_address": 1}})
    assert settings.limits.exempt_networks == ("127.0.0.0/8", "::1/128")
    gw = Gateway(settings)
    await gw.start()
    port = gw.ports[("teltonika", "tcp")]
    try:
        first = await connect(port)
        assert await teltonika_login(port, "866000000000801") == b"\x01"  # a second from 127.0.0.1
        first[1].close()
        assert gw.guard.strike("127.0.0.1") is False and not gw.guard.refused("127.0.0.1")
        assert gw.guard.exempt("::ffff:127.0.0.5") and not gw.guard.exempt("192.0.2.1")
    finally:
        await gw.stop()
