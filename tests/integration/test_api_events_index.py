"""GET /api/v1/events without a device reads the events_by_time index (migration
8): the range and the cursor are index conditions and the order is the index's
(no sort), with and without a type filter, with and without a cursor."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from storage.api_store import ApiStore

from tests.integration._api import T0, event

pytestmark = pytest.mark.integration


class _Explain:
    """Stands in for the store's pool: keeps the plan of each query, answers no rows."""

    def __init__(self, conn) -> None:
        self.conn, self.plans = conn, []

    async def fetch(self, sql: str, *args):
        self.plans.append(json.loads(await self.conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args))[0]["Plan"])
        return []


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


@pytest.mark.parametrize("types, after", [
    (None, None), (["alarm"], None), (["alarm", "ignitionOn"], (T0 + timedelta(seconds=50), "dev-3", "alarm", 0)),
])
async def test_events_by_time_serves_a_page_without_a_device(store, db_pool, types, after) -> None:
    await store.write([], [event(f"dev-{d}", s, "alarm" if s % 2 else "ignitionOn")
                           for d in range(5) for s in range(100)], T0)
    async with db_pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("ANALYZE events; SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
            explain = _Explain(conn)
            await ApiStore(explain).events(limit=100, groups=None, device=None, types=types,
                                           start=T0 + timedelta(seconds=10), end=T0 + timedelta(seconds=90),
                                           after=after)
    nodes = list(_nodes(explain.plans[0]))
    scans = [n for n in nodes if "Scan" in n["Node Type"]]
    assert [(n["Node Type"], n.get("Index Name")) for n in scans] == [("Index Scan", "events_by_time")], nodes
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")]
    condition = scans[0]["Index Cond"]
    assert "time" in condition and (after is None or "device_id" in condition), condition
