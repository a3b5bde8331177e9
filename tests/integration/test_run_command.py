"""`uvis-gateway run` as a user runs it: a real process, real signals, on a
database URL and on the embedded default database (killed with -9 and
restarted)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from protocols import Fix
from protocols.registry import get as get_protocol

pytestmark = pytest.mark.integration

READY = re.compile(r"gateway ready: (?P<ports>.*); API http://[^:]+:(?P<api>\d+)")
EXE = [sys.executable, "-m", "gateway.cli"]


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "uvis.toml"
    config.write_text(
        'api_host = "127.0.0.1"\napi_port = 0\nbatch_max_age = 0.05\n'
        '[[listeners]]\nprotocol = "gt06"\ntransport = "tcp"\nport = 0\nhost = "127.0.0.1"\n')
    return config


class Running:
    def __init__(self, args: list[str], cwd: Path) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("UVIS_DATABASE_URL", None)
        self.proc = subprocess.Popen(EXE + args, cwd=cwd, env=env, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            match = READY.search(line)
            if match:
                ports = dict(re.findall(r"(\w+/\w+) (\d+)", match["ports"]))
                self.gt06 = int(ports["gt06/tcp"])
                self.api = int(match["api"])
                return
        self.proc.kill()
        raise AssertionError("gateway did not become ready:\n" + "".join(self.lines))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        try:
            self.proc.stderr.read()
        finally:
            return self.proc.wait(60)


def send_fix(port: int, imei: str, second: int) -> Fix:
    device = get_protocol("gt06").device(imei)
    fix = Fix(time=datetime(2026, 2, 3, 4, 5, second, tzinfo=timezone.utc), lat=48.125, lon=11.5)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(device.hello())
        assert [a.kind for a in device.receive_data(sock.recv(1024))] == ["hello"]
        packet = device.encode_fixes([fix])
        sock.sendall(packet.data)
        assert [(a.kind, a.token) for a in device.receive_data(sock.recv(1024))] == [("fixes", packet.token)]
    return fix


def create_token(args: list[str], cwd: Path) -> str:
    """``token create`` with the database flags of ``args``: the secret, alone on stdout."""
    env = dict(os.environ)
    env.pop("UVIS_DATABASE_URL", None)
    db_flags = [item for flag in ("--database-url", "--data-dir") if flag in args
                for item in (flag, args[args.index(flag) + 1])]
    run = subprocess.run(EXE + ["token", "create", "--name", "tests", "--scope", "positions:read",
                                *db_flags], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert re.fullmatch(r"uvis_[\w-]{43}\n", run.stdout), run.stdout  # the secret alone on stdout
    return run.stdout.strip()


def api_json(port: int, path: str, token: str):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def test_run_on_a_database_url_and_sigterm(tmp_path, clean_database_url) -> None:
    await asyncio.to_thread(_run_on_a_database_url, tmp_path, clean_database_url)


def _run_on_a_database_url(tmp_path: Path, clean_database_url: str) -> None:
    args = ["run", "--config", str(_config(tmp_path)), "--database-url", clean_database_url]
    token = create_token(args, tmp_path)
    gw = Running(args, tmp_path)
    try:
        fix = send_fix(gw.gt06, "868000000000001", 1)
        body = api_json(gw.api, "/devices/868000000000001/positions", token)
        assert [p["fix_time"] for p in body["items"]] == ["2026-02-03T04:05:01Z"]
        assert body["items"][0]["lat"] == fix.lat and body["items"][0]["lon"] == fix.lon
    finally:
        status = gw.stop()
    assert status == 0


def _postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "pg" / "postmaster.pid"
    if not pid_file.exists():
        return None
    return int(pid_file.read_text().split()[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_embedded_database_survives_kill_9(tmp_path) -> None:
    data_dir = tmp_path / "data"
    args = ["run", "--config", str(_config(tmp_path)), "--data-dir", str(data_dir)]
    gw = Running(args, tmp_path)
    try:
        send_fix(gw.gt06, "868000000000002", 2)
    except BaseException:
        gw.stop(signal.SIGKILL)
        raise
    gw.stop(signal.SIGKILL)
    pid = _postmaster_pid(data_dir)
    assert pid is not None and _alive(pid)  # the orphaned server is still running

    token = create_token(args, tmp_path)     # uses the orphaned server, leaves it running
    assert _postmaster_pid(data_dir) == pid and _alive(pid)
    again = Running(args, tmp_path)          # finds it and reuses (or restarts) it
    try:
        send_fix(again.gt06, "868000000000002", 3)
        body = api_json(again.api, "/devices/868000000000002/positions", token)
        assert [p["fix_time"] for p in body["items"]] == ["2026-02-03T04:05:02Z",
                                                          "2026-02-03T04:05:03Z"]
    finally:
        status = again.stop()
    assert status == 0
    assert _postmaster_pid(data_dir) is None  # a clean stop stops the embedded server
