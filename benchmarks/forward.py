"""Forwarding benchmark: can the forwarder push what ingest commits, to NATS
JetStream and to a local webhook, without slowing ingest, and how far behind?

Targets (issue 15): >= 20,000 positions/s forwarded to NATS and to a local
webhook receiver while ingest runs, with ingest's committed rate falling by
no more than 10%; lag p99 under 1 s at half that rate.

Three processes besides this one, each on uvloop: the ingest load (the
gateway's store, PostgresStore.write, committing what is due at the offered
--rate every round as the gateway's batch writer does, at most --batch rows,
received_at = now), the forwarder (gateway.forward's
ForwardService with one destination, as in a gateway), the consumer (a
webhook receiver on 127.0.0.1 or a NATS subscriber on the stream's subject).
For each destination:

1. ingest alone at --rate: the committed rate (the baseline);
2. ingest at --rate with the forwarder running: the committed rate, the rate
   the consumer receives at, and how long after ingest stopped the last
   record arrived;
3. a backlog of --backlog rows drained with no ingest: the forwarder's own
   ceiling;
4. ingest at --rate / 2 with the forwarder: lag (arrival at the consumer -
   received_at) p50/p99/max.

    python -m benchmarks.forward [--database-url URL] [--rate 20000] [--duration 20]
                                 [--destinations nats webhook] [--nats nats://127.0.0.1:4222]
                                 [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from ._common import bench_database, environment, write_json

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DEVICES = 2000
PER_MESSAGE = 100  # records per NATS message (--per-message)


# -- the three child processes -------------------------------------------------------------

async def _ingest(dsn: str, rate: float, duration: float, batch: int, offset: int) -> dict:
    """Offered ``rate`` rows/s for ``duration`` s, written as the gateway's
    batch writer does: every round commits what has arrived since the last one
    (at most ``batch_max_rows`` = ``batch``), at least every 50 ms; a slower
    commit makes the next batch bigger, the offered rate is kept while the
    machine can. Committed rows and time."""
    from protocols import Position
    from storage.postgres import PostgresStore

    store = await PostgresStore.connect(dsn, max_size=2, migrate=False)
    start = time.monotonic()
    committed, i, rounds, full = 0, offset, 0, 0
    while (now := time.monotonic()) - start < duration:
        due = int(rate * (now - start)) - (i - offset)
        if due < min(batch, max(1, int(rate * 0.05))):
            await asyncio.sleep(0.005)
            continue
        n = min(due, batch)
        full += n == batch
        rows = [Position(device_id=f"dev{(i + k) % DEVICES:05d}", protocol="gt06",
                         fix_time=T0 + timedelta(seconds=(i + k) // DEVICES), valid=True,
                         lat=54.0 + ((i + k) % 997) * 1e-4, lon=25.0, speed_kmh=42.0,
                         course_deg=90.0, satellites=9, attributes={"ignition": True,
                                                                     "odometer": i + k})
                for k in range(n)]
        result = await store.write(rows, [], datetime.now(UTC))
        committed += result.positions_inserted
        i += n
        rounds += 1
    elapsed = time.monotonic() - start
    await store.close()
    return {"committed": committed, "seconds": elapsed, "rate": committed / elapsed,
            "batches": rounds, "full_batches": full, "next_offset": i}


async def _forwarder(dsn: str, url: str, name: str, start: str, per_message: str) -> None:
    from gateway.forward.loop import ForwardService
    from gateway.forward.metrics import ForwardMetrics
    from gateway.forward.settings import ForwardDestinationSettings, ForwardSettings
    from storage.postgres import create_pool

    pool = await create_pool(dsn, max_size=2, migrate=False)
    if start not in ("latest", "earliest"):  # a cursor: the destination starts there
        from storage import forward_store
        from storage.ingest_log import Cursor

        await forward_store.init_cursor(pool, name, Cursor.parse(start))
        start = "latest"
    destination = ForwardDestinationSettings(name=name, url=url, start=start,
                                             batch_max_records=2000, batch_max_age=0.05,
                                             kinds=("positions",),
                                             message_max_records=int(per_message))
    service = ForwardService(ForwardSettings(destinations=(destination,), poll_interval=0.2,
                                             metrics_interval=5.0), dsn, pool, ForwardMetrics())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await service.start()
    print("ready", flush=True)
    await stop.wait()
    await service.stop()
    await pool.close()


class _Stats:
    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.count = 0
        self.first = self.last = 0.0
        self.lags: list[float] = []

    def add(self, items) -> None:
        now = time.time()
        if not self.count:
            self.first = now
        self.last = now
        self.count += len(items)
        for m in items:
            self.ids.add(m.id)
            self.lags.append(now - m.received_at.timestamp())

    def result(self) -> dict:
        lags = sorted(self.lags)
        pick = lambda q: round(lags[min(len(lags) - 1, int(q * len(lags)))], 4) if lags else None
        return {"received": self.count, "unique": len(self.ids), "first": self.first,
                "last": self.last, "lag_p50": pick(0.5), "lag_p99": pick(0.99),
                "lag_max": lags[-1] if lags else None}


async def _consumer(kind: str, where: str, out: str) -> None:
    import msgspec

    class Item(msgspec.Struct):
        id: str
        received_at: datetime

    stats = _Stats()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if kind == "webhook":
        from aiohttp import web

        decode_many = msgspec.json.Decoder(list[Item]).decode

        async def handle(request):
            stats.add(decode_many(await request.read()))
            return web.Response(text="ok")

        app = web.Application(client_max_size=64 << 20)
        app.router.add_post("/hook", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", int(where)).start()
        print("ready", flush=True)
        await stop.wait()
        await runner.cleanup()
    else:
        import nats

        decode_one = msgspec.json.Decoder(list[Item] | Item).decode
        server, subject = where.rsplit("/", 1)
        nc = await nats.connect(server)

        async def on_message(msg):
            items = decode_one(msg.data)
            stats.add(items if isinstance(items, list) else [items])

        await nc.subscribe(subject, cb=on_message, pending_msgs_limit=1_000_000,
                           pending_bytes_limit=1 << 30)
        await nc.flush()
        print("ready", flush=True)
        await stop.wait()
        await nc.close()
    with open(out, "w") as handle:
        json.dump(stats.result(), handle)


def _child_main(argv: list[str]) -> None:
    import uvloop

    role, *rest = argv
    if role == "ingest":
        dsn, rate, duration, batch, offset = rest
        print(json.dumps(uvloop.run(_ingest(dsn, float(rate), float(duration), int(batch),
                                            int(offset)))), flush=True)
    elif role == "forwarder":
        uvloop.run(_forwarder(*rest))
    else:
        uvloop.run(_consumer(*rest))


# -- the orchestration ------------------------------------------------------------------------

def _spawn(*args: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.forward", "--child", *args],
                            stdout=subprocess.PIPE, text=True)
    return proc


def _ready(proc: subprocess.Popen) -> None:
    line = proc.stdout.readline()
    if line.strip() != "ready":
        raise RuntimeError(f"child did not start: {line!r}")


def _ingest_run(dsn: str, rate: float, duration: float, batch: int, offset: int) -> dict:
    proc = _spawn("ingest", dsn, str(rate), str(duration), str(batch), str(offset))
    out, _ = proc.communicate(timeout=duration * 5 + 60)
    return json.loads(out.strip().splitlines()[-1])


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)


class _Session:
    """A consumer and a forwarder for one destination; stats when stopped."""

    def __init__(self, kind: str, dsn: str, nats_url: str, name: str, tmp: str,
                 start: str = "latest") -> None:
        self.out = os.path.join(tmp, f"{name}.json")
        per_message = {"nats": PER_MESSAGE, "nats-single": 1}.get(kind, 1)
        kind = "nats" if kind.startswith("nats") else kind
        if kind == "webhook":
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            self.consumer = _spawn("consumer", "webhook", str(port), self.out)
            url = f"http://127.0.0.1:{port}/hook"
        else:
            subject = f"bench.{name.replace('-', '_')}"
            self.consumer = _spawn("consumer", "nats", f"{nats_url}/{subject}", self.out)
            url = f"{nats_url}/{subject}"
        _ready(self.consumer)
        self.forwarder = _spawn("forwarder", dsn, url, name, start, str(per_message))
        _ready(self.forwarder)

    def stats(self) -> dict:
        _stop(self.forwarder)
        _stop(self.consumer)
        with open(self.out) as handle:
            return json.load(handle)


async def _prepare(dsn: str, nats_url: str, destinations: list[str]) -> None:
    from storage.postgres import create_pool

    pool = await create_pool(dsn, max_size=1)
    await pool.close()
    if any(d.startswith("nats") for d in destinations):
        import nats

        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        try:
            await js.delete_stream("UVISBENCH")
        except Exception:  # noqa: BLE001 - not there
            pass
        await js.add_stream(name="UVISBENCH", subjects=["bench.>"], max_bytes=2 << 30,
                            duplicate_window=60.0)
        await nc.close()


async def _head(dsn: str):
    import asyncpg

    from storage import ingest_log

    conn = await asyncpg.connect(dsn)
    try:
        return await ingest_log.head(conn, ("positions",))
    finally:
        await conn.close()


def bench_destination(kind: str, dsn: str, nats_url: str, rate: float, duration: float,
                      batch: int, backlog: int, tmp: str, offset: int) -> tuple[dict, int]:
    figures: dict = {}
    base = _ingest_run(dsn, rate, duration, batch, offset)
    offset = base["next_offset"]
    figures["ingest_alone"] = base
    print(f"[{kind}] ingest alone: {base['rate']:,.0f} rows/s committed (offered {rate:,.0f})",
          flush=True)

    session = _Session(kind, dsn, nats_url, f"{kind}a{offset}", tmp)
    t0 = time.time()
    with_fwd = _ingest_run(dsn, rate, duration, batch, offset)
    offset = with_fwd["next_offset"]
    ingest_end = time.time()
    time.sleep(min(30.0, duration))  # let it catch up
    stats = session.stats()
    span = max(1e-9, stats["last"] - t0)
    figures["ingest_with_forwarding"] = with_fwd
    figures["forwarded"] = {**stats, "rate_during_ingest": stats["unique"] / span,
                            "catch_up_after_ingest_s": round(stats["last"] - ingest_end, 3)}
    drop = 1 - with_fwd["rate"] / base["rate"]
    figures["ingest_fall"] = round(drop, 4)
    print(f"[{kind}] with forwarding: ingest {with_fwd['rate']:,.0f} rows/s (fell by {drop:.1%}), forwarded {stats['unique']:,} of "
          f"{with_fwd['committed']:,} = {stats['unique'] / span:,.0f}/s, last one "
          f"{stats['last'] - ingest_end:.2f} s after ingest stopped; lag p50 {stats['lag_p50']} s "
          f"p99 {stats['lag_p99']} s", flush=True)

    # the forwarder's ceiling: a backlog written first, then drained with no ingest
    head = asyncio.run(_head(dsn))
    backlog_run = _ingest_run(dsn, 1e6, backlog / 40_000, batch, offset)  # as fast as it goes
    offset = backlog_run["next_offset"]
    name = f"{kind}b{offset}"
    session = _Session(kind, dsn, nats_url, name, tmp, start=str(head))
    t_start = time.time()
    while time.time() - t_start < 300 and asyncio.run(_lag(dsn, name)) != 0:
        time.sleep(0.2)
    stats = session.stats()
    figures["backlog"] = {"rows": backlog_run["committed"], "received": stats["unique"],
                          "seconds": round(stats["last"] - stats["first"], 3),
                          "rate": stats["unique"] / max(1e-9, stats["last"] - stats["first"])}
    print(f"[{kind}] backlog of {backlog_run['committed']:,}: {stats['unique']:,} drained at "
          f"{figures['backlog']['rate']:,.0f}/s", flush=True)

    # lag at half the rate
    session = _Session(kind, dsn, nats_url, f"{kind}c{offset}", tmp)
    half = _ingest_run(dsn, rate / 2, duration, batch, offset)
    offset = half["next_offset"]
    time.sleep(3)
    stats = session.stats()
    figures["half_rate"] = {"ingest": half, **stats}
    print(f"[{kind}] at {rate / 2:,.0f}/s: ingest {half['rate']:,.0f}/s, forwarded "
          f"{stats['unique']:,} of {half['committed']:,}; lag p50 {stats['lag_p50']} s, "
          f"p99 {stats['lag_p99']} s, max {stats['lag_max']:.3f} s", flush=True)
    return figures, offset


async def _lag(dsn: str, name: str) -> int:
    import asyncpg

    from storage import forward_store, ingest_log

    conn = await asyncpg.connect(dsn)
    try:
        cursor = await forward_store.load_cursor(conn, name)
        if cursor is None:
            return -1
        return (await ingest_log.behind(conn, cursor, kinds=("positions",)))[0]
    finally:
        await conn.close()


async def _main_async(args: argparse.Namespace) -> dict:
    import tempfile

    results: dict = {"environment": environment("uvloop"),
                     "settings": {"rate": args.rate, "duration": args.duration, "batch": args.batch,
                                  "nats_records_per_message": args.per_message,
                                  "backlog": args.backlog, "devices": DEVICES}}
    async with bench_database(args.database_url) as (dsn, description):
        results["database"] = description
        await _prepare(dsn, args.nats, args.destinations)
        offset = 0
        with tempfile.TemporaryDirectory(prefix="uvis-bench-fwd-") as tmp:
            for kind in args.destinations:
                figures, offset = await asyncio.to_thread(
                    bench_destination, kind, dsn, args.nats, args.rate, args.duration,
                    args.batch, args.backlog, tmp, offset)
                results[kind] = figures
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rate", type=float, default=20_000)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--batch", type=int, default=5000,
                        help="largest ingest batch (the gateway's batch_max_rows)")
    parser.add_argument("--backlog", type=int, default=200_000)
    parser.add_argument("--destinations", nargs="+", default=["nats", "webhook"],
                        choices=("nats", "nats-single", "webhook"),
                        help="nats: --per-message records per NATS message; nats-single: one")
    parser.add_argument("--per-message", type=int, default=100,
                        help="records per NATS message for the nats destination (default 100)")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--json")
    args = parser.parse_args()
    global PER_MESSAGE
    PER_MESSAGE = args.per_message
    results = asyncio.run(_main_async(args))
    results["load_average"] = os.getloadavg()
    write_json(args.json, results)


if __name__ == "__main__":
    main()
