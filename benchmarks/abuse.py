"""Abuse benchmark: do legitimate devices keep flowing while the gateway is
attacked? (issue 13). A baseline fleet of GT06 devices (``--devices`` at
1 fix/s, its own process) runs during each attack; every attack is bounded in
time and sent only to 127.0.0.1, from its own loopback address (127.0.0.2+),
by its own process:

    h02-random        10 connections of random bytes into h02 (~1 MB/s each), reconnecting
    teltonika-random  the same into teltonika
    udp-1k            1 KB random datagrams at teltonika/udp (~10 MB/s)
    udp-65k           65 KB random datagrams at teltonika/udp (~10 MB/s)
    idle-3000         3,000 connections that never send a byte
    slowloris         100 clients on osmand sending one byte every 3 s, reconnecting
    all               all of the above at once
    h02-random-spread (extra, --attacks) the h02 attack reconnecting from 250 addresses

Per attack: baseline ACKed/sent and ACK p99, gateway CPU, RSS before/peak/
after (``--settle`` s after the attack), gateway log lines, raw archive growth.
Targets: >= 99 % ACKed and p99 <= 1 s under every attack; RSS peak <= +150 MB
and back within 50 MB after; <= 1,000 log lines and <= 100 MB of archive per
attack.

    python -m benchmarks.abuse [--devices 200] [--duration 30] [--attacks all ...] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._common import (environment, load_average, named_database, proc_cpu_seconds, proc_rss_bytes,
                      stop_process_group, write_json)

PY = sys.executable
ATTACKS = ("h02-random", "teltonika-random", "udp-1k", "udp-65k", "idle-3000", "slowloris", "all")
#: not in the issue's list: the h02 attack from 250 addresses (the penalty table needs 3 strikes each)
EXTRA_ATTACKS = ("h02-random-spread",)
TARGETS = {"acked_ratio": 0.99, "p99_ms": 1000.0, "rss_peak_delta_mb": 150.0,
           "rss_after_delta_mb": 50.0, "log_lines": 1000, "archive_mb": 100.0}
LISTENERS = (("gt06", "tcp"), ("h02", "tcp"), ("teltonika", "tcp"), ("teltonika", "udp"),
             ("osmand", "http"))


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the attackers (run in their own processes: python -m benchmarks.abuse --attack NAME) ----------

async def _random_stream(port: int, source: str, connections: int, rate: int, stop: float,
                         spread: int = 0) -> dict:
    """``spread``: reconnect from the next of that many addresses (127.0.1.x) each time."""
    stats = {"connects": 0, "bytes": 0}

    async def one() -> None:
        while time.monotonic() < stop:
            address = source if not spread else f"127.0.1.{stats['connects'] % spread + 1}"
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))
            except OSError:
                await asyncio.sleep(0.05)
                continue
            stats["connects"] += 1
            try:
                while time.monotonic() < stop and not reader.at_eof() and not writer.is_closing():
                    chunk = os.urandom(rate // 20)
                    writer.write(chunk)
                    await writer.drain()
                    stats["bytes"] += len(chunk)
                    await asyncio.sleep(0.05)
            except (OSError, ConnectionError):
                pass
            finally:
                writer.close()
            await asyncio.sleep(0.01)

    await asyncio.gather(*(one() for _ in range(connections)))
    return stats


async def _udp_flood(port: int, source: str, size: int, rate: int, stop: float) -> dict:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    sock.setblocking(False)
    payloads = [os.urandom(size) for _ in range(16)]
    per_tick = max(1, rate // size // 100)
    sent = 0
    while time.monotonic() < stop:
        for i in range(per_tick):
            try:
                sock.sendto(payloads[(sent + i) % 16], ("127.0.0.1", port))
            except (BlockingIOError, OSError):
                break
            sent += 1
        await asyncio.sleep(0.01)
    sock.close()
    return {"datagrams": sent}


async def _idle(port: int, source: str, count: int, stop: float) -> dict:
    held = []
    refused = 0
    for _ in range(count):
        try:
            held.append(await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)))
        except OSError:
            refused += 1
    await asyncio.sleep(max(0.0, stop - time.monotonic()))
    alive = sum(1 for reader, _ in held if not reader.at_eof())
    for _, writer in held:
        writer.close()
    return {"opened": len(held), "failed": refused, "alive_at_end": alive}


async def _slowloris(port: int, source: str, clients: int, period: float, stop: float) -> dict:
    stats = {"connects": 0, "bytes": 0}

    async def one() -> None:
        while time.monotonic() < stop:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
            except OSError:
                await asyncio.sleep(0.5)
                continue
            stats["connects"] += 1
            head = b"GET /?id=1&lat=1&lon=2&timestamp=1700000000 HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 10_000
            try:
                for byte in head:
                    if time.monotonic() >= stop or reader.at_eof() or writer.is_closing():
                        break
                    writer.write(bytes([byte]))
                    stats["bytes"] += 1
                    await asyncio.sleep(period)
            except (OSError, ConnectionError):
                pass
            finally:
                writer.close()

    await asyncio.gather(*(one() for _ in range(clients)))
    return stats


async def attack(name: str, ports: dict, duration: float) -> dict:
    stop = time.monotonic() + duration
    jobs = {
        "h02-random": lambda: _random_stream(ports["h02/tcp"], "127.0.0.2", 10, 1_000_000, stop),
        "h02-random-spread": lambda: _random_stream(ports["h02/tcp"], "", 10, 1_000_000, stop, 250),
        "teltonika-random": lambda: _random_stream(ports["teltonika/tcp"], "127.0.0.3", 10, 1_000_000, stop),
        "udp-1k": lambda: _udp_flood(ports["teltonika/udp"], "127.0.0.4", 1024, 10_000_000, stop),
        "udp-65k": lambda: _udp_flood(ports["teltonika/udp"], "127.0.0.5", 65_000, 10_000_000, stop),
        "idle-3000": lambda: _idle(ports["gt06/tcp"], "127.0.0.6", 3000, stop),
        "slowloris": lambda: _slowloris(ports["osmand/http"], "127.0.0.7", 100, 3.0, stop),
    }
    names = [n for n in jobs if n != "h02-random-spread"] if name == "all" else [name]
    results = await asyncio.gather(*(jobs[n]() for n in names))
    return dict(zip(names, results))


# -- the driver -----------------------------------------------------------------------------------

class GatewayProcess:
    def __init__(self, dsn: str, tmp: Path) -> None:
        self.ports = {f"{p}/{t}": _free_port(socket.SOCK_DGRAM if t == "udp" else socket.SOCK_STREAM)
                      for p, t in LISTENERS}
        config = tmp / "gateway.toml"
        # loopback stands for the internet here: no exemption from the per-address rules
        config.write_text("[limits]\nexempt_networks = []\n\n" + "".join(
            f'[[listeners]]\nprotocol = "{p}"\ntransport = "{t}"\nport = {self.ports[f"{p}/{t}"]}\n'
            'host = "127.0.0.1"\n\n' for p, t in LISTENERS))
        self.log = tmp / "gateway.log"
        self.proc = subprocess.Popen(
            [PY, "-m", "gateway.cli", "run", "--no-api", "--no-spool", "--database-url", dsn,
             "--config", str(config)],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "w"), start_new_session=True)

    async def ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "gateway ready" in self.log.read_text():
                return
            if self.proc.poll() is not None:
                break
            await asyncio.sleep(0.1)
        raise RuntimeError("gateway did not start:\n" + self.log.read_text()[-2000:])

    def log_lines(self) -> int:
        with open(self.log, "rb") as handle:
            return sum(1 for _ in handle)

    def stop(self) -> None:
        stop_process_group(self.proc)


async def _archive_bytes(dsn: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT pg_total_relation_size('raw_frames')")
    finally:
        await conn.close()


async def run_phase(name: str, gw: GatewayProcess, dsn: str, args: argparse.Namespace, tmp: Path) -> dict:
    pid = gw.proc.pid
    out = tmp / f"baseline-{name}.json"
    rss_before = proc_rss_bytes(pid)
    lines_before = gw.log_lines()
    archive_before = await _archive_bytes(dsn)
    cpu_before, wall_before = proc_cpu_seconds(pid), time.monotonic()
    baseline = subprocess.Popen(
        [PY, "-m", "gateway.cli", "simulate", "--protocol", "gt06", "--devices", str(args.devices),
         "--rate", "1", "--duration", str(args.duration), "--target", f"127.0.0.1:{gw.ports['gt06/tcp']}",
         "--quiet", "--json", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    attacker = None
    if name != "none":
        await asyncio.sleep(1.0)  # the fleet logs in first
        attacker = subprocess.Popen(
            [PY, "-m", "benchmarks.abuse", "--attack", name, "--ports", json.dumps(gw.ports),
             "--duration", str(args.duration - 1.0), "--json", str(tmp / f"attack-{name}.json")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = rss_before
    while baseline.poll() is None:
        peak = max(peak, proc_rss_bytes(pid))
        await asyncio.sleep(0.2)
    if attacker is not None:
        attacker.wait(60)
    cpu = (proc_cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
    await asyncio.sleep(args.settle)
    summary = json.loads(out.read_text())
    attack_stats = (json.loads((tmp / f"attack-{name}.json").read_text())
                    if (tmp / f"attack-{name}.json").exists() else {})
    return {
        "attack": name, "sent": summary["sent"], "acked": summary["acked"],
        "p99_ms": summary["ack_latency_ms_p99"], "closed": summary.get("closed"),
        "cpu_percent": round(100 * cpu), "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_peak_mb": round(peak / 2**20, 1), "rss_after_mb": round(proc_rss_bytes(pid) / 2**20, 1),
        "log_lines": gw.log_lines() - lines_before,
        "archive_mb": round((await _archive_bytes(dsn) - archive_before) / 2**20, 2),
        "attacker": attack_stats,
    }


def verdict(row: dict) -> list[str]:
    """The targets this row misses."""
    missed = []
    if row["sent"] and row["acked"] / row["sent"] < TARGETS["acked_ratio"]:
        missed.append("acked")
    if row["p99_ms"] is None or row["p99_ms"] > TARGETS["p99_ms"]:
        missed.append("p99")
    if row["rss_peak_mb"] - row["rss_before_mb"] > TARGETS["rss_peak_delta_mb"]:
        missed.append("rss peak")
    if row["rss_after_mb"] - row["rss_before_mb"] > TARGETS["rss_after_delta_mb"]:
        missed.append("rss after")
    if row["log_lines"] > TARGETS["log_lines"]:
        missed.append("log lines")
    if row["archive_mb"] > TARGETS["archive_mb"]:
        missed.append("archive")
    return missed


def print_row(row: dict) -> None:
    missed = verdict(row)
    print(f"| {row['attack']:<16} | {row['acked']:>6,}/{row['sent']:<6,} | {row['p99_ms'] or 0:>8.0f} | "
          f"{row['cpu_percent']:>4}% | {row['rss_before_mb']:>6.1f} / {row['rss_peak_mb']:>6.1f} / "
          f"{row['rss_after_mb']:>6.1f} | {row['log_lines']:>5} | {row['archive_mb']:>7.2f} | "
          f"{'ok' if not missed else 'MISSED: ' + ', '.join(missed)} |", flush=True)


async def main(args: argparse.Namespace) -> dict:
    load = load_average()
    rows = []
    async with named_database(args.database, args.database_url) as (dsn, where):
        with tempfile.TemporaryDirectory(prefix="uvis-abuse-") as tmp_name:
            tmp = Path(tmp_name)
            gw = GatewayProcess(dsn, tmp)
            try:
                await gw.ready()
                await asyncio.sleep(1.0)
                print(f"baseline: {args.devices} gt06 devices x 1 fix/s, {args.duration:g} s per attack, "
                      f"settle {args.settle:g} s   [{where}]")
                print("| attack           | ACKed/sent    | p99 (ms) |  CPU | RSS MB before / peak / after "
                      "| log   | archive MB | targets |")
                print("| --- | --- | --- | --- | --- | --- | --- | --- |")
                for name in ["none", *args.attacks]:
                    row = await run_phase(name, gw, dsn, args, tmp)
                    rows.append(row)
                    print_row(row)
            finally:
                gw.stop()
    return {"rows": rows, "targets": TARGETS, "database": where,
            "settings": {"devices": args.devices, "duration_s": args.duration, "settle_s": args.settle,
                         "load_average_before": load, "load_average_after": load_average()},
            "environment": environment("uvloop")}


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per attack")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after an attack before RSS 'after'")
    parser.add_argument("--attacks", nargs="+", default=list(ATTACKS), choices=ATTACKS + EXTRA_ATTACKS)
    parser.add_argument("--database", default="local", choices=("embedded", "local", "url"))
    parser.add_argument("--database-url")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--attack", choices=ATTACKS + EXTRA_ATTACKS, help=argparse.SUPPRESS)  # attacker
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    import uvloop

    if args.attack:
        write_json(args.json, uvloop.run(attack(args.attack, json.loads(args.ports), args.duration)))
        return 0
    write_json(args.json, uvloop.run(main(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
