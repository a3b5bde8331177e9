"""TimescaleDB, when the server offers it: hypertables, compression, retention.

Applied at every start after the migrations (all calls are idempotent), so
the chunk interval and the policies follow the configuration. Only the
documented TimescaleDB 2.x API is used: ``create_hypertable(...,
if_not_exists => true, migrate_data => true)``, ``set_chunk_time_interval``,
``ALTER TABLE ... SET (timescaledb.compress, ...)``, ``add_compression_policy``
/ ``remove_compression_policy``, ``add_retention_policy`` /
``remove_retention_policy``.

``positions`` is segmented by device and ordered by fix time descending, the
order of the track query. Fixes that arrive later than the compression
horizon would be inserted into compressed chunks (ON CONFLICT there is
reported to be up to 100x slower), so the store commits them into the plain
table ``positions_late`` instead and a background task moves them over
(``PostgresStore.late_horizon`` and ``move_late``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import msgspec

__all__ = ["TimescaleSettings", "TimescaleState", "configure_timescale", "timescale_available"]

log = logging.getLogger(__name__)

#: (table, time column, segment by, order by)
HYPERTABLES = (
    ("positions", "fix_time", "device_id", "fix_time DESC"),
    ("events", "time", "device_id", "time DESC"),
)


class TimescaleSettings(msgspec.Struct, frozen=True, kw_only=True):
    #: "auto": use TimescaleDB when the server offers it; "off": never
    mode: str = "auto"
    chunk_interval: timedelta = timedelta(days=1)
    #: compress chunks older than this; None: no compression
    compress_after: timedelta | None = timedelta(days=7)
    #: drop chunks older than this; None: keep everything
    retention: timedelta | None = None


class TimescaleState(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool
    version: str | None = None
    reason: str = ""


async def timescale_available(conn: Any) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')"))


async def configure_timescale(conn: Any, settings: TimescaleSettings) -> TimescaleState:
    """Make positions and events hypertables with the configured policies."""
    if settings.mode == "off":
        return TimescaleState(enabled=False, reason="disabled in the configuration")
    if not await timescale_available(conn):
        return TimescaleState(enabled=False, reason="the server does not offer the timescaledb extension")
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    except Exception as exc:  # e.g. not in shared_preload_libraries
        log.warning("timescaledb is available but cannot be loaded: %s", exc)
        return TimescaleState(enabled=False, reason=f"CREATE EXTENSION failed: {exc}")
    version = await conn.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
    for table, column, segment_by, order_by in HYPERTABLES:
        await conn.execute(
            f"SELECT create_hypertable('{table}', '{column}', chunk_time_interval => $1::interval,"
            " if_not_exists => true, migrate_data => true)", settings.chunk_interval)
        await conn.execute(f"SELECT set_chunk_time_interval('{table}', $1::interval)",
                           settings.chunk_interval)
        if settings.compress_after is not None:
            await conn.execute(
                f"ALTER TABLE {table} SET (timescaledb.compress,"
                f" timescaledb.compress_segmentby = '{segment_by}',"
                f" timescaledb.compress_orderby = '{order_by}')")
            await conn.execute(f"SELECT remove_compression_policy('{table}', if_exists => true)")
            await conn.execute(f"SELECT add_compression_policy('{table}', $1::interval)",
                               settings.compress_after)
        else:
            await conn.execute(f"SELECT remove_compression_policy('{table}', if_exists => true)")
        await conn.execute(f"SELECT remove_retention_policy('{table}', if_exists => true)")
        if settings.retention is not None:
            await conn.execute(f"SELECT add_retention_policy('{table}', $1::interval)",
                               settings.retention)
    return TimescaleState(enabled=True, version=version)
