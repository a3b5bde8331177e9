"""Forwarding's dead letters through the API: admin only, paged by id."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from _api import client, running_api, token

pytestmark = pytest.mark.integration

FIRST = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


async def test_dead_letters_are_shown_to_admin_only(store, clean_database_url) -> None:
    for i, destination in enumerate(("hook", "hook", "nats", "hook")):
        await store.pool.execute(
            "INSERT INTO forward_dead_letters (destination, message_id, kind, device_id, payload,"
            " reason, attempts, first_try, redriven_at) VALUES ($1, $2, 'position', 'd1', $3,"
            " 'HTTP 500', 8, $4, $5)", destination, f"m{i}", b'[{"device_id":"d1"}]', FIRST,
            FIRST if i == 3 else None)
    admin = await token(store.pool, "ops", "admin")
    reader = await token(store.pool, "reader", "positions:read")
    async with running_api(clean_database_url) as api:
        async with client(api, admin) as http:
            r = await http.get("/api/v1/forward/dead-letters", params={"destination": "hook",
                                                                         "limit": 1})
            assert r.status_code == 200
            page = r.json()
            assert [(i["message_id"], i["payload"], i["reason"], i["attempts"]) for i in
                    page["items"]] == [("m0", '[{"device_id":"d1"}]', "HTTP 500", 8)]
            r = await http.get("/api/v1/forward/dead-letters",
                               params={"destination": "hook", "after": page["next"]})
            assert [i["message_id"] for i in r.json()["items"]] == ["m1"] and r.json()["next"] is None
            r = await http.get("/api/v1/forward/dead-letters", params={"redriven": "true"})
            assert [i["message_id"] for i in r.json()["items"]] == ["m3"]
            assert (await http.get("/api/v1/forward/dead-letters",
                                   params={"limit": "0"})).status_code == 400
        async with client(api, reader) as http:
            assert (await http.get("/api/v1/forward/dead-letters")).status_code == 403
        async with client(api) as http:
            assert (await http.get("/api/v1/forward/dead-letters")).status_code == 401
