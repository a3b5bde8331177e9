"""The HTTP API over a real socket and the real database: shapes, paging,
time ranges, latest by fix time, errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import aiohttp
import pytest

from api.server import ApiServer, build_app

from protocols import Position

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def pos(device: str, second: int) -> Position:
    return Position(device_id=device, protocol="gt06", fix_time=T0 + timedelta(seconds=second),
                    valid=True, lat=22.54321, lon=114.0123, altitude_m=35.5, speed_kmh=12.3,
                    course_deg=270.0, satellites=9, hdop=0.8,
                    attributes={"ignition": True, "io5": 3, "power": 12.5})

pytestmark = pytest.mark.integration


@pytest.fixture
async def api(store):
    async def health():
        await store.ping()
        return {"status": "ok"}

    server = ApiServer(build_app(store, lambda: b"uvis_up 1\n", health), "127.0.0.1", 0)
    await server.start()
    async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as http:
        yield http
    await server.stop()


async def test_track_pages_in_fix_time_order(api, store) -> None:
    await store.write([pos("dev-a", s) for s in (5, 1, 4, 2, 3)], [], T0)
    seen, url = [], "/devices/dev-a/positions?limit=2"
    while url:
        async with api.get(url) as r:
            assert r.status == 200
            body = await r.json()
        assert len(body["items"]) <= 2
        seen += [p["fix_time"] for p in body["items"]]
        url = body["next"]
    assert seen == [f"2024-05-01T12:00:0{s}.000Z" for s in (1, 2, 3, 4, 5)]


async def test_track_time_range_is_from_inclusive_to_exclusive(api, store) -> None:
    await store.write([pos("dev-b", s) for s in range(10)], [], T0)
    params = {"from": (T0 + timedelta(seconds=3)).isoformat(), "to": "2024-05-01T12:00:06Z"}
    async with api.get("/devices/dev-b/positions", params=params) as r:
        body = await r.json()
    assert [p["fix_time"][17:19] for p in body["items"]] == ["03", "04", "05"]
    assert body["next"] is None
    position = body["items"][0]
    assert set(position) == {"device_id", "protocol", "fix_time", "valid", "lat", "lon", "altitude_m",
                             "speed_kmh", "course_deg", "satellites", "hdop", "attributes"}
    assert (position["speed_kmh"], position["attributes"]) == (12.3, {"ignition": True, "io5": 3,
                                                                       "power": 12.5})


async def test_latest_is_by_fix_time_and_devices_page_with_a_link(api, store) -> None:
    await store.write([pos("dev-c", 9), pos("dev-d", 1)], [], T0)
    await store.write([pos("dev-c", 2)], [], T0 + timedelta(minutes=1))   # older fix, later arrival
    async with api.get("/positions/latest") as r:
        latest = {p["device_id"]: p["fix_time"] for p in (await r.json())["items"]}
    assert latest == {"dev-c": "2024-05-01T12:00:09.000Z", "dev-d": "2024-05-01T12:00:01.000Z"}
    async with api.get("/devices", params={"limit": "1"}) as r:
        devices = await r.json()
        link = r.headers["Link"]
    assert [d["device_id"] for d in devices] == ["dev-c"]
    assert set(devices[0]) == {"device_id", "protocol", "first_seen", "last_seen"}
    assert link == '</devices?limit=1&after=dev-c>; rel="next"'
    async with api.get("/devices?limit=1&after=dev-c") as r:
        assert [d["device_id"] for d in await r.json()] == ["dev-d"]


@pytest.mark.parametrize("url, status", [
    ("/devices/nobody/positions", 404),
    ("/devices/x/positions?limit=0", 400),
    ("/devices/x/positions?limit=10001", 400),
    ("/devices/x/positions?from=soon", 400),
    ("/devices/x/positions?from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z", 400),
    ("/positions/latest?limit=abc", 400),
])
async def test_bad_requests_get_clear_answers(api, url, status) -> None:
    async with api.get(url) as r:
        assert r.status == status
        assert "error" in await r.json()


async def test_health_and_metrics(api) -> None:
    async with api.get("/health") as r:
        assert (r.status, await r.json()) == (200, {"status": "ok"})
    async with api.get("/metrics") as r:
        assert await r.text() == "uvis_up 1\n"
