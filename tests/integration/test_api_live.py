"""The live feed: every committed position of two gateway workers reaches a
subscriber of each of two API processes exactly once; SSE resumes across a
disconnect with no gap and no repeat; filters; a stalled subscriber is
dropped while ingest and the other subscribers go on."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime

import pytest

from simulators.fleet import FleetConfig, run_fleet
from tests.integration._api import T0, client, event, pos, running_api, set_group, token, token_for

pytestmark = pytest.mark.integration


async def sse_messages(http, params: dict, out: list, *, headers: dict | None = None,
                       stop_after: int | None = None) -> None:
    """Append (id, message) of every SSE message to ``out``."""
    async with http.stream("GET", "/api/v1/live/sse", params=params, headers=headers or {}) as r:
        assert r.status_code == 200, await r.aread()
        fields: dict = {}
        async for line in r.aiter_lines():
            if line:
                name, _, value = line.partition(":")
                fields[name] = value[1:] if value.startswith(" ") else value
                continue
            if fields.get("event") == "message":
                out.append((fields["id"], json.loads(fields["data"])))
                if stop_after is not None and len(out) >= stop_after:
                    return
            elif fields.get("event") == "close":
                out.append(("close", fields["data"]))
                return
            fields = {}


async def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], ready: str, count: int = 1) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", *args],
                            env=dict(os.environ, PYTHONUNBUFFERED="1"), stderr=subprocess.PIPE, text=True)
    seen, deadline, lines = 0, time.monotonic() + 60, []
    while seen < count and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            proc.kill()
            raise AssertionError("exited before ready:\n" + "".join(lines))
        lines.append(line)
        seen += ready in line
    return proc


async def test_two_workers_two_api_processes_every_position_once(clean_database_url, tmp_path) -> None:
    secret = await token_for(clean_database_url, "live", "live:read")
    gt06 = _free_port()
    config = tmp_path / "uvis.toml"
    config.write_text('batch_max_age = 0.05\n[[listeners]]\nprotocol = "gt06"\ntransport = "tcp"\n'
                      f'port = {gt06}\nhost = "127.0.0.1"\n')
    ports = [_free_port(), _free_port()]
    apis = [_start(["api", "--database-url", clean_database_url, "--api-host", "127.0.0.1",
                    "--api-port", str(p)], "API ready") for p in ports]
    gateway = _start(["run", "--workers", "2", "--no-api", "--config", str(config), "--database-url",
                      clean_database_url], "gateway ready", 2)
    received: list[list] = [[], []]
    try:
        import httpx

        clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=60,
                                     headers={"authorization": f"Bearer {secret}"}) for p in ports]
        readers = [asyncio.create_task(sse_messages(c, {"kinds": "position"}, out))
                   for c, out in zip(clients, received)]
        await asyncio.sleep(0.5)
        stats = await run_fleet(FleetConfig(protocol="gt06", devices=30, rate=4.0, duration=2.0,
                                            port=gt06, collect_keys=True))
        assert stats.errors == 0 and stats.acked == stats.sent == len(stats.acked_keys) > 0
        acked = stats.acked_keys
        for out in received:
            await wait_for(lambda: len(out) >= len(acked))
        await asyncio.sleep(0.3)                                  # nothing more arrives
        for out in received:
            ids = [i for i, _ in out]
            keys = {(m["position"]["device_id"],
                     datetime.fromisoformat(m["position"]["fix_time"].replace("Z", "+00:00")))
                    for _, m in out}
            assert len(ids) == len(set(ids)) == len(acked)        # once each
            assert keys == acked
        for task in readers:
            task.cancel()
        for c in clients:
            await c.aclose()
    finally:
        for proc in [gateway, *apis]:
            proc.terminate()
        for proc in [gateway, *apis]:
            proc.stderr.read()
            assert proc.wait(60) == 0


@pytest.fixture
async def live(clean_database_url, store, db_pool):
    async with running_api(clean_database_url, live_queue=200) as api:
        yield api, await token(db_pool, "live", "live:read")


async def test_sse_resumes_without_gap_or_repeat(live, store) -> None:
    api, secret = live
    first: list = []
    async with client(api, secret) as http:
        reader = asyncio.create_task(sse_messages(http, {}, first, stop_after=3))
        await asyncio.sleep(0.3)
        await store.write([pos("dev-a", s) for s in range(5)], [event("dev-a", 1)], T0)
        await asyncio.wait_for(reader, 10)                     # disconnects after 3
        await store.write([pos("dev-a", s) for s in range(5, 9)], [], T0)  # while away
        last_id = first[-1][0]
        rest: list = []
        reader = asyncio.create_task(sse_messages(http, {}, rest, headers={"last-event-id": last_id}))
        await asyncio.sleep(0.3)
        await store.write([pos("dev-a", 9)], [], T0)
        await wait_for(lambda: len(rest) >= 7)
        await asyncio.sleep(0.2)
        reader.cancel()
    everything = first + rest
    ids = [i for i, _ in everything]
    assert len(ids) == len(set(ids)) == 11                     # 10 positions, 1 event, once each
    assert [m["position"]["fix_time"][17:19] for _, m in everything if m["kind"] == "position"] == [
        f"{s:02d}" for s in range(10)]
    assert [m["event"]["type"] for _, m in everything if m["kind"] == "event"] == ["alarm"]


async def test_filters_devices_bbox_types_groups_and_websocket(live, store, db_pool) -> None:
    api, secret = live
    fleet = await token(db_pool, "fleet-b", "live:read", groups=("b",))
    await store.write([pos("dev-a", 0), pos("dev-b", 0)], [], T0)
    await set_group(db_pool, "dev-b", "b")
    by_bbox, by_device, by_group, events_only = [], [], [], []
    async with client(api, secret) as http, client(api, fleet) as fleet_http:
        tasks = [asyncio.create_task(sse_messages(http, {"bbox": "0,40,20,60", "kinds": "position"}, by_bbox)),
                 asyncio.create_task(sse_messages(http, {"devices": "dev-a"}, by_device)),
                 asyncio.create_task(sse_messages(fleet_http, {}, by_group)),
                 asyncio.create_task(sse_messages(http, {"types": "overspeed", "kinds": "event"},
                                                  events_only))]
        import websockets

        ws = await websockets.connect(f"ws://127.0.0.1:{api.port}/api/v1/live?devices=dev-b",
                                      additional_headers={"authorization": f"Bearer {secret}"})
        await asyncio.sleep(0.3)
        await store.write([pos("dev-a", 1, lat=50.0, lon=8.0), pos("dev-b", 1, lat=10.0, lon=100.0)],
                          [event("dev-a", 1, "alarm"), event("dev-b", 1, "overspeed", speed=99)], T0)
        first_ws = json.loads(await asyncio.wait_for(ws.recv(), 10))
        await wait_for(lambda: len(by_device) >= 2 and len(by_group) >= 2 and by_bbox and events_only)
        await asyncio.sleep(0.2)
        await ws.close()
        for t in tasks:
            t.cancel()
    assert [m["position"]["device_id"] for _, m in by_bbox] == ["dev-a"]
    assert {(m["kind"], m[m["kind"]]["device_id"]) for _, m in by_device} == {("position", "dev-a"),
                                                                                ("event", "dev-a")}
    assert {m[m["kind"]]["device_id"] for _, m in by_group} == {"dev-b"}
    assert [(m["event"]["type"], m["event"]["attributes"]) for _, m in events_only] == [
        ("overspeed", {"speed": 99})]
    assert (first_ws["kind"], first_ws["position"]["device_id"]) == ("position", "dev-b")


async def test_a_stalled_subscriber_is_dropped_and_others_go_on(live, store) -> None:
    api, secret = live
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", api.port))
    stalled.sendall(f"GET /api/v1/live/sse HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {secret}\r\n\r\n"
                    .encode())                                 # and never reads
    healthy: list = []
    n = 0
    async with client(api, secret) as http:
        reader = asyncio.create_task(sse_messages(http, {}, healthy))
        await wait_for(lambda: len(api.hub.subscribers) == 2)
        started = time.monotonic()
        while api.hub.dropped == 0:                            # about 5,000 positions/s
            assert n < 100_000, "the stalled subscriber was never dropped"
            await store.write([pos("dev-s", n + k) for k in range(250)], [], T0)
            n += 250
            await asyncio.sleep(0.05)
        write_seconds = time.monotonic() - started
        await wait_for(lambda: len(healthy) >= n, 30)
        still = len(api.hub.subscribers)
        reader.cancel()
    stalled.close()
    assert api.hub.dropped == 1 and still == 1
    assert len(healthy) == n and len({i for i, _ in healthy}) == n      # the other got every one
    assert write_seconds < 30                                          # ingest never waited for it
    print(f"stalled subscriber dropped after {n} positions; healthy one got all {n}")


async def test_api_command_with_two_workers_shares_the_port(clean_database_url) -> None:
    import httpx

    port = _free_port()
    proc = _start(["api", "--workers", "2", "--database-url", clean_database_url, "--api-host",
                   "127.0.0.1", "--api-port", str(port)], "API ready", 2)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            answers = {(await http.get("/health")).json()["status"] for _ in range(10)}
            assert answers == {"ok"}
            assert (await http.get("/api/v1/devices")).status_code == 401
    finally:
        proc.terminate()
        proc.stderr.read()
        assert proc.wait(60) == 0
