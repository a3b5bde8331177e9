"""deploy/backup.sh and deploy/restore.sh against the machine's PostgreSQL:
positions stored through a running gateway, dumped, restored into a new
database, and served the same through the API of a gateway on the copy."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import psycopg
import pytest

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from protocols import Fix
from protocols.registry import get as get_protocol
from tests.integration._api import token_for

pytestmark = pytest.mark.integration

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
T0 = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)


def _server_major() -> int | None:
    try:
        with psycopg.connect(ADMIN, connect_timeout=2) as conn:
            return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    except psycopg.OperationalError:
        return None


def _pg_dump_major() -> int | None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None or shutil.which("psql") is None:
        return None
    out = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


@pytest.fixture(scope="module")
def server() -> str:
    major, tools = _server_major(), _pg_dump_major()
    if major is None:
        pytest.skip("no PostgreSQL answers at 127.0.0.1:5432 (user postgres)")
    if tools != major:
        pytest.skip(f"pg_dump major version {tools} does not match the server's {major}")
    return ADMIN


@pytest.fixture
def databases(server):
    names = (f"uvis_backup_src_{os.getpid()}", f"uvis_backup_dst_{os.getpid()}")
    with psycopg.connect(server, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {names[0]}")
    try:
        yield tuple(server.rsplit("/", 1)[0] + "/" + name for name in names)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            for name in names:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def gateway_settings(url: str):
    return load_settings(env={}, overrides={
        "database_url": url, "api_host": "127.0.0.1", "api_port": 0, "batch_max_age": 0.05,
        "spool": "off", "listeners": [{"protocol": "gt06", "transport": "tcp", "port": 0,
                                       "host": "127.0.0.1"}]})


async def send_track(port: int, imei: str, fixes: list[Fix]) -> None:
    device = get_protocol("gt06").device(imei)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(device.hello())
        device.receive_data(await asyncio.wait_for(reader.read(64), 5))
        for fix in fixes:
            writer.write(device.encode_fixes([fix]).data)
            acks = device.receive_data(await asyncio.wait_for(reader.read(64), 5))
            assert acks, "no ACK after commit"
    finally:
        writer.close()


async def api_view(gw: Gateway, imeis: list[str], token: str) -> dict:
    base = f"http://127.0.0.1:{gw.api_port}/api/v1"
    view = {}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        paths = ["/devices", "/positions/latest"] + [f"/devices/{i}/positions" for i in imeis]
        for path in paths:
            async with http.get(base + path) as response:
                assert response.status == 200, path
                view[path] = await response.json()
    return view


def timescaledb_version(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    return None if row is None else row[0]


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UVIS_")}
    return subprocess.run(["sh", str(DEPLOY / script), *args], capture_output=True, text=True,
                          timeout=120, env=env)


async def test_backup_and_restore_serve_the_same_positions(databases, tmp_path) -> None:
    source, target = databases
    imeis = ["359000000000101", "359000000000102"]
    gw = Gateway(gateway_settings(source))
    await gw.start()
    try:
        for n, imei in enumerate(imeis):
            fixes = [Fix(time=T0 + timedelta(seconds=30 * k), lat=48.1 + n + k / 1000, lon=11.5 - k / 1000,
                         speed_kmh=float(k), course_deg=90.0, satellites=9) for k in range(5)]
            await send_track(gw.ports[("gt06", "tcp")], imei, fixes)
        token = await token_for(source)  # backed up and restored with the data
        before = await api_view(gw, imeis, token)
    finally:
        await gw.stop()
    assert [len(before[f"/devices/{i}/positions"]["items"]) for i in imeis] == [5, 5]
    assert [d["device_id"] for d in before["/devices"]["items"]] == imeis

    dump = tmp_path / "uvis.dump"
    timescale = timescaledb_version(source)
    backup = run("backup.sh", "-d", source, "-o", str(dump))
    assert backup.returncode == 0, backup.stderr
    # pg_dump's warnings about TimescaleDB's catalog go to stderr; stdout names the
    # file and, for a TimescaleDB database, the version the target needs
    assert backup.stdout.splitlines() == [f"backup.sh: wrote {dump}" if timescale is None else
                                          f"backup.sh: wrote {dump} (TimescaleDB {timescale}:"
                                          " restore into a server with that version)"]
    restore = run("restore.sh", "-c", "-d", target, str(dump))
    assert restore.returncode == 0, restore.stderr
    assert restore.stdout.splitlines() == (
        [] if timescale is None else ["restore.sh: TimescaleDB dump: pre_restore, pg_restore, post_restore"]
    ) + [f"restore.sh: restored {dump} into {re.sub('//[^@/]*@', '//', target)}"]   # no credentials
    assert timescaledb_version(target) == timescale
    again = run("restore.sh", "-d", target, str(dump))          # never over existing data
    assert again.returncode == 1 and "already has" in again.stderr, again.stderr

    gw = Gateway(gateway_settings(target))
    await gw.start()
    try:
        after = await api_view(gw, imeis, token)
    finally:
        await gw.stop()
    assert after == before


def test_the_scripts_explain_a_missing_database() -> None:
    backup = run("backup.sh")
    assert backup.returncode == 2 and "UVIS_DATABASE_URL" in backup.stderr
    restore = run("restore.sh", "/nonexistent.dump")
    assert restore.returncode == 2 and "usage" in restore.stderr
