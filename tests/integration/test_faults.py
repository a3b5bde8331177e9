"""Zero loss under faults, with real components: a PostgreSQL server of our
own (embedded, so it can be stopped and started), the gateway, and simulated
devices that resend what was not acknowledged.

Every test ends with the same check: every fix a device was told "stored"
is in the database exactly once."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import asyncpg
import pytest

from _stored import stored_keys

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from simulators.fleet import FleetConfig, FleetStats, run_fleet
from storage.embedded import EmbeddedPostgres

pytestmark = pytest.mark.integration

OUTAGE_S = 10.0


@pytest.fixture(scope="module")
def own_postgres(tmp_path_factory):
    server = EmbeddedPostgres(tmp_path_factory.mktemp("faults") / "pg", database="uvis")
    dsn = server.start()
    yield server, dsn
    server.stop()


@pytest.fixture
async def fresh_dsn(own_postgres):
    server, dsn = own_postgres
    conn = await asyncpg.connect(dsn)
    try:
        exists = await conn.fetchval("SELECT to_regclass('positions') IS NOT NULL")
        if exists:
            await conn.execute("TRUNCATE positions, events, latest_positions, devices")
    finally:
        await conn.close()
    return dsn


def gateway_settings(dsn: str, **extra):
    values = {"database_url": dsn, "api_enabled": False, "batch_max_age": 0.05,
              "listeners": [{"protocol": "gt06", "transport": "tcp", "port": 0, "host": "127.0.0.1"}],
              "spool": "off", "write_timeout": 2.0}
    values.update(extra)
    return load_settings(env={}, overrides=values)


def fleet(port: int, first_id: int, duration: float, devices: int = 20) -> FleetConfig:
    return FleetConfig(protocol="gt06", devices=devices, rate=2.0, duration=duration, host="127.0.0.1",
                       port=port, ack_timeout=3.0, drain_timeout=40.0, first_id=first_id,
                       collect_keys=True)


async def assert_acked_stored_once(dsn: str, stats: FleetStats) -> None:
    assert stats.acked == stats.sent and stats.pending == 0, stats.summary()
    assert stats.acked_keys == stats.sent_keys
    keys = await stored_keys(dsn, sorted({d for d, _ in stats.acked_keys}))
    assert len(keys) == len(set(keys)) == len(stats.acked_keys)
    assert set(keys) == stats.acked_keys


async def outage(server: EmbeddedPostgres, after: float, seconds: float) -> None:
    await asyncio.sleep(after)
    await asyncio.to_thread(server.stop)
    await asyncio.sleep(seconds)
    await asyncio.to_thread(server.start)


async def test_database_down_for_10s_without_spool(own_postgres, fresh_dsn) -> None:
    server, _ = own_postgres
    gw = Gateway(gateway_settings(fresh_dsn))
    await gw.start()
    try:
        cfg = fleet(gw.ports[("gt06", "tcp")], 871000000000000, duration=OUTAGE_S + 6)
        stats, _ = await asyncio.gather(run_fleet(cfg), outage(server, 2.0, OUTAGE_S))
    finally:
        await gw.stop()
    assert stats.resent > 0                       # no ACKs while the database was down
    assert gw.writer.failures > 0
    await assert_acked_stored_once(fresh_dsn, stats)


async def test_database_down_for_10s_with_spool(own_postgres, fresh_dsn, tmp_path) -> None:
    server, _ = own_postgres
    gw = Gateway(gateway_settings(fresh_dsn, spool="on", spool_dir=str(tmp_path / "spool")))
    await gw.start()
    try:
        cfg = fleet(gw.ports[("gt06", "tcp")], 872000000000000, duration=OUTAGE_S + 6)
        stats, _ = await asyncio.gather(run_fleet(cfg), outage(server, 2.0, OUTAGE_S))
        async with asyncio.timeout(30):
            while not gw._spooling.spool.empty:
                await asyncio.sleep(0.1)
    finally:
        await gw.stop()
    assert gw.metrics.spooled_rows._value.get() > 0 and gw.spooled
    assert gw.metrics.spool_replayed_rows._value.get() == gw.metrics.spooled_rows._value.get()
    # what went through the spool is counted once replayed: as stored, or as a
    # duplicate when a write that timed out had committed after all
    stored = gw.metrics.stored_positions._value.get()
    assert stored <= len(stats.acked_keys) <= stored + gw.metrics.duplicates._value.get()
    # ACKs kept flowing from the spool: far fewer resends than without it
    assert stats.resent < stats.sent * 0.05
    await assert_acked_stored_once(fresh_dsn, stats)


async def test_full_spool_means_no_acks_and_nothing_lost(own_postgres, fresh_dsn, tmp_path) -> None:
    server, _ = own_postgres
    gw = Gateway(gateway_settings(fresh_dsn, spool="on", spool_dir=str(tmp_path / "spool"),
                                  spool_quota_bytes=4000))
    await gw.start()
    try:
        cfg = fleet(gw.ports[("gt06", "tcp")], 873000000000000, duration=10.0, devices=10)
        stats, _ = await asyncio.gather(run_fleet(cfg), outage(server, 1.0, 6.0))
    finally:
        await gw.stop()
    assert 0 < gw.metrics.spooled_rows._value.get() < stats.sent
    assert stats.resent > 0                       # once the spool was full, ACKs stopped
    await assert_acked_stored_once(fresh_dsn, stats)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gateway(tmp_path: Path, dsn: str, port: int, spool: Path) -> subprocess.Popen:
    config = tmp_path / "uvis.toml"
    config.write_text(f'batch_max_age = 0.05\nwrite_timeout = 2.0\n'
                      f'[[listeners]]\nprotocol = "gt06"\ntransport = "tcp"\nport = {port}\n'
                      f'host = "127.0.0.1"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "run", "--config", str(config), "--database-url", dsn,
         "--spool-dir", str(spool), "--no-api"], stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "gateway ready" in line:
            # keep reading its log: with the database down it logs on, and a full
            # pipe would block the gateway in a write (it could not even exit)
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc
    raise AssertionError(f"gateway exited with {proc.wait()}")


async def test_sigkill_while_spooling_then_restart(own_postgres, fresh_dsn, tmp_path) -> None:
    """The database goes down, fixes are ACKed from the spool, the gateway is
    killed with SIGKILL, the database comes back and the gateway restarts: the
    spool is replayed and every ACKed fix is stored once."""
    server, _ = own_postgres
    port, spool = _free_port(), tmp_path / "spool"
    proc = await asyncio.to_thread(_start_gateway, tmp_path, fresh_dsn, port, spool)
    procs = [proc]

    async def chaos() -> None:
        await asyncio.sleep(2.0)
        await asyncio.to_thread(server.stop)
        await asyncio.sleep(4.0)                  # spooling now
        procs[0].send_signal(signal.SIGKILL)
        await asyncio.to_thread(procs[0].wait)
        assert any(spool.glob("seg-*.spool"))
        await asyncio.to_thread(server.start)
        procs.append(await asyncio.to_thread(_start_gateway, tmp_path, fresh_dsn, port, spool))

    try:
        stats, _ = await asyncio.gather(run_fleet(fleet(port, 874000000000000, duration=12.0)), chaos())
        async with asyncio.timeout(30):
            while any(p.stat().st_size for p in spool.glob("seg-*.spool")):
                await asyncio.sleep(0.1)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                await asyncio.to_thread(p.wait, 60)
    # the devices saw the gateway die (their connection closed, or a reconnect refused while it
    # was down: which one depends on how fast PostgreSQL and the gateway come back) and reconnected
    assert stats.closed + stats.errors > 0, stats.summary()
    await assert_acked_stored_once(fresh_dsn, stats)


async def test_exit_status_says_records_went_to_the_spool(own_postgres, fresh_dsn, tmp_path) -> None:
    """With the database down, a fix is acknowledged from the spool; SIGTERM
    then ends the gateway with status 3 and the spool keeps the fix for the
    next start, which replays it."""
    from protocols import Fix
    from protocols.registry import get as get_protocol
    from datetime import datetime, timezone

    server, _ = own_postgres
    port, spool = _free_port(), tmp_path / "spool"
    proc = await asyncio.to_thread(_start_gateway, tmp_path, fresh_dsn, port, spool)
    await asyncio.to_thread(server.stop)
    try:
        device = get_protocol("gt06").device("875000000000001")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(device.hello())
        assert [a.kind for a in device.receive_data(await reader.read(64))] == ["hello"]
        fix = Fix(time=datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc), lat=1.0, lon=2.0)
        packet = device.encode_fixes([fix])
        writer.write(packet.data)
        acks = device.receive_data(await asyncio.wait_for(reader.read(64), 30))
        assert [(a.kind, a.token) for a in acks] == [("fixes", packet.token)]
        writer.close()
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 60) == 3
    finally:
        if proc.poll() is None:
            proc.kill()
        await asyncio.to_thread(server.start)
    again = await asyncio.to_thread(_start_gateway, tmp_path, fresh_dsn, port, spool)
    try:
        conn = await asyncpg.connect(fresh_dsn)
        try:
            async with asyncio.timeout(30):  # replayed, and the spool segment removed
                while not await conn.fetchval(
                        "SELECT count(*) FROM positions WHERE device_id = '875000000000001'") \
                        or any(spool.glob("seg-*.spool")):
                    await asyncio.sleep(0.1)
        finally:
            await conn.close()
    finally:
        again.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(again.wait, 60) == 0
