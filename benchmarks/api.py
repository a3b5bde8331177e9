"""API benchmark: latency of the two read paths on a big table.

A fresh database gets a day of positions written with COPY: 10,000 devices,
one of which reports every second (its 24-hour track is 86,400 fixes) while
the others report every 86 s, rows interleaved in time order as a gateway
writes them (about 10.1 million rows; the primary key is built after the load,
then VACUUM ANALYZE). The gateway (``uvis-gateway run``, its own process)
serves the API on it; this process times, one request at a time:

- ``latest``: GET /positions/latest?limit=10000 (the latest position of all
  10,000 devices, one page);
- ``track``: the whole 24-hour track of the busy device, GET
  /devices/{id}/positions?from=..&to=..&limit=10000 and its ``next`` pages
  (9 requests, 86,400 fixes); ``track_page`` is one of those pages.

The database is dropped at the end (``--rows`` makes a smaller run).

    python -m benchmarks.api [--rows N] [--requests N] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
import tempfile

import aiohttp
import asyncpg

from storage.postgres import create_pool

from ._common import environment, load_average, named_database, percentile, write_json
from .ingest import Gateway

DAY = datetime(2026, 1, 1, tzinfo=timezone.utc)
DEVICES = 10_000
TRACK_DEVICE = "860000000000000"
COLUMNS = ("device_id", "fix_time", "received_at", "protocol", "valid", "lat", "lon", "altitude_m",
           "speed_kmh", "course_deg", "satellites", "hdop", "attributes")
TARGET_MS = 20.0


def _device(i: int) -> str:
    return str(860000000000000 + i)


def _rows(period: int, chunk_seconds: int = 600):
    """CSV chunks in time order: the track device every second, device i every
    ``period`` seconds (at seconds s with s % period == i % period)."""
    others = [[] for _ in range(period)]
    for i in range(1, DEVICES):
        others[i % period].append((_device(i), f"{54 + i % 1000 * 1e-3:.6f}", f"{25 + i // 1000 * 1e-2:.6f}"))
    lines: list[str] = []
    for s in range(86_400):
        ts = (DAY + timedelta(seconds=s)).isoformat(sep=" ")
        lines.append(f"{TRACK_DEVICE},{ts},{ts},gt06,t,{54 + s * 1e-6:.6f},25.000000,120,40,90,9,,{{}}\n")
        for dev, lat, lon in others[s % period]:
            lines.append(f"{dev},{ts},{ts},gt06,t,{lat},{lon},120,40,{s % 360},9,,\"{{\"\"ignition\"\": true}}\"\n")
        if s % chunk_seconds == chunk_seconds - 1:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


async def load(dsn: str, rows_target: int) -> dict:
    period = max(1, round(86_400 * (DEVICES - 1) / max(rows_target - 86_400, 1)))
    conn = await asyncpg.connect(dsn)
    started = time.monotonic()
    try:
        await conn.execute("ALTER TABLE positions DROP CONSTRAINT positions_pkey")

        async def source():
            for chunk in _rows(period):
                yield chunk

        await conn.copy_to_table("positions", source=source(), columns=COLUMNS, format="csv")
        copied = time.monotonic() - started
        await conn.execute("ALTER TABLE positions ADD PRIMARY KEY (device_id, fix_time)")
        # latest positions and devices, as the writer keeps them
        await conn.execute(
            "INSERT INTO latest_positions SELECT DISTINCT ON (device_id) * FROM positions "
            "WHERE fix_time >= $1 ORDER BY device_id, fix_time DESC", DAY + timedelta(seconds=86_400 - period))
        await conn.execute(
            "INSERT INTO devices SELECT device_id, protocol, $1, fix_time FROM latest_positions", DAY)
        await conn.execute("VACUUM ANALYZE positions")
        await conn.execute("VACUUM ANALYZE latest_positions")
        await conn.execute("VACUUM ANALYZE devices")
        rows = await conn.fetchval("SELECT count(*) FROM positions")
        track = await conn.fetchval("SELECT count(*) FROM positions WHERE device_id = $1", TRACK_DEVICE)
        latest = await conn.fetchval("SELECT count(*) FROM latest_positions")
    finally:
        await conn.close()
    return {"rows": rows, "track_rows": track, "latest_rows": latest, "period_s": period,
            "copy_s": round(copied, 1), "load_s": round(time.monotonic() - started, 1)}


async def timed(session: aiohttp.ClientSession, url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    async with session.get(url) as response:
        body = await response.json(content_type=None)
        response.raise_for_status()
    return (time.perf_counter() - started) * 1000, body


async def measure(base: str, requests: int) -> dict:
    latest_ms, track_ms, page_ms = [], [], []
    start, end = DAY.isoformat().replace("+00:00", "Z"), (DAY + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    first = f"{base}/devices/{TRACK_DEVICE}/positions?from={start}&to={end}&limit=10000"
    fixes = items = 0
    async with aiohttp.ClientSession() as session:
        for i in range(requests + 2):  # two warm-up rounds
            ms, body = await timed(session, f"{base}/positions/latest?limit=10000")
            items = len(body["items"])
            total, url, fixes = 0.0, first, 0
            while url:
                page, body = await timed(session, url)
                total += page
                fixes += len(body["items"])
                url = body["next"] and (body["next"] if "://" in body["next"] else base + body["next"])
                if i >= 2:
                    page_ms.append(page)
            if i >= 2:
                latest_ms.append(ms)
                track_ms.append(total)
    return {"latest_items": items, "track_fixes": fixes,
            "latest_ms_p50": _r(percentile(latest_ms, 50)), "latest_ms_p99": _r(percentile(latest_ms, 99)),
            "track_ms_p50": _r(percentile(track_ms, 50)), "track_ms_p99": _r(percentile(track_ms, 99)),
            "track_page_ms_p50": _r(percentile(page_ms, 50)), "track_page_ms_p99": _r(percentile(page_ms, 99))}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


async def main(args: argparse.Namespace) -> dict:
    load_before = load_average()
    async with named_database(args.database, args.database_url) as (dsn, where):
        pool = await create_pool(dsn, max_size=1)  # migrations
        await pool.close()
        print(f"loading about {args.rows:,} positions with COPY into {where} ...", flush=True)
        data = await load(dsn, args.rows)
        print(f"  {data['rows']:,} rows ({data['track_rows']:,} for the track device) in {data['load_s']} s "
              f"(COPY {data['copy_s']} s)", flush=True)
        with tempfile.TemporaryDirectory(prefix="uvis-api-") as tmp:
            gateway = Gateway(dsn, 1, Path(tmp), api=True)
            try:
                await gateway.ready()
                figures = await measure(f"http://127.0.0.1:{gateway.api_port}", args.requests)
            finally:
                gateway.stop()
    for key in ("latest", "track", "track_page"):
        print(f"  {key:<11} p50 {figures[key + '_ms_p50']:>9} ms   p99 {figures[key + '_ms_p99']:>9} ms"
              f"   (target p99 <= {TARGET_MS:g} ms)" if key != "track_page" else
              f"  {key:<11} p50 {figures[key + '_ms_p50']:>9} ms   p99 {figures[key + '_ms_p99']:>9} ms")
    return {**figures, "data": data, "database": where, "target_ms_p99": TARGET_MS,
            "settings": {"requests": args.requests, "page_limit": 10_000, "devices": DEVICES,
                         "client": "aiohttp, one request at a time, separate process from the gateway",
                         "load_average_before": load_before, "load_average_after": load_average()},
            "environment": environment("uvloop")}


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="positions in the table (about)")
    parser.add_argument("--requests", type=int, default=30, help="timed rounds of each query")
    parser.add_argument("--database", default="local", choices=("embedded", "local", "url"))
    parser.add_argument("--database-url")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    import uvloop

    write_json(args.json, uvloop.run(main(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
