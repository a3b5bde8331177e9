"""Opening the database the settings name: the URL, or the embedded server
in <data_dir>/pg. Shared by run, migrate and replay."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from ..settings import Settings

__all__ = ["Database", "open_database"]

log = logging.getLogger("uvis.gateway")


class Database:
    def __init__(self, store: Any, url: str, embedded: Any, timescale: Any) -> None:
        self.store = store
        self.url = url
        self.embedded = embedded
        self.timescale = timescale

    async def close(self) -> None:
        await self.store.close()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)


async def open_database(settings: Settings, *, max_size: int = 4) -> Database:
    """Start the embedded server if needed, connect, migrate, configure TimescaleDB."""
    url, embedded = settings.database_url, None
    if url is None:
        from storage.embedded import EmbeddedPostgres

        data_dir = Path(settings.data_dir) / "pg"
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        embedded = EmbeddedPostgres(data_dir)
        url = await asyncio.to_thread(embedded.start)
        log.info("embedded PostgreSQL running in %s", data_dir)
    from storage.postgres import PostgresStore

    try:
        store = await PostgresStore.connect(url, max_size=max_size)
        try:
            timescale = await _configure_timescale(url, settings)
        except BaseException:
            await store.close()
            raise
    except BaseException:
        if embedded is not None:
            await asyncio.to_thread(embedded.stop)
        raise
    if timescale.enabled:
        log.info("TimescaleDB %s: positions and events are hypertables", timescale.version)
    elif timescale.actionable:
        log.warning("TimescaleDB not in use%s: %s",
                    f" for every table (hypertables: {', '.join(timescale.hypertables)})"
                    if timescale.hypertables else "", timescale.reason)
    else:
        log.info("plain PostgreSQL (%s)", timescale.reason)
    compress_after = settings.timescale_settings().compress_after
    if "positions" in timescale.hypertables and compress_after is not None:
        store.late_horizon = compress_after
    return Database(store, url, embedded, timescale)


async def _configure_timescale(url: str, settings: Settings) -> Any:
    """configure_timescale on a connection of its own, closed after: whatever fails
    there (a FATAL from a library that is not loaded ends the session) never
    reaches a pooled connection."""
    import asyncpg

    from storage.timescale import configure_timescale

    conn = await asyncpg.connect(url)
    try:
        return await configure_timescale(conn, settings.timescale_settings())
    finally:
        await conn.close()
