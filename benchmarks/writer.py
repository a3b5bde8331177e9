"""Writer benchmark: how fast positions reach the database, three ways, on
the same database and the same kind of rows, in one run.

1. per-row: one INSERT ... ON CONFLICT DO NOTHING and one COMMIT per position
   (the path of a gateway that writes each message as it arrives; Traccar's
   default).
2. batch: our BatchWriter + PostgresStore: COPY into a staging table, then
   INSERT ... ON CONFLICT DO NOTHING (deduplication), latest positions and
   devices, one transaction per batch.
3. copy: raw COPY into positions, no deduplication, no latest/devices upkeep:
   the ceiling.

    python -m benchmarks.writer [--database-url URL] [--rows N] [--per-row-rows N] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import datetime, timedelta, timezone

import asyncpg

from protocols import Position
from storage.postgres import PostgresStore, create_pool
from storage.writer import BatchWriter

from ._common import bench_database, environment, write_json

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
DEVICES = 1000
COLUMNS = ("device_id", "fix_time", "received_at", "protocol", "valid", "lat", "lon", "altitude_m",
           "speed_kmh", "course_deg", "satellites", "hdop", "attributes")


def make_rows(n: int, prefix: str) -> list[Position]:
    return [Position(device_id=f"{prefix}{i % DEVICES:06d}", protocol="gt06",
                     fix_time=T0 + timedelta(seconds=i // DEVICES), valid=True,
                     lat=54.0 + (i % 997) * 1e-4, lon=25.0 + (i % 991) * 1e-4, altitude_m=112.0,
                     speed_kmh=float(i % 120), course_deg=float(i % 360), satellites=9, hdop=0.9,
                     attributes={"ignition": True, "power": 12.6, "odometer": i})
            for i in range(n)]


async def per_row(dsn: str, rows: list[Position]) -> float:
    conn = await asyncpg.connect(dsn)
    from storage.postgres import init_connection

    await init_connection(conn)
    sql = (f"INSERT INTO positions ({', '.join(COLUMNS)}) VALUES "
           "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT DO NOTHING")
    started = time.perf_counter()
    for p in rows:  # autocommit: one transaction, one WAL flush per row
        await conn.execute(sql, p.device_id, p.fix_time, T0, p.protocol, p.valid, p.lat, p.lon,
                           p.altitude_m, p.speed_kmh, p.course_deg, p.satellites, p.hdop, p.attributes)
    elapsed = time.perf_counter() - started
    await conn.close()
    return len(rows) / elapsed


async def batch(dsn: str, rows: list[Position], chunk: int = 100) -> float:
    pool = await create_pool(dsn, max_size=2, migrate=False)
    writer = BatchWriter(PostgresStore(pool), high_water=10**9, low_water=0)
    await writer.start()
    started = time.perf_counter()
    for i in range(0, len(rows), chunk):  # as devices' frames would arrive
        writer.submit(rows[i:i + chunk], ())
        if i % (chunk * 50) == 0:
            await asyncio.sleep(0)
    await writer.close(flush=True)
    elapsed = time.perf_counter() - started
    await pool.close()
    return len(rows) / elapsed


async def raw_copy(dsn: str, rows: list[Position], chunk: int = 5000) -> float:
    import msgspec

    conn = await asyncpg.connect(dsn)
    encode = msgspec.json.Encoder().encode
    await conn.set_type_codec("jsonb", schema="pg_catalog", format="binary",
                              encoder=lambda v: b"\x01" + encode(v), decoder=bytes)
    records = [(p.device_id, p.fix_time, T0, p.protocol, p.valid, p.lat, p.lon, p.altitude_m,
                p.speed_kmh, p.course_deg, p.satellites, p.hdop, p.attributes) for p in rows]
    started = time.perf_counter()
    for i in range(0, len(records), chunk):
        await conn.copy_records_to_table("positions", columns=COLUMNS, records=records[i:i + chunk])
    elapsed = time.perf_counter() - started
    await conn.close()
    return len(rows) / elapsed


async def main(args: argparse.Namespace) -> dict:
    async with bench_database(args.database_url) as (dsn, where):
        pool = await create_pool(dsn, max_size=1)  # migrations
        await pool.close()
        figures = {}
        for name, fn, n in (("per_row", per_row, args.per_row_rows), ("batch", batch, args.rows),
                            ("copy", raw_copy, args.rows)):
            conn = await asyncpg.connect(dsn)
            await conn.execute("TRUNCATE positions, latest_positions, devices")
            await conn.execute("CHECKPOINT")
            await conn.close()
            figures[name] = await fn(dsn, make_rows(n, name[:2]))
            print(f"{name:8} {figures[name]:>12,.0f} rows/s  ({n:,} rows)")
    result = {
        "per_row_rows_s": round(figures["per_row"]), "batch_rows_s": round(figures["batch"]),
        "copy_rows_s": round(figures["copy"]),
        "batch_vs_per_row": round(figures["batch"] / figures["per_row"], 1),
        "batch_vs_copy": round(figures["batch"] / figures["copy"], 3),
        "database": where, "rows": args.rows, "per_row_rows": args.per_row_rows,
        "environment": environment("uvloop"),
    }
    print(f"batch writer = {result['batch_vs_per_row']}x per-row, "
          f"{result['batch_vs_copy']:.0%} of raw COPY   [{where}]")
    return result


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: local PostgreSQL, else embedded")
    parser.add_argument("--rows", type=int, default=200_000, help="rows for batch and copy")
    parser.add_argument("--per-row-rows", type=int, default=5_000, help="rows for the per-row path")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    import uvloop

    result = uvloop.run(main(args))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
