"""``uvis-gateway run --workers N``: N gateway processes sharing the listening
ports (SO_REUSEPORT on TCP and UDP; the kernel spreads connections and
datagrams across them), each with its own writer and database pool.

The parent forks the workers before any event loop exists, forwards SIGTERM
and SIGINT to them (a second signal forces their exit, as with one process),
restarts a worker that dies on its own, and exits with the highest worker
status. Worker 0 serves the HTTP API; every worker writes its metrics to a
shared directory once a second and worker 0's /metrics serves the sum of all
(metrics.WorkerShare). With
the embedded database the parent starts the server once and the workers
connect to it; each worker spools to its own subdirectory, and worker 0
replays the spools another worker count left behind (``orphan_spools``).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable

import msgspec

from ..settings import Settings

__all__ = ["run_workers", "worker_settings", "orphan_spools"]

log = logging.getLogger("uvis.gateway")

#: a worker that exits sooner than this after its start is not restarted (bad config, port taken)
MIN_UPTIME = 5.0
#: set by the parent for its workers: the directory of their metrics files, and each one's index
METRICS_DIR_ENV = "UVIS_WORKER_METRICS_DIR"
WORKER_INDEX_ENV = "UVIS_WORKER_INDEX"


def worker_settings(settings: Settings, index: int, database_url: str | None) -> Settings:
    """Worker ``index``'s settings: the shared URL, API and MQTT on worker 0 only
    (one persistent MQTT session per client id: workers sharing it would keep
    taking the session from each other), its own spool."""
    spool = settings.spool_path()
    changes: dict = {"database_url": database_url or settings.database_url}
    if index > 0:
        changes["api_enabled"] = False
        changes["mqtt"] = msgspec.structs.replace(settings.mqtt, brokers=())
    if spool is not None:
        changes["spool"] = "on"
        changes["spool_dir"] = str(Path(spool) / f"worker-{index}")
    return msgspec.structs.replace(settings, **changes)


def orphan_spools(root: str | Path, index: int | None, n: int = 1) -> list[Path]:
    """Spool directories under ``root`` that no process of this run writes to,
    so that going from 1 to N workers or back never strands acknowledged data:
    one process (``index`` None) adopts every ``worker-*``; worker 0 of N adopts
    the single process's own segments in ``root`` and ``worker-j`` for j >= N."""
    root = Path(root)
    workers = sorted(p for p in root.glob("worker-*") if p.is_dir())
    if index is None:
        return workers
    if index != 0:
        return []
    gone = [p for p in workers if p.name[7:].isdigit() and int(p.name[7:]) >= n]
    return ([root] if any(root.glob("seg-*.spool")) or (root / "corrupt").is_dir() else []) + gone


def run_workers(settings: Settings, n: int,
                serve_one: Callable[[Settings, list[Path]], int]) -> int:
    """Fork ``n`` workers running ``serve_one(settings)``; supervise them; return the exit status."""
    embedded = None
    url = settings.database_url
    if url is None:
        from storage.embedded import EmbeddedPostgres

        data_dir = Path(settings.data_dir) / "pg"
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        embedded = EmbeddedPostgres(data_dir)
        url = embedded.start()
        log.info("embedded PostgreSQL running in %s (shared by %d workers)", data_dir, n)
    import shutil
    import tempfile

    # every worker writes its metrics here; worker 0's /metrics serves their sum
    metrics_dir = tempfile.mkdtemp(prefix="uvis-metrics-")
    os.environ[METRICS_DIR_ENV] = metrics_dir
    children: dict[int, tuple[int, float]] = {}  # pid -> (index, started)
    stopping = 0
    status = 0

    def spawn(index: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.environ[WORKER_INDEX_ENV] = str(index)
            code = 1
            try:
                spool = settings.spool_path()
                adopt = orphan_spools(spool, index, n) if spool is not None else []
                code = serve_one(worker_settings(settings, index, url), adopt)
            finally:
                logging.shutdown()
                os._exit(code)
        children[pid] = (index, time.monotonic())
        log.info("worker %d started (pid %d)", index, pid)

    def forward(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping += 1
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, forward)
    try:
        for i in range(n):
            spawn(i)
        while children:
            pid, wait_status = os.wait()
            index, started = children.pop(pid, (None, 0.0))
            if index is None:
                continue
            code = os.waitstatus_to_exitcode(wait_status)
            if code < 0 or (stopping == 0 and code != 0):
                log.error("worker %d (pid %d) exited with status %d", index, pid, code)
            status = max(status, code if code >= 0 else 1)
            if not stopping and time.monotonic() - started >= MIN_UPTIME:
                time.sleep(1.0)
                spawn(index)  # supervised: a worker that died on its own comes back
            elif not stopping:
                forward(signal.SIGTERM, None)  # it could not even start: stop the others
    finally:
        if embedded is not None:
            embedded.stop()
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return status
