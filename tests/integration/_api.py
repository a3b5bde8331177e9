"""Helpers for the API tests: an API service on the test database (real
uvicorn on 127.0.0.1, real PostgreSQL), tokens, positions."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import httpx

from api.config import ApiConfig
from api.service import ApiService
from protocols import Event, Position
from storage.api_store import create_token

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
ALL = ("devices:read", "devices:write", "positions:read", "events:read", "live:read", "metrics:read")


def pos(device: str, second: float, lat: float = 22.54321, lon: float = 114.0123,
        speed: float | None = 12.3, **attributes) -> Position:
    return Position(device_id=device, protocol="gt06", fix_time=T0 + timedelta(seconds=second),
                    valid=True, lat=lat, lon=lon, altitude_m=35.5, speed_kmh=speed, course_deg=270.0,
                    satellites=9, hdop=0.8, attributes=attributes or {"ignition": True, "io5": 3})


def event(device: str, second: float, type_: str = "alarm", **attributes) -> Event:
    return Event(device_id=device, protocol="gt06", time=T0 + timedelta(seconds=second), type=type_,
                 attributes=attributes or {"alarm": "sos"})


async def token(pool, name: str, *scopes: str, groups: tuple[str, ...] = (),
                expires_at: datetime | None = None) -> str:
    async with pool.acquire() as conn:
        return await create_token(conn, name, scopes or ALL, groups, expires_at)


async def set_group(pool, device: str, group: str | None) -> None:
    await pool.execute("UPDATE devices SET group_name = $2 WHERE device_id = $1", device, group)


@asynccontextmanager
async def running_api(database_url: str, **config):
    values = {"port": 0, "rate_limit": 1000.0, "rate_burst": 1000, "token_cache_seconds": 0.5}
    values.update(config)
    service = ApiService(ApiConfig(**values), database_url)
    await service.start(host="127.0.0.1", tokens="on")
    try:
        yield service
    finally:
        await service.stop()


def client(service: ApiService, secret: str | None = None) -> httpx.AsyncClient:
    headers = {"authorization": f"Bearer {secret}"} if secret else {}
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{service.port}", headers=headers, timeout=30)


async def token_for(database_url: str, name: str = "tests", *scopes: str) -> str:
    """A token in the database at ``database_url`` (default: every scope)."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        return await create_token(conn, name, scopes or ALL)
    finally:
        await conn.close()


def time_text(moment: datetime) -> str:
    """A time as the API writes it (RFC 3339, UTC, microseconds when not zero)."""
    import msgspec

    return msgspec.json.encode(moment).decode().strip('"')
