"""What every benchmark records with its figures, and where its database comes from."""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, AsyncIterator

LOCAL_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def environment(loop: str) -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"commit": commit, "python": sys.version.split()[0], "event_loop": loop, "cpu": cpu,
            "cores": os.cpu_count(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def write_json(path: str | None, document: dict[str, Any]) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, default=str)
            handle.write("\n")


@asynccontextmanager
async def bench_database(url: str | None) -> AsyncIterator[tuple[str, str]]:
    """(dsn, description): the given URL, else a fresh database on the local
    PostgreSQL at 127.0.0.1:5432, else an embedded server in a temp dir."""
    import asyncpg

    if url:
        yield url, "given URL"
        return
    name = f"uvis_bench_{os.getpid()}"
    try:
        admin = await asyncpg.connect(LOCAL_ADMIN, timeout=3)
    except (OSError, asyncpg.PostgresError):
        admin = None
    if admin is not None:
        version = await admin.fetchval("SHOW server_version")
        await admin.execute(f"CREATE DATABASE {name}")
        try:
            yield LOCAL_ADMIN.rsplit("/", 1)[0] + "/" + name, f"PostgreSQL {version} on 127.0.0.1:5432"
        finally:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            await admin.close()
        return
    from storage.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="uvis-bench-") as tmp:
        server = EmbeddedPostgres(os.path.join(tmp, "pg"), database="uvis")
        dsn = await asyncio.to_thread(server.start)
        try:
            yield dsn, "embedded PostgreSQL"
        finally:
            await asyncio.to_thread(server.stop)


# -- additions for the speed-and-scale benchmarks (ingest, connections, api) ----------------

@asynccontextmanager
async def embedded_database() -> AsyncIterator[tuple[str, str]]:
    """(dsn, description) of a fresh embedded PostgreSQL in a temp dir, stopped and removed after."""
    from storage.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="uvis-bench-") as tmp:
        server = EmbeddedPostgres(os.path.join(tmp, "pg"), database="uvis")
        dsn = await asyncio.to_thread(server.start)
        try:
            yield dsn, "embedded PostgreSQL"
        finally:
            await asyncio.to_thread(server.stop)


@asynccontextmanager
async def named_database(kind: str, url: str | None = None) -> AsyncIterator[tuple[str, str]]:
    """``kind``: "embedded", "local" (a fresh database on 127.0.0.1:5432) or "url" (``url``)."""
    if kind == "embedded":
        async with embedded_database() as found:
            yield found
    else:
        async with bench_database(url if kind == "url" else None) as found:
            yield found


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_bytes(pid: int) -> int:
    """Resident set size of a live process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def proc_tree(pid: int) -> list[int]:
    """``pid`` and its direct children (the workers of ``run --workers N``)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [pid, *map(int, handle.read().split())]
    except OSError:
        return [pid]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def stop_process_group(proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """SIGTERM (a graceful stop), then SIGKILL to its whole process group (workers
    included) when it has not exited within ``timeout``; started with
    ``start_new_session=True``."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
