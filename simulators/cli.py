"""``uvis-gateway simulate``: run a fleet, show progress, print a summary."""

from __future__ import annotations

import json
import sys
from typing import Any

from .fleet import FleetConfig, FleetStats, run_fleet

__all__ = ["main", "config_from_args", "print_summary"]


def _target(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--target: expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def config_from_args(args: Any) -> FleetConfig:
    host, port = _target(args.target)
    if args.devices < 1 or args.rate <= 0 or args.duration <= 0:
        raise ValueError("--devices, --rate and --duration must be positive")
    from protocols.registry import get

    spec = get(args.protocol)
    transport = args.transport or spec.transports[0]
    if transport not in spec.transports:
        raise ValueError(f"{spec.name} does not run over {transport} "
                         f"(it runs over {', '.join(spec.transports)})")
    return FleetConfig(protocol=spec.name, devices=args.devices, rate=args.rate,
                       duration=args.duration, host=host, port=port, transport=transport,
                       ack_timeout=args.ack_timeout, first_id=args.first_id, seed=args.seed)


def _progress(stats: FleetStats) -> None:
    print(f"\r{stats.elapsed:6.0f} s  sent {stats.sent}  acked {stats.acked}  "
          f"pending {stats.pending}  resent {stats.resent}  errors {stats.errors}   ",
          end="", file=sys.stderr, flush=True)


def print_summary(config: FleetConfig, summary: dict[str, Any]) -> None:
    print(f"{config.protocol}/{config.transport}: {config.devices} devices x {config.rate:g} Hz "
          f"for {config.duration:g} s against {config.host}:{config.port}")
    for key in ("sent", "acked", "resent", "errors", "unacked", "connects", "rejected", "closed",
                "ack_latency_ms_p50", "ack_latency_ms_p99", "commands_received", "commands_answered",
                "elapsed_s"):
        print(f"  {key:<20} {summary[key]}")


def main(args: Any) -> int:
    try:
        config = config_from_args(args)
    except (ValueError, KeyError) as exc:
        print(f"uvis-gateway simulate: {exc}", file=sys.stderr)
        return 2
    from ._loop import run_loop

    async def go() -> FleetStats:
        return await run_fleet(config, None if args.quiet else _progress)

    stats = run_loop(go)
    if not args.quiet:
        print(file=sys.stderr)
    summary = stats.summary()
    print_summary(config, summary)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=1)
            handle.write("\n")
    return 0 if stats.errors == 0 and stats.pending == 0 else 1
