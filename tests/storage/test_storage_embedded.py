"""The embedded PostgreSQL 18 server: start, stop, restart, reuse after the
owning process was killed with -9, stale postmaster.pid, long paths, and the
writer riding over a database restart. Each start costs a fraction of a
second, an initdb about a second, so the tests share data dirs."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from storage.embedded import SYSTEM_USER, EmbeddedPostgres, _read_pidfile
from storage.postgres import PostgresStore
from storage.writer import BatchWriter

from _storage_helpers import Recorder, pos

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pg_dir():
    tmp = tempfile.mkdtemp(prefix="uvis-emb-")
    data = Path(tmp) / "pg"
    yield data
    EmbeddedPostgres(data).stop()
    shutil.rmtree(tmp, ignore_errors=True)


def query(dsn: str, sql: str):
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else None


def test_start_stop_restart_keeps_data_and_port(pg_dir):
    server = EmbeddedPostgres(pg_dir)
    dsn = server.start()
    assert server.reused is False
    assert dsn == f"postgresql://postgres@/uvis?host={pg_dir}&port={server.port}"
    password = (pg_dir / "uvis-password").read_text().strip()  # generated; never trust on TCP
    assert len(password) == 32 and server.tcp_dsn == (
        f"postgresql://postgres:{password}@127.0.0.1:{server.port}/uvis")
    with pytest.raises(psycopg.OperationalError, match="password"):
        query(f"postgresql://postgres@127.0.0.1:{server.port}/uvis", "SELECT 1")
    assert query(server.tcp_dsn, "SELECT current_database()") == [("uvis",)]
    settings = query(dsn, "SELECT name, setting FROM pg_settings WHERE name IN "
                     "('fsync', 'synchronous_commit', 'max_connections', 'shared_buffers',"
                     " 'server_version_num') ORDER BY name")
    assert [s for s in settings if s[0] != "server_version_num"] == [
        ("fsync", "on"), ("max_connections", "50"),
        ("shared_buffers", "16384"), ("synchronous_commit", "on")]   # 16384 x 8kB = 128MB
    assert dict(settings)["server_version_num"].startswith("18")
    if os.geteuid() == 0:
        assert pg_dir.owner() == SYSTEM_USER
    query(dsn, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")

    again = EmbeddedPostgres(pg_dir)
    assert again.start() == dsn and again.reused is True

    server.stop()
    assert not (pg_dir / "postmaster.pid").exists()
    with pytest.raises(psycopg.OperationalError):
        query(dsn, "SELECT 1")
    assert server.start() == dsn and server.reused is False   # same port after restart
    assert query(dsn, "SELECT n FROM kept") == [(42,)]
    server.stop()


def test_killed_owner_leaves_a_server_that_the_next_start_reuses(pg_dir):
    child = subprocess.run(
        [sys.executable, "-c",
         "import os, sys; from storage.embedded import EmbeddedPostgres;"
         "print(EmbeddedPostgres(sys.argv[1]).start(), flush=True);"
         "os.kill(os.getpid(), 9)", str(pg_dir)],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert child.returncode == -9, child.stderr
    child_dsn = child.stdout.strip()
    pid = _read_pidfile(pg_dir)[0]
    query(child_dsn, "SELECT 1")               # the postmaster outlived its owner

    server = EmbeddedPostgres(pg_dir)
    assert server.start() == child_dsn
    assert server.reused is True and _read_pidfile(pg_dir)[0] == pid
    server.stop()


def test_stale_pidfile_and_long_path():
    tmp = Path(tempfile.mkdtemp(prefix="uvis-emb-"))
    data = tmp / ("d" * 90) / "pg"       # "<data>/.s.PGSQL.<port>" is too long for a socket
    try:
        server = EmbeddedPostgres(data, tcp=False)
        dsn = server.start()
        assert server.socket_dir != data and len(str(server.socket_dir)) < 30
        assert server.port == 5432 and server.tcp_dsn is None
        server.stop()
        # postmaster.pid naming a live process that is not a postmaster (pid reuse)
        (data / "postmaster.pid").write_text(f"{os.getpid()}\n{data}\n0\n5432\n/tmp\n\n0 0\nready\n")
        again = EmbeddedPostgres(data, tcp=False)
        assert again.start() == dsn and again.reused is False
        assert _read_pidfile(data)[0] != os.getpid()
        assert query(dsn, "SELECT 1") == [(1,)]
        again.stop()
    finally:
        EmbeddedPostgres(data).stop()
        if server.socket_dir is not None and server.socket_dir != data:
            shutil.rmtree(server.socket_dir, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


async def test_writer_keeps_batches_across_a_database_restart(pg_dir):
    server = EmbeddedPostgres(pg_dir)
    dsn = await asyncio.to_thread(server.start)
    store = await PostgresStore.connect(dsn)
    rec = Recorder()
    writer = BatchWriter(store, max_rows=100, max_age=0.01, retry_initial=0.05,
                         retry_max=0.2, observer=rec)
    await writer.start()
    try:
        await store.pool.execute("TRUNCATE positions, events, latest_positions, devices")
        first = asyncio.Event()
        writer.submit([pos("a", s) for s in range(10)], [], first.set)
        await asyncio.wait_for(first.wait(), 10)

        await asyncio.to_thread(server.stop)
        acked: list[int] = []
        writer.submit([pos("a", s) for s in range(10, 30)], [], lambda: acked.append(1))
        for _ in range(500):
            if len(rec.failed) >= 2:
                break
            await asyncio.sleep(0.01)
        assert len(rec.failed) >= 2 and acked == [] and writer.queue_rows == 20

        await asyncio.to_thread(server.start)
        for _ in range(1000):
            if acked:
                break
            await asyncio.sleep(0.01)
        assert acked == [1]
        assert await store.counts() == {"positions": 30, "events": 0, "devices": 1}
        assert [r for r, _ in rec.committed] == [10, 20]
    finally:
        await writer.close(flush=False)
        await store.close()
        await asyncio.to_thread(server.stop)
