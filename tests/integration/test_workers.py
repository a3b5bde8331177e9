"""`uvis-gateway run --workers 2`: two processes share the port (SO_REUSEPORT),
both take connections, every fix is acknowledged after commit, SIGTERM stops
them all."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from simulators.fleet import FleetConfig, run_fleet

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _listening_pids(port: int, children: list[int]) -> set[int]:
    """The children holding a listening socket on ``port`` (from /proc/net/tcp and their fds)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A":
            inodes.add(fields[9])
    holders = set()
    for pid in children:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                holders.add(pid)
    return holders


async def test_two_workers_share_the_port_and_stop_on_sigterm(clean_database_url, tmp_path) -> None:
    port = _free_port()
    config = tmp_path / "uvis.toml"
    config.write_text('batch_max_age = 0.05\n[[listeners]]\nprotocol = "gt06"\ntransport = "tcp"\n'
                      f'port = {port}\nhost = "127.0.0.1"\n')
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--workers", "2", "--no-api",
                             "--config", str(config), "--database-url", clean_database_url],
                            env=env, stderr=subprocess.PIPE, text=True)
    try:
        ready = 0
        deadline = time.monotonic() + 60
        while ready < 2 and time.monotonic() < deadline:
            line = proc.stderr.readline()
            assert line, "the gateway exited before both workers were ready"
            ready += "gateway ready" in line
        assert ready == 2
        children = _children(proc.pid)
        assert len(children) == 2
        assert _listening_pids(port, children) == set(children)

        stats = await run_fleet(FleetConfig(protocol="gt06", devices=40, rate=2.0, duration=2.0,
                                            port=port, collect_keys=True))
        assert stats.errors == 0 and stats.pending == 0
        assert stats.acked == stats.sent == len(stats.acked_keys) > 0
        conn = await asyncpg.connect(clean_database_url)
        try:
            stored = await conn.fetchval("SELECT count(*) FROM positions")
        finally:
            await conn.close()
        assert stored == stats.acked

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        for child in children:
            assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
