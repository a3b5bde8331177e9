"""Forwarding settings (``[forward]`` in the TOML) and ``run --forward URL``.

The Structs are re-exported by gateway/settings/__init__.py (the settings tree);
``DOCS`` holds their ``config --print-default`` comments (merged into
gateway/config_cmd.DOCS).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import msgspec

__all__ = [
    "DOCS",
    "KINDS_OF_URL",
    "ForwardDestinationSettings",
    "ForwardSettings",
    "destination_from_url",
    "destination_kind",
    "validate_forward",
    "with_flag_destinations",
]

#: URL scheme -> destination kind
KINDS_OF_URL = {"http": "webhook", "https": "webhook", "mqtt": "mqtt", "mqtts": "mqtt",
                "amqp": "amqp", "amqps": "amqp", "nats": "nats", "tls": "nats"}


class ForwardDestinationSettings(msgspec.Struct, frozen=True, kw_only=True,
                                 forbid_unknown_fields=True):
    #: unique and stable: the durable cursor and the dead letters are kept under it
    name: str
    #: http(s)://... (webhook), mqtt://host:port/topic-template,
    #: amqp://user:pass@host/exchange, nats://host:4222/subject-template
    url: str
    #: "uvis" (the contract's JSON) or "traccar" (webhook only: Traccar's shapes)
    format: str = "uvis"
    #: what to forward: "positions" and/or "events"
    kinds: tuple[str, ...] = ("positions", "events")
    #: only these devices / device groups / event types (empty: all)
    devices: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    #: records per webhook POST (brokers: per round of publishes) ...
    batch_max_records: int = 1000
    #: ... or the first record's age (s) at which a smaller batch goes
    batch_max_age: float = 0.2
    #: webhook: HMAC-SHA256 key of the X-UVIS-Signature header
    secret: str | None = None
    #: webhook: extra headers (e.g. Authorization)
    headers: dict[str, str] = {}
    tls_verify: bool = True
    #: seconds for one delivery attempt (connect, send, acknowledgement)
    timeout: float = 10.0
    #: a message still failing after this many attempts (0: no count limit) ...
    max_attempts: int = 0
    #: ... or this many seconds after its first attempt goes to the dead letters
    max_age: float = 86400.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    #: where a new destination's cursor starts: "latest" (what commits from now
    #: on) or "earliest" (everything in the ingest log)
    start: str = "latest"
    #: brokers: publishes in flight (one device's messages are always in order)
    concurrency: int = 512
    #: brokers: records per published message (1: one JSON object per record;
    #: more: JSON arrays of up to this many records sharing a subject/topic/key)
    message_max_records: int = 1
    #: AMQP routing key template ({kind}, {device_id}, {group}, {protocol}, {type})
    routing_key: str = "{kind}.{device_id}"
    #: NATS: create this JetStream stream over the subjects when it is missing
    nats_stream: str | None = None


class ForwardSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    #: a standby gateway tries to take a destination's lock this often (s)
    lease_retry: float = 2.0
    #: read the ingest log at least this often (s); commits NOTIFY earlier
    poll_interval: float = 1.0
    #: lag metrics refresh (s)
    metrics_interval: float = 2.0
    #: last, so that the printed example table comes after the scalars above
    destinations: tuple[ForwardDestinationSettings, ...] = ()


DOCS: dict[str, tuple[str, str | None]] = {
    "Settings.forward": (
        "Forwarding: every committed position and event pushed to webhooks, MQTT, AMQP or NATS "
        "JetStream, from a durable cursor per destination (at least once, in order per device).",
        None),
    "ForwardSettings.destinations": ("Destinations, any number of each kind.", None),
    "ForwardSettings.lease_retry": (
        "Seconds between a standby gateway's attempts to take a destination (one forwarding loop "
        "per destination across all workers and gateways; failover when the holder dies).", None),
    "ForwardSettings.poll_interval": (
        "Read the ingest log at least this often (seconds); commits wake the loop earlier.", None),
    "ForwardSettings.metrics_interval": ("Seconds between refreshes of the lag metrics.", None),
    "ForwardDestinationSettings.name": (
        "Unique, stable name: the durable cursor and the dead letters are kept under it.",
        '"integrator-webhook"'),
    "ForwardDestinationSettings.url": (
        "http(s)://... (webhook, batched JSON POST), mqtt://host:port/topic-template (QoS 1), "
        "amqp://user:pass@host/exchange (publisher confirms), nats://host:4222/subject-template "
        "(JetStream acks). Templates: {device_id}, {group}, {kind}, {protocol}, {type}.",
        '"https://example.com/uvis"'),
    "ForwardDestinationSettings.format": (
        '"uvis" (the contract\'s JSON) or "traccar" (webhook: Traccar\'s forward.url placeholders '
        "when the URL has any, else its JSON {position, device}).", None),
    "ForwardDestinationSettings.kinds": ('"positions" and/or "events".', None),
    "ForwardDestinationSettings.devices": ("Only these device ids (empty: all).", None),
    "ForwardDestinationSettings.groups": ("Only devices of these groups (empty: all).", None),
    "ForwardDestinationSettings.event_types": ("Only these event types (empty: all).", None),
    "ForwardDestinationSettings.batch_max_records": (
        "Records per webhook POST (brokers: per round of publishes) ...", None),
    "ForwardDestinationSettings.batch_max_age": (
        "... or a smaller batch goes when its first record is this many seconds old.", None),
    "ForwardDestinationSettings.secret": (
        "Webhook: key of the X-UVIS-Signature header (sha256=HMAC-SHA256 of the body, hex).",
        '"change-me"'),
    "ForwardDestinationSettings.headers": ("Webhook: extra request headers.", None),
    "ForwardDestinationSettings.tls_verify": ("Verify the destination's TLS certificate.", None),
    "ForwardDestinationSettings.timeout": ("Seconds for one delivery attempt.", None),
    "ForwardDestinationSettings.max_attempts": (
        "A message still failing after this many attempts (0: no count limit) ...", None),
    "ForwardDestinationSettings.max_age": (
        "... or this many seconds after its first attempt goes to the dead letters "
        "(uvis-gateway forward list / redrive).", None),
    "ForwardDestinationSettings.backoff_initial": (
        "Retry delay after the first failure (seconds; doubles, jittered) ...", None),
    "ForwardDestinationSettings.backoff_max": ("... up to this.", None),
    "ForwardDestinationSettings.start": (
        'Where a new destination starts: "latest" (what commits from now on) or "earliest" '
        "(everything in the ingest log). Later starts resume from its cursor.", None),
    "ForwardDestinationSettings.concurrency": (
        "Brokers: publishes in flight (one device's messages are always sent in order).", None),
    "ForwardDestinationSettings.message_max_records": (
        "Brokers: records per published message. 1: one JSON object per record; more: JSON arrays "
        "of up to this many records that share the subject/topic/routing key, in order (NATS "
        "JetStream takes about 10,000 acknowledged messages/s from one Python client here: arrays "
        "carry more records).", None),
    "ForwardDestinationSettings.routing_key": ("AMQP routing key template.", None),
    "ForwardDestinationSettings.nats_stream": (
        "NATS: create this JetStream stream over the subjects when it is missing.", '"UVIS"'),
}


def destination_kind(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in KINDS_OF_URL:
        raise ValueError(f"forward URL {url!r}: expected http(s)://, mqtt(s)://, amqp(s):// or "
                         "nats://")
    return KINDS_OF_URL[scheme]


def _public(url: str) -> str:
    """The URL without credentials (a destination's default name)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def destination_from_url(url: str) -> ForwardDestinationSettings:
    """``run --forward URL``: one destination with the defaults, named after
    the URL (without credentials)."""
    destination_kind(url)
    return ForwardDestinationSettings(name=_public(url), url=url)


_TEMPLATE_FIELDS = {"device_id", "group", "kind", "protocol", "type"}


def validate_forward(forward: ForwardSettings, error: type[Exception]) -> None:
    names: set[str] = set()
    for index, d in enumerate(forward.destinations):
        where = f"forward.destinations[{index}]"
        if d.name in names:
            raise error(f"{where}.name: {d.name!r} used twice")
        names.add(d.name)
        try:
            kind = destination_kind(d.url)
        except ValueError as exc:
            raise error(f"{where}.url: {exc}") from None
        if d.format not in ("uvis", "traccar") or (d.format == "traccar" and kind != "webhook"):
            raise error(f"{where}.format: \"uvis\", or \"traccar\" for a webhook")
        for k in d.kinds:
            if k not in ("positions", "events"):
                raise error(f"{where}.kinds: {k!r} is neither \"positions\" nor \"events\"")
        if d.start not in ("latest", "earliest"):
            raise error(f"{where}.start: expected \"latest\" or \"earliest\"")
        if d.batch_max_records < 1 or d.concurrency < 1 or d.message_max_records < 1:
            raise error(f"{where}: batch_max_records, message_max_records and concurrency must "
                        "be at least 1")
        if kind != "webhook":
            template = urlsplit(d.url).path.lstrip("/") + d.routing_key
            unknown = set(re.findall(r"{(\w+)}", template)) - _TEMPLATE_FIELDS
            if unknown:
                raise error(f"{where}: unknown template fields {sorted(unknown)} "
                            f"(known: {sorted(_TEMPLATE_FIELDS)})")


def with_flag_destinations(settings, urls, error: type[Exception]):
    """``run --forward URL ...``: the settings with one destination per URL
    added (named after the URL), validated."""
    try:
        extra = tuple(destination_from_url(u) for u in urls)
    except ValueError as exc:
        raise error(str(exc)) from None
    forward = msgspec.structs.replace(settings.forward,
                                      destinations=settings.forward.destinations + extra)
    validate_forward(forward, error)
    return msgspec.structs.replace(settings, forward=forward)
