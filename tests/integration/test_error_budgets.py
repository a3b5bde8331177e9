"""Per-protocol error budgets (issue 13) over real sockets on 127.0.0.1 and a
real PostgreSQL: each protocol's garbage is closed after exactly its own
budget, a protocol that streams many unknown sentences keeps its devices, and
the budgets come from the configuration file."""

from __future__ import annotations

import asyncio
import functools
import operator

import pytest

from gateway.runtime.app import Gateway
from gateway.runtime.budgets import ErrorBudget, error_budget_for
from gateway.settings.limits import LimitsSettings
from gateway.settings import SettingsError, load_settings

pytestmark = pytest.mark.integration

#: one non-fatal MalformedError per frame (no type; no device id)
GARBAGE = {"h02": b"*HQ,12#", "tk103": b"(garbage)"}

CONFIG = """
api_enabled = false
batch_max_age = 0.05

[[listeners]]
protocol = "h02"
host = "127.0.0.1"
port = 0

[[listeners]]
protocol = "tk103"
host = "127.0.0.1"
port = 0

[[listeners]]
protocol = "nmea"
host = "127.0.0.1"
port = 0

[limits]
exempt_networks = []
penalty_strikes = 100
error_budget_frames = 7

[[limits.protocols]]
protocol = "h02"
error_budget_frames = 3
"""


def test_budgets_resolve_per_protocol() -> None:
    limits = LimitsSettings(error_budget_frames=7)
    assert error_budget_for(limits, "tk103") == ErrorBudget(frames=7, bytes=65_536, ratio=0.5,
                                                           min_frames=50)
    settings = load_settings(env={}, overrides={"limits": {
        "error_ratio": 0.3, "protocols": [{"protocol": "h02", "error_budget_frames": 3},
                                          {"protocol": "t55", "error_ratio_min_frames": 20}]}})
    assert error_budget_for(settings.limits, "h02") == ErrorBudget(frames=3, bytes=65_536, ratio=0.3,
                                                                  min_frames=50)
    # nmea's built-in default loosens the ratio (the looser value applies) ...
    assert error_budget_for(settings.limits, "nmea") == ErrorBudget(frames=10, bytes=65_536, ratio=0.9,
                                                                   min_frames=20)
    assert error_budget_for(LimitsSettings(error_ratio=1.0), "nmea").ratio == 1.0
    # ... and a configured value overrides it
    tight = load_settings(env={}, overrides={"limits": {"protocols": [
        {"protocol": "nmea", "error_ratio": 0.5}]}})
    assert error_budget_for(tight.limits, "nmea").ratio == 0.5
    for bad in ({"protocol": "nope"}, {"protocol": "h02", "error_ratio": 2.0},
                {"protocol": "h02", "error_budget_frames": -1}):
        with pytest.raises(SettingsError, match=r"limits\.protocols\[0\]"):
            load_settings(env={}, overrides={"limits": {"protocols": [bad]}})
    with pytest.raises(SettingsError, match="two budgets"):
        load_settings(env={}, overrides={"limits": {"protocols": [{"protocol": "nmea"},
                                                                   {"protocol": "t55"}]}})


def _errors(gw: Gateway, protocol: str) -> float:
    return gw.metrics.registry.get_sample_value(
        "uvis_decode_errors_total", {"protocol": protocol, "transport": "tcp"}) or 0.0


def _closed(gw: Gateway, protocol: str) -> float:
    return gw.metrics.registry.get_sample_value(
        "uvis_connections_closed_by_guard_total",
        {"protocol": protocol, "transport": "tcp", "reason": "error_budget"}) or 0.0


async def _until(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def _open_after(reader: asyncio.StreamReader, seconds: float = 0.3) -> bool:
    try:
        return await asyncio.wait_for(reader.read(1), seconds) != b""
    except asyncio.TimeoutError:
        return True
    except ConnectionResetError:
        return False


async def test_garbage_is_closed_after_exactly_its_protocols_budget(clean_database_url, tmp_path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(CONFIG)
    gw = Gateway(load_settings(config, env={}, overrides={"database_url": clean_database_url}))
    await gw.start()
    try:
        for protocol, budget in (("h02", 3), ("tk103", 7)):
            reader, writer = await asyncio.open_connection("127.0.0.1", gw.ports[(protocol, "tcp")])
            for sent in range(1, budget + 1):  # the budget itself: still open
                writer.write(GARBAGE[protocol])
                await writer.drain()
                await _until(lambda: _errors(gw, protocol) == sent)
            assert await _open_after(reader), f"{protocol} closed within its budget of {budget}"
            assert _closed(gw, protocol) == 0
            writer.write(GARBAGE[protocol])  # one more: closed
            await writer.drain()
            await _until(lambda: _closed(gw, protocol) == 1)
            assert not await _open_after(reader, 2.0)
            assert _errors(gw, protocol) == budget + 1
            writer.close()
    finally:
        await gw.stop()


async def test_an_nmea_receiver_streaming_unknown_sentences_keeps_its_connection(clean_database_url,
                                                                               tmp_path) -> None:
    """GGA, GSA, GSV x3, RMC, VTG every second: 5 of 7 sentences unknown, over
    the default ratio 0.5 but within nmea's built-in 0.9."""
    def line(body: str) -> bytes:
        checksum = functools.reduce(operator.xor, body.encode(), 0)
        return f"${body}*{checksum:02X}\r\n".encode()

    second = b"".join(line(body) for body in (
        "GPGGA,120000,5130.000,N,00007.500,W,1,08,0.9,35.0,M,0,M,,",
        "GPGSA,A,3,01,02,03,04,05,06,07,08,,,,,1.5,0.9,1.2",
        "GPGSV,3,1,09,01,40,083,46,02,17,308,41,03,07,344,39,04,22,228,45",
        "GPGSV,3,2,09,05,40,083,46,06,17,308,41,07,07,344,39,08,22,228,45",
        "GPGSV,3,3,09,09,40,083,46",
        "GPRMC,120000,A,5130.000,N,00007.500,W,0.0,0.0,060526,,",
        "GPVTG,0.0,T,,M,0.0,N,0.0,K"))
    config = tmp_path / "gateway.toml"
    config.write_text(CONFIG)
    gw = Gateway(load_settings(config, env={}, overrides={"database_url": clean_database_url}))
    await gw.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.ports[("nmea", "tcp")])
        writer.write(b"IMEI 866000000000777\r\n")
        for _ in range(30):  # 210 sentences, 150 unknown
            writer.write(second)
        await writer.drain()
        unknown = lambda: gw.metrics.registry.get_sample_value(  # noqa: E731
            "uvis_unknown_messages_total", {"protocol": "nmea", "transport": "tcp"}) or 0.0
        await _until(lambda: unknown() == 150)
        assert await _open_after(reader)
        assert _closed(gw, "nmea") == 0
        writer.close()
    finally:
        await gw.stop()
