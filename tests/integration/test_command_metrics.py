"""Prometheus counters of commands to devices over real sockets and a real
PostgreSQL: a sent and answered command moves uvis_commands_sent_total and
uvis_commands_answered_total by exactly one; failures and expiries by their
own; uvis_commands_open counts what waits in the database."""

from __future__ import annotations

import asyncio

import pytest

from gateway.runtime.app import Gateway
from gateway.runtime.metrics import merge_expositions
from storage import commands as queue
from storage.commands import CommandWaiter

from tests.integration.test_commands_queue import LIMITS, Tracker, make_settings, until

pytestmark = pytest.mark.integration

NAMES = ("uvis_commands_sent_total", "uvis_commands_answered_total", "uvis_commands_failed_total",
         "uvis_commands_expired_total", "uvis_commands_open")


def samples(gw: Gateway) -> dict[str, float]:
    """The commands samples of /metrics' text (created timestamps left out)."""
    out = {}
    for line in gw.metrics.render().decode().splitlines():
        if line.startswith(NAMES):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def nonzero(gw: Gateway) -> dict[str, float]:
    return {k: v for k, v in samples(gw).items() if v}


def zeros() -> dict[str, float]:
    """Every series a gateway with gt06 and teltonika listeners exports before any command."""
    out = {'uvis_commands_open{state="queued"}': 0.0, 'uvis_commands_open{state="sent"}': 0.0}
    for p in ("gt06", "teltonika"):
        for name in ("sent", "answered", "expired"):
            out[f'uvis_commands_{name}_total{{protocol="{p}"}}'] = 0.0
        for reason in ("device", "encode"):
            out[f'uvis_commands_failed_total{{protocol="{p}",reason="{reason}"}}'] = 0.0
    return out


async def test_sent_answered_failed_expired_and_open(clean_database_url, db_pool) -> None:
    gw = Gateway(make_settings(clean_database_url, sweep_interval=0.2))
    await gw.start()
    tracker = Tracker("gt06", "864717003283591", gw.ports[("gt06", "tcp")])
    try:
        assert samples(gw) == zeros()
        row = await queue.enqueue(db_pool, tracker.device_id, "rebootDevice", {}, "ops", LIMITS,
                                  protocol="gt06")
        await until(lambda: _equal(gw, 'uvis_commands_open{state="queued"}', 1.0))
        await tracker.connect()
        final = await CommandWaiter(db_pool).wait(db_pool, row.id, 10.0)
        assert final.state == "answered"
        await until(lambda: _equal(gw, 'uvis_commands_open{state="queued"}', 0.0))
        assert nonzero(gw) == {'uvis_commands_sent_total{protocol="gt06"}': 1.0,
                               'uvis_commands_answered_total{protocol="gt06"}': 1.0}
        assert samples(gw).keys() == zeros().keys()
        # gt06 has no alarmArm: failed at delivery (encode); an offline device's command expires
        bad = await queue.enqueue(db_pool, tracker.device_id, "alarmArm", {}, "ops", LIMITS,
                                  protocol="gt06")
        late = await queue.enqueue(db_pool, "864717003283592", "rebootDevice", {}, "ops", LIMITS,
                                   protocol="gt06", ttl=0.3)
        waiter = CommandWaiter(db_pool)
        assert (await waiter.wait(db_pool, bad.id, 10.0)).state == "failed"
        assert (await waiter.wait(db_pool, late.id, 10.0)).state == "expired"
        await asyncio.sleep(0.5)  # a sweep after both
        assert nonzero(gw) == {'uvis_commands_sent_total{protocol="gt06"}': 1.0,
                               'uvis_commands_answered_total{protocol="gt06"}': 1.0,
                               'uvis_commands_failed_total{protocol="gt06",reason="encode"}': 1.0,
                               'uvis_commands_expired_total{protocol="gt06"}': 1.0}
    finally:
        tracker.close()
        await gw.stop()


async def _equal(gw: Gateway, key: str, value: float) -> bool:
    return samples(gw).get(key) == value


def test_workers_open_gauge_is_the_max_not_the_sum() -> None:
    text = ('# HELP uvis_commands_open x\n# TYPE uvis_commands_open gauge\n'
            'uvis_commands_open{state="queued"} 3.0\n')
    merged = merge_expositions([text, text]).decode()
    assert 'uvis_commands_open{state="queued"} 3.0' in merged.splitlines()


async def test_an_answer_saying_no_counts_as_failed_by_the_device(clean_database_url, db_pool) -> None:
    from protocols._commands import CommandAnswer

    gw = Gateway(make_settings(clean_database_url))
    await gw.start()
    try:
        row = await queue.enqueue(db_pool, "dev-no", "rebootDevice", {}, "ops", LIMITS, protocol="h02")
        await db_pool.execute("UPDATE commands SET state = 'sent', answer_serial = '7' WHERE id = $1",
                              row.id)
        no = CommandAnswer(protocol="h02", device_id="dev-no", serial=7, ok=False, text="ERR")
        await gw.commands._answer("dev-no", no)
        await gw.commands._answer("dev-no", no)  # a repeat matches nothing: not counted again
        assert (await queue.get(db_pool, row.id)).state == "failed"
        assert nonzero(gw) == {'uvis_commands_failed_total{protocol="h02",reason="device"}': 1.0}
    finally:
        await gw.stop()
