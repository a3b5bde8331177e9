"""Connections benchmark: how much memory an idle device connection costs the
gateway. N GT06 devices (in separate processes) connect, log in, then send
only heartbeats (0x13, every ``--interval`` s); the gateway's RSS is read at
each step and the cost per connection is (RSS with N - RSS with none) / N.
The largest step defaults to 15,000 (the target) and may go up to what the
file-descriptor limit allows (``ulimit -n``, 20,000 here: the gateway needs
one descriptor per connection plus its own).

    python -m benchmarks.connections [--steps 5000 10000 15000] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._common import environment, load_average, named_database, proc_rss_bytes, write_json
from .ingest import Gateway

PY = sys.executable
#: devices per helper process (each holds its own descriptors)
PER_PROCESS = 2500
TARGET_CONNECTIONS = 15_000
TARGET_BYTES = 10 * 1024


async def main(args: argparse.Namespace) -> dict:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    steps = [s for s in args.steps if s <= soft - 200]
    load = load_average()
    figures = []
    async with named_database(args.database, args.database_url) as (dsn, where):
        with tempfile.TemporaryDirectory(prefix="uvis-conns-") as tmp_name:
            tmp = Path(tmp_name)
            gateway = Gateway(dsn, 1, tmp)
            helpers: list[subprocess.Popen] = []
            stop = tmp / "stop"
            try:
                await gateway.ready()
                await asyncio.sleep(1.0)
                base = proc_rss_bytes(gateway.proc.pid)
                print(f"gateway RSS with no connection: {base / 2**20:.1f} MiB   [{where}]", flush=True)
                connected = 0
                for step in steps:
                    readies = []
                    while connected < step:
                        n = min(PER_PROCESS, step - connected)
                        ready = tmp / f"ready-{connected}"
                        helpers.append(subprocess.Popen(
                            [PY, "-m", "benchmarks._idle", "--port", str(gateway.port), "--devices", str(n),
                             "--first-id", str(860000000000000 + connected), "--interval",
                             str(args.interval), "--ready", str(ready), "--stop", str(stop)]))
                        readies.append(ready)
                        connected += n
                    await _wait_ready(readies, helpers)
                    await asyncio.sleep(args.settle)
                    rss = proc_rss_bytes(gateway.proc.pid)
                    logged_in = sum(int(r.read_text()) for r in tmp.glob("ready-*"))
                    per = (rss - base) / connected
                    figures.append({"connections": connected, "logged_in": logged_in, "rss_bytes": rss,
                                    "rss_bytes_per_connection": round(per)})
                    print(f"{connected:>7,} connections ({logged_in:,} logged in): RSS {rss / 2**20:7.1f} MiB, "
                          f"{per / 1024:5.2f} KiB per connection", flush=True)
            finally:
                stop.touch()
                for h in helpers:
                    try:
                        h.wait(30)
                    except subprocess.TimeoutExpired:
                        h.kill()
                gateway.stop()
    top = figures[-1] if figures else {"connections": 0, "rss_bytes_per_connection": None}
    return {"connections": top["connections"], "rss_bytes_per_connection": top["rss_bytes_per_connection"],
            "baseline_rss_bytes": base, "steps": figures, "database": where,
            "targets": {"connections": TARGET_CONNECTIONS, "rss_bytes_per_connection": TARGET_BYTES},
            "settings": {"heartbeat_interval_s": args.interval, "settle_s": args.settle,
                         "fd_limit": soft, "protocol": "gt06", "workers": 1,
                         "load_average_before": load, "load_average_after": load_average()},
            "environment": environment("uvloop")}


async def _wait_ready(readies: list[Path], helpers: list[subprocess.Popen], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not all(r.exists() for r in readies):
        if any(h.poll() is not None for h in helpers) or time.monotonic() > deadline:
            raise RuntimeError("an idle-device process failed to connect its devices")
        await asyncio.sleep(0.2)


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", nargs="+", type=int, default=[5000, 10000, 15000])
    parser.add_argument("--interval", type=float, default=30.0, help="heartbeat period (s)")
    parser.add_argument("--settle", type=float, default=3.0, help="wait before reading RSS (s)")
    parser.add_argument("--database", default="local", choices=("embedded", "local", "url"))
    parser.add_argument("--database-url")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    import uvloop

    write_json(args.json, uvloop.run(main(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
