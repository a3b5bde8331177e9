"""API benchmark: the integrator API v1 on a big table.

A fresh database gets a day of positions written with COPY: 10,000 devices,
one of which reports every second (its 24-hour track is 86,400 fixes) while
the others report every 86 s, rows interleaved in time order as a gateway
writes them (about 10.1 million rows; the primary key is built after the load,
then VACUUM ANALYZE). ``uvis-gateway api`` (its own process, read-only pool)
serves it; this process times, with an API token:

- ``latest``: GET /api/v1/positions/latest?limit=1000 (a page of the latest
  positions, at a random cursor), one request at a time;
- ``page``: one device's 1,000-fix page, GET
  /api/v1/devices/{id}/positions?from=T&limit=1000 at a random T;
- ``stream_json`` / ``stream_geojson``: the whole 24-hour track (86,400 fixes)
  with format=json / format=geojson, and the API process's peak RSS while it
  streams (flat memory: the growth over its idle RSS);
- ``mixed``: 50 concurrent clients (latest pages, track pages, device
  details, summaries) for --mixed-seconds while ``uvis-gateway run`` (no API)
  takes an ingest load from benchmarks._loadgen (1,000 positions/s): the API's
  p99, and ingest's ACK p99 with and without the API load. Two kinds of
  client: closed loop (``mixed``: each client sends its next request as soon
  as it has the answer, no think time; on 2 shared cores this saturates the
  CPU by construction, it is the throughput figure) and open loop at a stated
  rate (``mixed_at_R``: each client R requests/s, exponential think times of
  mean 1/R s, as a dispatch screen or portal polls; latency counted from each
  request's scheduled send time, so a slow answer also delays, and is charged
  to, the requests scheduled behind it). The ACK figure alone is taken before
  and after the loaded phases: their spread is its noise.

The database is dropped at the end (``--rows`` makes a smaller run), unless
``--keep NAME``: then the database NAME on 127.0.0.1:5432 is loaded once,
kept, and reused by later runs with the same name (the rows the ingest load
added are deleted first, so every run reads the same table).

    python -m benchmarks.api [--rows N] [--requests N] [--keep NAME] [--rates R ...] [--no-closed]
                             [--parts sequential stream mixed] [--api-workers N] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import subprocess
import tempfile
import time
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import AsyncIterator

import aiohttp
import asyncpg

from api.params import encode_cursor
from storage.api_store import create_token
from storage.postgres import create_pool

from ._common import LOCAL_ADMIN, environment, load_average, named_database, percentile, proc_rss_bytes, write_json
from .ingest import PY, Gateway, _free_port

DAY = datetime(2026, 1, 1, tzinfo=timezone.utc)
DEVICES = 10_000
TRACK_DEVICE = "860000000000000"
COLUMNS = ("device_id", "fix_time", "received_at", "protocol", "valid", "lat", "lon", "altitude_m",
           "speed_kmh", "course_deg", "satellites", "hdop", "attributes")


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
        await conn.execute("DROP INDEX IF EXISTS positions_ingest")  # built after the load

        async def source():
            for chunk in _rows(period):
                yield chunk

        await conn.copy_to_table("positions", source=source(), columns=COLUMNS, format="csv")
        copied = time.monotonic() - started
        await conn.execute("ALTER TABLE positions ADD PRIMARY KEY (device_id, fix_time)")
        await conn.execute("CREATE INDEX positions_ingest ON positions (ingest_xid, ingest_seq)")
        # latest positions and devices, as the writer keeps them
        await conn.execute(
            f"INSERT INTO latest_positions ({', '.join(COLUMNS)}) SELECT DISTINCT ON (device_id) "
            f"{', '.join(COLUMNS)} FROM positions "
            "WHERE fix_time >= $1 ORDER BY device_id, fix_time DESC", DAY + timedelta(seconds=86_400 - period))
        await conn.execute(
            "INSERT INTO devices SELECT device_id, protocol, $1, fix_time FROM latest_positions", DAY)
        await conn.execute("VACUUM ANALYZE positions")
        await conn.execute("VACUUM ANALYZE latest_positions")
        await conn.execute("VACUUM ANALYZE devices")
        await conn.execute("CHECKPOINT")  # the load's writes are not flushed during the figures
        rows = await conn.fetchval("SELECT count(*) FROM positions")
        track = await conn.fetchval("SELECT count(*) FROM positions WHERE device_id = $1", TRACK_DEVICE)
        latest = await conn.fetchval("SELECT count(*) FROM latest_positions")
    finally:
        await conn.close()
    return {"rows": rows, "track_rows": track, "latest_rows": latest, "period_s": period,
            "copy_s": round(copied, 1), "load_s": round(time.monotonic() - started, 1)}


async def timed(session: aiohttp.ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with session.get(url) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status} {await response.text()}")
    return (time.perf_counter() - started) * 1000


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _stats(name: str, values: list[float]) -> dict:
    return {f"{name}_ms_p50": _r(percentile(values, 50)), f"{name}_ms_p99": _r(percentile(values, 99)),
            f"{name}_n": len(values)}


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


async def sequential(base: str, token: str, requests: int, rng: random.Random) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    latest_ms, page_ms = [], []
    async with aiohttp.ClientSession(headers=headers) as session:
        for i in range(requests + 5):  # five warm-up rounds
            after = rng.randrange(0, DEVICES - 1000)
            cursor = encode_cursor("l", _device(after))
            ms_latest = await timed(session, f"{base}/api/v1/positions/latest?limit=1000&after={cursor}")
            start = DAY + timedelta(seconds=rng.randrange(0, 86_400 - 1000))
            ms_page = await timed(session, f"{base}/api/v1/devices/{TRACK_DEVICE}/positions"
                                            f"?from={_iso(start)}&limit=1000")
            if i >= 5:
                latest_ms.append(ms_latest)
                page_ms.append(ms_page)
    return {**_stats("latest", latest_ms), **_stats("page", page_ms)}


async def streamed(base: str, token: str, pid: int, fmt: str, rounds: int = 3) -> dict:
    """The whole 24-hour track as one streamed export; the API's peak RSS meanwhile."""
    url = (f"{base}/api/v1/devices/{TRACK_DEVICE}/positions?from={_iso(DAY)}"
           f"&to={_iso(DAY + timedelta(days=1))}&format={fmt}")
    idle = proc_rss_bytes(pid)
    peak, times, size = idle, [], 0
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        for _ in range(rounds):
            started = time.perf_counter()
            size = 0
            async with session.get(url) as response:
                async for chunk in response.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    peak = max(peak, proc_rss_bytes(pid))
            times.append((time.perf_counter() - started) * 1000)
    return {f"stream_{fmt}_ms_best": _r(min(times)), f"stream_{fmt}_ms_worst": _r(max(times)),
            f"stream_{fmt}_bytes": size, f"stream_{fmt}_rss_idle_mb": round(idle / 2**20, 1),
            f"stream_{fmt}_rss_peak_mb": round(peak / 2**20, 1)}


