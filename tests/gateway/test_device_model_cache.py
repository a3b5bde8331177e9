"""DeviceModels (gateway/runtime/devices.py) on a real PostgreSQL: one query per
loop turn, a bounded cache with a time to live, failures answer None uncached."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from gateway.runtime.devices import MISSING, DeviceModels
from storage.devices import device_models


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def devices(store):
    await store.pool.execute(
        "INSERT INTO devices (device_id, protocol, first_seen, last_seen, attributes) VALUES "
        "('a', 'gt06', now(), now(), '{\"model\": \"LW4G\"}'), "
        "('b', 'gt06', now(), now(), '{\"model\": 7}'), "
        "('c', 'gt06', now(), now(), '{}')")
    return store.pool


async def test_device_models_reads_string_models_only(devices) -> None:
    assert await device_models(devices, ["a", "b", "c", "zz"]) == {"a": "LW4G", "b": None, "c": None}


async def test_one_query_per_turn_then_the_cache(devices) -> None:
    asked: list[list[str]] = []

    async def fetch(ids):
        asked.append(sorted(ids))
        return await device_models(devices, ids)

    clock = Clock()
    models = DeviceModels(fetch, ttl=60.0, max_entries=2, clock=clock)
    assert models.cached("a") is MISSING
    futures = [models.lookup(d) for d in ("a", "b", "zz", "a")]
    assert futures[0] is futures[3]  # the same device asked twice shares one look-up
    assert await asyncio.gather(*futures) == ["LW4G", None, None, "LW4G"]
    assert asked == [["a", "b", "zz"]] and models.queries == 1
    assert len(models) == 2  # bounded: the least recently used ("a") is forgotten
    assert models.cached("a") is MISSING
    assert (models.cached("b"), models.cached("zz")) == (None, None)
    clock.now += 60.0  # past the time to live
    assert models.cached("zz") is MISSING
    await models.close()


async def test_a_failed_look_up_answers_none_and_is_not_cached(database_url) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    await pool.close()  # every fetch now raises
    models = DeviceModels(lambda ids: device_models(pool, ids))
    assert await models.lookup("a") is None
    assert (models.failures, len(models), models.cached("a")) == (1, 0, MISSING)
    await models.close()
