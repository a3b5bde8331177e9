"""``uvis-gateway simulate --transport mqtt``: a fleet of devices publishing
fixes to an MQTT broker at QoS 1, in one of the payload formats the gateway
ingests: ``owntracks``, ``uvis-json``, ``nmea``
or any protocol name (the protocol's device-side encoder makes the frames,
as a tracker publishing its binary packets over MQTT would).

Devices spread over ``connections`` MQTT clients (default: one per device up
to 50). "acked" counts fixes the broker acknowledged (PUBACK); whether the
gateway stored them is the database's answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from .broker import BrokerClient, parse_url
from .fleet import FleetStats, Track

__all__ = ["MqttFleetConfig", "run_mqtt_fleet", "payload_encoder", "default_topic", "main"]


@dataclass(frozen=True)
class MqttFleetConfig:
    url: str = "mqtt://127.0.0.1:1883"
    format: str = "owntracks"
    devices: int = 10
    rate: float = 1.0
    duration: float = 30.0
    first_id: int = 860000000000000
    seed: int = 1
    topic: str | None = None
    connections: int | None = None
    version: str = "5"
    drain_timeout: float = 15.0
    collect_keys: bool = False


def default_topic(fmt: str) -> str:
    return "owntracks/sim/{id}" if fmt == "owntracks" else f"uvis/{fmt}/{{id}}"


def payload_encoder(fmt: str, device_id: str) -> Callable[[Any], bytes]:
    """fix -> payload bytes for one device in format ``fmt`` (the device side of
    protocols/owntracks, protocols/uvis_json or a registered protocol)."""
    if fmt == "owntracks":
        from protocols.owntracks import encode_location

        return encode_location
    if fmt == "uvis-json":
        from protocols.uvis_json import encode_position

        return lambda fix: encode_position(device_id, fix)
    from protocols.registry import get

    device = get(fmt).device(device_id, transport="tcp")
    return lambda fix: device.encode_fixes([fix]).data


class _Publisher:
    def __init__(self, config: MqttFleetConfig, index: int) -> None:
        self.client = BrokerClient(config.url, f"uvis-sim-{os.getpid()}-{config.seed}-{index}",
                                   version=config.version)


async def _device(config: MqttFleetConfig, index: int, client: Any, stats: FleetStats,
                  stop_at: float, pending: set[asyncio.Future]) -> None:
    device_id = str(config.first_id + index)
    topic = (config.topic or default_topic(config.format)).replace("{id}", device_id)
    encode = payload_encoder(config.format, device_id)
    track = Track(random.Random(config.seed * 1_000_003 + index))
    period = 1.0 / config.rate
    await asyncio.sleep(random.Random(config.seed + index).uniform(0, min(period, 1.0)))
    last: datetime | None = None
    while time.monotonic() < stop_at:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        if last is not None and now <= last:
            now = last + timedelta(seconds=1)
        last = now
        track.step(period)
        fix = track.fix(now)
        sent_at = time.monotonic()
        future = client.publish(topic, encode(fix), qos=1)
        stats.sent += 1
        stats.pending += 1
        if config.collect_keys:
            stats.sent_keys.add((device_id, fix.time))
        pending.add(future)
        future.add_done_callback(lambda f, k=(device_id, fix.time), t=sent_at: _acked(f, k, t, stats, config, pending))
        await asyncio.sleep(max(0.0, period - (time.monotonic() - sent_at)))


def _acked(future: asyncio.Future, key: tuple, sent_at: float, stats: FleetStats,
           config: MqttFleetConfig, pending: set) -> None:
    pending.discard(future)
    stats.pending -= 1
    if future.cancelled() or future.exception() is not None:
        stats.errors += 1
        return
    stats.acked += 1
    stats.latencies_ms.append((time.monotonic() - sent_at) * 1000)
    if config.collect_keys:
        stats.acked_keys.add(key)


async def run_mqtt_fleet(config: MqttFleetConfig,
                         progress: Callable[[FleetStats], None] | None = None) -> FleetStats:
    stats = FleetStats()
    stats.started = time.monotonic()
    n = config.connections or min(config.devices, 50)
    publishers = [_Publisher(config, i) for i in range(n)]
    for p in publishers:
        if not await p.client.start(10.0):
            raise ConnectionError(f"cannot connect to {config.url}")
    stop_at = time.monotonic() + config.duration
    pending: set[asyncio.Future] = set()
    tasks = [asyncio.create_task(_device(config, i, publishers[i % n].client, stats, stop_at, pending))
             for i in range(config.devices)]
    reporter = asyncio.create_task(_report(stats, progress)) if progress else None
    try:
        await asyncio.gather(*tasks)
        if pending:
            await asyncio.wait(set(pending), timeout=config.drain_timeout)
    finally:
        if reporter is not None:
            reporter.cancel()
        for p in publishers:
            await p.client.close()
    stats.elapsed = time.monotonic() - stats.started
    return stats


async def _report(stats: FleetStats, progress: Callable[[FleetStats], None]) -> None:
    while True:
        await asyncio.sleep(1.0)
        stats.elapsed = time.monotonic() - stats.started
        progress(stats)


def config_from_args(args: Any) -> MqttFleetConfig:
    target = args.target if "://" in args.target else f"mqtt://{args.target}"
    parse_url(target)  # ValueError when not a broker URL
    fmt = args.format or args.protocol
    if fmt not in ("owntracks", "uvis-json"):
        from protocols.registry import get

        fmt = get(fmt).name
    if args.devices < 1 or args.rate <= 0 or args.duration <= 0:
        raise ValueError("--devices, --rate and --duration must be positive")
    from urllib.parse import parse_qs, urlsplit

    version = parse_qs(urlsplit(target).query).get("version", ["5"])[-1]
    if version not in ("5", "3.1.1"):
        raise ValueError(f"--target: version must be 5 or 3.1.1, got {version!r}")
    return MqttFleetConfig(url=target.split("?", 1)[0], format=fmt, devices=args.devices,
                           rate=args.rate, duration=args.duration, first_id=args.first_id,
                           seed=args.seed, topic=args.topic, version=version)


def main(args: Any) -> int:
    try:
        config = config_from_args(args)
    except (ValueError, KeyError) as exc:
        print(f"uvis-gateway simulate: {exc}", file=sys.stderr)
        return 2
    from ._loop import run_loop
    from simulators.cli import _progress

    stats = run_loop(lambda: run_mqtt_fleet(config, None if args.quiet else _progress))
    if not args.quiet:
        print(file=sys.stderr)
    summary = stats.summary()
    print(f"{config.format}/mqtt: {config.devices} devices x {config.rate:g} Hz "
          f"for {config.duration:g} s to {config.url} ({config.topic or default_topic(config.format)})")
    for key in ("sent", "acked", "errors", "unacked", "ack_latency_ms_p50", "ack_latency_ms_p99",
                "elapsed_s"):
        print(f"  {key:<20} {summary[key]}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=1)
            handle.write("\n")
    return 0 if stats.errors == 0 and stats.pending == 0 else 1
