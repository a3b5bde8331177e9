"""The image, the compose stack, HAProxy and the Kubernetes manifests agree
with the gateway: its ports, its configuration, /health, non-root."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from gateway.settings import default_listeners, load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"


def default_ports() -> set[tuple[int, str]]:
    return {(l.port, "udp" if l.transport == "udp" else "tcp") for l in default_listeners()}


def _published(entry: str) -> set[tuple[int, str]]:
    mapping, _, proto = entry.partition("/")
    host = mapping.split(":")[-2]
    first, _, last = host.partition("-")
    return {(p, proto or "tcp") for p in range(int(first), int(last or first) + 1)}


def test_dockerfile() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", text, re.M)
    assert stages == ["build", "runtime"]
    runtime = text.split("AS runtime", 1)[1]
    assert "COPY --from=build /opt/uvis /opt/uvis" in runtime and "pip install" not in runtime
    assert re.search(r"^USER 10001:10001$", runtime, re.M)
    assert re.search(r"^HEALTHCHECK .*CMD \[.*/health", runtime, re.M | re.S)
    entrypoint = re.search(r"^ENTRYPOINT (.+)$", runtime, re.M).group(1)
    assert json.loads(entrypoint) == ["uvis-gateway"]          # exec form: SIGTERM reaches it
    expose = re.search(r"^EXPOSE ((?:.|\\\n)+?)\n(?!\s)", runtime, re.M).group(1)
    ports = {(int(p), proto) for p, proto in re.findall(r"(\d+)/(tcp|udp)", expose)}
    assert ports == default_ports()
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert ignore[ignore.index("**") + 1:ignore.index("**") + 2] == ["!pyproject.toml"]


def test_compose_publishes_every_device_port_and_loads_its_configuration() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "mosquitto", "gateway", "prometheus", "grafana"} <= set(services)
    assert services["db"]["image"].startswith("timescale/timescaledb:")
    gateway = services["gateway"]
    published = set().union(*(_published(p) for p in gateway["ports"]))
    assert published == default_ports() | {(8080, "tcp")}
    assert gateway["stop_grace_period"] == "45s" and gateway["depends_on"]["db"]["condition"] == "service_healthy"
    settings = load_settings(DEPLOY / "gateway" / "gateway.toml", env={})
    assert settings.shutdown_timeout < 45 and settings.api_port == 8080
    haproxy = set().union(*(_published(p) for p in services["haproxy"]["ports"]))
    assert haproxy == {p for p in default_ports() if p[1] == "tcp"} | {(8404, "tcp")}


def test_the_replicas_behind_haproxy_expect_a_proxy_header_on_every_tcp_port() -> None:
    settings = load_settings(DEPLOY / "gateway" / "gateway-behind-proxy.toml", env={})
    assert {(l.protocol, l.transport, l.port) for l in settings.listeners} == {
        (l.protocol, l.transport, l.port) for l in default_listeners() if l.transport != "udp"}
    assert all(l.proxy_protocol for l in settings.listeners)
    config = (DEPLOY / "haproxy" / "haproxy.cfg").read_text()
    binds = {int(p) for p in re.search(r"^\s+bind (:\d+(?:,:\d+)*)$", config, re.M).group(1)[1:].split(",:")}
    assert binds == {l.port for l in settings.listeners}
    assert "send-proxy-v2" in config


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")
def test_haproxy_accepts_its_configuration() -> None:
    run = subprocess.run(["haproxy", "-c", "-f", str(DEPLOY / "haproxy" / "haproxy.cfg")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "Configuration file is valid" in run.stdout, run.stdout + run.stderr


@pytest.mark.skipif(shutil.which("docker-compose") is None,
                    reason="docker-compose is not installed (Debian: apt-get install docker-compose)")
@pytest.mark.parametrize("profile", [[], ["--profile", "scaled"]])
def test_docker_compose_config(profile: list[str]) -> None:
    run = subprocess.run(["docker-compose", "-f", "compose.yaml", *profile, "config", "-q"],
                         cwd=DEPLOY, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


def k8s_objects() -> dict[tuple[str, str], dict]:
    objects = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            objects[(doc["kind"], doc["metadata"]["name"] if "metadata" in doc else path.name)] = doc
    return objects


def test_kubernetes_manifests(tmp_path) -> None:
    objects = k8s_objects()
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(
        p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    deployment = objects[("Deployment", "uvis-gateway")]
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    http = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
    assert http == 8080
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe
    config = objects[("ConfigMap", "uvis-gateway-config")]
    (tmp_path / "gateway.toml").write_text(config["data"]["gateway.toml"])
    settings = load_settings(tmp_path / "gateway.toml", env={})
    assert settings.shutdown_timeout < pod["terminationGracePeriodSeconds"]
    assert settings.api_port == http
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "config"]
    assert container["args"][1] == f"--config={mount['mountPath']}/gateway.toml"
    env = {e["name"]: e for e in container["env"]}
    ref = env["UVIS_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert ref["key"] in objects[("Secret", ref["name"])]["stringData"]
    devices = objects[("Service", "uvis-gateway-devices")]["spec"]
    assert devices["type"] == "LoadBalancer"
    assert {(p["port"], p["protocol"].lower()) for p in devices["ports"]} == default_ports()
    assert all(p["port"] == p["targetPort"] and len(p["name"]) <= 15 for p in devices["ports"])
    api = objects[("Service", "uvis-gateway-api")]["spec"]
    assert api["ports"][0]["targetPort"] == "http"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    for spec in (devices, api):
        assert spec["selector"].items() <= labels.items()

