"""The MQTT broker the tests use (a pytest plugin: ``pytest_plugins =
["tests.mqtt_broker"]``).

``mqtt_broker`` (session): ``UVIS_TEST_MQTT_URL`` when set (``?version=3.1.1``
for a broker without MQTT 5); else the broker on 127.0.0.1:1883 when one
answers a CONNECT; else one started for the session on a free port: the
``mosquitto`` binary when installed, else amqtt (PyPI, in the test extra;
MQTT 3.1.1 without shared subscriptions, and it drops in-flight messages of a
dead connection, so the tests that need those skip).
``UVIS_TEST_MQTT_SERVER=mosquitto|amqtt`` forces starting that one.

The broker is shared (with other test runs too): tests use unique topics and
client ids (``unique``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

__all__ = ["BrokerInfo", "mqtt_broker", "unique", "probe", "forget_session"]


@dataclass(frozen=True)
class BrokerInfo:
    url: str
    host: str
    port: int
    version: str  # "5" or "3.1.1"
    kind: str
    shared_subscriptions: bool
    #: keeps unacknowledged QoS 1 messages of a dead connection for the session (amqtt
    #: 0.12 drops them when the connection dies, or 5 s after sending them)
    redelivers_in_flight: bool = True


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def _connect_packet(version: str, username: str | None) -> bytes:
    client_id = unique("uvis-probe-").encode()
    flags = 0x02 | (0x80 if username else 0)  # clean start/session (+ user name)
    if version == "5":
        variable = b"\x00\x04MQTT\x05" + bytes([flags]) + b"\x00\x0a\x00"  # keepalive 10, no properties
    else:
        variable = b"\x00\x04MQTT\x04" + bytes([flags]) + b"\x00\x0a"
    body = variable + len(client_id).to_bytes(2, "big") + client_id
    if username:
        body += len(username).to_bytes(2, "big") + username.encode()
    return bytes([0x10, len(body)]) + body


def probe(host: str, port: int, version: str = "5", timeout: float = 2.0,
          username: str | None = None) -> bool:
    """True when an MQTT broker at host:port accepts a CONNECT of ``version``."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_connect_packet(version, username))
            head = sock.recv(5)
            sock.sendall(b"\xe0\x00")  # DISCONNECT
    except OSError:
        return False
    # CONNACK: 0x20, length, flags, return/reason code 0
    return len(head) >= 4 and head[0] == 0x20 and head[3] == 0


async def forget_session(broker: BrokerInfo, client_id: str) -> None:
    """Make the broker drop ``client_id``'s persistent session (clean start)."""
    from gateway.mqtt.client import AsyncMqttClient
    from gateway.settings import MqttBrokerSettings

    client = AsyncMqttClient(MqttBrokerSettings(url=broker.url, version=broker.version,
                                                client_id=client_id), persistent=False)
    await client.start(5)
    await client.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(host: str, port: int, version: str, proc: subprocess.Popen, what: str,
          username: str | None = None) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        if probe(host, port, version, timeout=0.5, username=username):
            return
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{what} did not answer on {host}:{port}")


def _start_mosquitto(binary: str, tmp: str) -> tuple[subprocess.Popen, BrokerInfo]:
    port = _free_port()
    conf = os.path.join(tmp, "mosquitto.conf")
    with open(conf, "w") as handle:
        handle.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                     "max_queued_messages 100000\n")
    proc = subprocess.Popen([binary, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait("127.0.0.1", port, "5", proc, "mosquitto")
    return proc, BrokerInfo(f"mqtt://127.0.0.1:{port}", "127.0.0.1", port, "5", "mosquitto (ours)", True)


def _start_amqtt(tmp: str) -> tuple[subprocess.Popen, BrokerInfo]:
    """amqtt keeps messages for an offline persistent session only when the
    client is not anonymous: clients log in with a user name (any)."""
    port = _free_port()
    conf = os.path.join(tmp, "amqtt.yaml")
    with open(conf, "w") as handle:
        handle.write(f"listeners:\n  default:\n    type: tcp\n    bind: 127.0.0.1:{port}\n"
                     "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n"
                     "    allow_anonymous: false\n")
    script = "from amqtt.scripts.broker_script import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", script, "-c", conf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait("127.0.0.1", port, "3.1.1", proc, "amqtt", username="uvis")
    return proc, BrokerInfo(f"mqtt://uvis:uvis@127.0.0.1:{port}", "127.0.0.1", port, "3.1.1",
                            "amqtt (ours)", False, False)


def _given(url: str) -> BrokerInfo:
    parts = urlsplit(url)
    version = parse_qs(parts.query).get("version", ["5"])[-1]
    host, port = parts.hostname or "127.0.0.1", parts.port or 1883
    return BrokerInfo(url.split("?", 1)[0], host, port, version, "UVIS_TEST_MQTT_URL",
                      version == "5")


@pytest.fixture(scope="session")
def mqtt_broker():
    if os.environ.get("UVIS_TEST_MQTT_URL"):
        yield _given(os.environ["UVIS_TEST_MQTT_URL"])
        return
    forced = os.environ.get("UVIS_TEST_MQTT_SERVER")
    if not forced:
        if probe("127.0.0.1", 1883, "5"):
            yield BrokerInfo("mqtt://127.0.0.1:1883", "127.0.0.1", 1883, "5", "local", True)
            return
        if probe("127.0.0.1", 1883, "3.1.1"):
            yield BrokerInfo("mqtt://127.0.0.1:1883", "127.0.0.1", 1883, "3.1.1", "local", False)
            return
    tmp = tempfile.mkdtemp(prefix="uvis-test-mqtt-")
    binary = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.path.exists(p)), None)
    try:
        if binary and forced != "amqtt":
            proc, info = _start_mosquitto(binary, tmp)
        else:
            proc, info = _start_amqtt(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        yield info
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