def _mixed_url(base: str, rng: random.Random) -> str:
    """One request of the mix: a latest page, a track page, a device's details or a day's summary."""
    kind = rng.randrange(4)
    device = _device(rng.randrange(1, DEVICES))
    if kind == 0:
        return f"{base}/api/v1/positions/latest?limit=100&after={encode_cursor('l', device)}"
    if kind == 1:
        start = DAY + timedelta(seconds=rng.randrange(0, 86_000))
        return f"{base}/api/v1/devices/{TRACK_DEVICE}/positions?from={_iso(start)}&limit=100"
    if kind == 2:
        return f"{base}/api/v1/devices/{device}"
    return f"{base}/api/v1/devices/{device}/summary?from={_iso(DAY)}&to={_iso(DAY + timedelta(days=1))}"


async def mixed_clients(base: str, token: str, seconds: float, clients: int = 50,
                        rate: float | None = None) -> list[float]:
    """Latencies (ms) of ``clients`` concurrent clients sending the mix for ``seconds``.

    ``rate`` None: closed loop, each client sends its next request as soon as the last one is
    answered (no think time: the saturation figure). ``rate`` R: each client sends R requests/s
    on an open-loop schedule (exponential gaps, mean 1/R s of think time, a random phase), one
    request at a time; a request's latency runs from its scheduled send time, so a client held
    up by a slow answer counts the wait of the requests queued behind it (no coordinated
    omission)."""
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds

    async def client(n: int) -> None:
        rng = random.Random(n)
        due = started + (rng.random() / rate if rate else 0.0)
        async with aiohttp.ClientSession(headers=headers) as session:
            while due < deadline:
                if rate:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                url = _mixed_url(base, rng)
                sent = due if rate else time.perf_counter()
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{url}: {response.status}")
                now = time.perf_counter()
                latencies.append((now - sent) * 1000)
                due = due + rng.expovariate(rate) if rate else now

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies


