"""MQTT ingestion with real gateway processes: SIGKILL mid-stream and restart
(the broker redelivers, nothing lost, nothing stored twice), two processes
on one shared subscription (every message stored once), and the command
line (`run --mqtt ... --mqtt-subscription ...`, `simulate --transport mqtt`
in each payload format)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from _stored import stored_keys

from gateway.mqtt.client import AsyncMqttClient
from gateway.settings import MqttBrokerSettings
from tests.mqtt_broker import forget_session, unique

pytestmark = pytest.mark.integration

EXE = [sys.executable, "-m", "gateway.cli"]
READY = re.compile(r"gateway ready: .*; API http://[^:]+:(?P<api>\d+)")
T0 = datetime(2026, 5, 6, 7, 0, 0, tzinfo=timezone.utc)


def write_config(tmp_path: Path, broker, client_id: str, subscriptions: list[tuple[str, str, str]],
                 batch_max_age: float = 0.05, name: str = "uvis.toml") -> Path:
    subs = "".join(f'[[mqtt.brokers.subscriptions]]\nfilter = "{f}"\nformat = "{fmt}"\n'
                   f'device_id = "{source}"\n' for f, fmt, source in subscriptions)
    config = tmp_path / name
    config.write_text(
        f'api_host = "127.0.0.1"\napi_port = 0\nbatch_max_age = {batch_max_age}\nspool = "off"\n'
        '[[listeners]]\nprotocol = "gt06"\nport = 0\nhost = "127.0.0.1"\n'
        f'[[mqtt.brokers]]\nurl = "{broker.url}"\nversion = "{broker.version}"\n'
        f'client_id = "{client_id}"\nsession_expiry = 120\n' + subs)
    return config


class GatewayProcess:
    def __init__(self, args: list[str]) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("UVIS_DATABASE_URL", None)
        self.proc = subprocess.Popen(EXE + ["run"] + args, env=env, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            match = READY.search(line)
            if match:
                self.api = int(match["api"])
                threading.Thread(target=self._drain, daemon=True).start()
                return
        self.proc.kill()
        raise AssertionError("gateway did not become ready:\n" + "".join(self.lines))

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)

    def metric(self, name: str) -> float:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.api}/metrics", timeout=10) as response:
            text = response.read().decode()
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith(name + "{") or line.startswith(name + " "))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(60)


def uvis_json(i: int) -> bytes:
    fix_time = (T0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return b'{"fix_time":"%s","lat":%.4f,"lon":25.5}' % (fix_time.encode(), 54 + i / 10_000)


async def publish_stream(broker, base: str, devices: int, per_device: int, period: float) -> set:
    """devices x per_device messages, one round every ``period`` s; the keys the broker accepted."""
    client = AsyncMqttClient(MqttBrokerSettings(url=broker.url, version=broker.version,
                                                client_id=unique("pub-")),
                             manual_ack=False, persistent=False)
    assert await client.start(10)
    keys, futures = set(), []
    try:
        for i in range(per_device):
            for d in range(devices):
                futures.append(client.publish(f"{base}/dev{d}", uvis_json(i)))
                keys.add((f"dev{d}", T0 + timedelta(seconds=i)))
            await asyncio.sleep(period)
        await asyncio.gather(*futures)
    finally:
        await client.close()
    return keys


async def stored(dsn: str, prefix: str | None = None) -> list[tuple[str, datetime]]:
    return [(d, t) for d, t in await stored_keys(dsn) if prefix is None or d.startswith(prefix)]


async def wait_stored(dsn: str, n: int, timeout: float = 30.0, prefix: str | None = None) -> list:
    deadline = time.monotonic() + timeout
    while True:
        rows = await stored(dsn, prefix)
        if len(rows) >= n or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.2)


async def start(args: list[str]) -> GatewayProcess:
    return await asyncio.to_thread(GatewayProcess, args)


async def test_sigkill_mid_stream_then_restart_nothing_lost_nothing_twice(
        tmp_path, clean_database_url, mqtt_broker) -> None:
    if not mqtt_broker.redelivers_in_flight:
        pytest.skip(f"the test broker ({mqtt_broker.kind}) loses in-flight QoS 1 messages of a "
                    "dead connection")
    base, client_id = unique("kill"), unique("gw-")
    # a 1 s batch age keeps unacknowledged messages in flight at any moment
    config = write_config(tmp_path, mqtt_broker, client_id,
                          [(f"{base}/+", "uvis-json", "topic:-1")], batch_max_age=1.0)
    args = ["--config", str(config), "--database-url", clean_database_url]
    first = await start(args)
    procs = [first]

    async def crash_and_restart() -> None:
        await asyncio.sleep(1.5)
        first.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.proc.wait)
        await asyncio.sleep(0.5)
        procs.append(await start(args))

    try:
        keys, _ = await asyncio.gather(publish_stream(mqtt_broker, base, 20, 25, 0.12),
                                       crash_and_restart())
        rows = await wait_stored(clean_database_url, len(keys))
        second = procs[1]
        redelivered = await asyncio.to_thread(second.metric, "uvis_mqtt_redeliveries_total")
        received = await asyncio.to_thread(second.metric, "uvis_mqtt_messages_total")
    finally:
        statuses = [await asyncio.to_thread(p.stop) for p in procs]
        await forget_session(mqtt_broker, client_id)
    assert first.proc.returncode == -signal.SIGKILL and statuses[1] == 0
    assert len(keys) == 500
    assert len(rows) == len(set(rows)) == 500 and set(rows) == keys     # nothing lost, nothing twice
    assert redelivered > 0                        # the broker sent the unacknowledged ones again
    assert received < 500                         # ... and only what the first process had not acked


async def test_two_gateways_on_one_shared_subscription_store_every_message_once(
        tmp_path, clean_database_url, mqtt_broker) -> None:
    if not mqtt_broker.shared_subscriptions:
        pytest.skip(f"the test broker ({mqtt_broker.kind}) has no shared subscriptions")
    base, group = unique("sh"), unique("grp")
    ids = [unique("gwa-"), unique("gwb-")]
    procs = []
    try:
        for n, client_id in enumerate(ids):
            config = write_config(tmp_path, mqtt_broker, client_id,
                                  [(f"$share/{group}/{base}/+", "uvis-json", "topic:-1")],
                                  name=f"gw{n}.toml")
            procs.append(await start(["--config", str(config), "--database-url", clean_database_url]))
        keys = await publish_stream(mqtt_broker, base, 20, 20, 0.02)
        rows = await wait_stored(clean_database_url, len(keys))
        await asyncio.sleep(0.5)  # anything delivered twice would show up in the counters now
        counts = [await asyncio.to_thread(p.metric, "uvis_mqtt_messages_total") for p in procs]
        duplicates = [await asyncio.to_thread(p.metric, "uvis_duplicates_total") for p in procs]
    finally:
        statuses = [await asyncio.to_thread(p.stop) for p in procs]
        for client_id in ids:
            await forget_session(mqtt_broker, client_id)
    assert statuses == [0, 0]
    assert len(rows) == len(set(rows)) == 400 and set(rows) == keys
    assert sum(counts) == 400 and min(counts) > 0      # split between the two, each message once
    assert duplicates == [0, 0]


async def test_run_flags_and_simulate_over_mqtt_in_every_format(
        tmp_path, clean_database_url, mqtt_broker) -> None:
    base, user, client_id = unique("cli"), unique("u"), unique("gw-")
    config = tmp_path / "uvis.toml"
    config.write_text('api_host = "127.0.0.1"\napi_port = 0\nbatch_max_age = 0.05\nspool = "off"\n'
                      '[[listeners]]\nprotocol = "gt06"\nport = 0\nhost = "127.0.0.1"\n')
    formats = {  # format -> (subscription filter, simulator topic, stored device id prefix)
        "owntracks": (f"owntracks/{user}/+", f"owntracks/{user}/{{id}}", f"{user}:"),
        "uvis-json": (f"{base}/json/+", f"{base}/json/{{id}}", "861"),
        "nmea": (f"{base}/nmea/+", f"{base}/nmea/{{id}}", "862"),
        "teltonika": (f"{base}/tel/+", f"{base}/tel/{{id}}", "863"),
    }
    first_ids = {"owntracks": 860000000000000, "uvis-json": 861000000000000,
                 "nmea": 862000000000000, "teltonika": 863000000000000}
    url = f"{mqtt_broker.url}?client_id={client_id}&version={mqtt_broker.version}"
    args = ["--config", str(config), "--database-url", clean_database_url, "--mqtt", url]
    for fmt, (topic_filter, _, _) in formats.items():
        args += ["--mqtt-subscription", f"{topic_filter}={fmt}"]
    gw = await start(args)
    summaries = {}
    try:
        async def simulate(fmt: str) -> None:
            out = tmp_path / f"{fmt}.json"
            proc = await asyncio.create_subprocess_exec(
                *EXE, "simulate", "--transport", "mqtt", "--target",
                f"{mqtt_broker.url}?version={mqtt_broker.version}", "--format", fmt,
                "--topic", formats[fmt][1], "--devices", "3", "--rate", "4", "--duration", "1.5",
                "--first-id", str(first_ids[fmt]), "--json", str(out), "--quiet",
                stdout=asyncio.subprocess.DEVNULL)
            assert await proc.wait() == 0
            summaries[fmt] = json.loads(out.read_text())

        await asyncio.gather(*(simulate(fmt) for fmt in formats))
        total = sum(s["sent"] for s in summaries.values())
        rows = await wait_stored(clean_database_url, total)
    finally:
        status = await asyncio.to_thread(gw.stop)
        await forget_session(mqtt_broker, client_id)
    assert status == 0
    for fmt, summary in summaries.items():
        assert summary["sent"] >= 3 * 4 and summary["acked"] == summary["sent"] and summary["errors"] == 0
        mine = [r for r in rows if r[0].startswith(formats[fmt][2])]
        assert len(mine) == summary["sent"], fmt
        assert {d for d, _ in mine} == {f"{formats[fmt][2] if fmt == 'owntracks' else ''}{first_ids[fmt] + i}"
                                       for i in range(3)}
    assert len(rows) == len(set(rows)) == total
