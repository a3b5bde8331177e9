"""Accept pauses near the open-file limit (issue 13), over real sockets on
127.0.0.1 and a real PostgreSQL. Within ``fd_reserve`` of RLIMIT_NOFILE (or
when ``accept`` fails with EMFILE) the listener stops accepting: a device
that connects meanwhile waits in the kernel's backlog and is served once a
descriptor frees up, instead of being accepted and reset."""

from __future__ import annotations

import asyncio
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time

import pytest

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from protocols.registry import get as get_protocol

pytestmark = pytest.mark.integration

HELLO = get_protocol("teltonika").device("866000000000901").hello()


def _sample(gw: Gateway, name: str, labels: dict | None = None) -> float:
    return gw.metrics.registry.get_sample_value(name, labels or {}) or 0.0


async def _until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_device_connecting_while_paused_waits_and_is_served(clean_database_url) -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    gw = Gateway(load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_enabled": False,
        "listeners": [{"protocol": "teltonika", "host": "127.0.0.1", "port": 0}],
        "limits": {"fd_reserve": soft - 16}}))              # room for 16 device connections
    await gw.start()
    port = gw.ports[("teltonika", "tcp")]
    held = []
    try:
        assert gw.guard.fd_cap == 16
        for _ in range(16):
            held.append(await asyncio.open_connection("127.0.0.1", port))
        await _until(lambda: gw.guard.open == 16)
        assert _sample(gw, "uvis_accept_paused") == 0
        # the 17th: the kernel completes its handshake into the backlog; nobody accepts it
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(HELLO)
        await writer.drain()
        await _until(lambda: _sample(gw, "uvis_accept_paused") == 1)
        assert _sample(gw, "uvis_fd_limit_near") == 1
        with pytest.raises(asyncio.TimeoutError):  # not reset, not answered: waiting
            await asyncio.wait_for(reader.read(1), 0.5)
        assert gw.guard.open == 16
        _, first = held.pop(0)
        first.close()                                       # a descriptor frees up
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(1), 3.0) == b"\x01"  # accepted, logged in
        waited = time.monotonic() - started
        assert waited < 0.4, f"resumed {waited:.2f} s after the close (the close resumes, not the timer)"
        assert _sample(gw, "uvis_connections_refused_total",
                       {"protocol": "teltonika", "transport": "tcp", "reason": "fd_limit"}) == 0
        writer.close()
        held.append((reader, writer))
        await _until(lambda: _sample(gw, "uvis_accept_paused") == 0)
    finally:
        for _, w in held:
            w.close()
        await gw.stop()


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def test_emfile_in_a_real_process_pauses_and_resumes(clean_database_url, tmp_path) -> None:
    """``uvis-gateway run`` whose open-file limit is lowered (prlimit) to its
    own descriptors plus 12: accept() fails with EMFILE, the listener pauses
    (a log line), and a device that connected meanwhile is answered after
    connections close (the retry timer: the guard's count had room)."""
    config = tmp_path / "uvis.toml"
    config.write_text(f'database_url = "{clean_database_url}"\napi_enabled = false\n'
                      'batch_max_age = 0.05\nspool = "off"\n'
                      '[[listeners]]\nprotocol = "teltonika"\nport = 0\nhost = "127.0.0.1"\n')
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--config", str(config)],
                            env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    held: list[socket.socket] = []
    try:
        port = None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            assert line, "gateway exited:\n" + "".join(lines)
            lines.append(line)
            match = re.search(r"gateway ready: .*teltonika/tcp (\d+)", line)
            port = int(match[1]) if match else None
        assert port is not None
        time.sleep(0.3)
        limit = _open_fds(proc.pid) + 12
        resource.prlimit(proc.pid, resource.RLIMIT_NOFILE, (limit, limit))
        for _ in range(20):  # more than fit: the rest wait in the backlog
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        assert _open_fds(proc.pid) <= limit
        late = socket.create_connection(("127.0.0.1", port), timeout=5)
        late.sendall(HELLO)
        late.settimeout(0.5)
        with pytest.raises(socket.timeout):  # waiting, not reset
            late.recv(1)
        for sock in held:
            sock.close()
        held.clear()
        late.settimeout(5.0)
        assert late.recv(1) == b"\x01"
        late.close()
    finally:
        for sock in held:
            sock.close()
        proc.send_signal(signal.SIGTERM)
        rest = proc.stderr.read()
        proc.wait(60)
    log = "".join(lines) + rest
    assert "accept pauses (open files near the limit)" in log and "Too many open files" in log, log
    assert "Traceback" not in log, log
