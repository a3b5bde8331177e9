"""What the database holds for a set of devices: the rows of ``positions`` and
``positions_late`` together (a late fix is stored in the second until it is
moved), so an "exactly once" check sees a key stored in both twice."""

from __future__ import annotations

from datetime import datetime

import asyncpg

__all__ = ["stored_keys"]

_SQL = ("SELECT device_id, fix_time FROM positions WHERE {w} "
        "UNION ALL SELECT device_id, fix_time FROM positions_late WHERE {w}")


async def stored_keys(dsn: str, device_ids: list[str] | None = None) -> list[tuple[str, datetime]]:
    conn = await asyncpg.connect(dsn)
    try:
        if device_ids is None:
            rows = await conn.fetch(_SQL.format(w="true"))
        else:
            rows = await conn.fetch(_SQL.format(w="device_id = ANY($1)"), list(device_ids))
    finally:
        await conn.close()
    return [(r["device_id"], r["fix_time"]) for r in rows]
