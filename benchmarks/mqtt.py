"""MQTT benchmark: messages/s end to end into the database through a broker
(the local Mosquitto by default) at QoS 1, with the PUBACK sent after commit.

The gateway runs as its own process (``uvis-gateway run`` with one MQTT
subscription); this process publishes OwnTracks (or ``--format uvis-json``)
location messages for 1,000 devices at QoS 1 and keeps at most ``--window``
messages published but not yet committed (below the gateway's receive
maximum, so the broker never has to queue, and never drops, a message).
The figure is messages committed per second from the first publish to the
last commit, checked against ``SELECT count(*)`` at the end. The
publisher's own ceiling (QoS 1 to a topic nobody reads) is measured first,
to show whether it was the limit, and the gateway process's CPU time per
message (user + system) is reported, a figure that holds on a busier machine.

    python -m benchmarks.mqtt [--broker URL] [--database-url URL] [--messages N]
                              [--format owntracks|uvis-json] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import asyncpg

from gateway.mqtt.client import AsyncMqttClient
from protocols.owntracks import encode_location as encode_owntracks
from protocols.uvis_json import encode_position as encode_uvis_json
from gateway.settings import MqttBrokerSettings
from protocols import Fix

from ._common import bench_database, environment, write_json

DEVICES = 1000
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
READY = re.compile(r"gateway ready: .*; API http://[^:]+:(?P<api>\d+)")


def payloads(fmt: str, base: str, n: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(n):
        device = f"{i % DEVICES:06d}"
        fix = Fix(time=T0 + timedelta(seconds=i // DEVICES), lat=54.0 + (i % 997) * 1e-4,
                  lon=25.0 + (i % 991) * 1e-4, speed_kmh=float(i % 120), course_deg=float(i % 360),
                  altitude_m=112.0, attributes={"batteryLevel": 80})
        if fmt == "owntracks":
            out.append((f"owntracks/{base}/{device}", encode_owntracks(fix)))
        else:
            out.append((f"{base}/{device}", encode_uvis_json(device, fix)))
    return out


async def publisher(url: str) -> AsyncMqttClient:
    client = AsyncMqttClient(MqttBrokerSettings(url=url, client_id=f"uvis-bench-pub-{uuid.uuid4().hex[:8]}"),
                             manual_ack=False, persistent=False)
    if not await client.start(10):
        raise SystemExit(f"cannot connect to {url}")
    return client


async def publisher_ceiling(url: str, n: int) -> float:
    client = await publisher(url)
    topic = f"uvis-bench-void/{uuid.uuid4().hex[:8]}"
    body = b"x" * 150
    started = time.perf_counter()
    pending = []
    for i in range(n):
        pending.append(client.publish(topic, body))
        if len(pending) >= 2000:
            await asyncio.gather(*pending)
            pending.clear()
    await asyncio.gather(*pending)
    elapsed = time.perf_counter() - started
    await client.close()
    return n / elapsed


def start_gateway(tmp: str, dsn: str, broker: str, client_id: str, fmt: str, base: str) -> tuple[subprocess.Popen, int]:
    topic_filter = f"owntracks/{base}/+" if fmt == "owntracks" else f"{base}/+"
    source = "topic:2" if fmt == "owntracks" else "topic:-1"
    config = os.path.join(tmp, "uvis.toml")
    with open(config, "w") as handle:
        handle.write('api_host = "127.0.0.1"\napi_port = 0\nspool = "off"\n'
                     '[[listeners]]\nprotocol = "gt06"\nport = 0\nhost = "127.0.0.1"\n'
                     f'[[mqtt.brokers]]\nurl = "{broker}"\nclient_id = "{client_id}"\nsession_expiry = 60\n'
                     f'[[mqtt.brokers.subscriptions]]\nfilter = "{topic_filter}"\nformat = "{fmt}"\n'
                     f'device_id = "{source}"\n')
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", "--config", config,
                             "--database-url", dsn], stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        match = READY.search(line)
        if match:  # keep reading its log so that it never blocks on a full pipe
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, int(match["api"])
    raise SystemExit(f"the gateway exited with {proc.wait()}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored_positions(api: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{api}/metrics", timeout=10) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("uvis_stored_positions_total "):
                return int(float(line.split()[1]))
    return 0


async def end_to_end(messages: list[tuple[str, bytes]], url: str, api: int, window: int) -> tuple[float, float]:
    """(messages/s into the database, publish-only seconds)."""
    client = await publisher(url)
    stored = 0
    n = len(messages)

    async def poll() -> None:
        nonlocal stored
        while stored < n:
            stored = await asyncio.to_thread(stored_positions, api)
            await asyncio.sleep(0.02)

    poller = asyncio.create_task(poll())
    started = time.perf_counter()
    sent, pending = 0, []
    while sent < n:
        if sent - stored >= window:
            await asyncio.sleep(0.005)
            continue
        for topic, body in messages[sent: min(n, sent + 500, stored + window)]:
            pending.append(client.publish(topic, body))
        sent += len(pending)
        await asyncio.gather(*pending)
        pending.clear()
    published = time.perf_counter() - started
    await poller
    elapsed = time.perf_counter() - started
    await client.close()
    return n / elapsed, published


async def main_async(args: argparse.Namespace) -> dict:
    base, client_id = f"bench{uuid.uuid4().hex[:8]}", f"uvis-bench-gw-{uuid.uuid4().hex[:8]}"
    ceiling = await publisher_ceiling(args.broker, min(args.messages, 50_000))
    messages = payloads(args.format, base, args.messages)
    async with bench_database(args.database_url) as (dsn, db_description):
        with tempfile.TemporaryDirectory(prefix="uvis-bench-mqtt-") as tmp:
            proc, api = await asyncio.to_thread(start_gateway, tmp, dsn, args.broker, client_id,
                                                args.format, base)
            try:
                cpu_before = cpu_seconds(proc.pid)
                rate, published = await end_to_end(messages, args.broker, api, args.window)
                gateway_cpu = cpu_seconds(proc.pid) - cpu_before
            finally:
                proc.terminate()
                await asyncio.to_thread(proc.wait, 60)
        conn = await asyncpg.connect(dsn)
        try:
            count = await conn.fetchval("SELECT count(*) FROM positions")
        finally:
            await conn.close()
    forget = AsyncMqttClient(MqttBrokerSettings(url=args.broker, client_id=client_id), persistent=False)
    await forget.start(5)
    await forget.close()
    return {"question": "messages/s end to end into the database through the broker, QoS 1, "
                        "PUBACK after commit",
            "format": args.format, "messages": args.messages, "devices": DEVICES,
            "window": args.window, "stored": count,
            "messages_per_s": round(rate), "publish_seconds": round(published, 2),
            "publisher_ceiling_per_s": round(ceiling),
            "gateway_cpu_us_per_message": round(gateway_cpu / args.messages * 1e6, 1),
            "broker": args.broker, "database": db_description, **environment("uvloop (gateway)")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883")
    parser.add_argument("--database-url")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--window", type=int, default=8000,
                        help="most messages published but not committed (< receive maximum 10000)")
    parser.add_argument("--format", choices=("owntracks", "uvis-json"), default="owntracks")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    from gateway.cli.run import run_loop

    result = run_loop(lambda: main_async(args))
    for key, value in result.items():
        print(f"{key:<24} {value}")
    write_json(args.json, result)
    if result["stored"] != args.messages:
        raise SystemExit(f"stored {result['stored']} of {args.messages} messages")


if __name__ == "__main__":
    main()
