"""``uvis-gateway migrate [--timescale]``.

Without ``--timescale``: apply the versioned migrations (every start does that
too) and report the schema version and the TimescaleDB state.

With ``--timescale``: convert ``positions`` and ``events`` tables that hold
rows into TimescaleDB hypertables without stopping the gateways: copy the rows
into ``<table>_ts`` in bounded batches (progress on standard error; an
interrupted run resumes from the last key copied), mirror what arrives
meanwhile, swap the names in one short locked transaction, then add the
policies (compression runs later in the TimescaleDB job scheduler). The old
rows stay in ``<table>_plain_old`` until the operator drops them. The
statements are in ``storage.timescale``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta
from typing import Any, Callable, TextIO

from .run import configure_logging, run_loop, settings_from_args
from ..settings import SettingsError

__all__ = ["convert_table", "main"]

DEFAULT_BATCH_ROWS = 10_000
DEFAULT_LOCK_TIMEOUT_S = 5.0
LOCK_ATTEMPTS = 5
PROGRESS_INTERVAL_S = 1.0

Progress = Callable[[str, int, int], None]


async def convert_table(conn: Any, spec: Any, settings: Any, *, batch_rows: int = DEFAULT_BATCH_ROWS,
                        lock_timeout: timedelta = timedelta(seconds=DEFAULT_LOCK_TIMEOUT_S),
                        hypertable: bool = True, on_progress: Progress | None = None,
                        max_batches: int | None = None) -> Any:
    """Convert one table (a ``storage.timescale.Hypertable``) on ``conn``.

    ``hypertable=False`` makes the target a plain table (tests on PostgreSQL
    without TimescaleDB). ``max_batches`` stops after that many batches with
    status "stopped", as an interrupt would."""
    import asyncpg

    from storage import timescale as ts

    plan = await ts.plan_copy(conn, spec)
    has_views = await conn.fetchval("SELECT to_regclass('timescaledb_information.hypertables') IS NOT NULL")
    if has_views and await ts.is_hypertable(conn, plan.source):       # whatever the mode
        return ts.MigrationResult(table=spec.table, status="hypertable")
    copied = await ts.begin_copy(conn, plan, settings, hypertable=hypertable, lock_timeout=lock_timeout)
    total = await conn.fetchval(f"SELECT count(*) FROM {plan.source.qualified}")
    report = on_progress or (lambda table, done, of: None)
    report(spec.table, copied, total)
    batches = 0
    while True:
        if max_batches is not None and batches >= max_batches:
            return ts.MigrationResult(table=spec.table, status="stopped", copied=copied, total=total)
        rows = await ts.copy_batch(conn, plan, batch_rows)
        if not rows:
            break
        copied, batches = copied + rows, batches + 1
        report(spec.table, copied, total)
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            copied += await ts.swap(conn, plan, lock_timeout=lock_timeout, batch_rows=batch_rows)
            break
        except asyncpg.LockNotAvailableError:
            if attempt == LOCK_ATTEMPTS:
                raise ts.MigrationError(
                    f"could not lock {spec.table} within {lock_timeout.total_seconds():g} s in"
                    f" {LOCK_ATTEMPTS} attempts (a long transaction holds it?): run again,"
                    " the rows copied are kept") from None
            await asyncio.sleep(attempt)
    report(spec.table, copied, max(total, copied))
    return ts.MigrationResult(table=spec.table, status="converted", copied=copied, total=total,
                              old_table=plan.old.name)


class _Printer:
    """Progress lines on standard error: the first, then at most one a second."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.last: dict[str, tuple[float, int]] = {}

    def __call__(self, table: str, copied: int, total: int) -> None:
        now = time.monotonic()
        if table in self.last:
            at, shown = self.last[table]
            if shown == copied or (now - at < PROGRESS_INTERVAL_S and copied < total):
                return
        self.last[table] = (now, copied)
        percent = 100.0 if total <= 0 else min(100.0, 100.0 * copied / total)
        print(f"{table}: {copied:,} of {total:,} rows copied ({percent:.1f}%)", file=self.out, flush=True)


