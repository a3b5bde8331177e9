"""`uvis-gateway migrate`: versioned migrations applied once and reported;
`migrate --timescale`: its arguments, its refusal without TimescaleDB, and the
copy-and-swap end to end (into a plain table on a server without TimescaleDB;
into a hypertable where the server has it)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid

import asyncpg
import psycopg
import pytest

from storage.schema import MIGRATIONS
from storage.timescale import preload_problem, timescale_available

pytestmark = pytest.mark.integration


def migrate(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway.cli", "migrate", *args],
                          capture_output=True, text=True, timeout=timeout)


def schema_line() -> str:
    latest = MIGRATIONS[-1][0]
    return f"schema at version {latest} of {latest} (applied: {', '.join(str(v) for v, _, _ in MIGRATIONS)})"


@pytest.fixture
def fresh_database(database_url):
    """A database of its own (the conversion renames tables): its URL."""
    base, _, _ = database_url.partition("?")
    admin = base.rsplit("/", 1)[0] + "/postgres"
    name = f"uvis_migrate_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as exc:
        pytest.skip(f"cannot create a database for the conversion: {exc}")
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def test_migrate_reports_the_schema_version(database_url) -> None:
    first, second = await asyncio.to_thread(migrate, "--database-url", database_url), \
        await asyncio.to_thread(migrate, "--database-url", database_url)
    for result in (first, second):
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[0] == schema_line()
        assert result.stdout.splitlines()[1].startswith("TimescaleDB: ")
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
    finally:
        await conn.close()
    assert [(r["version"], r["name"]) for r in rows] == [(v, n) for v, n, _ in MIGRATIONS]


@pytest.mark.parametrize("args, message", [
    (["--batch-rows", "100"], "uvis-gateway migrate: --batch-rows: only with --timescale"),
    (["--lock-timeout", "2", "--plain-target"],
     "uvis-gateway migrate: --lock-timeout, --plain-target: only with --timescale"),
    (["--timescale", "--batch-rows", "0"], "uvis-gateway migrate: --batch-rows: expected 1 to 1000000, got 0"),
    (["--timescale", "--lock-timeout", "0"],
     "uvis-gateway migrate: --lock-timeout: expected more than 0 and at most 600 seconds, got 0"),
])
def test_migrate_refuses_bad_arguments_before_connecting(args, message) -> None:
    result = migrate("--database-url", "postgresql://nobody@127.0.0.1:1/none", *args, timeout=30)
    assert (result.returncode, result.stdout, result.stderr.strip()) == (2, "", message)


def test_migrate_timescale_needs_it_on_in_the_configuration(tmp_path) -> None:
    config = tmp_path / "uvis.toml"
    config.write_text('timescale = "off"\n')
    result = migrate("--config", str(config), "--database-url", "postgresql://nobody@127.0.0.1:1/none",
                     "--timescale", timeout=30)
    assert (result.returncode, result.stderr.strip()) == (
        2, 'uvis-gateway migrate --timescale: timescale = "off" in the configuration')


async def test_migrate_timescale_says_why_it_cannot_convert(database_url) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        if await timescale_available(conn) and await preload_problem(conn) is None:
            pytest.skip("this server can run TimescaleDB")
    finally:
        await conn.close()
    result = await asyncio.to_thread(migrate, "--database-url", database_url, "--timescale")
    assert result.returncode == 1, result.stderr
    reason = result.stdout.splitlines()[1].removeprefix("TimescaleDB: off (").removesuffix(")")
    assert result.stderr.strip().splitlines()[-1] == f"uvis-gateway migrate --timescale: cannot convert: {reason}"


async def fill(url: str, positions: int, events: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO positions (device_id, fix_time, received_at, protocol, valid, lat, lon)"
            " SELECT 'dev' || (g % 7), timestamptz '2026-01-01' + g * interval '1 min', now(), 'gt06',"
            " true, 48, 11 FROM generate_series(1, $1) g", positions)
        await conn.execute(
            "INSERT INTO events (device_id, time, received_at, protocol, type)"
            " SELECT 'dev' || (g % 3), timestamptz '2026-01-01' + g * interval '1 min', now(), 'gt06', 'sos'"
            " FROM generate_series(1, $1) g", events)
    finally:
        await conn.close()


async def same_rows(url: str, table: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        for a, b in ((table, f"{table}_plain_old"), (f"{table}_plain_old", table)):
            assert await conn.fetchval(f"SELECT count(*) FROM (TABLE {a} EXCEPT ALL TABLE {b}) d") == 0
        return await conn.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await conn.close()


PROGRESS = re.compile(r"^(positions|events): ([\d,]+) of ([\d,]+) rows copied \((\d+\.\d)%\)$")


async def test_migrate_timescale_copies_with_progress_and_swaps(fresh_database, tmp_path) -> None:
    """The whole command with a plain table as the target (the hidden test mode)."""
    config = tmp_path / "uvis.toml"
    config.write_text('timescale = "off"\n')                   # plain tables, whatever the server
    created = await asyncio.to_thread(migrate, "--config", str(config), "--database-url", fresh_database)
    assert created.returncode == 0, created.stderr
    await fill(fresh_database, 3000, 500)

    result = await asyncio.to_thread(migrate, "--config", str(config), "--database-url", fresh_database,
                                     "--timescale", "--plain-target", "--batch-rows", "1000")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        schema_line(),
        "TimescaleDB: off (disabled in the configuration)",
        "positions: converted into a plain copy (test mode), 3,000 rows copied; the old table is"
        " positions_plain_old: compare, then `DROP TABLE positions_plain_old;`",
        "events: converted into a plain copy (test mode), 500 rows copied; the old table is"
        " events_plain_old: compare, then `DROP TABLE events_plain_old;`",
    ]
    progress = [PROGRESS.match(line) for line in result.stderr.splitlines()]
    assert all(progress), result.stderr
    by_table = {}
    for m in progress:
        by_table.setdefault(m[1], []).append((int(m[2].replace(",", "")), int(m[3].replace(",", "")), m[4]))
    assert by_table["positions"][0] == (0, 3000, "0.0") and by_table["positions"][-1] == (3000, 3000, "100.0")
    assert by_table["events"] == [(0, 500, "0.0"), (500, 500, "100.0")]
    assert await same_rows(fresh_database, "positions") == 3000
    assert await same_rows(fresh_database, "events") == 500

    again = await asyncio.to_thread(migrate, "--config", str(config), "--database-url", fresh_database,
                                    "--timescale", "--plain-target")
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1] == (
        "uvis-gateway migrate --timescale: positions_plain_old exists (the old rows of an earlier"
        " conversion?): drop or rename it, then run again")


async def test_migrate_timescale_converts_into_hypertables(fresh_database, tmp_path) -> None:
    conn = await asyncpg.connect(fresh_database)
    try:
        if not await timescale_available(conn) or (await preload_problem(conn)) is not None:
            pytest.skip("needs a server that offers and preloads timescaledb "
                        "(set UVIS_TEST_DATABASE_URL to a TimescaleDB server to run this)")
    finally:
        await conn.close()
    config = tmp_path / "uvis.toml"
    config.write_text('timescale = "off"\n')                   # plain tables holding rows, as before
    assert (await asyncio.to_thread(migrate, "--config", str(config), "--database-url",
                                    fresh_database)).returncode == 0
    await fill(fresh_database, 3000, 500)

    start = await asyncio.to_thread(migrate, "--database-url", fresh_database)
    assert start.returncode == 0, start.stderr
    assert start.stdout.splitlines()[1].startswith("TimescaleDB: off (positions holds ")
    assert start.stdout.splitlines()[1].endswith(": run `uvis-gateway migrate --timescale` to convert (resumable))")

    result = await asyncio.to_thread(migrate, "--database-url", fresh_database, "--timescale",
                                     "--batch-rows", "700")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2].startswith("positions: converted into a hypertable, 3,000 rows copied;")
    assert lines[3].startswith("events: converted into a hypertable, 500 rows copied;")
    assert re.fullmatch(r"TimescaleDB: on \(\d+\.\d+\.\d+\)", lines[4])
    assert lines[5].startswith("compression: the TimescaleDB job scheduler compresses chunks older than 7 days")
    assert await same_rows(fresh_database, "positions") == 3000
    conn = await asyncpg.connect(fresh_database)
    try:
        names = {r[0] for r in await conn.fetch("SELECT hypertable_name FROM timescaledb_information.hypertables")}
        compressed = await conn.fetchval("SELECT count(*) FROM timescaledb_information.chunks WHERE is_compressed")
    finally:
        await conn.close()
    assert names == {"positions", "events"} and compressed == 0
