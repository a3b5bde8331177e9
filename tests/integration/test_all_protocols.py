"""Every registered protocol, on every transport it runs on, driven by the
fleet simulator through its device-side encoder against one gateway and a
real PostgreSQL: every acknowledged fix is stored exactly once (and, for
protocols that acknowledge nothing, every fix sent is stored)."""

from __future__ import annotations

import asyncio

import pytest

from _stored import stored_keys

from gateway.runtime.app import Gateway
from gateway.settings import load_settings
from protocols.registry import NAMES, get
from simulators.fleet import FleetConfig, run_fleet

pytestmark = pytest.mark.integration

#: per-protocol switches: record ACKs that are optional in the protocol
ACK_OPTION = {"nmea", "gl200"}

CASES = [(name, transport) for name in NAMES for transport in get(name).transports]


@pytest.fixture(scope="module")
async def gateway(database_url):
    listeners = [{"protocol": name, "transport": transport, "port": 0, "host": "127.0.0.1",
                  "options": {"ack": True} if name in ACK_OPTION else {}}
                 for name, transport in CASES]
    gw = Gateway(load_settings(env={}, overrides={
        "database_url": database_url, "api_enabled": False, "batch_max_age": 0.05,
        "listeners": listeners}))
    await gw.start()
    yield gw
    await gw.stop()


async def stored(database_url: str, ids: list[str]) -> list[tuple]:
    return await stored_keys(database_url, ids)


@pytest.mark.parametrize("protocol, transport", CASES, ids=[f"{p}-{t}" for p, t in CASES])
async def test_simulated_fleet_end_to_end(gateway, database_url, protocol, transport) -> None:
    index = CASES.index((protocol, transport))
    config = FleetConfig(protocol=protocol, transport=transport, devices=3, rate=4.0, duration=1.0,
                         host="127.0.0.1", port=gateway.ports[(protocol, transport)], ack_timeout=3.0,
                         drain_timeout=10.0, first_id=880000000000000 + index * 1000,
                         collect_keys=True,
                         device_options={"ack": True} if protocol in ACK_OPTION else {})
    stats = await run_fleet(config)
    assert stats.errors == 0 and stats.rejected == 0, stats.summary()
    assert stats.sent >= 9
    ids = sorted({d for d, _ in stats.sent_keys})
    device = get(protocol).device(ids[0], transport=transport, **config.device_options)
    if device.expects_acks:
        assert stats.acked == stats.sent and stats.pending == 0, stats.summary()
        rows = await stored(database_url, ids)
        assert len(rows) == len(set(rows)) == stats.acked
        assert set(rows) == stats.acked_keys
    else:
        assert stats.acked == 0
        async with asyncio.timeout(10):
            while len(rows := await stored(database_url, ids)) < stats.sent:
                await asyncio.sleep(0.05)
        assert len(rows) == len(set(rows)) == stats.sent
        assert set(rows) == stats.sent_keys
