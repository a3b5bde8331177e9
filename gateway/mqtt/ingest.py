"""MQTT ingestion: subscribe to brokers, decode each message's payload, hand
the records to the writer, and send the PUBACK only after the batch holding
them has committed.

Delivery: QoS 1 on a persistent session (MQTT 5: clean start off with a
session expiry; 3.1.1: clean session off) under a fixed client id, so a
gateway that dies before a commit gets those messages again from the broker
(with the DUP flag, counted as redeliveries); the store absorbs what was
already committed as duplicates. PUBACKs go in the order the messages
arrived (MQTT 4.6): the writer runs its callbacks in submission order, and a
message that yields no records, or that fails to decode (counted, archived
in raw_frames and acknowledged, so the broker does not redeliver garbage
forever), is acknowledged at once unless earlier messages still wait for
their commit, then right after them.

Back-pressure: the broker sends at most ``receive_maximum`` (MQTT 5; the
broker's own in-flight limit with 3.1.1) unacknowledged messages, and we
acknowledge only after commit, so a slow database slows the stream down at
the broker instead of filling our memory.

Shared subscriptions (``$share/<group>/<filter>``) split one stream across
gateway processes. Messages arrive with their real topic, so routing matches
against the inner filter (``mqtt_config.inner_filter``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable

from protocols import Decoded

from ..runtime.archive import new_session_id
from ..runtime.ingest import Ingest
from ..runtime.metrics import Metrics
from ..transports.driver import SKIP, Driver, LiveRules
from .client import AsyncMqttClient
from .config import parse_filter, topic_matches
from .payloads import PayloadDecoder, make_decoder

__all__ = ["MqttIngest", "BrokerIngest"]

log = logging.getLogger("uvis.gateway.mqtt")

_MAX_CACHED_TOPICS = 200_000


class _Payloads:
    """A subscription's payload decoder as the driver sees a connection: one
    frame (a message's payload) at a time; ``topic`` is set before each."""

    __slots__ = ("decoder", "topic")

    device_id = None

    def __init__(self, decoder: PayloadDecoder) -> None:
        self.decoder = decoder
        self.topic = ""

    def receive_frame(self, payload: bytes, now: datetime) -> Decoded:
        positions, events = self.decoder.decode(self.topic, payload, now)
        return Decoded(positions=positions, events=events)


class _Route:
    __slots__ = ("filter", "levels", "format", "decoder", "metrics", "frames", "driver")

    def __init__(self, sub: Any, broker_label: str, metrics: Metrics, ingest: Ingest) -> None:
        self.filter = sub.filter
        self.levels = parse_filter(sub.filter)
        self.decoder: PayloadDecoder = make_decoder(sub.format, sub.device_id, sub.options)
        self.format = self.decoder.name or sub.format
        self.metrics = metrics.for_subscription(broker_label, sub.filter)
        self.frames = metrics.for_listener(self.format, "mqtt")
        #: the one driver (gateway/transports/driver.py): error and archive
        #: rules; no budget (the broker authenticated the publisher)
        self.driver = Driver(_Payloads(self.decoder), LiveRules(
            ingest, self.frames, self.format, "mqtt", log_name=f"mqtt {broker_label}"))


class BrokerIngest:
    """One broker: its client, its subscriptions and the message path."""

    def __init__(self, broker: Any, ingest: Ingest, metrics: Metrics, **client_options: Any) -> None:
        self.ingest = ingest
        self.metrics = metrics
        self.client = AsyncMqttClient(
            broker, on_message=self._on_message, on_state=self._on_state,
            subscriptions=[(sub.filter, 1) for sub in broker.subscriptions]
            + (ingest.commands.mqtt_subscriptions() if ingest.commands is not None else []),
            **client_options)
        self.label = self.client.address.label
        self.routes = [_Route(sub, self.label, metrics, ingest) for sub in broker.subscriptions]
        self._topics: dict[str, _Route | None] = {}
        self._session = new_session_id()
        for route in self.routes:
            route.driver.session = self._session
        self._unrouted_logged = False
        metrics.mqtt_connected.labels(self.label).set(0)

    def route(self, topic: str) -> _Route | None:
        """The first subscription (in configuration order) whose filter matches."""
        found = self._topics.get(topic, False)
        if found is not False:
            return found
        found = next((r for r in self.routes if topic_matches(r.levels, topic)), None)
        if len(self._topics) >= _MAX_CACHED_TOPICS:
            self._topics.clear()
        self._topics[topic] = found
        return found

    def _on_state(self, connected: bool) -> None:
        self.metrics.mqtt_connected.labels(self.label).set(1 if connected else 0)
        if connected:
            self.metrics.mqtt_connects.labels(self.label).inc()
            self._session = new_session_id()
            for route in self.routes:
                route.driver.session = self._session

    def _acker(self, mid: int, qos: int, generation: int) -> Callable[[], None] | None:
        if qos == 0:
            return None
        client = self.client
        return lambda: client.ack(mid, qos, generation)

    def _on_message(self, message: Any, generation: int) -> None:
        if self.ingest.paused:  # the ingest queue is full: memory stays bounded
            # QoS 0 is dropped and counted; QoS 1/2 is not acknowledged (the
            # broker delivers it again after a reconnect, and stops sending once
            # receive_maximum messages are unacknowledged)
            frames = self.metrics.for_listener("mqtt", "mqtt")
            frames.dropped("backpressure" if message.qos == 0 else "backpressure_unacknowledged")
            self.ingest.guard.logs.note("mqtt", "messages dropped (ingest queue full)", self.label)
            return
        ack = self._acker(message.mid, message.qos, generation)
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = None
        commands = self.ingest.commands  # commands to devices: answers, devices reachable here
        if commands is not None and commands.mqtt_answer(topic, message.payload):
            self._submit((), (), ack)
            return
        route = self.route(topic) if topic is not None else None
        if route is None:
            self._unrouted(topic)
            self._submit((), (), ack)
            return
        payload = message.payload
        m = route.metrics
        m.messages.inc()
        m.bytes.inc(len(payload))
        if message.dup:
            m.redeliveries.inc()
        route.frames.frames.inc()
        driver = route.driver
        driver.conn.topic = driver.peer = topic
        decoded = driver.frame(payload, datetime.now(timezone.utc))
        driver.stop = None  # a message stands alone: nothing to close
        if decoded is SKIP:  # garbage or a decoder bug (counted, logged, archived): acknowledged,
            m.decode_errors.inc()  # so the broker does not redeliver it for ever
            self._submit((), (), ack)
            return
        positions, events = decoded.positions, decoded.events
        if not self.ingest.gate.register_unknown:
            positions, events = self._admitted(route, positions, events)
        if positions:
            route.frames.positions.inc(len(positions))
        if events:
            route.frames.events.inc(len(events))
        if commands is not None and (positions or events):
            commands.mqtt_seen(self.client, (*positions, *events))
        self._submit(positions, events, ack, ("mqtt", payload))

    def _submit(self, positions: Any, events: Any, ack: Callable[[], None] | None,
                frame: tuple[str, bytes] | None = None) -> None:
        try:
            self.ingest.submit(positions, events, ack, frame)
        except RuntimeError:  # the writer is closed (shutting down): no ACK, the broker redelivers
            log.debug("mqtt %s: writer closed, message left unacknowledged", self.label)

    def _admitted(self, route: _Route, positions: Any, events: Any) -> tuple[Any, Any]:
        gate = self.ingest.gate
        kept_p = [p for p in positions if gate.admits(p.device_id)]
        kept_e = [e for e in events if gate.admits(e.device_id)]
        refused = len(positions) + len(events) - len(kept_p) - len(kept_e)
        if refused:
            route.frames.rejected.inc(refused)
        return kept_p, kept_e

    def _unrouted(self, topic: str | None) -> None:
        if not self._unrouted_logged:
            self._unrouted_logged = True
            log.warning("mqtt %s: message on %r matches no configured subscription (a subscription "
                        "left in the persistent session?); acknowledged and dropped",
                        self.label, topic)


class MqttIngest:
    """Every configured broker. Lifecycle (gateway/runtime/app.py): ``start`` after the
    writer; ``stop_reading`` before the writer's last flush; ``close`` after it
    (the flush's PUBACKs go out, then DISCONNECT, keeping the session)."""

    def __init__(self, settings: Any, ingest: Ingest, metrics: Metrics, **client_options: Any) -> None:
        self.brokers = [BrokerIngest(b, ingest, metrics, **client_options) for b in settings.brokers]

    async def start(self, wait: float = 5.0) -> None:
        for broker in self.brokers:
            if not await broker.client.start(wait):
                log.warning("mqtt %s: not subscribed yet; still trying in the background",
                            broker.label)

    def stop_reading(self) -> None:
        for broker in self.brokers:
            broker.client.pause_reading()

    async def close(self, timeout: float = 5.0) -> None:
        for broker in self.brokers:
            await broker.client.close(timeout)
