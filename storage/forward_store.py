"""The forwarder's durable state (migration 4): one cursor per destination
and the dead letters, readable by the API and the ``forward`` command.

``forward_cursors(destination, xid, seq)`` is the ingest log position
(storage/ingest_log.py) up to which the destination acknowledged (or the
messages went to the dead letters). ``forward_dead_letters`` keeps each
message that exhausted its retries: its JSON payload, the last reason, the
attempts and when it was first tried; ``redriven_at`` once sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from storage.ingest_log import Cursor

__all__ = [
    "DeadLetter",
    "add_dead_letters",
    "dead_letters",
    "init_cursor",
    "load_cursor",
    "mark_redriven",
    "open_dead_letters",
    "save_cursor",
]


class DeadLetter(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    destination: str
    message_id: str
    kind: str
    device_id: str
    payload: bytes
    reason: str
    attempts: int
    first_try: datetime
    dead_at: datetime
    redriven_at: datetime | None


async def load_cursor(db: Any, destination: str) -> Cursor | None:
    row = await db.fetchrow("SELECT xid, seq FROM forward_cursors WHERE destination = $1",
                            destination)
    return None if row is None else Cursor(row[0], row[1])


async def init_cursor(db: Any, destination: str, cursor: Cursor) -> Cursor:
    """The destination's cursor, created at ``cursor`` when it has none."""
    await db.execute("INSERT INTO forward_cursors (destination, xid, seq) VALUES ($1, $2, $3)"
                     " ON CONFLICT (destination) DO NOTHING", destination, cursor.xid, cursor.seq)
    return await load_cursor(db, destination)


async def save_cursor(db: Any, destination: str, cursor: Cursor) -> None:
    await db.execute("UPDATE forward_cursors SET xid = $2, seq = $3, updated_at = now()"
                     " WHERE destination = $1", destination, cursor.xid, cursor.seq)


async def add_dead_letters(db: Any, destination: str, rows: Sequence[tuple]) -> None:
    """``rows``: (message_id, kind, device_id, payload, reason, attempts, first_try)."""
    if rows:
        await db.executemany(
            "INSERT INTO forward_dead_letters (destination, message_id, kind, device_id, payload,"
            " reason, attempts, first_try) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [(destination, *r) for r in rows])


_COLUMNS = ("id, destination, message_id, kind, device_id, payload, reason, attempts, first_try,"
            " dead_at, redriven_at")


def _letter(r: Any) -> DeadLetter:
    return DeadLetter(**{k: r[k] for k in DeadLetter.__struct_fields__})


async def dead_letters(db: Any, *, destination: str | None = None, redriven: bool | None = False,
                       ids: Sequence[int] | None = None, limit: int = 100,
                       after_id: int = 0) -> list[DeadLetter]:
    """Dead letters by id (oldest first), of one destination or all;
    ``redriven``: False (the default) only those not re-driven, True only
    those re-driven, None both."""
    conds, args = ["id > $2"], [limit, after_id]
    if destination is not None:
        args.append(destination)
        conds.append(f"destination = ${len(args)}")
    if ids:
        args.append(list(ids))
        conds.append(f"id = ANY(${len(args)}::bigint[])")
    if redriven is not None:
        conds.append("redriven_at IS NOT NULL" if redriven else "redriven_at IS NULL")
    rows = await db.fetch(f"SELECT {_COLUMNS} FROM forward_dead_letters WHERE"
                          f" {' AND '.join(conds)} ORDER BY id LIMIT $1", *args)
    return [_letter(r) for r in rows]


async def open_dead_letters(db: Any) -> dict[str, int]:
    """Dead letters not re-driven, per destination."""
    rows = await db.fetch("SELECT destination, count(*) FROM forward_dead_letters"
                          " WHERE redriven_at IS NULL GROUP BY destination")
    return {r[0]: r[1] for r in rows}


async def mark_redriven(db: Any, ids: Sequence[int]) -> None:
    await db.execute("UPDATE forward_dead_letters SET redriven_at = now() WHERE id = ANY($1::bigint[])",
                     list(ids))
