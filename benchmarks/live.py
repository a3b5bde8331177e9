"""Live feed benchmark: commit -> subscriber latency.

``uvis-gateway api`` (its own process) serves /api/v1/live/sse. A writer
process commits positions with the gateway's store (PostgresStore.write, as
the batch writer does: a batch every 100 ms) at --rate positions/s over
10,000 devices, each position tagged with its batch number; it records when
each batch's COMMIT returned. Subscriber processes hold one unfiltered SSE
stream and --filtered streams filtered by 10 devices each, and record when
each message arrived. Latency = arrival - commit of its batch (one clock: one
machine). Also: messages lost or repeated, subscribers dropped.

    python -m benchmarks.live [--rate 10000] [--filtered 100] [--seconds 20] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ._common import environment, load_average, named_database, percentile, write_json

DEVICES = 10_000
BATCH_SECONDS = 0.1
_BATCH = re.compile(rb'"b": ?(\d+)')


def _device(i: int) -> str:
    return str(880000000000000 + i)


# -- the writer process ---------------------------------------------------------

async def writer(dsn: str, rate: float, seconds: float, out: Path, go: Path) -> None:
    from protocols import Position
    from storage.postgres import PostgresStore

    store = await PostgresStore.connect(dsn, max_size=2)
    per_batch = int(rate * BATCH_SECONDS)
    commits: dict[int, float] = {}
    Path(f"{out}.ready").touch()
    while not go.exists():
        await asyncio.sleep(0.01)
    start = time.monotonic()
    t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
    n = 0
    batch = 0
    while time.monotonic() - start < seconds:
        due = start + batch * BATCH_SECONDS
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        fixes = [Position(device_id=_device((n + k) % DEVICES), protocol="gt06",
                          fix_time=t0 + timedelta(seconds=(n + k) // DEVICES),
                          valid=True, lat=50.0, lon=8.0, speed_kmh=30.0, attributes={"b": batch})
                 for k in range(per_batch)]
        await store.write(fixes, [], datetime.now(timezone.utc))
        commits[batch] = time.time()
        n += per_batch
        batch += 1
    await store.close()
    out.write_text(json.dumps({"commits": commits, "positions": n, "per_batch": per_batch}))


# -- a subscriber process -------------------------------------------------------

async def subscribers(port: int, token: str, filters: list[str | None], seconds: float, out: Path) -> None:
    import aiohttp

    arrivals: list[list[tuple[int, float]]] = [[] for _ in filters]
    closed: list[str | None] = [None] * len(filters)
    connected = 0

    async def one(index: int, devices: str | None) -> None:
        nonlocal connected
        params = {"kinds": "position"}
        if devices:
            params["devices"] = devices
        timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.get(f"http://127.0.0.1:{port}/api/v1/live/sse", params=params,
                                headers={"Authorization": f"Bearer {token}"}) as r:
                connected += 1
                mine = arrivals[index]
                event = b""
                async for line in r.content:
                    if line.startswith(b"event: close"):
                        event = b"close"
                    elif line.startswith(b"data: "):
                        if event == b"close":
                            closed[index] = line[6:].decode().strip()
                            return
                        match = _BATCH.search(line)
                        if match:
                            mine.append((int(match[1]), time.time()))

    tasks = [asyncio.create_task(one(i, f)) for i, f in enumerate(filters)]
    while connected < len(filters):
        await asyncio.sleep(0.05)
    Path(f"{out}.ready").touch()
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    out.write_text(json.dumps({"arrivals": arrivals, "closed": closed}))


# -- the coordinator ------------------------------------------------------------

def _py(*args: str) -> subprocess.Popen:
    import sys

    return subprocess.Popen([sys.executable, "-m", "benchmarks.live", *args])


async def _wait_file(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{path.name}: the process ended or timed out")
        await asyncio.sleep(0.05)


async def main(args: argparse.Namespace) -> dict:
    from storage.api_store import create_token
    from storage.postgres import create_pool

    from .api import ApiProcess

    load_before = load_average()
    async with named_database(args.database, args.database_url) as (dsn, where):
        pool = await create_pool(dsn, max_size=1)
        async with pool.acquire() as conn:
            token = await create_token(conn, "live-benchmark", ["live:read"])
        await pool.close()
        with tempfile.TemporaryDirectory(prefix="uvis-live-") as tmp:
            tmp_path = Path(tmp)
            api = ApiProcess(dsn, tmp_path)
            procs: list[subprocess.Popen] = []
            try:
                await api.ready()
                filtered = [",".join(_device(i * 10 + k) for k in range(10)) for i in range(args.filtered)]
                groups = [[""], filtered]  # the unfiltered stream in a process of its own
                outs = [tmp_path / f"subs-{i}.json" for i in range(len(groups))]
                run_for = args.seconds + 8
                for group, out in zip(groups, outs):
                    procs.append(_py("--subscriber", str(api.port), token, json.dumps(group), str(run_for),
                                     str(out)))
                for proc, out in zip(procs, outs):
                    await _wait_file(Path(f"{out}.ready"), proc)
                wout, go = tmp_path / "writer.json", tmp_path / "go"
                wproc = _py("--writer", dsn, str(args.rate), str(args.seconds), str(wout), str(go))
                procs.append(wproc)
                await _wait_file(Path(f"{wout}.ready"), wproc)
                go.touch()
                for proc in procs:
                    await asyncio.to_thread(proc.wait, run_for + 60)
                written = json.loads(wout.read_text())
                subs = [json.loads(out.read_text()) for out in outs]
            finally:
                for proc in procs:
                    if proc.poll() is None:
                        proc.kill()
                api.stop()
    return _report(args, written, subs, where, load_before)


def _report(args, written: dict, subs: list[dict], where: str, load_before) -> dict:
    commits = {int(b): t for b, t in written["commits"].items()}
    unfiltered = subs[0]["arrivals"][0]
    filtered = [a for a in subs[1]["arrivals"]]
    lat_all = [(t - commits[b]) * 1000 for b, t in unfiltered]
    lat_filtered = [(t - commits[b]) * 1000 for a in filtered for b, t in a]
    watched = 10 * args.filtered  # devices 0 .. watched-1, written round-robin over DEVICES
    n = written["positions"]
    expected_filtered = n // DEVICES * watched + min(n % DEVICES, watched)
    closed = [c for s in subs for c in s["closed"] if c]
    first = min(commits.values())
    timeline: dict[int, list[float]] = {}
    for (b, _), ms in zip(unfiltered, lat_all):
        timeline.setdefault(int(commits[b] - first), []).append(ms)
    r = {
        "positions_written": written["positions"], "rate_offered": args.rate,
        "unfiltered_received": len(unfiltered), "filtered_received": len(lat_filtered),
        "filtered_expected": expected_filtered, "subscribers_dropped": len(closed),
        "unfiltered_ms_p50": round(percentile(lat_all, 50), 1), "unfiltered_ms_p99": round(percentile(lat_all, 99), 1),
        "unfiltered_ms_p90": round(percentile(lat_all, 90), 1), "unfiltered_ms_p95": round(percentile(lat_all, 95), 1),
        "unfiltered_ms_max": round(max(lat_all), 1),
        "unfiltered_over_1s": sum(1 for x in lat_all if x > 1000),
        "filtered_ms_p50": round(percentile(lat_filtered, 50), 1) if lat_filtered else None,
        "filtered_ms_p99": round(percentile(lat_filtered, 99), 1) if lat_filtered else None,
        "target_ms_p99": 100.0, "database": where,
        "unfiltered_p99_by_second": [round(percentile(v, 99), 1) for _, v in sorted(timeline.items())],
        "settings": {"filtered_subscribers": args.filtered, "devices_per_filter": 10, "seconds": args.seconds,
                     "batch_seconds": BATCH_SECONDS, "load_average_before": load_before,
                     "load_average_after": load_average()},
        "environment": environment("uvloop"),
    }
    print(f"  {r['positions_written']:,} positions committed at {args.rate:g}/s; unfiltered subscriber got "
          f"{r['unfiltered_received']:,}, {args.filtered} filtered got {r['filtered_received']:,} "
          f"(expected {expected_filtered:,}); dropped {len(closed)}")
    print(f"  commit -> subscriber: unfiltered p50 {r['unfiltered_ms_p50']} ms, p99 {r['unfiltered_ms_p99']} ms; "
          f"filtered p50 {r['filtered_ms_p50']} ms, p99 {r['filtered_ms_p99']} ms (target p99 <= 100 ms); "
          f"unfiltered p90 {r['unfiltered_ms_p90']} ms, p95 {r['unfiltered_ms_p95']} ms, "
          f"{r['unfiltered_over_1s']} messages over 1 s")
    return r


def cli(argv: list[str] | None = None) -> int:
    import sys

    argv = sys.argv[1:] if argv is None else argv
    import uvloop

    if argv and argv[0] == "--writer":
        dsn, rate, seconds, out, go = argv[1:6]
        uvloop.run(writer(dsn, float(rate), float(seconds), Path(out), Path(go)))
        return 0
    if argv and argv[0] == "--subscriber":
        port, token, filters, seconds, out = argv[1:6]
        uvloop.run(subscribers(int(port), token, [f or None for f in json.loads(filters)], float(seconds),
                               Path(out)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=10_000.0, help="positions committed per second")
    parser.add_argument("--filtered", type=int, default=100, help="subscribers filtered by 10 devices each")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--database", default="local", choices=("embedded", "local", "url"))
    parser.add_argument("--database-url")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    write_json(args.json, uvloop.run(main(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
