"""Shared database fixtures.

``database_url`` (session): UVIS_TEST_DATABASE_URL when set (used as is);
otherwise a fresh database ``uvis_test_<pid>`` on the PostgreSQL at
127.0.0.1:5432 (user postgres, trust) when it answers, dropped at the end;
otherwise an embedded PostgreSQL 18 (storage.embedded) in a temporary dir.

``db_pool`` (session): an asyncpg pool from storage.postgres.create_pool
(migrations applied). ``store`` (function): a PostgresStore on that pool with
every data table truncated. ``clean_database_url`` (function): the URL with
every data table truncated, for tests that run their own processes.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import asyncpg
import psycopg
import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

from storage.embedded import EmbeddedPostgres
from storage.postgres import PostgresStore, create_pool
from storage.schema import DATA_TABLES
from storage.timescale import SUMMARY_VIEW

# CI shares two cores with a database and brokers: time-based checks of
# hypothesis (per-example deadline, slow generation) would make tests flaky
# without making them stronger; the examples themselves are unchanged.
# CI derandomizes (the same examples on every run, so main stays green and a
# failure reproduces); UVIS_HYPOTHESIS_RANDOM=1 explores new examples locally.
# A derandomized run reads no example database either: examples saved by an
# earlier local run of other code (a decoder mid-change) would otherwise be
# replayed, and main's result would depend on the machine's .hypothesis/.
_RANDOM = bool(os.environ.get("UVIS_HYPOTHESIS_RANDOM"))
hypothesis_settings.register_profile(
    "uvis", deadline=None, suppress_health_check=[HealthCheck.too_slow],
    derandomize=not _RANDOM, **({} if _RANDOM else {"database": None}))
hypothesis_settings.load_profile("uvis")

LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _replace_db(url: str, name: str) -> str:
    base, sep, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + sep + query


@pytest.fixture(scope="session")
def database_url():
    env = os.environ.get("UVIS_TEST_DATABASE_URL")
    if env:
        yield env
        return
    server = tmp = None
    admin = LOCAL_ADMIN_URL
    if not _answers(admin):
        tmp = tempfile.mkdtemp(prefix="uvis-test-pg-")
        server = EmbeddedPostgres(os.path.join(tmp, "pg"), database="postgres")
        admin = server.start()
    name = f"uvis_test_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield _replace_db(admin, name)
    finally:
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            if server is not None:
                server.stop()
                shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
async def db_pool(database_url):
    pool = await create_pool(database_url, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()


async def _truncate(pool) -> None:
    """Empty the data tables. Under TimescaleDB the summaries' continuous
    aggregate (storage.timescale.SUMMARY_VIEW) keeps what it materialized from
    rows a TRUNCATE removed until it is refreshed: refresh it, so that an earlier
    test's hours cannot stand in a later test's summary."""
    await pool.execute(f"TRUNCATE {', '.join(DATA_TABLES)}")
    if await pool.fetchval("SELECT to_regclass($1) IS NOT NULL", SUMMARY_VIEW):
        try:
            await pool.execute(f"CALL refresh_continuous_aggregate('{SUMMARY_VIEW}', NULL::timestamptz,"
                               " NULL::timestamptz)")
        except asyncpg.PostgresError:  # then without it: summaries in plain SQL until a start makes it
            await pool.execute(f"DROP MATERIALIZED VIEW IF EXISTS {SUMMARY_VIEW} CASCADE")


@pytest.fixture(scope="module")
def sync_store(database_url):
    """A store on an event loop of its own, for sync tests that hypothesis drives:
    (store, run) where run(coroutine) runs it there; the tables it wrote emptied
    after the module."""
    import asyncio

    loop = asyncio.new_event_loop()
    store = loop.run_until_complete(PostgresStore.connect(database_url, max_size=1))
    yield store, loop.run_until_complete
    loop.run_until_complete(store.pool.execute(
        "TRUNCATE positions, positions_late, events, latest_positions, devices, quarantine"))
    loop.run_until_complete(store.close())
    loop.close()


@pytest.fixture
async def store(db_pool):
    await _truncate(db_pool)
    return PostgresStore(db_pool)


@pytest.fixture
async def clean_database_url(database_url, db_pool):
    await _truncate(db_pool)
    return database_url



def pytest_asyncio_loop_factories(config, item):
    """Tests run on uvloop, the event loop the gateway runs on in production."""
    import uvloop

    return {"uvloop": uvloop.new_event_loop}


# The MQTT broker fixture ``mqtt_broker`` (tests/mqtt_broker.py) for tests/integration/test_mqtt*.py.
pytest_plugins = ["tests.mqtt_broker"]