def _result_line(result: Any, hypertable: bool) -> str:
    if result.status == "hypertable":
        return f"{result.table}: a hypertable already"
    if result.status == "stopped":
        return f"{result.table}: stopped after {result.copied:,} rows; run again to resume"
    into = "a hypertable" if hypertable else "a plain copy (test mode)"
    return (f"{result.table}: converted into {into}, {result.copied:,} rows copied; the old table is"
            f" {result.old_table}: compare, then `DROP TABLE {result.old_table};`")


def _options(args: Any) -> tuple[int, timedelta]:
    given = [flag for flag, value in (("--batch-rows", args.batch_rows), ("--lock-timeout", args.lock_timeout),
                                      ("--plain-target", args.plain_target or None)) if value is not None]
    if given and not args.timescale:
        raise SettingsError(f"{', '.join(given)}: only with --timescale")
    rows = DEFAULT_BATCH_ROWS if args.batch_rows is None else args.batch_rows
    if not 1 <= rows <= 1_000_000:
        raise SettingsError(f"--batch-rows: expected 1 to 1000000, got {rows}")
    seconds = DEFAULT_LOCK_TIMEOUT_S if args.lock_timeout is None else args.lock_timeout
    if not 0 < seconds <= 600:
        raise SettingsError(f"--lock-timeout: expected more than 0 and at most 600 seconds, got {seconds:g}")
    return rows, timedelta(seconds=seconds)


def _state_line(state: Any) -> str:
    return "TimescaleDB: " + (f"on ({state.version})" if state.enabled else f"off ({state.reason})")


async def _convert(db: Any, settings: Any, args: Any, rows: int, lock_timeout: timedelta) -> int:
    import asyncpg

    from storage import timescale as ts

    hypertable = not args.plain_target
    if hypertable and db.timescale.version is None:
        print(f"uvis-gateway migrate --timescale: cannot convert: {db.timescale.reason}", file=sys.stderr)
        return 1
    conn = await asyncpg.connect(db.url)
    try:
        if not await ts.lock_conversions(conn):
            print("uvis-gateway migrate --timescale: another conversion is running", file=sys.stderr)
            return 1
        printer = _Printer(sys.stderr)
        for spec in ts.HYPERTABLES:
            result = await convert_table(conn, spec, settings.timescale_settings(), batch_rows=rows,
                                         lock_timeout=lock_timeout, hypertable=hypertable,
                                         on_progress=printer)
            print(_result_line(result, hypertable), flush=True)
        if hypertable:
            state = await ts.configure_timescale(conn, settings.timescale_settings())
            print(_state_line(state))
            compress_after = settings.timescale_settings().compress_after
            if state.enabled and compress_after is not None:
                print(f"compression: the TimescaleDB job scheduler compresses chunks older than"
                      f" {compress_after.days} days in the background, one chunk at a time;"
                      " restart the gateways so that fixes older than that go to positions_late")
            return 0 if state.enabled else 1
        return 0
    except ts.MigrationError as exc:
        print(f"uvis-gateway migrate --timescale: {exc}", file=sys.stderr)
        return 1
    finally:
        await conn.close()


def main(args: Any) -> int:
    try:
        rows, lock_timeout = _options(args)
        settings = settings_from_args(args)
    except SettingsError as exc:
        print(f"uvis-gateway migrate: {exc}", file=sys.stderr)
        return 2
    if args.timescale and not args.plain_target and settings.timescale == "off":
        print('uvis-gateway migrate --timescale: timescale = "off" in the configuration', file=sys.stderr)
        return 2
    configure_logging(settings.log_level if args.log_level else "WARNING")

    async def go() -> int:
        from storage.schema import MIGRATIONS, applied_versions

        from ..runtime.database import open_database

        db = await open_database(settings, max_size=1)
        try:
            async with db.store.pool.acquire() as conn:
                versions = await applied_versions(conn)
            latest = MIGRATIONS[-1][0]
            print(f"schema at version {max(versions)} of {latest} "
                  f"(applied: {', '.join(map(str, versions))})")
            print(_state_line(db.timescale), flush=True)
            if max(versions) != latest:
                return 1
            if args.timescale:
                return await _convert(db, settings, args, rows, lock_timeout)
            return 0
        finally:
            await db.close()

    try:
        return run_loop(go)
    except KeyboardInterrupt:
        print("uvis-gateway migrate: interrupted; the rows copied so far are kept: run"
              " `uvis-gateway migrate --timescale` again to resume", file=sys.stderr)
        return 130
