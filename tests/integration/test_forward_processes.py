"""Forwarding across real gateway processes (`uvis-gateway run`): a gateway
SIGKILLed mid-forward and started again loses nothing (the repeats are
counted, each within the batch in flight); of two gateways one forwards and
the other takes the destination over when the first is killed."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from _forward_helpers import SECRET, Receiver, in_order_per_device, pos, wait_until

from gateway.forward.settings import destination_from_url
from storage import forward_store, ingest_log

pytestmark = pytest.mark.integration

EXE = [sys.executable, "-m", "gateway.cli"]
LEASE_RETRY = 0.5


def _config(tmp_path: Path, receiver: Receiver | None, name: str, batch: int = 20) -> Path:
    """Settings with a gt06 listener on a free port and, with a receiver, one
    webhook destination."""
    config = tmp_path / f"{name}.toml"
    text = ("batch_max_age = 0.05\n"
            '[[listeners]]\nprotocol = "gt06"\ntransport = "tcp"\nport = 0\nhost = "127.0.0.1"\n'
            f"[forward]\nlease_retry = {LEASE_RETRY}\npoll_interval = 0.2\nmetrics_interval = 0.5\n")
    if receiver is not None:
        text += (f'[[forward.destinations]]\nname = "{name}"\nurl = "{receiver.url}"\n'
                 f'secret = "{SECRET}"\nstart = "earliest"\nbatch_max_records = {batch}\n'
                 "batch_max_age = 0.05\nbackoff_initial = 0.1\nbackoff_max = 0.5\n")
    config.write_text(text)
    return config


class Gateway:
    """A `uvis-gateway run` process; its log goes to a file (never a full pipe)."""

    def __init__(self, tmp_path: Path, database_url: str, args: list[str], tag: str) -> None:
        self.log = tmp_path / f"gateway-{tag}.log"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("UVIS_DATABASE_URL", None)
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                EXE + ["run", "--database-url", database_url, "--no-api", "--no-spool",
                       "--data-dir", str(tmp_path / f"data-{tag}"), *args],
                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while "gateway ready" not in self.log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError("gateway did not start:\n" + self.log.read_text())
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


async def forwarding_pid(database_url: str) -> int | None:
    """The OS pid of the gateway holding a forwarding lock (its connection's
    application_name), or None."""
    conn = await asyncpg.connect(database_url)
    try:
        names = await conn.fetch(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND a.application_name LIKE 'uvis-forward pid=%'")
    finally:
        await conn.close()
    pids = {int(re.search(r"pid=(\d+)", r[0])[1]) for r in names}
    assert len(pids) <= 1, pids
    return pids.pop() if pids else None


async def wait_for_holder(database_url: str, among: set[int], timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = await forwarding_pid(database_url)
        if pid in among:
            return pid
        await asyncio.sleep(0.05)
    raise AssertionError(f"none of {among} took the destination within {timeout} s")


async def write(store, first: int, count: int, devices: int = 10) -> None:
    for start in range(first, first + count, 100):
        await store.write([pos(f"d{i % devices}", i) for i in range(start, min(start + 100, first + count))],
                          [], datetime.now(UTC))


def unique_in_arrival_order(messages: list[dict]) -> list[dict]:
    seen, out = set(), []
    for m in messages:
        if m["id"] not in seen:
            seen.add(m["id"])
            out.append(m)
    return out


async def test_sigkill_mid_forward_then_restart_loses_nothing(store, database_url, tmp_path):
    receiver = await Receiver().start()
    slow = receiver._handle

    async def handle_slowly(request):
        await asyncio.sleep(0.02)  # a slow integrator: the kill lands mid-stream
        return await slow(request)

    receiver._handle = handle_slowly
    await receiver.stop()
    await receiver.start(receiver.port)
    config = _config(tmp_path, receiver, "killed")
    first = await asyncio.to_thread(Gateway, tmp_path, database_url, ["--config", str(config)], "a")
    try:
        await wait_for_holder(database_url, {first.pid})
        await write(store, 0, 3000)
        await wait_until(lambda: len(receiver.messages) >= 600, 60, "600 forwarded")
        first.kill()
        at_kill = len(receiver.messages)
        assert at_kill < 3000                                     # killed mid-forward
        second = await asyncio.to_thread(Gateway, tmp_path, database_url,
                                         ["--config", str(config)], "b")
        try:
            await wait_until(lambda: len({m["id"] for m in receiver.messages}) >= 3000, 60,
                             "all 3000 after the restart")
            await asyncio.sleep(0.5)
        finally:
            second.stop()
    finally:
        first.stop()
        await receiver.stop()
    unique = unique_in_arrival_order(receiver.messages)
    repeats = len(receiver.messages) - len(unique)
    print(f"\nSIGKILL after {at_kill} of 3000 delivered: none missing, {repeats} repeats "
          "(the batch in flight)")
    assert sorted(m["fix_time"] for m in unique) == sorted(
        pos("d0", i).fix_time.isoformat().replace("+00:00", "Z") for i in range(3000))
    assert 0 <= repeats <= 20                                     # at most one batch
    assert in_order_per_device(unique)
    assert receiver.bad_signatures == 0


async def test_two_gateways_one_forwards_the_other_takes_over(store, database_url, tmp_path):
    receiver = await Receiver(secret=None).start()
    url = receiver.url
    # quick start: the destination comes from --forward (named after its URL)
    args = ["--config", str(_config(tmp_path, None, "ha")), "--forward", url]
    a = await asyncio.to_thread(Gateway, tmp_path, database_url, args, "a")
    b = await asyncio.to_thread(Gateway, tmp_path, database_url, args, "b")
    try:
        holder = await wait_for_holder(database_url, {a.pid, b.pid})
        standby = b if holder == a.pid else a
        active = a if holder == a.pid else b
        await asyncio.sleep(0.5)  # the holder has set its cursor ("latest": from now on)
        await write(store, 0, 500)
        await wait_until(lambda: len(receiver.messages) >= 500, 30, "the first 500")
        for _ in range(200):  # and the holder has saved its cursor past them
            cursor = await forward_store.load_cursor(store.pool, url)
            if (await ingest_log.behind(store.pool, cursor))[0] == 0:
                break
            await asyncio.sleep(0.05)
        active.kill()
        killed_at = time.monotonic()
        await wait_for_holder(database_url, {standby.pid})
        took = time.monotonic() - killed_at
        await write(store, 500, 500)
        await wait_until(lambda: len({m["id"] for m in receiver.messages}) >= 1000, 30, "all 1000")
        await asyncio.sleep(0.5)
    finally:
        a.stop()
        b.stop()
        await receiver.stop()
    print(f"\nthe standby took over {took:.2f} s after the holder was killed "
          f"(lease_retry {LEASE_RETRY} s)")
    unique = unique_in_arrival_order(receiver.messages)
    assert sorted(m["fix_time"] for m in unique) == sorted(
        pos("d0", i).fix_time.isoformat().replace("+00:00", "Z") for i in range(1000))
    assert len(receiver.messages) == 1000          # the holder was idle when killed: no repeats
    assert in_order_per_device(unique)
    assert destination_from_url(url).name == url


def test_destination_from_url_drops_credentials():
    d = destination_from_url("amqp://user:secret@rabbit:5672/fleet")
    assert (d.name, d.url) == ("amqp://rabbit:5672/fleet", "amqp://user:secret@rabbit:5672/fleet")


async def test_forward_list_and_redrive_commands(store, database_url, tmp_path):
    """`uvis-gateway forward list` shows the dead letters; `forward redrive
    --forward URL` sends them to the destination of that flag (named after
    its URL) and marks them."""
    from gateway.forward.messages import build_message
    from storage.ingest_log import IngestRecord

    receiver = await Receiver(secret=None).start()
    name = destination_from_url(receiver.url).name
    messages = [build_message(IngestRecord(kind="position", xid=1, seq=i, received_at=datetime.now(UTC),
                                           record=pos("d7", i)), None) for i in range(3)]
    await forward_store.add_dead_letters(store.pool, name, [
        (m.id, m.kind, m.device_id, m.payload, "ConnectionError: HTTP 500", 4, datetime.now(UTC))
        for m in messages])
    env = {k: v for k, v in os.environ.items() if not k.startswith("UVIS_")}
    base = EXE + ["forward", "--database-url", database_url]
    try:
        listed = await asyncio.to_thread(subprocess.run, base + ["list"], capture_output=True,
                                         text=True, timeout=60, env=env)
        assert listed.returncode == 0, listed.stderr
        rows = [line.split("\t") for line in listed.stdout.splitlines()]
        assert [(r[1], r[3], r[4], r[5], r[6]) for r in rows] == [
            (name, "4", "d7", m.id, "ConnectionError: HTTP 500") for m in messages]
        redriven = await asyncio.to_thread(subprocess.run, base + ["redrive", "--forward", receiver.url],
                                           capture_output=True, text=True, timeout=60, env=env)
    finally:
        await receiver.stop()
    assert redriven.returncode == 0, redriven.stderr
    assert redriven.stdout.startswith("re-drove 3 dead letters; 0 failed again")
    assert [m["id"] for m in receiver.messages] == [m.id for m in messages]
    assert await forward_store.open_dead_letters(store.pool) == {}
