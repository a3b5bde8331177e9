"""``uvis-gateway api [--workers N]``: the integrator API on its own, against
the gateway's database, so integrators' queries never share an event loop (or
a pool) with device ACKs. N processes share the port (SO_REUSEPORT)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from typing import Any

from .run import configure_logging, run_loop, settings_from_args
from ..settings import Settings, SettingsError

__all__ = ["main", "serve_api"]

log = logging.getLogger("uvis.api")


async def serve_api(settings: Settings, *, reuse_port: bool = False,
                    stop: asyncio.Event | None = None, on_ready: Any = None) -> int:
    from api.service import ApiService, ApiStartError

    from ..settings.api import api_config
    from ..runtime.database import open_database

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    from .command import _embedded_running

    shared = _embedded_running(settings)  # a running gateway's embedded server stays up
    db = await open_database(settings, max_size=1)
    service = ApiService(api_config(settings), db.url)
    try:
        try:
            await service.start(host=settings.api_host, tokens=settings.api.tokens,
                                insecure=settings.api.insecure, reuse_port=reuse_port)
        except ApiStartError as exc:
            print(f"uvis-gateway api: {exc}", file=sys.stderr)
            return 2
        scheme = "https" if settings.api.tls_cert else "http"
        print(f"API ready on {scheme}://{service.host}:{service.port} (pid {os.getpid()})",
              file=sys.stderr, flush=True)
        if on_ready is not None:
            on_ready(service)
        await stop.wait()
    finally:
        await service.stop()
        await (db.store.close() if shared else db.close())
    return 0


def _workers(argv: list[str], n: int) -> int:
    """N copies of this command with --workers 1, sharing the port."""
    args = [a for a in argv]
    children = [subprocess.Popen([sys.executable, "-m", "gateway.cli", *args, "--workers", "1",
                                  "--reuse-port"]) for _ in range(n)]

    def forward(signum: int, _frame: Any) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return max(child.wait() for child in children)


def main(args: Any, argv: list[str] | None = None) -> int:
    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        print(f"uvis-gateway api: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.workers > 1:
        if settings.database_url is None:
            print("uvis-gateway api: --workers > 1 needs --database-url", file=sys.stderr)
            return 2
        raw = [a for a in (argv if argv is not None else sys.argv[1:])]
        cleaned, skip = [], False
        for item in raw:
            if skip:
                skip = False
                continue
            if item == "--workers":
                skip = True
                continue
            if item.startswith("--workers="):
                continue
            cleaned.append(item)
        return _workers(cleaned, args.workers)
    return run_loop(lambda: serve_api(settings, reuse_port=args.reuse_port))
