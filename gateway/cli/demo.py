"""``uvis-gateway demo``: embedded database, gateway, API and a small simulated
fleet in one process, printing the URLs to open and live counts."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from .run import configure_logging, run_loop, serve, settings_from_args
from ..settings import SettingsError

__all__ = ["main"]

DEMO_PROTOCOLS = (("gt06", "tcp"), ("teltonika", "tcp"), ("teltonika", "udp"), ("nmea", "tcp"))


async def _demo(settings: Any, devices: int, duration: float) -> int:
    from simulators.fleet import FleetConfig, run_fleet

    stop = asyncio.Event()

    async def on_ready(gateway: Any) -> None:
        api = f"http://127.0.0.1:{gateway.api_port}" if gateway.api_port else None
        print("UVIS Gateway demo running.", flush=True)
        if api:
            await _print_api(gateway, api)
        print("Devices can connect to: " + ", ".join(
            f"{p} {t}/{port}" for (p, t), port in sorted(gateway.ports.items())), flush=True)
        print("Ctrl-C stops it.", flush=True)
        fleets = []
        for index, (protocol, transport) in enumerate(DEMO_PROTOCOLS):
            config = FleetConfig(protocol=protocol, transport=transport, devices=devices,
                                 rate=1.0, duration=duration or 10**9, host="127.0.0.1",
                                 port=gateway.ports[(protocol, transport)],
                                 first_id=860000000000000 + index * 100_000, seed=index + 1)
            fleets.append(asyncio.create_task(run_fleet(config)))

        async def live() -> None:
            while not stop.is_set():
                await asyncio.sleep(5)
                counts = await gateway.store.counts()
                print(f"stored: {counts.get('positions', 0)} positions, {counts.get('events', 0)} events, "
                      f"{counts.get('devices', 0)} devices; queue {gateway.writer.queue_rows} rows; "
                      f"{len(gateway.conns.live)} connections", flush=True)

        ticker = asyncio.create_task(live())

        async def finish() -> None:
            await asyncio.gather(*fleets, return_exceptions=True)
            stop.set()

        gateway._demo_tasks = (ticker, asyncio.create_task(finish()))

    return await serve(settings, on_ready=on_ready, stop=stop)


async def _print_api(gateway: Any, api: str) -> None:
    """A demo token (every read scope, 1 day) and curl commands that use it."""
    import secrets
    from datetime import datetime, timedelta, timezone

    from storage.api_store import create_token

    async with gateway.store.pool.acquire() as conn:
        token = await create_token(conn, f"demo-{secrets.token_hex(3)}",
                                   ["devices:read", "positions:read", "events:read", "live:read",
                                    "metrics:read"], expires_at=datetime.now(timezone.utc) + timedelta(days=1))
    device = 860000000000000
    day = datetime.now(timezone.utc).date().isoformat()
    auth = f'-H "Authorization: Bearer {token}"'
    print(f"API token (read scopes, valid 1 day): {token}", flush=True)
    print(f"  interactive docs: {api}/docs   health: {api}/health", flush=True)
    for line in (f"curl {auth} {api}/api/v1/devices",
                 f"curl {auth} '{api}/api/v1/positions/latest?limit=10'",
                 f"curl {auth} '{api}/api/v1/devices/{device}/positions?limit=20'",
                 f"curl {auth} '{api}/api/v1/devices/{device}/positions?from={day}&to={day}T23:59:59Z"
                 "&format=geojson'",
                 f"curl -N {auth} '{api}/api/v1/live/sse?devices={device}'"):
        print(f"  {line}", flush=True)


def main(args: Any) -> int:
    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        print(f"uvis-gateway demo: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level if args.log_level else "WARNING")
    return run_loop(lambda: _demo(settings, args.devices, args.duration))
