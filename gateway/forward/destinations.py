"""Destinations: each sends a list of messages and says which ones failed.

``send(messages)`` returns the messages that were not acknowledged, each
with the reason, in their order (empty: all acknowledged). One device's
messages are sent one after the other (stopping at its first failure, so
nothing of a device overtakes an unacknowledged earlier message); different
devices go concurrently up to ``concurrency``. An exception from ``send``
means none was acknowledged.

- webhook: the batch as one JSON array POST; ``X-UVIS-Signature:
  sha256=<hex HMAC-SHA256(secret, body)>``, ``Idempotency-Key`` (a digest of
  the message ids: the same batch retried has the same key); 2xx is the
  acknowledgement. Traccar format: one request per record.
- mqtt: one PUBLISH per record at QoS 1; the PUBACK is the acknowledgement.
- amqp: one message per record on a channel with publisher confirms
  (persistent, ``message_id`` set); the confirm is the acknowledgement.
- nats: JetStream publish with ``Nats-Msg-Id`` (JetStream drops repeats
  within its duplicate window); the PubAck is the acknowledgement.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import msgspec

from .messages import Message, render_template, traccar_json, traccar_url
from .settings import ForwardDestinationSettings, destination_kind

__all__ = ["Destination", "make_destination", "per_device", "sign"]

log = logging.getLogger("uvis.forward")

Failures = list[tuple[Message, str]]


def sign(secret: str, body: bytes) -> str:
    """The X-UVIS-Signature header value."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def per_device(messages: Sequence[Message], send_one: Callable[[Message], Awaitable[None]],
                     concurrency: int, timeout: float) -> Failures:
    """Each device's messages in order, devices concurrently; the failures."""
    by_device: dict[str, list[Message]] = {}
    for m in messages:
        by_device.setdefault(m.device_id, []).append(m)
    limit = asyncio.Semaphore(concurrency)
    failed: dict[str, Failures] = {}

    async def device(device_id: str, items: list[Message]) -> None:
        for i, m in enumerate(items):
            try:
                async with limit, asyncio.timeout(timeout):  # no task per message (wait_for)
                    await send_one(m)
            except Exception as exc:  # noqa: BLE001 - any failure is retried or dead-lettered
                reason = f"{type(exc).__name__}: {exc}"[:500]
                failed[device_id] = [(x, reason) for x in items[i:]]
                return

    await asyncio.gather(*(device(d, items) for d, items in by_device.items()))
    failures = {id(m): r for fl in failed.values() for m, r in fl}
    return [(m, failures[id(m)]) for m in messages if id(m) in failures]


def pack(messages: Sequence[Message], key: Callable[[Message], str],
         max_records: int) -> list[tuple[Message, list[Message]]]:
    """(unit, its messages): with ``max_records`` 1 each message alone; else
    the messages of one key (the rendered subject, topic or routing key) in
    order, in JSON arrays of up to ``max_records``. A unit's ``device_id`` is
    then its key (its messages go in order; ``kind`` "batch"), its id a
    digest of theirs."""
    if max_records <= 1:
        return [(m, [m]) for m in messages]
    groups: dict[str, list[Message]] = {}
    for m in messages:
        groups.setdefault(key(m), []).append(m)
    units = []
    for k, items in groups.items():
        for i in range(0, len(items), max_records):
            part = items[i:i + max_records]
            digest = hashlib.blake2b("\n".join(m.id for m in part).encode(), digest_size=12)
            units.append((msgspec.structs.replace(
                part[0], id="b-" + digest.hexdigest(), kind="batch", device_id=k,
                payload=b"[" + b",".join(m.payload for m in part) + b"]"), part))
    return units


def unpack(units: list[tuple[Message, list[Message]]], failures: Failures) -> Failures:
    """The failures of units as the failures of their messages."""
    failed = {id(u): r for u, r in failures}
    return [(m, failed[id(u)]) for u, members in units if id(u) in failed for m in members]


class Destination:
    def __init__(self, settings: ForwardDestinationSettings) -> None:
        self.settings = settings
        self.name = settings.name

    async def open(self) -> None:
        pass

    async def send(self, messages: Sequence[Message]) -> Failures:
        raise NotImplementedError

    async def close(self) -> None:
        pass


