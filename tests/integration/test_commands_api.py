"""Commands through the API (real uvicorn, real PostgreSQL, a real gateway and a
simulated tracker on a real socket): scopes, wait=S, list, get, cancel, types."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from tests.integration._api import running_api, token
from tests.integration.test_api_live import sse_messages
from tests.integration.test_commands_queue import LISTENERS, Tracker, until, _registered

pytestmark = pytest.mark.integration

DEVICE = "864717003283590"


@pytest.fixture
async def setup(clean_database_url, db_pool):
    gw = Gateway(load_settings(env={}, overrides={
        "database_url": clean_database_url, "api_enabled": False, "listeners": LISTENERS,
        "batch_max_age": 0.05, "commands": {"sweep_interval": 0.3}}))
    await gw.start()
    try:
        async with running_api(clean_database_url) as api:
            yield gw, api
    finally:
        await gw.stop()


def client(api, secret: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.port}/api/v1",
                             headers={"authorization": f"Bearer {secret}"}, timeout=30)


async def test_commands_api_scopes_wait_list_cancel(setup, db_pool) -> None:
    gw, api = setup
    tracker = Tracker("gt06", DEVICE, gw.ports[("gt06", "tcp")])
    await tracker.connect()                      # the device is known (devices table) and online
    await until(lambda: _registered([gw], [tracker]))
    await until(lambda: _known(db_pool, DEVICE))
    reader = await token(db_pool, "reader", "devices:read")
    writer = await token(db_pool, "writer", "commands:write")
    boss = await token(db_pool, "boss", "commands:write", "commands:immobilise")
    watcher = await token(db_pool, "watcher", "live:read", "events:read")
    path = f"/devices/{DEVICE}/commands"
    live: list = []
    feed = httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.port}",
                             headers={"authorization": f"Bearer {watcher}"}, timeout=30)
    reader_task = asyncio.create_task(sse_messages(
        feed, {"kinds": "event", "devices": DEVICE, "types": "commandQueued,commandAnswered"}, live,
        stop_after=4))
    try:
        async with client(api, reader) as r:
            answer = await r.post(path, json={"type": "rebootDevice"})
            assert answer.status_code == 403
            assert answer.json() == {"error": "this needs the scope commands:write", "status": 403}
        async with client(api, writer) as w:
            stop = await w.post(path, json={"type": "engineStop"})
            assert stop.status_code == 403
            assert stop.json()["error"] == "engineStop needs the scope commands:immobilise too"
            bad = await w.post(path, json={"type": "outputControl", "params": {"index": 1}})
            assert bad.status_code == 400 and "not supported" in bad.json()["error"]
            assert (await w.post("/devices/nope/commands", json={"type": "rebootDevice"})).status_code == 404
            types = await w.get(f"/devices/{DEVICE}/command-types")
            assert types.json() == {"protocol": "gt06", "types": [
                "engineStop", "engineResume", "positionSingle", "positionPeriodic", "rebootDevice",
                "custom"]}
            done = await w.post(path, params={"wait": "10"}, json={"type": "rebootDevice"})
            assert done.status_code == 201
            body = done.json()
            assert (body["state"], body["requested_by"], body["answer_text"], body["attempts"]) == (
                "answered", "writer", "Reset OK!", 1)
            assert bytes.fromhex(body["sent_hex"]) == tracker.raw[0]
        async with client(api, boss) as b:
            cut = await b.post(path, params={"wait": "10"}, json={"type": "engineStop"})
            assert cut.status_code == 201 and cut.json()["state"] == "answered"
            assert tracker.received[-1].command == "RELAY,1#"
            listed = (await b.get(path)).json()["items"]
            assert [(c["type"], c["state"]) for c in listed] == [
                ("engineStop", "answered"), ("rebootDevice", "answered")]
            one = await b.get(f"/commands/{listed[0]['id']}")
            assert one.json() == listed[0]
        # every state change is an event, on the live stream too
        await asyncio.wait_for(reader_task, 10)
        assert [(m["event"]["type"], m["event"]["attributes"]["commandType"]) for _, m in live] == [
            ("commandQueued", "rebootDevice"), ("commandAnswered", "rebootDevice"),
            ("commandQueued", "engineStop"), ("commandAnswered", "engineStop")]
        assert live[1][1]["event"]["attributes"] == {"commandId": listed[1]["id"], "commandType": "rebootDevice",
                                            "state": "answered", "result": "Reset OK!"}
        async with client(api, watcher) as e:
            page = (await e.get("/events", params={"device": DEVICE, "type": "commandSent"})).json()
            assert [i["attributes"]["commandId"] for i in page["items"]] == [
                listed[1]["id"], listed[0]["id"]]
            # an offline device: queued, cancelled, a second cancel is a conflict
        tracker.close()
        await until(lambda: _offline(gw, DEVICE))
        async with client(api, writer) as w:
            queued = await w.post(path, params={"wait": "0.5"}, json={"type": "positionSingle"})
            assert queued.status_code == 201 and queued.json()["state"] == "queued"
            cid = queued.json()["id"]
            cancelled = await w.delete(f"/commands/{cid}")
            assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
            assert cancelled.json()["error"] == "cancelled by writer"
            again = await w.delete(f"/commands/{cid}")
            assert again.status_code == 409
            assert again.json() == {"error": f"command {cid} is cancelled, not queued", "status": 409}
            assert (await w.get("/commands/99999999")).status_code == 404
    finally:
        reader_task.cancel()
        await feed.aclose()
        tracker.close()


async def _known(pool, device: str) -> bool:
    return await pool.fetchval("SELECT protocol FROM devices WHERE device_id = $1", device) == "gt06"


async def _offline(gw, device: str) -> bool:
    await asyncio.sleep(0)
    live = gw.commands.sessions.get(device)
    return live is None or not live.is_open()
