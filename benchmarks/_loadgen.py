"""A lean device simulator for the ingest benchmark (one process of many).

The fleet simulator (simulators/fleet.py) models each tracker fully (tracks,
resends, reconnects) and spends more CPU per fix than the gateway does, so on
a 2-core machine it, not the gateway, would set the rate. This one keeps only
what a throughput run needs: N TCP connections, each logs in with its
protocol's device encoder, then the process sends pre-encoded location frames
(device encoder, one fix per frame, distinct fix times: nothing is a
duplicate) round-robin across its devices at the offered rate, and reads the
ACKs through the same device objects to time each one (send -> ACK after
commit). It writes a JSON summary with a sample of the latencies.

    python -m benchmarks._loadgen --port P --devices N --rate HZ --duration S --first-id ID --json F
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from protocols import Fix
from protocols.registry import get

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
SAMPLE = 20_000


class _Dev(asyncio.Protocol):
    def __init__(self, device, stats: dict, sent_at: dict) -> None:
        self.device = device
        self.stats = stats
        self.sent_at = sent_at
        self.transport: asyncio.Transport | None = None
        self.hello = asyncio.get_running_loop().create_future()
        self.lost = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        for ack in self.device.receive_data(data):
            if ack.kind == "hello" and not self.hello.done():
                self.hello.set_result(True)
            elif ack.kind == "fixes":
                sent = self.sent_at.pop((id(self), ack.token), None)
                if sent is not None:
                    self.stats["acked"] += 1
                    self.stats["latencies"].append(now - sent)

    def connection_lost(self, exc) -> None:
        self.lost = True
        if not self.hello.done():
            self.hello.set_result(False)


def _frames(device, index: int, count: int) -> list[tuple[bytes, int]]:
    rng = random.Random(index)
    lat, lon = rng.uniform(-60, 60), rng.uniform(-170, 170)
    out = []
    for k in range(count):
        fix = Fix(time=T0 + timedelta(seconds=k), lat=lat + k * 1e-5,
                  lon=lon + k * 1e-5, speed_kmh=40.0, course_deg=float(k % 360), altitude_m=120.0,
                  satellites=9, attributes={"ignition": True})
        packet = device.encode_fixes([fix])
        out.append((packet.data, packet.token))
    return out


async def run(args: argparse.Namespace) -> dict:
    spec = get(args.protocol)
    loop = asyncio.get_running_loop()
    stats = {"sent": 0, "acked": 0, "latencies": [], "connect_errors": 0}
    sent_at: dict = {}
    per_device = max(1, int(args.rate * args.duration) + 1)
    devs: list[_Dev] = []
    queues: list[list[tuple[bytes, int]]] = []
    greetings = []
    for i in range(args.devices):
        device = spec.device(str(args.first_id + i), transport="tcp")
        try:
            _, proto = await loop.create_connection(lambda d=device: _Dev(d, stats, sent_at),
                                                    args.host, args.port)
        except OSError:
            stats["connect_errors"] += 1
            continue
        hello = device.hello()
        if hello:
            proto.transport.write(hello)
            greetings.append(proto.hello)
        devs.append(proto)
        queues.append(_frames(device, args.first_id + i, per_device))
    await asyncio.wait_for(asyncio.gather(*greetings), 120)
    if args.go:  # every simulator process starts sending at the same moment
        Path(args.json + ".ready").touch()
        while not os.path.exists(args.go):
            await asyncio.sleep(0.01)
    # round-robin over devices at the offered total rate, in 5 ms ticks
    total_rate = args.rate * len(devs)
    cursor = [0] * len(devs)
    started = time.perf_counter()
    stats["start"] = time.time()
    next_dev = 0
    while True:
        elapsed = time.perf_counter() - started
        if elapsed >= args.duration:
            break
        due = int(total_rate * elapsed) - stats["sent"]
        now = time.perf_counter()
        for _ in range(max(0, due)):
            d = devs[next_dev]
            k = cursor[next_dev]
            if k < per_device and not d.lost:
                data, token = queues[next_dev][k]
                cursor[next_dev] = k + 1
                sent_at[(id(d), token)] = now
                d.transport.write(data)
            stats["sent"] += 1
            next_dev = (next_dev + 1) % len(devs)
        await asyncio.sleep(0.005)
    stats["send_elapsed_s"] = time.perf_counter() - started
    deadline = time.perf_counter() + args.drain
    while sent_at and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    for d in devs:
        d.transport.close()
    lat = stats.pop("latencies")
    rng = random.Random(0)
    sample = lat if len(lat) <= SAMPLE else rng.sample(lat, SAMPLE)
    return {**stats, "devices": len(devs), "unacked": len(sent_at),
            "latencies_ms_sample": [round(x * 1000, 2) for x in sample]}


def cli() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--protocol", default="gt06")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--devices", type=int, required=True)
    p.add_argument("--rate", type=float, required=True, help="fixes per second per device")
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--drain", type=float, default=15.0, help="wait this long for the last ACKs")
    p.add_argument("--first-id", type=int, default=860000000000000)
    p.add_argument("--json", required=True)
    p.add_argument("--go", help="wait for this file to exist before sending (after the logins)")
    args = p.parse_args()
    import uvloop

    result = uvloop.run(run(args))
    with open(args.json, "w") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
