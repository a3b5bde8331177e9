"""One question: how many rows/s does PostgresStore.write reach per batch size?

Not collected by pytest (no test_ prefix). Run:
    .venv/bin/python tests/storage/bench_batch_size.py [admin-url]
It creates a scratch database uvis_bench_<pid> on the server (default the
local PostgreSQL at 127.0.0.1:5432) and drops it afterwards. Positions carry
three attributes, 100 devices, fresh (device, fix_time) keys.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import time
from datetime import datetime, timedelta, timezone

import asyncpg
import psycopg

from protocols import Position
from storage.postgres import PostgresStore

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
SIZES = (500, 1000, 5000, 20000)
ROWS_PER_SIZE = 60_000


def make_rows(offset: int, n: int) -> list[Position]:
    return [Position(device_id=f"dev{i % 100:03d}", protocol="gt06",
                     fix_time=T0 + timedelta(seconds=offset + i // 100), valid=True,
                     lat=22.5 + i * 1e-6, lon=114.0 + i * 1e-6, altitude_m=30.0,
                     speed_kmh=42.5, course_deg=180.0, satellites=9, hdop=0.9,
                     attributes={"ignition": True, "power": 12.6, "io5": 1})
            for i in range(n)]


async def measure(url: str) -> None:
    store = await PostgresStore.connect(url, min_size=1, max_size=1)
    server = await store.pool.fetchval("SHOW server_version")
    print(f"server {server}, Python {platform.python_version()}, asyncpg {asyncpg.__version__},"
          f" {os.cpu_count()} cpus, {ROWS_PER_SIZE} rows per size")
    offset = 0
    for size in SIZES:
        batches = [make_rows(offset + k * size, size) for k in range(ROWS_PER_SIZE // size)]
        offset += ROWS_PER_SIZE
        await store.write(make_rows(10**8 + offset, 100), [], T0)  # warm-up
        started = time.perf_counter()
        for b in batches:
            await store.write(b, [], T0)
        secs = time.perf_counter() - started
        print(f"batch {size:6d}: {ROWS_PER_SIZE / secs:9.0f} rows/s"
              f" {1000 * secs / len(batches):8.1f} ms/batch")
    await store.close()


def main() -> None:
    admin = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"uvis_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        asyncio.run(measure(admin.rsplit("/", 1)[0] + "/" + name))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
