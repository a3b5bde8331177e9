"""``uvis-gateway run``: the gateway process (uvloop, signals, lifecycle)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any, Awaitable, Callable

from ..settings import Settings, SettingsError, load_settings

__all__ = ["main", "settings_from_args", "run_loop", "serve"]

log = logging.getLogger("uvis.gateway")

#: exit status when records had to go to the local spool during the run
EXIT_SPOOLED = 3


def settings_from_args(args: Any) -> Settings:
    overrides = {
        "database_url": getattr(args, "database_url", None),
        "data_dir": getattr(args, "data_dir", None),
        "api_port": getattr(args, "api_port", None),
        "api_host": getattr(args, "api_host", None),
        "log_level": getattr(args, "log_level", None),
        "log_format": getattr(args, "log_format", None),
    }
    if getattr(args, "spool_dir", None):
        overrides["spool_dir"] = args.spool_dir
    if getattr(args, "no_spool", False):
        overrides["spool"] = "off"
    if getattr(args, "no_api", False):
        overrides["api_enabled"] = False
    if getattr(args, "allow_list", None):
        overrides["register_unknown_devices"] = False
        overrides["allowed_devices"] = [d.strip() for d in args.allow_list.split(",") if d.strip()]
    if getattr(args, "mqtt", None) or getattr(args, "mqtt_subscription", None):
        from ..mqtt.config import flag_overrides

        try:
            overrides["mqtt"] = flag_overrides(args.mqtt, args.mqtt_subscription)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
    settings = load_settings(getattr(args, "config", None), overrides=overrides)
    if getattr(args, "forward", None):  # run --forward URL: destinations added to the TOML's
        from ..forward.settings import with_flag_destinations

        settings = with_flag_destinations(settings, args.forward, SettingsError)
    if getattr(args, "api_insecure", False):  # the [api] table's insecure = true
        from ..settings.api import with_insecure

        settings = with_insecure(settings)
    return settings


def run_loop(main: Callable[[], Awaitable[int]]) -> int:
    """Run ``main`` on uvloop where available (the default event loop otherwise)."""
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())


async def serve(settings: Settings, on_ready: Callable[[Any], Awaitable[None] | None] | None = None,
                stop: asyncio.Event | None = None, reuse_port: bool = False,
                spool_adopt: list | None = None) -> int:
    """Start the gateway, run until SIGTERM/SIGINT (or ``stop``), shut down gracefully.

    A second signal forces exit. Returns the process exit status.
    """
    from ..runtime.app import Gateway

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = 0

    def on_signal(signum: int) -> None:
        nonlocal signals
        signals += 1
        if signals == 1:
            log.info("signal %s: shutting down gracefully (again to force)", signal.Signals(signum).name)
            stop.set()
        else:
            log.error("second signal: forced exit, unacknowledged records will be resent by devices")
            os._exit(130)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    gateway = Gateway(settings)
    gateway.reuse_port = reuse_port
    gateway.spool_adopt = spool_adopt
    share = _worker_share(gateway) if reuse_port else None
    try:
        await gateway.start()
    except BaseException:
        await gateway.stop()
        raise
    if share is not None:
        share.start()
    tune_gc()
    try:
        ports = ", ".join(f"{p}/{t} {port}" for (p, t), port in sorted(gateway.ports.items()))
        log.info("gateway ready: %s; API %s", ports,
                 f"http://{getattr(gateway, 'api_host', None)}:{gateway.api_port}" if gateway.api_port
                 else "off")
        if on_ready is not None:
            result = on_ready(gateway)
            if asyncio.iscoroutine(result):
                await result
        await stop.wait()
    finally:
        await gateway.stop()
        if share is not None:
            share.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return EXIT_SPOOLED if gateway.spooled else 0


def _worker_share(gateway: Any) -> Any:
    """A worker of ``run --workers N``: its metrics go to the shared directory."""
    from ..runtime.metrics import WorkerShare
    from ..runtime.workers import METRICS_DIR_ENV, WORKER_INDEX_ENV

    directory = os.environ.get(METRICS_DIR_ENV)
    if not directory:
        return None
    share = WorkerShare(gateway.metrics, directory, int(os.environ.get(WORKER_INDEX_ENV, "0")))
    gateway.metrics.share = share
    return share


#: allocations between young-generation collections (CPython's default: 700)
GC_GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    """Collect less often under load. Every decoded frame allocates a few
    tracked objects (records, attribute dicts, ACK callbacks) that live until
    their batch commits; with the default thresholds the cyclic collector
    walked that queue again and again (a quarter of a loaded gateway's CPU in
    a py-spy profile, benchmarks/README.md). Objects made at start-up are
    frozen out of the collections; the records hold no cycles to wait for."""
    import gc

    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


def configure_logging(level: str, fmt: str = "text") -> None:
    from ..runtime.logs import configure_logging as configure

    configure(level, fmt)


def raise_open_file_limit() -> None:
    """Soft RLIMIT_NOFILE up to the hard limit: every device connection is a file."""
    from ..runtime.fd_reserve import raise_nofile_limit

    soft, hard = raise_nofile_limit()
    log.info("open-file limit %d (hard %d)", soft, hard)


def main(args: Any) -> int:
    try:
        settings = settings_from_args(args)
    except SettingsError as exc:
        print(f"uvis-gateway run: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    raise_open_file_limit()
    workers = getattr(args, "workers", 1) or 1
    if workers > 1:
        from ..runtime.workers import run_workers

        return run_workers(settings, workers, lambda s, adopt: run_loop(
            lambda: serve(s, reuse_port=True, spool_adopt=adopt)))
    from api.service import ApiStartError

    try:
        return run_loop(lambda: serve(settings))
    except ApiStartError as exc:  # e.g. a public api_host with no credential source
        print(f"uvis-gateway run: {exc}", file=sys.stderr)
        return 2
