"""Operations that must not lie under load: /metrics of a 2-worker gateway
counts every worker's traffic (it served worker 0's counters only), the
aggregation rules, and JSON log lines."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from gateway.runtime.logs import JsonFormatter
from gateway.runtime.metrics import Metrics, merge_expositions
from simulators.fleet import FleetConfig, run_fleet

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _samples(text: str, name: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def test_merge_sums_counters_and_histograms_and_combines_gauges() -> None:
    a, b = Metrics(), Metrics()
    a.for_listener("gt06", "tcp").positions.inc(3)
    b.for_listener("gt06", "tcp").positions.inc(4)
    b.for_listener("h02", "tcp").positions.inc(5)          # a label set only worker 1 saw
    a.ack_latency.labels("gt06", "tcp").observe(0.02)
    b.ack_latency.labels("gt06", "tcp").observe(2.0)
    a.database_up.set(1)
    b.database_up.set(0)                                    # one worker failing: the gateway is not up
    a.connections_open.labels("gt06", "tcp").set(7)
    b.connections_open.labels("gt06", "tcp").set(5)
    text = merge_expositions([a.render().decode(), b.render().decode()]).decode()
    assert _samples(text, "uvis_positions_total") == {
        'uvis_positions_total{protocol="gt06",transport="tcp"}': 7.0,
        'uvis_positions_total{protocol="h02",transport="tcp"}': 5.0}
    buckets = _samples(text, "uvis_ack_latency_seconds_bucket")
    assert buckets['uvis_ack_latency_seconds_bucket{le="0.025",protocol="gt06",transport="tcp"}'] == 1.0
    assert buckets['uvis_ack_latency_seconds_bucket{le="2.5",protocol="gt06",transport="tcp"}'] == 2.0
    assert _samples(text, "uvis_ack_latency_seconds_count") == {
        'uvis_ack_latency_seconds_count{protocol="gt06",transport="tcp"}': 2.0,
        'uvis_ack_latency_seconds_count{protocol="h02",transport="tcp"}': 0.0}
    assert _samples(text, "uvis_database_up") == {"uvis_database_up": 0.0}
    assert _samples(text, "uvis_connections_open") == {
        'uvis_connections_open{protocol="gt06",transport="tcp"}': 12.0,
        'uvis_connections_open{protocol="h02",transport="tcp"}': 0.0}
    assert text.count("# TYPE uvis_positions_total counter") + text.count("# TYPE uvis_positions counter") == 1


def test_json_log_lines_carry_the_aggregated_fields() -> None:
    record = logging.LogRecord("uvis.gateway", logging.WARNING, __file__, 1,
                               "%s: %d %s from %s addresses in the last %.0f s",
                               ("h02", 48266, "malformed frames", "1204", 10.0), None)
    record.__dict__.update({"protocol": "h02", "cause": "malformed frames", "count": 48266,
                            "addresses": 1204})
    record.created = 1_800_000_000.25
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2027-01-15T08:00:00.250+00:00", "level": "WARNING", "logger": "uvis.gateway",
        "message": "h02: 48266 malformed frames from 1204 addresses in the last 10 s",
        "protocol": "h02", "cause": "malformed frames", "count": 48266, "addresses": 1204}
    from gateway.runtime.logs import configure_logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers = []
    try:
        configure_logging("INFO", "json", stream)
        logging.getLogger("uvis.gateway").warning("device %s said %r", "86\n1", "a\x00b",
                                                  extra={"peer": "192.0.2.1:5"})
    finally:
        root.handlers, _ = saved
        root.setLevel(saved[1])
    (printed,) = stream.getvalue().splitlines()
    parsed = json.loads(printed)
    assert (parsed["message"], parsed["peer"]) == ("device 86\n1 said 'a\\x00b'", "192.0.2.1:5")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


async def test_two_workers_metrics_count_every_fix(clean_database_url, tmp_path) -> None:
    port, api_port = _free_port(), _free_port()
    config = tmp_path / "uvis.toml"
    config.write_text('batch_max_age = 0.05\n[[listeners]]\nprotocol = "gt06"\ntransport = "tcp"\n'
                      f'port = {port}\nhost = "127.0.0.1"\n')
    log = tmp_path / "gateway.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "run", "--workers", "2", "--api-host", "127.0.0.1",
         "--api-port", str(api_port), "--no-spool", "--database-url", clean_database_url,
         "--config", str(config), "--log-format", "json"],
        stdout=subprocess.DEVNULL, stderr=open(log, "w"), start_new_session=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("gateway ready") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            await asyncio.sleep(0.1)
        stats = await run_fleet(FleetConfig(protocol="gt06", devices=24, rate=2.0, duration=2.0,
                                            port=port, first_id=861300000000000))
        assert stats.acked == stats.sent and stats.pending == 0
        wanted = {'uvis_positions_total{protocol="gt06",transport="tcp"}': float(stats.sent)}
        connections = {'uvis_connections_total{protocol="gt06",transport="tcp"}': float(stats.connects)}
        text = ""
        for _ in range(50):  # the workers write their share once a second
            text = await asyncio.to_thread(_get, f"http://127.0.0.1:{api_port}/metrics")
            if _samples(text, "uvis_positions_total") == wanted:
                break
            await asyncio.sleep(0.2)
        assert _samples(text, "uvis_positions_total") == wanted
        assert _samples(text, "uvis_connections_total") == connections
        assert _samples(text, "uvis_acks_sent_total") == {
            'uvis_acks_sent_total{protocol="gt06",transport="tcp"}': float(stats.acked)}
        logged = [json.loads(line) for line in log.read_text().splitlines()]  # every line is JSON
        assert sum(1 for entry in logged if entry["message"].startswith("gateway ready")) == 2
        assert {entry["logger"] for entry in logged} >= {"uvis.gateway"}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
