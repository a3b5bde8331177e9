"""The simulators' MQTT broker client: paho-mqtt 2 publishing at QoS 1, one
future per message resolved by its PUBACK.

Small on purpose (the gateway's subscriber, gateway/mqtt/client.py, has
manual acknowledgement, reconnects and flow control; a simulated device
needs none of that): paho's network loop runs in its own thread
(``loop_start``) and every callback hops to the asyncio loop with
``call_soon_threadsafe``, so the futures are only touched on the loop thread.
A future registered after ``publish`` returns is always found by the PUBACK:
the callback that resolves it runs later on the same thread.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as paho

__all__ = ["BrokerClient", "parse_url"]

_SCHEMES = {"mqtt": (1883, False), "mqtts": (8883, True)}


def parse_url(url: str) -> tuple[str, int, bool, str | None, str | None]:
    """``mqtt://[user[:password]@]host[:port]`` or ``mqtts://``: (host, port,
    tls, user, password); ValueError when it is not a broker URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"expected an mqtt:// or mqtts:// URL, got {url!r}")
    default_port, tls = _SCHEMES[scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError(f"bad port in {url!r}") from None
    if not parts.hostname:
        raise ValueError(f"no host in {url!r}")
    return (parts.hostname, port, tls, unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None)


class BrokerClient:
    """One publishing connection to ``url`` (MQTT ``version`` "5" or "3.1.1")."""

    def __init__(self, url: str, client_id: str, version: str = "5", keepalive: int = 30) -> None:
        self.host, self.port, tls, user, password = parse_url(url)
        self.v5 = version == "5"
        self.keepalive = keepalive
        self._client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id,
                                   protocol=paho.MQTTv5 if self.v5 else paho.MQTTv311)
        if user is not None:
            self._client.username_pw_set(user, password)
        if tls:
            self._client.tls_set_context(ssl.create_default_context())
        self._client.max_inflight_messages_set(65535)
        self._client.max_queued_messages_set(0)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connected: asyncio.Future | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self.connected = False

    async def start(self, timeout: float = 10.0) -> bool:
        """Connect; False when the broker does not accept us within ``timeout``."""
        self._loop = asyncio.get_running_loop()
        self._connected = self._loop.create_future()
        try:
            await self._loop.run_in_executor(None, lambda: self._client.connect(
                self.host, self.port, self.keepalive, clean_start=True if self.v5 else
                paho.MQTT_CLEAN_START_FIRST_ONLY))
        except OSError:
            return False
        self._client.loop_start()
        try:
            return await asyncio.wait_for(asyncio.shield(self._connected), timeout)
        except asyncio.TimeoutError:
            return False

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> asyncio.Future:
        """A future resolved when the broker acknowledged the message (QoS 1),
        failed with ConnectionError when the connection is lost first."""
        future = self._loop.create_future()
        if not self.connected:
            future.set_exception(ConnectionError("not connected to the broker"))
            return future
        info = self._client.publish(topic, payload, qos=qos)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            future.set_exception(ConnectionError(paho.error_string(info.rc)))
        elif qos == 0:
            future.set_result(None)
        else:
            self._pending[info.mid] = future
        return future

    async def close(self) -> None:
        self._client.disconnect()
        await self._loop.run_in_executor(None, self._client.loop_stop)
        self._fail_pending()

    # -- paho's thread -> the loop ---------------------------------------------
    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._loop.call_soon_threadsafe(self._connect_result, not reason.is_failure)

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._loop.call_soon_threadsafe(self._lost)

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        self._loop.call_soon_threadsafe(self._acked, mid, not reason.is_failure)

    # -- on the loop -------------------------------------------------------------
    def _connect_result(self, ok: bool) -> None:
        self.connected = ok
        if self._connected is not None and not self._connected.done():
            self._connected.set_result(ok)

    def _lost(self) -> None:
        self.connected = False
        self._connect_result(False)
        self._fail_pending()

    def _acked(self, mid: int, ok: bool) -> None:
        future = self._pending.pop(mid, None)
        if future is None or future.done():
            return
        if ok:
            future.set_result(None)
        else:
            future.set_exception(ConnectionError("the broker refused the message"))

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(ConnectionError("the connection to the broker was lost"))
