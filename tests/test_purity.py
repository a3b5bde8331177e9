"""protocols/ stays sans-IO: no asyncio, sockets, database drivers, IO-side
packages of ours, threads, subprocesses, and no clock reads."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FORBIDDEN = {"asyncio", "socket", "selectors", "asyncpg", "psycopg", "aiomqtt", "paho", "uvloop",
             "aiohttp", "threading", "subprocess", "logging", "gateway", "storage", "api", "simulators"}
CLOCK = {("time", "time"), ("time", "monotonic"), ("time", "perf_counter"), ("datetime", "now"),
         ("datetime", "utcnow"), ("date", "today"), ("datetime", "today")}


def violations(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            names = []
        found += [f"{name}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in FORBIDDEN]
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in CLOCK):
            found.append(f"{name}:{node.lineno} reads the clock ({node.value.id}.{node.attr})")
    return found


def test_protocols_import_no_io_and_read_no_clock() -> None:
    files = sorted((ROOT / "protocols").rglob("*.py"))
    assert len(files) >= 10
    problems = [v for path in files for v in violations(path.read_text(), str(path.relative_to(ROOT)))]
    assert problems == []


@pytest.mark.parametrize("snippet, expected", [
    ("import asyncio", "imports asyncio"),
    ("from socket import socket", "imports socket"),
    ("import storage.postgres", "imports storage.postgres"),
    ("from datetime import datetime\nx = datetime.now()", "reads the clock (datetime.now)"),
    ("import time\nt = time.monotonic()", "reads the clock (time.monotonic)"),
])
def test_the_checker_catches_each_kind(snippet: str, expected: str) -> None:
    found = violations(snippet, "x.py")
    assert len(found) == 1 and found[0].endswith(expected)


def test_api_does_not_import_gateway() -> None:
    for path in (ROOT / "api").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert (node.module or "").split(".")[0] != "gateway", path
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "gateway" for a in node.names), path
