"""The integrator API v1 over a real socket (uvicorn) and the real database:
shapes, exact paging, filters, summary, bad input (always a 400, never a 5xx)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration._api import T0, client, event, pos, running_api, set_group, token

pytestmark = pytest.mark.integration


@pytest.fixture
async def api(clean_database_url):
    async with running_api(clean_database_url) as service:
        yield service


@pytest.fixture
async def http(api, store, db_pool):
    async with client(api, await token(db_pool, "tests", "admin")) as c:
        yield c


async def test_track_pages_exactly_over_sub_millisecond_fix_times(http, store) -> None:
    # fixes 300 us apart: a millisecond cursor would repeat or skip them
    await store.write([pos("dev-a", s * 0.0003) for s in (4, 0, 3, 1, 2)], [], T0)
    seen, url = [], "/api/v1/devices/dev-a/positions?limit=1"
    while url:
        r = await http.get(url)
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [p["fix_time"] for p in body["items"]]
        url = body["next"]
    assert seen == ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000300Z",
                    "2024-05-01T12:00:00.000600Z", "2024-05-01T12:00:00.000900Z",
                    "2024-05-01T12:00:00.001200Z"]


async def test_track_range_and_position_shape(http, store) -> None:
    await store.write([pos("dev-b", s) for s in range(10)], [], T0)
    r = await http.get("/api/v1/devices/dev-b/positions",
                       params={"from": (T0 + timedelta(seconds=3)).isoformat(), "to": "2024-05-01T12:00:06Z"})
    body = r.json()
    assert [p["fix_time"] for p in body["items"]] == [
        "2024-05-01T12:00:03Z", "2024-05-01T12:00:04Z", "2024-05-01T12:00:05Z"]
    assert body["next"] is None
    assert body["items"][0] == {
        "device_id": "dev-b", "protocol": "gt06", "fix_time": "2024-05-01T12:00:03Z", "valid": True,
        "lat": 22.54321, "lon": 114.0123, "altitude_m": 35.5, "speed_kmh": 12.3, "course_deg": 270.0,
        "satellites": 9, "hdop": 0.8, "attributes": {"ignition": True, "io5": 3}}


async def test_devices_filters_detail_and_patch(http, store, db_pool) -> None:
    await store.write([pos("dev-c", 1), pos("dev-d", 2)], [], T0)
    await set_group(db_pool, "dev-d", "acme")
    r = await http.get("/api/v1/devices", params={"limit": "1"})
    page = r.json()
    assert [d["device_id"] for d in page["items"]] == ["dev-c"]
    assert page["next"].startswith("/api/v1/devices?limit=1&after=")
    assert [d["device_id"] for d in (await http.get(page["next"])).json()["items"]] == ["dev-d"]
    assert [d["device_id"] for d in (await http.get("/api/v1/devices?group=acme")).json()["items"]] == ["dev-d"]
    assert (await http.get("/api/v1/devices?protocol=h02")).json() == {"items": [], "next": None}
    # last_seen is the arrival (T0, 2024): offline
    assert [d["device_id"] for d in (await http.get("/api/v1/devices?online=false")).json()["items"]] == \
        ["dev-c", "dev-d"]
    r = await http.patch("/api/v1/devices/dev-c", json={"name": "Van 7", "group": "acme",
                                                       "attributes": {"plate": "B-UV 7"}})
    assert r.status_code == 200, r.text
    device = (await http.get("/api/v1/devices/dev-c")).json()
    assert {k: device[k] for k in ("device_id", "name", "group", "protocol", "online", "attributes",
                                   "last_seen")} == {
        "device_id": "dev-c", "name": "Van 7", "group": "acme", "protocol": "gt06", "online": False,
        "attributes": {"plate": "B-UV 7"}, "last_seen": "2024-05-01T12:00:00Z"}
    assert device["last_position"]["fix_time"] == "2024-05-01T12:00:01Z"
    assert (await http.patch("/api/v1/devices/dev-c", json={"colour": "red"})).status_code == 400
    assert (await http.patch("/api/v1/devices/nobody", json={"name": "x"})).status_code == 404


async def test_latest_filters_by_bbox_since_and_group(http, store, db_pool) -> None:
    await store.write([pos("dev-e", 9, lat=52.5, lon=13.4), pos("dev-f", 1, lat=48.1, lon=11.6)], [], T0)
    await store.write([pos("dev-e", 2)], [], T0 + timedelta(minutes=1))  # older fix, later arrival
    await set_group(db_pool, "dev-f", "south")
    latest = (await http.get("/api/v1/positions/latest")).json()
    assert [(p["device_id"], p["fix_time"]) for p in latest["items"]] == [
        ("dev-e", "2024-05-01T12:00:09Z"), ("dev-f", "2024-05-01T12:00:01Z")]
    assert [p["device_id"] for p in (await http.get(
        "/api/v1/positions/latest?bbox=13,52,14,53")).json()["items"]] == ["dev-e"]
    assert [p["device_id"] for p in (await http.get(
        "/api/v1/positions/latest", params={"since": "2024-05-01T12:00:05Z"})).json()["items"]] == ["dev-e"]
    assert [p["device_id"] for p in (await http.get(
        "/api/v1/positions/latest?group=south")).json()["items"]] == ["dev-f"]


async def test_events_filter_and_page_on_their_full_key(http, store) -> None:
    # two alarms in the same second of one device: distinct keys, both listed, paged one by one
    await store.write([], [event("dev-g", 1, alarm="sos"), event("dev-g", 1, alarm="overspeed"),
                           event("dev-g", 2, "ignitionOn", ignition=True)], T0)
    seen, url = [], "/api/v1/events?device=dev-g&type=alarm&limit=1"
    while url:
        body = (await http.get(url)).json()
        seen += [(e["time"], e["attributes"]["alarm"]) for e in body["items"]]
        url = body["next"]
    assert sorted(seen) == [("2024-05-01T12:00:01Z", "overspeed"), ("2024-05-01T12:00:01Z", "sos")]
    body = (await http.get("/api/v1/events", params={"from": "2024-05-01T12:00:02Z"})).json()
    assert [(e["type"], e["attributes"]) for e in body["items"]] == [("ignitionOn", {"ignition": True})]


async def test_summary(http, store) -> None:
    # 0.001 degrees of latitude every 10 s: 111.195 m per step at 40 km/h
    fixes = [pos("dev-h", s * 10, lat=50.0 + s * 0.001, lon=8.0, speed=40.0) for s in range(7)]
    fixes.append(pos("dev-h", 70, lat=50.006, lon=8.0, speed=0.0))
    await store.write(fixes, [], T0)
    r = await http.get("/api/v1/devices/dev-h/summary",
                       params={"from": "2024-05-01T12:00:00Z", "to": "2024-05-01T13:00:00Z"})
    body = r.json()
    assert (body["fixes"], body["distance_m"], body["max_speed_kmh"], body["avg_speed_kmh"],
            body["moving_seconds"]) == (8, 667.2, 40.0, 35.0, 70.0)
    assert (body["first_fix"]["fix_time"], body["last_fix"]["fix_time"]) == (
        "2024-05-01T12:00:00Z", "2024-05-01T12:01:10Z")


@pytest.mark.parametrize("url, status, says", [
    ("/api/v1/devices/nobody/positions", 404, "unknown device nobody"),
    ("/api/v1/devices/x/positions?limit=0", 400, "limit"),
    ("/api/v1/devices/x/positions?limit=10001", 400, "limit"),
    ("/api/v1/devices/x/positions?limit=99999999999999999999999", 400, "limit"),
    ("/api/v1/devices/x/positions?from=soon", 400, "from: not an ISO 8601 time"),
    ("/api/v1/devices/x/positions?from=99999-01-01", 400, "from: not an ISO 8601 time"),
    ("/api/v1/devices/x/positions?from=1e300", 400, "from: not an ISO 8601 time"),
    ("/api/v1/devices/x/positions?from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z", 400,
     "to: earlier than from"),
    ("/api/v1/devices/x/positions?format=csv", 400, "from and to are required"),
    ("/api/v1/devices/x/positions?format=xls", 400, "format"),
    ("/api/v1/devices/x/positions?after=%00", 400, "after: not a cursor"),
    ("/api/v1/devices/x/positions?after=WyJsIiwieCJd", 400, "after: not a cursor"),  # a cursor of latest
    ("/api/v1/devices/x%00y/positions", 400, "device_id: control characters"),
    ("/api/v1/positions/latest?after=%00", 400, "after: not a cursor"),
    ("/api/v1/positions/latest?group=%00", 400, "group: control characters"),
    ("/api/v1/positions/latest?bbox=1,2,3", 400, "bbox"),
    ("/api/v1/positions/latest?bbox=10,0,5,1", 400, "bbox"),
    ("/api/v1/positions/latest?since=0001-01-01T00:00:00%2B14:00", 400, "since"),
    ("/api/v1/events?type=%00", 400, "type: control characters"),
    ("/api/v1/events?from=9999-12-31T23:59:59Z", 200, ""),
    ("/api/v1/devices?online=maybe", 400, "online"),
    ("/api/v1/devices/x/summary?from=2024-01-01T00:00:00Z&to=2024-06-01T00:00:00Z", 400, "31 days"),
    ("/api/v1/nothing", 404, ""),
])
async def test_bad_requests_get_clear_answers(http, store, url, status, says) -> None:
    await store.write([pos("x", 1)], [], T0)
    r = await http.get(url)
    assert r.status_code == status, r.text
    if status != 200:
        body = r.json()
        assert body["status"] == status and says in body["error"], body


async def test_health_is_open_and_never_says_the_database_error(api) -> None:
    async with client(api) as anonymous:
        r = await anonymous.get("/health")
        assert (r.status_code, r.json()) == (200, {"status": "ok", "database": "ok", "problems": []})
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "server" not in r.headers


async def test_docs_and_openapi_are_served_from_local_files(api) -> None:
    async with client(api) as anonymous:
        docs = await anonymous.get("/docs")
        assert docs.status_code == 200 and "/docs/static/swagger-ui-bundle.js" in docs.text
        assert "script-src 'self'" in docs.headers["content-security-policy"]
        assert (await anonymous.get("/docs/static/swagger-ui-bundle.js")).status_code == 200
        spec = (await anonymous.get("/openapi.json")).json()
    from openapi_spec_validator import validate

    validate(spec)
    assert {"/api/v1/devices", "/api/v1/devices/{device_id}", "/api/v1/devices/{device_id}/positions",
            "/api/v1/devices/{device_id}/summary", "/api/v1/positions/latest", "/api/v1/events",
            "/api/v1/live/sse", "/health", "/metrics"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
