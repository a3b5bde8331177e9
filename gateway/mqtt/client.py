"""paho-mqtt 2 driven by the asyncio event loop, with manual acknowledgement.

Why paho and not aiomqtt: aiomqtt 2.x (2.5 at the time of writing) always
lets paho send the PUBACK as soon as a message is handed over; manual
acknowledgement is an open request there (empicano/aiomqtt#345, PR #346).
paho-mqtt 2 has ``manual_ack`` and ``ack(mid, qos)``, which is what "PUBACK
only after the commit" needs.

The adapter follows paho's external-loop interface, without a thread: the
socket is watched with ``loop.add_reader``/``add_writer`` (``loop_read``,
``loop_write``), a task calls ``loop_misc`` once a second (keepalive), and a
task reconnects with exponential backoff (jittered, capped) and resubscribes
after every CONNACK. Only the blocking TCP/TLS connect runs in an executor
thread; the socket callbacks it triggers hop to the loop thread.

Acknowledgements carry the connection ``generation`` they belong to: a
message received on a connection that has since dropped is never
acknowledged on a later one (its packet id may name another message there);
the broker redelivers it instead.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import threading
from typing import Any, Callable, Sequence

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from .config import broker_address

__all__ = ["AsyncMqttClient"]

log = logging.getLogger("uvis.gateway.mqtt")

#: largest MQTT packet we accept (MQTT 5 CONNECT Maximum Packet Size; larger
#: messages are dropped by the broker, never sent to us)
MAX_PACKET_SIZE = 256 * 1024

#: most packets handled per readable event before yielding to the loop
_READ_BURST = 256


class AsyncMqttClient:
    """One broker connection (``settings``: a ``MqttBrokerSettings``-like object).

    ``on_message(message, generation)`` runs on the loop thread for each
    PUBLISH; ``subscriptions`` are (filter, qos) pairs subscribed after every
    connect. ``manual_ack``: the caller acknowledges with ``ack``.
    """

    def __init__(self, settings: Any, *, on_message: Callable[[Any, int], None] | None = None,
                 subscriptions: Sequence[tuple[str, int]] = (), manual_ack: bool = True,
                 persistent: bool = True, retry_initial: float = 0.5, retry_max: float = 30.0,
                 on_state: Callable[[bool], None] | None = None) -> None:
        self.address = broker_address(settings.url)
        self.settings = settings
        self.subscriptions = list(subscriptions)
        self._on_message = on_message
        self._on_state = on_state
        self.persistent = persistent
        self.v5 = settings.version == "5"
        self.retry_initial, self.retry_max = retry_initial, retry_max
        self.generation = 0
        self.connected = False
        self.connects = 0
        self.received = 0
        self.paused = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sock: Any = None
        self._connack: asyncio.Future | None = None
        self._lost: asyncio.Event = asyncio.Event()
        self.subscribed = asyncio.Event()
        self.up = asyncio.Event()
        self._sub_mids: dict[int, list[str]] = {}
        self._publishes: dict[int, asyncio.Future] = {}
        self._closing = False
        self._task: asyncio.Task | None = None
        self._misc: asyncio.Task | None = None
        self.client = self._make_client(manual_ack)

    # -- construction ----------------------------------------------------------------
    def _make_client(self, manual_ack: bool) -> paho.Client:
        s, a = self.settings, self.address
        kwargs: dict[str, Any] = {"client_id": s.client_id, "manual_ack": manual_ack,
                                  "protocol": paho.MQTTv5 if self.v5 else paho.MQTTv311}
        if not self.v5:
            kwargs["clean_session"] = not self.persistent
        client = paho.Client(paho.CallbackAPIVersion.VERSION2, **kwargs)
        client.suppress_exceptions = True
        # publishing (simulator, benchmark): no in-flight limit of paho's own, which rescans its
        # whole outgoing queue on every PUBACK when limited; callers pace themselves. (Mosquitto
        # 2.0 announces Receive Maximum 20 but does not hold QoS 1 publishers to it.)
        client.max_inflight_messages_set(0)
        client.max_queued_messages_set(0)
        username = s.username if s.username is not None else a.username
        password = s.password if s.password is not None else a.password
        if username is not None:
            client.username_pw_set(username, password)
        if a.tls:
            client.tls_set(ca_certs=s.ca_file, cert_reqs=ssl.CERT_NONE if s.tls_insecure else ssl.CERT_REQUIRED)
            client.tls_insecure_set(s.tls_insecure)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_subscribe = self._handle_subscribe
        client.on_message = self._handle_message
        client.on_publish = self._handle_publish
        client.on_socket_open = self._socket_open
        client.on_socket_close = self._socket_close
        client.on_socket_register_write = self._register_write
        client.on_socket_unregister_write = self._unregister_write
        return client

    def _connect_args(self) -> dict[str, Any]:
        s = self.settings
        args: dict[str, Any] = {"keepalive": s.keepalive}
        if self.v5:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = s.session_expiry if self.persistent else 0
            props.ReceiveMaximum = s.receive_maximum
            # the broker must not send us packets larger than this (memory per message bounded)
            props.MaximumPacketSize = MAX_PACKET_SIZE
            args["clean_start"] = not self.persistent
            args["properties"] = props
        return args

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self, wait: float = 5.0) -> bool:
        """Start connecting (in the background, with retries); True once
        subscribed within ``wait`` seconds (False: still trying)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._task = self._loop.create_task(self._run(), name=f"uvis-mqtt {self.address.label}")
        ready = self.subscribed if self.subscriptions else self.up
        try:
            async with asyncio.timeout(wait):
                await ready.wait()
            return True
        except TimeoutError:
            return False

    async def _run(self) -> None:
        delay = self.retry_initial
        first = True
        while not self._closing:
            try:
                if await self._connect_once(first):
                    delay = self.retry_initial
                    await self._lost.wait()
            except (OSError, ssl.SSLError, TimeoutError, ValueError) as exc:
                log.warning("mqtt %s: connect failed (%s); retry in %.1f s", self.address.label,
                            exc or type(exc).__name__, delay)
            first = False
            if self._closing:
                return
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.retry_max)

    async def _connect_once(self, first: bool) -> bool:
        self._lost.clear()
        self._connack = self._loop.create_future()
        a = self.address
        if first:
            call = lambda: self.client.connect(a.host, a.port, **self._connect_args())  # noqa: E731
        else:
            call = self.client.reconnect
        await self._loop.run_in_executor(None, call)
        try:
            async with asyncio.timeout(max(10.0, self.settings.keepalive)):
                ok = await self._connack
        except TimeoutError:  # the next reconnect() closes this socket
            log.warning("mqtt %s: no CONNACK", a.label)
            return False
        return ok

    async def close(self, timeout: float = 5.0) -> None:
        """Send what is queued (the last PUBACKs), then DISCONNECT, keeping the session."""
        self._closing = True
        if self.connected:
            try:
                async with asyncio.timeout(timeout):
                    while self.client.want_write() and self.connected:
                        await asyncio.sleep(0.01)
                    self.client.disconnect()
                    await self._lost.wait()
            except TimeoutError:
                log.warning("mqtt %s: disconnect timed out", self.address.label)
        for task in (self._task, self._misc):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (self._task, self._misc) if t), return_exceptions=True)
        sock = self._sock
        if sock is not None:  # the DISCONNECT did not go out: drop the connection
            self._socket_close(self.client, None, sock)
            sock.close()

    # -- flow --------------------------------------------------------------------------------
    def pause_reading(self) -> None:
        self.paused = True
        if self._sock is not None:
            self._loop.remove_reader(self._sock)

    def resume_reading(self) -> None:
        self.paused = False
        if self._sock is not None:
            self._loop.add_reader(self._sock, self._readable)

    def ack(self, mid: int, qos: int, generation: int) -> bool:
        """PUBACK ``mid`` if it was received on the current connection."""
        if qos == 0 or generation != self.generation or not self.connected:
            return False
        return self.client.ack(mid, qos) == paho.MQTT_ERR_SUCCESS

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> asyncio.Future:
        """A future resolved when the broker acknowledged (QoS 1) or it was sent (QoS 0)."""
        info = self.client.publish(topic, payload, qos=qos)
        future = self._loop.create_future()
        if info.rc != paho.MQTT_ERR_SUCCESS and info.rc != paho.MQTT_ERR_NO_CONN:
            future.set_exception(ConnectionError(paho.error_string(info.rc)))
        elif info.is_published():
            future.set_result(None)
        else:
            self._publishes[info.mid] = future
        return future

    # -- paho callbacks (loop thread, except the socket ones during connect) -----------------
    def _on_loop(self, fn: Callable[..., None], *args: Any) -> None:
        if threading.get_ident() == self._loop_thread:
            fn(*args)
        else:
            self._loop.call_soon_threadsafe(fn, *args)

    def _socket_open(self, client: Any, userdata: Any, sock: Any) -> None:
        self._on_loop(self._watch, sock)

    def _watch(self, sock: Any) -> None:
        if sock.fileno() < 0:
            return
        self._sock = sock
        if not self.paused:
            self._loop.add_reader(sock, self._readable)
        if self._misc is None or self._misc.done():
            self._misc = self._loop.create_task(self._misc_loop())

    def _socket_close(self, client: Any, userdata: Any, sock: Any) -> None:
        def unwatch() -> None:
            if sock.fileno() >= 0:
                self._loop.remove_reader(sock)
                self._loop.remove_writer(sock)
            if self._sock is sock:
                self._sock = None
        self._on_loop(unwatch)

    def _register_write(self, client: Any, userdata: Any, sock: Any) -> None:
        self._on_loop(lambda: sock.fileno() >= 0 and self._loop.add_writer(sock, self._writable))

    def _unregister_write(self, client: Any, userdata: Any, sock: Any) -> None:
        self._on_loop(lambda: sock.fileno() >= 0 and self._loop.remove_writer(sock))

    def _readable(self) -> None:
        client = self.client
        for _ in range(_READ_BURST):
            before = self.received
            client.loop_read()
            sock = self._sock
            if sock is None or self.paused:
                return
            if self.received == before and not (isinstance(sock, ssl.SSLSocket) and sock.pending()):
                return

    def _writable(self) -> None:
        self.client.loop_write()

    async def _misc_loop(self) -> None:
        while self._sock is not None:
            self.client.loop_misc()
            await asyncio.sleep(1.0)

    def _handle_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("mqtt %s: connection refused: %s", self.address.label, reason)
            self._resolve_connack(False)
            return
        self.generation += 1
        self.connects += 1
        self.connected = True
        self.up.set()
        log.info("mqtt %s: connected as %s (session %s)", self.address.label,
                 self.settings.client_id, "resumed" if flags.session_present else "new")
        if self._on_state is not None:
            self._on_state(True)
        self._subscribe()
        self._resolve_connack(True)

    def _resolve_connack(self, ok: bool) -> None:
        if self._connack is not None and not self._connack.done():
            self._connack.set_result(ok)

    def _subscribe(self) -> None:
        if not self.subscriptions:
            return
        if self.v5:  # retained messages only when the subscription is new
            topics = [(f, SubscribeOptions(qos=q, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB))
                      for f, q in self.subscriptions]
        else:
            topics = list(self.subscriptions)
        rc, mid = self.client.subscribe(topics)
        if rc == paho.MQTT_ERR_SUCCESS:
            self._sub_mids[mid] = [f for f, _ in self.subscriptions]

    def _handle_subscribe(self, client: Any, userdata: Any, mid: int, codes: list, props: Any) -> None:
        filters = self._sub_mids.pop(mid, [])
        failed = [(f, str(c)) for f, c in zip(filters, codes) if c.is_failure]
        for topic_filter, code in failed:
            log.error("mqtt %s: subscription %s refused: %s", self.address.label, topic_filter, code)
        log.info("mqtt %s: subscribed to %s", self.address.label,
                 ", ".join(f for f in filters if f not in dict(failed)) or "nothing")
        self.subscribed.set()

    def _handle_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        was = self.connected
        self.connected = False
        self.up.clear()
        self.subscribed.clear()
        self._resolve_connack(False)
        if was and not self._closing:
            log.warning("mqtt %s: disconnected (%s); reconnecting", self.address.label, reason)
        if was and self._on_state is not None:
            self._on_state(False)
        self._lost.set()

    def _handle_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.received += 1
        if self._on_message is None:
            return
        try:
            self._on_message(message, self.generation)
        except Exception:  # never let one message break the read loop
            log.exception("mqtt %s: message handler failed", self.address.label)

    def _handle_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any) -> None:
        future = self._publishes.pop(mid, None)
        if future is not None and not future.done():
            if reason.is_failure:
                future.set_exception(ConnectionError(f"publish refused: {reason}"))
            else:
                future.set_result(None)
