"""Exports of a track (more than one read page, so the streaming pages are
joined): GeoJSON in its spec's shape, GPX through an XML parser, CSV back to
the same values as the JSON page endpoint."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from api.exports import CSV_COLUMNS, PAGE
from tests.integration._api import T0, client, pos, running_api, token, time_text

pytestmark = pytest.mark.integration

N = PAGE * 2 + 7
RANGE = {"from": "2024-05-01T12:00:00Z", "to": "2024-05-01T14:00:00Z"}
GPX = "{http://www.topografix.com/GPX/1/1}"


@pytest.fixture(scope="module")
async def exported(database_url, db_pool):
    from storage.postgres import PostgresStore
    from storage.schema import DATA_TABLES

    await db_pool.execute(f"TRUNCATE {', '.join(DATA_TABLES)}")
    # 0.5 s apart plus a few microseconds: times that need all six digits
    fixes = [pos("dev-x", k * 0.5 + k % 7 * 1e-6, lat=50 + k * 1e-5, lon=8 - k * 1e-5, speed=float(k % 90),
                 io1=k) for k in range(N)]
    fixes.append(pos("dev-x", -1))                                   # outside the range
    await PostgresStore(db_pool).write(fixes, [], T0)
    results = {}
    async with running_api(database_url) as api:
        async with client(api, await token(db_pool, "exports", "positions:read")) as http:
            for fmt in ("json", "geojson", "csv", "gpx"):
                r = await http.get("/api/v1/devices/dev-x/positions", params={**RANGE, "format": fmt})
                assert r.status_code == 200, r.text
                results[fmt] = r
            results["accept"] = await http.get("/api/v1/devices/dev-x/positions", params=RANGE,
                                               headers={"accept": "application/gpx+xml"})
            from api import exports as module

            slices, module.SLICES = module.SLICES, 1               # several pages in one slice
            try:
                results["one_slice"] = await http.get("/api/v1/devices/dev-x/positions",
                                                      params={**RANGE, "format": "json"})
            finally:
                module.SLICES = slices
            pages, url = [], "/api/v1/devices/dev-x/positions?limit=10000&" + "&".join(
                f"{k}={v}" for k, v in RANGE.items())
            while url:
                body = (await http.get(url)).json()
                pages += body["items"]
                url = body["next"]
            results["pages"] = pages
    return results


async def test_json_export_is_the_paged_track(exported) -> None:
    pages = exported["pages"]
    assert len(pages) == N
    assert pages[0]["fix_time"] == time_text(T0) and pages[1]["fix_time"] == "2024-05-01T12:00:00.500001Z"
    assert exported["json"].headers["content-type"] == "application/json"
    assert json.loads(exported["json"].content) == pages               # 8 time slices, a page each
    assert json.loads(exported["one_slice"].content) == pages          # 3 pages of one slice


async def test_geojson_has_the_spec_shape(exported) -> None:
    r = exported["geojson"]
    assert r.headers["content-type"] == "application/geo+json"
    doc = json.loads(r.content)
    assert set(doc) == {"type", "features"} and doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == N
    for feature, page in zip(doc["features"], exported["pages"]):
        assert set(feature) == {"type", "geometry", "properties"} and feature["type"] == "Feature"
        assert feature["geometry"] == {"type": "Point", "coordinates": [page["lon"], page["lat"]]}
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert feature["properties"]["fix_time"] == page["fix_time"]
        assert feature["properties"]["attributes"] == page["attributes"]


async def test_gpx_parses_and_holds_every_fix(exported) -> None:
    for r in (exported["gpx"], exported["accept"]):
        assert r.headers["content-type"] == "application/gpx+xml"
        root = ET.fromstring(r.content)
        assert root.tag == f"{GPX}gpx" and root.attrib["version"] == "1.1"
        points = root.findall(f"{GPX}trk/{GPX}trkseg/{GPX}trkpt")
        assert root.find(f"{GPX}trk/{GPX}name").text == "dev-x"
        assert len(points) == N
        page = exported["pages"][3]
        assert (float(points[3].attrib["lat"]), float(points[3].attrib["lon"]),
                points[3].find(f"{GPX}time").text, float(points[3].find(f"{GPX}ele").text)) == (
            page["lat"], page["lon"], page["fix_time"], page["altitude_m"])


async def test_csv_round_trip(exported) -> None:
    r = exported["csv"]
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="track.csv"'
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == list(CSV_COLUMNS) and len(rows) == N

    def typed(row: dict) -> dict:
        out = dict(row)
        for name in ("lat", "lon", "altitude_m", "speed_kmh", "course_deg", "hdop"):
            out[name] = float(row[name]) if row[name] else None
        out["satellites"] = int(row["satellites"]) if row["satellites"] else None
        out["valid"] = row["valid"] == "True"
        out["attributes"] = json.loads(row["attributes"])
        return out

    assert [typed(row) for row in rows] == exported["pages"]


async def test_exports_need_a_bounded_range(clean_database_url, store, db_pool) -> None:
    await store.write([pos("dev-y", 1)], [], T0)
    async with running_api(clean_database_url, max_range_days=1) as api:
        async with client(api, await token(db_pool, "t", "positions:read")) as http:
            r = await http.get("/api/v1/devices/dev-y/positions",
                               params={"format": "csv", "from": "2024-05-01", "to": "2024-05-03"})
            assert (r.status_code, r.json()["error"]) == (400, "to: the range is longer than 1 days")
            r = await http.get("/api/v1/devices/dev-y/positions",
                               params={"format": "csv", "from": "2024-06-01", "to": "2024-06-02"})
            assert r.text == ",".join(CSV_COLUMNS) + "\r\n"                  # a header, no rows



async def test_text_shapes_are_the_documents_msgspec_writes(db_pool) -> None:
    """Pages and exports concatenate their JSON (TEXT_SHAPES); the documents are the
    records' own encoding: quotes, backslashes, control and non-ASCII characters,
    NULLs, whole and fractional seconds, exponents, nested attributes."""
    import msgspec

    from protocols import Position
    from storage.api_store import JSON_SHAPES, TEXT_SHAPES

    rows = [("a\"b\\c\u00e9\n\u0001", "gt06", T0.replace(microsecond=120), True, -54.123456789, 1e-7, None, 40.1, 0.0,
             None, 1.5, {"x": [1, "é\t"], "y": None, "z": {"w": 2.5}}),
            ("d", "p", T0, False, 0.0, -180.0, 1e-7, 3.4e38, 359.9, 12, None, {})]
    async with db_pool.acquire() as conn:
        for row in rows:
            values = ("SELECT $1::text AS device_id, $2::text AS protocol, $3::timestamptz AS fix_time, "
                      "$4::boolean AS valid, $5::float8 AS lat, $6::float8 AS lon, $7::real AS altitude_m, "
                      "$8::real AS speed_kmh, $9::real AS course_deg, $10::smallint AS satellites, "
                      "$11::real AS hdop, $12::jsonb AS attributes")
            position = Position(**dict(zip(("device_id", "protocol", "fix_time", "valid", "lat", "lon",
                                            "altitude_m", "speed_kmh", "course_deg", "satellites", "hdop",
                                            "attributes"), row)))
            for shape in ("position", "feature"):
                text, built = await conn.fetchrow(
                    f"SELECT {TEXT_SHAPES[shape]}, ({JSON_SHAPES[shape]})::text FROM ({values}) AS v", *row)
                assert json.loads(text) == json.loads(built)
            text = await conn.fetchval(f"SELECT {TEXT_SHAPES['position']} FROM ({values}) AS v", *row)
            assert json.loads(text) == json.loads(msgspec.json.encode(position))
