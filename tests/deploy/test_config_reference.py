"""`uvis-gateway config --print-default`: every option, each with a comment,
and the printed text loads back to the default settings; bad options are a
clear start-up error naming them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import msgspec
import pytest

from gateway.cli.config import default_toml, undocumented
from gateway.settings import ListenerSettings, Settings, load_settings


@pytest.fixture(scope="module")
def printed() -> str:
    run = subprocess.run([sys.executable, "-m", "gateway.cli", "config", "--print-default"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == default_toml()
    return run.stdout


def _structs(root: type) -> list[type]:
    found, todo = [], [root]
    while todo:
        cls = todo.pop()
        if cls in found:
            continue
        found.append(cls)
        for field in msgspec.structs.fields(cls):
            for inner in re.findall(r"\w+Settings", str(field.type)):
                todo.append(getattr(__import__("gateway.settings", fromlist=[inner]), inner))
    return found


def test_every_option_appears_with_a_comment(printed: str) -> None:
    assert undocumented() == []
    lines = printed.splitlines()
    structs = _structs(Settings)
    assert ListenerSettings in structs
    for cls in structs:
        for field in msgspec.structs.fields(cls):
            if field.name == "listeners":
                continue  # the [[listeners]] tables themselves
            if "Settings" in str(field.type):  # a table: [name] or [[parent.name]]
                pattern = re.compile(rf"^(# )?\[\[?([\w.]+\.)?{field.name}\]")
            else:
                pattern = re.compile(rf"^(# )?{field.name} = ")
            where = [i for i, line in enumerate(lines) if pattern.match(line)]
            assert where, f"{cls.__name__}.{field.name} is not printed"
            assert any(lines[i - 1].lstrip("# ") and lines[i - 1].startswith("#") for i in where), \
                f"{cls.__name__}.{field.name} has no comment above it"
    first_listener = printed.split("\n[[listeners]]\n")[1]
    for field in msgspec.structs.fields(ListenerSettings):
        assert re.search(rf"^{field.name} = ", first_listener, re.M), field.name


def test_the_printed_text_loads_to_the_defaults(printed: str, tmp_path) -> None:
    config = tmp_path / "default.toml"
    config.write_text(printed)
    assert load_settings(config, env={}) == load_settings(env={})


def test_the_commented_examples_are_valid_too(printed: str, tmp_path) -> None:
    """Uncommenting every example (database_url, spool_dir, retention_days, the
    MQTT broker table) gives a configuration that loads."""
    uncommented = re.sub(r"^# (?!#)(?=\[|\w+ = )", "", printed, flags=re.M)
    uncommented = re.sub(r"^# # ", "# ", uncommented, flags=re.M)
    config = tmp_path / "examples.toml"
    config.write_text(uncommented)
    s = load_settings(config, env={})
    assert s.database_url == "postgresql://uvis:secret@db:5432/uvis"
    assert (s.spool_dir, s.retention_days) == ("/var/lib/uvis/spool", 365.0)
    if hasattr(s, "mqtt"):
        assert [b.url for b in s.mqtt.brokers] == ["mqtt://mosquitto:1883"]


def run_gateway(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("UVIS_")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "gateway.cli", "run", *args], capture_output=True,
                          text=True, timeout=60, env=environ)


@pytest.mark.parametrize("text, named", [
    ("api_prot = 1\n", "api_prot"),
    ("shutdown_timeout = \"soon\"\n", "shutdown_timeout"),
    ('[[listeners]]\nprotocol = "gt06"\nport = 5023\nproxy_protocl = true\n', "proxy_protocl"),
    ('[[listeners]]\nprotocol = "gt06"\nport = 5023\nproxy_protocol = "yes"\n', "proxy_protocol"),
    ('[[listeners]]\nprotocol = "teltonika"\ntransport = "udp"\nport = 5027\nproxy_protocol = true\n',
     "listeners[0].proxy_protocol"),
    ("spool = \"sometimes\"\n", "spool"),
])
def test_a_bad_option_stops_the_start_naming_it(tmp_path, text: str, named: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    run = run_gateway(["--config", str(config)])
    assert run.returncode == 2
    assert run.stderr.startswith("uvis-gateway run: ") and named in run.stderr, run.stderr


def test_a_bad_environment_variable_names_the_option() -> None:
    run = run_gateway([], env={"UVIS_API_PORT": "eighty"})
    assert run.returncode == 2 and "api_port" in run.stderr, run.stderr
