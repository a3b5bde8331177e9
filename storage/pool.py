"""asyncpg connections as the store uses them: msgspec jsonb codec, float4 read
back as the decimal it was written as, staging tables; and the pool that applies
the migrations first."""

from __future__ import annotations

import struct
from typing import Any

import asyncpg
import msgspec

from storage._statements import CREATE_STAGING
from storage.schema import apply_migrations

__all__ = ["create_pool", "init_connection", "migrate_at", "F4", "f4_decode"]

_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode

F4 = struct.Struct("!f")


def f4_decode(data: bytes) -> float:
    """A real as the decimal it came from: 12.3 stays 12.3, not 12.300000190734863
    (a float32 holds 7 significant decimal digits)."""
    return float(f"{F4.unpack(data)[0]:.7g}")


async def init_connection(conn: asyncpg.Connection) -> None:
    """Per-connection setup: msgspec jsonb codec, float4 (binary, read back as the
    7-significant-digit decimal it was written as), staging tables."""
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", format="binary",
        encoder=lambda v: b"\x01" + _json_encode(v),
        decoder=lambda b: _json_decode(b[1:]))
    await conn.set_type_codec(
        "float4", schema="pg_catalog", format="binary", encoder=F4.pack, decoder=f4_decode)
    await conn.execute(CREATE_STAGING)


async def migrate_at(dsn: str) -> None:
    """Apply the migrations on a connection of their own (before a pool opens)."""
    conn = await asyncpg.connect(dsn)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 2,
                      migrate: bool = True, **kwargs: Any) -> asyncpg.Pool:
    """An asyncpg pool whose connections are set up by ``init_connection``;
    applies the migrations first unless ``migrate`` is False."""
    if migrate:
        await migrate_at(dsn)
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size,
                                     init=init_connection, **kwargs)