class Webhook(Destination):
    def __init__(self, settings: ForwardDestinationSettings) -> None:
        super().__init__(settings)
        self._session: Any = None

    async def open(self) -> None:
        import aiohttp

        ctx: Any = None if self.settings.tls_verify else False
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.settings.timeout),
            connector=aiohttp.TCPConnector(ssl=ctx, limit=64))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _headers(self, body: bytes, key: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Idempotency-Key": key,
                   **self.settings.headers}
        if self.settings.secret:
            headers["X-UVIS-Signature"] = sign(self.settings.secret, body)
        return headers

    async def _post(self, url: str, body: bytes, key: str, method: str = "POST") -> None:
        async with self._session.request(method, url, data=body if method == "POST" else None,
                                         headers=self._headers(body, key)) as resp:
            await resp.read()
            if resp.status // 100 != 2:
                raise ConnectionError(f"HTTP {resp.status}")

    async def send(self, messages: Sequence[Message]) -> Failures:
        if self.settings.format == "traccar":
            return await per_device(messages, self._send_traccar, self.settings.concurrency,
                                    self.settings.timeout)
        body = b"[" + b",".join(m.payload for m in messages) + b"]"
        key = hashlib.blake2b("\n".join(m.id for m in messages).encode(), digest_size=16).hexdigest()
        try:
            await self._post(self.settings.url, body, key)
        except Exception as exc:  # noqa: BLE001
            reason = f"{type(exc).__name__}: {exc}"[:500]
            return [(m, reason) for m in messages]
        return []

    async def _send_traccar(self, m: Message) -> None:
        url = self.settings.url
        if "{" in url:  # Traccar's forward.url: a GET with the placeholders filled in
            await self._post(traccar_url(url, m), b"", m.id, method="GET")
        else:           # forward.json
            await self._post(url, traccar_json(m), m.id)


class Mqtt(Destination):
    def __init__(self, settings: ForwardDestinationSettings) -> None:
        super().__init__(settings)
        parts = urlsplit(settings.url)
        self.topic = parts.path.lstrip("/") or "uvis/{kind}/{device_id}"
        self.broker_url = urlunsplit((parts.scheme, parts.netloc, "", parts.query, ""))
        self._client: Any = None

    async def open(self) -> None:
        from ..mqtt.client import AsyncMqttClient
        from ..settings import MqttBrokerSettings

        client_id = "uvis-fwd-" + hashlib.blake2b(self.name.encode(), digest_size=6).hexdigest()
        broker = MqttBrokerSettings(url=self.broker_url, client_id=client_id,
                                    tls_insecure=not self.settings.tls_verify)
        self._client = AsyncMqttClient(broker, manual_ack=False, persistent=False)
        await self._client.start(wait=self.settings.timeout)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    def _topic(self, m: Message) -> str:
        return m.device_id if m.kind == "batch" else render_template(self.topic, m)

    async def _publish(self, unit: Message) -> None:
        if not self._client.connected:
            raise ConnectionError("not connected to the broker")
        await self._client.publish(self._topic(unit), unit.payload, qos=1)

    async def send(self, messages: Sequence[Message]) -> Failures:
        units = pack(messages, self._topic, self.settings.message_max_records)
        failures = await per_device([u for u, _ in units], self._publish,
                                    self.settings.concurrency, self.settings.timeout)
        return unpack(units, failures)


