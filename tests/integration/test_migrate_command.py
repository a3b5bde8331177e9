"""`uvis-gateway migrate`: versioned migrations applied once and reported."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import asyncpg
import pytest

from storage.schema import MIGRATIONS

pytestmark = pytest.mark.integration


async def test_migrate_reports_the_schema_version(database_url) -> None:
    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "gateway.cli", "migrate", "--database-url",
                               database_url], capture_output=True, text=True, timeout=120)

    first, second = await asyncio.to_thread(run), await asyncio.to_thread(run)
    latest = MIGRATIONS[-1][0]
    for result in (first, second):
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == (
            f"schema at version {latest} of {latest} (applied: "
            f"{', '.join(str(v) for v, _, _ in MIGRATIONS)})")
        assert result.stdout.splitlines()[1].startswith("TimescaleDB: ")
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
    finally:
        await conn.close()
    assert [(r["version"], r["name"]) for r in rows] == [(v, n) for v, n, _ in MIGRATIONS]