async def ingest_acks(port: int, seconds: float, tmp: Path, tag: str) -> list[float]:
    """ACK latencies (ms) of a steady ingest load from benchmarks._loadgen (its own process)."""
    out, go = tmp / f"acks-{tag}.json", tmp / f"go-{tag}"
    sim = subprocess.Popen([PY, "-m", "benchmarks._loadgen", "--port", str(port), "--devices", "200",
                            "--rate", "5", "--duration", str(seconds), "--first-id", "870000000000000",
                            "--json", str(out), "--go", str(go)])
    while not Path(f"{out}.ready").exists():
        if sim.poll() is not None:
            raise RuntimeError("the load generator ended before sending")
        await asyncio.sleep(0.1)
    go.touch()
    while sim.poll() is None:
        await asyncio.sleep(0.2)
    return [x for x in json.loads(out.read_text())["latencies_ms_sample"]]


class ApiProcess:
    def __init__(self, dsn: str, tmp: Path, *, workers: int = 1, pool_size: int = 8,
                 max_in_flight: int = 256, nice: int = 0) -> None:
        self.port = _free_port()
        self.workers = workers
        config = tmp / "api.toml"
        config.write_text(f"[api]\nrate_limit = 1000000.0\nrate_burst = 1000000\nmax_in_flight = {max_in_flight}\n"
                          f"pool_size = {pool_size}\n")
        self.log = tmp / "api.log"
        self.proc = subprocess.Popen(
            [*(["nice", "-n", str(nice)] if nice else []),
             PY, "-m", "gateway.cli", "api", "--config", str(config), "--database-url", dsn,
             "--api-host", "127.0.0.1", "--api-port", str(self.port), "--log-level", "WARNING",
             "--workers", str(workers)],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"), start_new_session=True)

    async def ready(self) -> None:
        deadline = time.monotonic() + 60
        while self.log.read_text().count("API ready") < self.workers:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API did not start:\n" + self.log.read_text()[-2000:])
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


@asynccontextmanager
async def kept_database(name: str) -> AsyncIterator[tuple[str, str]]:
    """(dsn, description) of the database ``name`` on 127.0.0.1:5432, created if missing, never dropped."""
    if not name.isidentifier():
        raise SystemExit(f"--keep {name!r}: a plain identifier, please")
    admin = await asyncpg.connect(LOCAL_ADMIN, timeout=3)
    try:
        version = await admin.fetchval("SHOW server_version")
        if not await admin.fetchval("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name):
            await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    yield LOCAL_ADMIN.rsplit("/", 1)[0] + "/" + name, f"PostgreSQL {version} on 127.0.0.1:5432 (kept: {name})"


async def _loaded(dsn: str) -> dict | None:
    """The figures of an earlier load into a kept database (None: not loaded yet); the
    ingest load's devices of earlier runs are deleted."""
    conn = await asyncpg.connect(dsn)
    try:
        if not await conn.fetchval("SELECT to_regclass('bench_load') IS NOT NULL"):
            return None
        data = json.loads(await conn.fetchval("SELECT figures FROM bench_load"))
        for table in ("positions", "latest_positions", "devices", "events"):
            await conn.execute(f"DELETE FROM {table} WHERE device_id >= '870000000000000'")
        await conn.execute("DELETE FROM api_tokens")
        return {**data, "reused": True}
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> dict:
    load_before = load_average()
    rng = random.Random(1)
    database = kept_database(args.keep) if args.keep else named_database(args.database, args.database_url)
    async with database as (dsn, where):
        data = await _loaded(dsn) if args.keep else None
        pool = await create_pool(dsn, max_size=1)  # migrations
        async with pool.acquire() as conn:
            token = await create_token(conn, "benchmark", ["admin"])
        await pool.close()
        if data is None:
            print(f"loading about {args.rows:,} positions with COPY into {where} ...", flush=True)
            data = await load(dsn, args.rows)
            if args.keep:
                conn = await asyncpg.connect(dsn)
                await conn.execute("CREATE TABLE bench_load AS SELECT $1::text AS figures", json.dumps(data))
                await conn.close()
        print(f"  {data['rows']:,} rows ({data['track_rows']:,} for the track device) in {data['load_s']} s "
              f"(COPY {data['copy_s']} s{', loaded earlier' if data.get('reused') else ''})", flush=True)
        with tempfile.TemporaryDirectory(prefix="uvis-api-") as tmp:
            api = ApiProcess(dsn, Path(tmp), workers=args.api_workers, pool_size=args.pool_size,
                             max_in_flight=args.max_in_flight, nice=args.api_nice)
            gateway = None
            figures: dict = {}
            try:
                await api.ready()
                base = f"http://127.0.0.1:{api.port}"
                if "sequential" in args.parts:
                    figures.update(await sequential(base, token, args.requests, rng))
                if "stream" in args.parts:
                    for fmt in ("json", "geojson"):
                        figures.update(await streamed(base, token, api.proc.pid, fmt))
                if "mixed" in args.parts:
                    gateway = Gateway(dsn, 1, Path(tmp))
                    await gateway.ready()
                    figures.update(await mixed_phases(base, token, gateway, Path(tmp), args))
            finally:
                api.stop()
                if gateway is not None:
                    gateway.stop()
    report(figures)
    return {**figures, "data": data, "database": where, "targets": TARGETS,
            "settings": {"requests": args.requests, "devices": DEVICES, "mixed_seconds": args.mixed_seconds,
                         "clients": args.clients, "rates_per_client": args.rates,
                         "api_workers": args.api_workers, "pool_size": args.pool_size,
                         "max_in_flight": args.max_in_flight, "api_nice": args.api_nice,
                         "client": "aiohttp in this process; API (uvis-gateway api), gateway and load "
                                   "generator in processes of their own",
                         "load_average_before": load_before, "load_average_after": load_average()},
            "environment": environment("uvloop")}


def _mode(rate: float | None) -> str:
    return "mixed" if rate is None else f"mixed_at_{rate:g}"


async def mixed_phases(base: str, token: str, gateway: Gateway, tmp: Path, args: argparse.Namespace) -> dict:
    """Ingest's ACK p99 alone, then under each API load (closed loop, then each rate), then alone
    again (the spread of the two quiet figures is the noise of the ACK figure)."""
    seconds = args.mixed_seconds
    figures: dict = {}
    await ingest_acks(gateway.port, 5, tmp, "warm-up")  # connections, caches
    figures.update(_stats("ack_quiet", await ingest_acks(gateway.port, seconds, tmp, "quiet")))
    for rate in ([None] if args.closed else []) + list(args.rates):
        mode = _mode(rate)
        acks_task = asyncio.create_task(ingest_acks(gateway.port, seconds, tmp, mode))
        await asyncio.sleep(1.0)  # the load generator is connected and sending
        mixed = await mixed_clients(base, token, seconds - 2, args.clients, rate)
        busy = await acks_task
        figures.update(_stats(mode, mixed))
        figures[f"{mode}_requests_per_s"] = round(len(mixed) / (seconds - 2), 1)
        figures.update(_stats(f"ack_{mode}", busy))
        figures[f"ack_{mode}_p99_growth"] = round(figures[f"ack_{mode}_ms_p99"] / figures["ack_quiet_ms_p99"] - 1, 3)
    figures.update(_stats("ack_quiet_after", await ingest_acks(gateway.port, seconds, tmp, "quiet-after")))
    return figures


TARGETS = {"latest_ms_p99": 20.0, "page_ms_p99": 20.0, "stream_json_ms_best": 1000.0,
           "stream_geojson_ms_best": 1000.0, "mixed_ms_p99": 50.0}


def report(figures: dict) -> None:
    for key, target in TARGETS.items():
        if key in figures:
            print(f"  {key:<24} {figures[key]:>9} ms   (target <= {target:g} ms)")
    for fmt in ("json", "geojson"):
        if f"stream_{fmt}_bytes" in figures:
            print(f"  stream_{fmt}: {figures[f'stream_{fmt}_bytes']:,} bytes, API RSS idle "
                  f"{figures[f'stream_{fmt}_rss_idle_mb']} MB, peak {figures[f'stream_{fmt}_rss_peak_mb']} MB")
    if "ack_quiet_ms_p99" not in figures:
        return
    print(f"  ingest ACK p99 alone: {figures['ack_quiet_ms_p99']} ms before the API loads, "
          f"{figures['ack_quiet_after_ms_p99']} ms after them")
    for key in figures:
        if key.startswith("mixed") and key.endswith("_ms_p99"):
            mode = key[:-len("_ms_p99")]
            label = "closed loop, no think time" if mode == "mixed" else \
                f"{mode[len('mixed_at_'):]} requests/s per client (open loop)"
            print(f"  {mode:<16} p50 {figures[f'{mode}_ms_p50']} ms, p99 {figures[key]} ms (target <= 50 ms), "
                  f"{figures[f'{mode}_requests_per_s']} requests/s [{label}]; ingest ACK p99 "
                  f"{figures[f'ack_{mode}_ms_p99']} ms ({figures[f'ack_{mode}_p99_growth']:+.0%}; target <= +10%)")


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="positions in the table (about)")
    parser.add_argument("--requests", type=int, default=300, help="timed requests of each sequential query")
    parser.add_argument("--mixed-seconds", type=float, default=20.0, help="length of each mixed phase")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients of the mixed phases")
    parser.add_argument("--rates", type=float, nargs="*", default=[2.0, 4.0, 8.0],
                        help="open-loop mixed phases: requests/s of each client (think time 1/R s)")
    parser.add_argument("--no-closed", dest="closed", action="store_false",
                        help="skip the closed-loop (saturation) mixed phase")
    parser.add_argument("--parts", nargs="+", default=["sequential", "stream", "mixed"],
                        choices=("sequential", "stream", "mixed"))
    parser.add_argument("--api-workers", type=int, default=1)
    parser.add_argument("--pool-size", type=int, default=4,
                        help="the API's read-only pool (4: on 2 cores more queries at once only queue inside "
                             "PostgreSQL, beside the writer; closed loop with 8: p99 190 ms, ACK +24%%; "
                             "with 4: p99 144-156 ms, ACK +14-15%%)")
    parser.add_argument("--max-in-flight", type=int, default=256)
    parser.add_argument("--api-nice", type=int, default=0,
                        help="run the API process at this nice value (a deployment's choice; 0: as the gateway)")
    parser.add_argument("--database", default="local", choices=("embedded", "local", "url"))
    parser.add_argument("--database-url")
    parser.add_argument("--keep", metavar="NAME",
                        help="load into the database NAME on 127.0.0.1:5432 once and keep it for later runs")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    import uvloop

    write_json(args.json, uvloop.run(main(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
