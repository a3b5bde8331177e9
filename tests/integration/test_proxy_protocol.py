"""PROXY protocol on a TCP listener, over real sockets and a real HAProxy:
the device's real address is the one logged and stored in raw_frames.remote;
a missing or bad header closes the connection and is counted."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
from datetime import datetime, timezone

import asyncpg
import pytest

from gateway.runtime.app import Gateway
from gateway.transports.proxy import encode_v1, encode_v2
from gateway.settings import load_settings
from protocols import Fix
from protocols.registry import get as get_protocol

pytestmark = pytest.mark.integration

FIX = Fix(time=datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc), lat=51.5, lon=-0.125)
# a Teltonika AVL packet cut short: fails to decode, is logged with the peer and archived
BAD = bytes.fromhex("00000000" "0000000a" "08" "01" "0000") + b"\x00" * 6 + bytes(4)


def settings(dsn: str, idle_timeout: float = 30.0):
    return load_settings(env={}, overrides={
        "database_url": dsn, "api_enabled": False, "batch_max_age": 0.05, "archive_all_frames": True,
        "listeners": [{"protocol": "teltonika", "transport": "tcp", "port": 0, "host": "127.0.0.1",
                       "proxy_protocol": True, "idle_timeout": idle_timeout}]})


async def device_session(port: int, imei: str, header: bytes = b"",
                         local: tuple[str, int] | None = None) -> tuple[str, int]:
    """Header + login in one write, a frame that fails, a good one; both ACKs checked."""
    device = get_protocol("teltonika").device(imei)
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=local)
    me = writer.get_extra_info("sockname")[:2]
    try:
        writer.write(header + device.hello())
        assert [a.kind for a in device.receive_data(await asyncio.wait_for(reader.read(1), 5))] == ["hello"]
        writer.write(BAD)
        writer.write(device.encode_fixes([FIX]).data)
        acks = device.receive_data(await asyncio.wait_for(reader.readexactly(4), 5))
        assert [a.kind for a in acks] == ["fixes"]
    finally:
        writer.close()
    return me


async def remotes(dsn: str) -> dict[str, set[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT device_id, remote FROM raw_frames")
    finally:
        await conn.close()
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["device_id"], set()).add(row["remote"])
    return found


def proxy_errors(gw: Gateway) -> float:
    return gw.metrics.registry.get_sample_value(
        "uvis_proxy_header_errors_total", {"protocol": "teltonika", "transport": "tcp"})


async def closed_by_gateway(port: int, data: bytes) -> bool:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        return await asyncio.wait_for(reader.read(100), 10) == b""
    finally:
        writer.close()


async def test_v1_v2_and_local_headers_over_a_real_socket(clean_database_url, store, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="uvis.gateway")
    gw = Gateway(settings(clean_database_url, idle_timeout=2.0))
    await gw.start()
    port = gw.ports[("teltonika", "tcp")]
    try:
        await device_session(port, "869000000000011", encode_v1(("203.0.113.7", 41234), ("10.1.2.3", 5027)))
        await device_session(port, "869000000000012", encode_v2(("2001:db8::7", 40001), ("2001:db8::1", 5027)))
        local = await device_session(port, "869000000000013", encode_v2(None, None))
        assert proxy_errors(gw) == 0
        plain_hello = get_protocol("teltonika").device("869000000000014").hello()
        assert await closed_by_gateway(port, plain_hello)            # no header: closed, counted
        assert proxy_errors(gw) == 1
        assert await closed_by_gateway(port, b"PROXY TCP4 1.2.3")     # never completed: timed out
        assert proxy_errors(gw) == 2
    finally:
        await gw.stop()
    assert await remotes(clean_database_url) == {
        "869000000000011": {"203.0.113.7:41234"},
        "869000000000012": {"2001:db8::7:40001"},
        "869000000000013": {f"{local[0]}:{local[1]}"},  # LOCAL: the socket's own peer
    }
    logged = [r.getMessage() for r in caplog.records if r.name == "uvis.gateway"]
    assert any("('203.0.113.7', 41234) (869000000000011)" in m for m in logged), logged
    assert any("no PROXY header: the stream starts with 000f" in m for m in logged), logged
    assert any("no PROXY header in time" in m for m in logged), logged
    for imei in ("869000000000011", "869000000000012", "869000000000013"):
        (position,) = await store.track(imei, limit=10)
        assert (position.fix_time, position.lat, position.lon) == (FIX.time, FIX.lat, FIX.lon)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


HAPROXY_CFG = """\
global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend devices
    bind 127.0.0.1:{front}
    default_backend gateways
backend gateways
    server gw1 127.0.0.1:{backend} {option}
"""


async def start_haproxy(tmp_path, front: int, backend: int, option: str) -> subprocess.Popen:
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY_CFG.format(front=front, backend=backend, option=option))
    check = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    proc = subprocess.Popen(["haproxy", "-db", "-f", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    for _ in range(100):  # until its frontend accepts
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", front)
            writer.close()
            return proc
        except OSError:
            assert proc.poll() is None, proc.stdout.read().decode()
            await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError("haproxy did not start listening")


@pytest.mark.skipif(shutil.which("haproxy") is None,
                    reason="the haproxy binary is not installed (Debian: apt-get install haproxy)")
@pytest.mark.parametrize("option", ["send-proxy-v2", "send-proxy"])
async def test_behind_a_real_haproxy(clean_database_url, tmp_path, caplog, option) -> None:
    caplog.set_level(logging.WARNING, logger="uvis.gateway")
    gw = Gateway(settings(clean_database_url))
    await gw.start()
    front = free_port()
    proxy = await start_haproxy(tmp_path, front, gw.ports[("teltonika", "tcp")], option)
    try:
        # the device connects from 127.0.0.2; HAProxy reaches the gateway from 127.0.0.1
        device = await device_session(front, "869000000000021", local=("127.0.0.2", 0))
    finally:
        proxy.terminate()
        proxy.wait(10)
        await gw.stop()
    assert device[0] == "127.0.0.2"
    assert await remotes(clean_database_url) == {"869000000000021": {f"127.0.0.2:{device[1]}"}}
    logged = [r.getMessage() for r in caplog.records if r.name == "uvis.gateway"]
    assert any(f"('127.0.0.2', {device[1]}) (869000000000021)" in m for m in logged), logged
