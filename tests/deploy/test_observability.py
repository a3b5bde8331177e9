"""The Grafana dashboard and the Prometheus rules use only metrics a running
gateway exports; Prometheus' own tools accept the configuration and the
rules pass their unit tests."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import aiohttp
import pytest
import yaml

from gateway.runtime.app import Gateway
from gateway.settings import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "uvis-gateway.json"
RULES = DEPLOY / "prometheus" / "rules" / "uvis-gateway.yml"
METRIC = re.compile(r"\b(uvis_[a-z0-9_]+)")


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [t["expr"] for p in panels for t in p.get("targets", [])]


def rule_exprs() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def exported_names(text: str) -> set[str]:
    """Sample names of a Prometheus text exposition (x_bucket, x_total ... as written)."""
    return {re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            for line in text.splitlines() if line and not line.startswith("#")}


@pytest.mark.integration
async def test_every_metric_used_is_exported_by_a_running_gateway(clean_database_url, tmp_path) -> None:
    settings = load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_host": "127.0.0.1", "api_port": 0,
        "spool_dir": str(tmp_path / "spool"),
        "listeners": [{"protocol": "gt06", "transport": "tcp", "port": 0, "host": "127.0.0.1"}],
        # forwarding's metrics are per destination: one (nothing to send, nothing listens there)
        "forward": {"destinations": [{"name": "observed", "url": "http://127.0.0.1:9/hook"}]}})
    gw = Gateway(settings)
    await gw.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{gw.api_port}/metrics") as response:
                assert response.status == 200
                exported = exported_names(await response.text())
    finally:
        await gw.stop()
    assert {"uvis_frames_total", "uvis_ack_latency_seconds_bucket", "uvis_batch_commit_seconds_count",
            "uvis_proxy_header_errors_total"} <= exported
    used = {name for expr in dashboard_exprs() + rule_exprs() for name in METRIC.findall(expr)}
    assert len(used) >= 15
    assert used - exported == set(), f"used but not exported: {sorted(used - exported)}"


def test_dashboard_is_well_formed_and_generated() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    spec = importlib.util.spec_from_file_location("make_dashboard", DEPLOY / "grafana" / "make_dashboard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert dashboard == module.build(), "run deploy/grafana/make_dashboard.py"
    datasources = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    (source,) = datasources["datasources"]
    assert (source["type"], source["url"]) == ("prometheus", "http://prometheus:9090")
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    titles = " ".join(p["title"] for p in panels).lower()
    for topic in ("connections", "frames", "positions", "decode errors", "ack latency",
                  "commit latency", "queue", "spool", "database errors"):
        assert topic in titles, topic
    for panel in panels:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == source["uid"]
        assert panel["targets"] and all(t["datasource"]["uid"] == source["uid"] for t in panel["targets"])
        for target in panel["targets"]:
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/uvis.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/etc/grafana/dashboards"


def test_rules_cover_the_alerts_asked_for() -> None:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    alerts = {rule["alert"] for group in groups for rule in group["rules"]}
    assert {"UvisGatewayDown", "UvisNoPositions", "UvisDecodeErrorRatioHigh", "UvisCommitLatencyHigh",
            "UvisSpoolGrowing", "UvisDatabaseUnreachable"} <= alerts
    for group in groups:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("warning", "critical")
            assert rule["annotations"]["summary"] and rule["annotations"]["description"]


promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                              reason="promtool is not installed (Debian: apt-get install prometheus)")


@promtool
@pytest.mark.parametrize("args", [
    ["check", "config", "prometheus.yml"],
    ["check", "rules", "rules/uvis-gateway.yml"],
    ["test", "rules", "tests/uvis-gateway.test.yml"],
])
def test_promtool(args: list[str]) -> None:
    run = subprocess.run(["promtool", *args], cwd=DEPLOY / "prometheus", capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout + run.stderr
