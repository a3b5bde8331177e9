"""A real Prometheus (Debian's ``prometheus`` binary) scrapes a running
gateway with deploy/prometheus's scrape config and rules: the ``uvis_*``
series arrive, "ingest stalled" fires while the database holds the writer,
"gateway down" fires when the gateway stops, and neither fires before.

The rules' durations are scaled down (minutes become 2 s each) so the test
runs in seconds; their expressions are deploy's, unchanged."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import pytest
import yaml

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from protocols import Fix
from protocols.registry import get as get_protocol

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("prometheus") is None,
                                 reason="the prometheus binary is not installed "
                                        "(Debian: apt-get install prometheus)")]

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scaled(text: str) -> str:
    """Every duration in minutes becomes 2 s per minute (``for: 1m``, ``[10m]``)."""
    return re.sub(r"\b(\d+)m\b", lambda m: f"{2 * int(m.group(1))}s", text)


def _config(tmp: Path, gateway: str) -> Path:
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"}
    rules = tmp / "rules"
    rules.mkdir()
    for path in sorted((DEPLOY / "rules").glob("*.yml")):
        (rules / path.name).write_text(_scaled(path.read_text()))
    config["rule_files"] = [str(rules / "*.yml")]
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "uvis-gateway"]
    job.pop("dns_sd_configs")  # the compose stack's discovery; here: the one test gateway
    job["static_configs"] = [{"targets": [gateway]}]
    config["scrape_configs"] = [job]
    path = tmp / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


class Prometheus:
    def __init__(self, tmp: Path, gateway: str) -> None:
        self.port = _free_port()
        self.log = open(tmp / "prometheus.log", "w")
        self.proc = subprocess.Popen(
            ["prometheus", f"--config.file={_config(tmp, gateway)}", f"--storage.tsdb.path={tmp / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def get(self, path: str, **params: str) -> dict:
        url = f"http://127.0.0.1:{self.port}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)["data"]

    async def until(self, check, timeout: float = 30.0):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                found = await asyncio.to_thread(check)
            except OSError:
                found = None
            if found:
                return found
            assert loop.time() < deadline, f"timed out; last answer {found!r}"
            await asyncio.sleep(0.5)

    def firing(self) -> set[str]:
        return {a["labels"]["alertname"] for a in self.get("/api/v1/alerts")["alerts"]
                if a["state"] == "firing"}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


async def _scrape_token(dsn: str, tmp: Path) -> None:
    """deploy's job authenticates with a token file next to the config
    (``uvis-token``): a real token with the scope metrics:read."""
    from storage.api_store import create_token

    conn = await asyncpg.connect(dsn)
    try:
        secret = await create_token(conn, "prometheus", ["metrics:read"])
    finally:
        await conn.close()
    (tmp / "uvis-token").write_text(secret + "\n")


async def test_real_prometheus_scrapes_and_alerts(clean_database_url, tmp_path) -> None:
    settings = load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_host": "127.0.0.1", "api_port": 0,
        "batch_max_age": 0.05, "write_timeout": 60.0, "spool": "off",
        "listeners": [{"protocol": "gt06", "port": 0, "host": "127.0.0.1"}]})
    gw = Gateway(settings)
    await gw.start()
    await _scrape_token(clean_database_url, tmp_path)
    prom = Prometheus(tmp_path, f"127.0.0.1:{gw.api_port}")
    locker = None
    stopped = False
    try:
        up = await prom.until(lambda: [r for r in prom.get("/api/v1/query", query='up{job="uvis-gateway"}')
                                        ["result"] if r["value"][1] == "1"])
        assert len(up) == 1
        names = await prom.until(lambda: prom.get("/api/v1/label/__name__/values"))
        assert {"uvis_frames_total", "uvis_positions_total", "uvis_ack_latency_seconds_bucket",
                "uvis_fd_limit", "uvis_database_up", "uvis_ingest_queue_rows"} <= set(names)
        device = get_protocol("gt06").device("864717003283581")
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.ports[("gt06", "tcp")])
        writer.write(device.hello())
        await asyncio.wait_for(reader.read(64), 5)
        start = datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc).timestamp()
        sent = 0

        async def send(count: int) -> None:
            nonlocal sent
            for _ in range(count):
                fix = Fix(time=datetime.fromtimestamp(start + sent, timezone.utc), lat=51.5, lon=-0.1)
                writer.write(device.encode_fixes([fix]).data)
                sent += 1
                await asyncio.sleep(0.25)

        await send(12)                                   # healthy: commits follow the frames
        assert not prom.firing() & {"UvisIngestStalled", "UvisGatewayDown"}
        locker = await asyncpg.connect(clean_database_url)
        tx = locker.transaction()
        await tx.start()
        await locker.execute("LOCK TABLE positions IN ACCESS EXCLUSIVE MODE")  # the writer waits
        stalled = asyncio.ensure_future(send(200))
        await prom.until(lambda: "UvisIngestStalled" in prom.firing(), timeout=40)
        stalled.cancel()
        await tx.rollback()
        await locker.close()
        locker = None
        writer.close()
        assert "UvisGatewayDown" not in prom.firing()
        await gw.stop()
        stopped = True
        await prom.until(lambda: "UvisGatewayDown" in prom.firing(), timeout=30)
    finally:
        if locker is not None:
            await locker.close()
        prom.stop()
        if not stopped:
            await gw.stop()