class Amqp(Destination):
    def __init__(self, settings: ForwardDestinationSettings) -> None:
        super().__init__(settings)
        parts = urlsplit(settings.url)
        self.exchange_name = parts.path.lstrip("/")
        self.broker_url = urlunsplit((parts.scheme, parts.netloc, "/", parts.query, ""))
        self.routing_key = parse_qs(parts.query).get("routing_key", [settings.routing_key])[0]
        self._conn: Any = None
        self._channel: Any = None
        self._exchange: Any = None

    async def open(self) -> None:
        import aio_pika

        kwargs: dict[str, Any] = {"timeout": self.settings.timeout}
        if self.broker_url.startswith("amqps") and not self.settings.tls_verify:
            kwargs["ssl_context"] = ssl._create_unverified_context()
        self._conn = await aio_pika.connect(self.broker_url, **kwargs)
        self._channel = await self._conn.channel(publisher_confirms=True)
        if self.exchange_name:
            self._exchange = await self._channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        else:
            self._exchange = self._channel.default_exchange

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass

    def _key(self, m: Message) -> str:
        return m.device_id if m.kind == "batch" else render_template(self.routing_key, m)

    async def _publish(self, unit: Message) -> None:
        import aio_pika

        await self._exchange.publish(
            aio_pika.Message(unit.payload, message_id=unit.id, content_type="application/json",
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=self._key(unit))

    async def send(self, messages: Sequence[Message]) -> Failures:
        if self._conn is None or self._conn.is_closed or self._channel.is_closed:
            await self.close()  # the broker went away (or closed the channel): connect again
            await asyncio.wait_for(self.open(), self.settings.timeout)
        units = pack(messages, self._key, self.settings.message_max_records)
        failures = await per_device([u for u, _ in units], self._publish,
                                    self.settings.concurrency, self.settings.timeout)
        return unpack(units, failures)


class Nats(Destination):
    def __init__(self, settings: ForwardDestinationSettings) -> None:
        super().__init__(settings)
        parts = urlsplit(settings.url)
        self.subject = parts.path.lstrip("/") or "uvis.{kind}"
        self.server = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self._nc: Any = None
        self._js: Any = None

    async def open(self) -> None:
        import nats

        self._nc = await nats.connect(self.server, connect_timeout=self.settings.timeout,
                                      max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                                      allow_reconnect=True)
        self._js = self._nc.jetstream(timeout=self.settings.timeout,
                                      publish_async_max_pending=self.settings.concurrency * 8)
        stream = self.settings.nats_stream
        if stream:
            import nats.js.errors

            subject = render_like_wildcard(self.subject)
            try:
                await self._js.stream_info(stream)
            except nats.js.errors.NotFoundError:
                await self._js.add_stream(name=stream, subjects=[subject])

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()

    async def send(self, messages: Sequence[Message]) -> Failures:
        """Pipelined: every message is published in order on the one
        connection (JetStream stores them in that order), then the PubAcks
        are awaited together. A device's messages after its first failure
        count as failed too, so its retry goes out in order."""
        if self._nc is None or not self._nc.is_connected:
            raise ConnectionError("not connected to NATS")
        units = pack(messages, self._subject, self.settings.message_max_records)
        futures: list[Any] = []
        async with asyncio.timeout(self.settings.timeout):
            for u, _ in units:
                futures.append(await self._js.publish_async(
                    self._subject(u), u.payload, headers={"Nats-Msg-Id": u.id}))
        if futures:
            await asyncio.wait(futures, timeout=self.settings.timeout)
        failures: Failures = []
        broken: dict[str, str] = {}
        for (m, _), future in zip(units, futures):
            if not future.done():
                future.cancel()
                reason = "TimeoutError: no PubAck"
            elif future.exception() is not None:
                exc = future.exception()
                reason = f"{type(exc).__name__}: {exc}"[:500]
            else:
                reason = broken.get(m.device_id)
            if reason is not None:
                broken.setdefault(m.device_id, reason)
                failures.append((m, reason))
        return unpack(units, failures)

    def _subject(self, m: Message) -> str:
        return m.device_id if m.kind == "batch" else render_template(self.subject, m)


def render_like_wildcard(template: str) -> str:
    """A subject template as a NATS subject filter: each placeholder token
    becomes ``*``."""
    import re

    return ".".join("*" if "{" in token else token
                    for token in re.sub(r"{\w+}", "{x}", template).split("."))


_KINDS = {"webhook": Webhook, "mqtt": Mqtt, "amqp": Amqp, "nats": Nats}


def make_destination(settings: ForwardDestinationSettings) -> Destination:
    return _KINDS[destination_kind(settings.url)](settings)
