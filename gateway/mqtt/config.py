"""MQTT configuration helpers: broker URLs, topic filters (shared
subscriptions included), device-id sources and the ``run --mqtt`` flags.

Pure functions (no IO); ``validate_mqtt`` runs when the settings load, so a
bad filter or format stops the start with a message naming it.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["BrokerAddress", "IdSource", "JSON_FORMATS", "broker_address", "default_id_source",
           "flag_overrides", "inner_filter", "parse_filter", "parse_id_source", "topic_matches",
           "validate_mqtt"]

#: payload formats that are not protocols of the registry
JSON_FORMATS = ("owntracks", "uvis-json")
#: the payload fields a JSON format may take the device id from
_PAYLOAD_FIELDS = {"owntracks": ("tid",), "uvis-json": ("device_id",)}
_DEFAULT_SOURCES = {"owntracks": "topic:1,2", "uvis-json": "payload:device_id"}
_SCHEMES = {"mqtt": (1883, False), "tcp": (1883, False), "mqtts": (8883, True), "ssl": (8883, True)}


class BrokerAddress(NamedTuple):
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None
    #: the URL without credentials (metrics label, logs)
    label: str


def broker_address(url: str) -> BrokerAddress:
    """``mqtt://[user[:password]@]host[:port]`` or ``mqtts://...``; ValueError when invalid."""
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
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    return BrokerAddress(host, port, tls, user, password, f"{scheme}://{shown}:{port}")


# -- topic filters -------------------------------------------------------------

def inner_filter(topic_filter: str) -> str:
    """The filter a shared subscription ``$share/<group>/<filter>`` matches with.

    Messages of a shared subscription arrive with their real topic, never
    with the ``$share/...`` prefix, so matching must use the inner filter
    (paho's ``message_callback_add`` did not, and its callbacks never fired).
    """
    if topic_filter.startswith("$share/"):
        parts = topic_filter.split("/", 2)
        return parts[2] if len(parts) == 3 else ""
    return topic_filter


def parse_filter(topic_filter: str) -> tuple[str, ...]:
    """The levels of the (inner) filter; ValueError when it is not a valid filter."""
    if topic_filter.startswith("$share/"):
        parts = topic_filter.split("/", 2)
        if len(parts) != 3 or not parts[1] or "+" in parts[1] or "#" in parts[1]:
            raise ValueError(f"{topic_filter!r}: expected $share/<group>/<filter>")
    inner = inner_filter(topic_filter)
    if not inner:
        raise ValueError(f"{topic_filter!r}: empty topic filter")
    levels = tuple(inner.split("/"))
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            raise ValueError(f"{topic_filter!r}: '#' must be a whole last level")
        if "+" in level and level != "+":
            raise ValueError(f"{topic_filter!r}: '+' must be a whole level")
    return levels


def topic_matches(levels: tuple[str, ...], topic: str) -> bool:
    """MQTT matching of a topic name against filter levels (wildcards do not
    match a first level starting with '$')."""
    names = topic.split("/")
    if names[0].startswith("$") and levels[0] in ("+", "#"):
        return False
    for index, level in enumerate(levels):
        if level == "#":
            return True
        if index >= len(names):
            return False
        if level != "+" and level != names[index]:
            return False
    return len(names) == len(levels)


# -- device-id sources -----------------------------------------------------------

class IdSource(NamedTuple):
    """Where a subscription's device id comes from.

    ``topic``: the topic levels ``levels`` (negative from the end) joined with
    ":"; ``payload``: the payload field ``field`` (JSON formats) or, with no
    field, the identity the protocol's frames carry (login, IMEI ...).
    """

    kind: str
    levels: tuple[int, ...] = ()
    field: str | None = None

    def from_topic(self, topic: str) -> str | None:
        if self.kind != "topic":
            return None
        names = topic.split("/")
        try:
            parts = [names[i] for i in self.levels]
        except IndexError:
            return None
        if not all(parts):
            return None
        return ":".join(parts)


def parse_id_source(text: str) -> IdSource:
    kind, _, rest = text.partition(":")
    if kind == "topic":
        try:
            levels = tuple(int(x) for x in rest.split(","))
        except ValueError:
            raise ValueError(f"device_id {text!r}: expected topic:N or topic:N,M,...") from None
        return IdSource("topic", levels)
    if kind == "payload":
        return IdSource("payload", (), rest or None)
    raise ValueError(f"device_id {text!r}: expected topic:N[,M...], payload:FIELD or payload")


def default_id_source(fmt: str) -> str:
    """owntracks: ``<user>:<device>`` from owntracks/<user>/<device>; uvis-json:
    the record's device_id; protocol frames: the last topic level."""
    return _DEFAULT_SOURCES.get(fmt, "topic:-1")


def _check_format(fmt: str, source: IdSource) -> None:
    if fmt in JSON_FORMATS:
        if source.kind == "payload" and source.field not in _PAYLOAD_FIELDS[fmt]:
            raise ValueError(f"device_id: {fmt} takes payload:{' or payload:'.join(_PAYLOAD_FIELDS[fmt])}")
        return
    from protocols.registry import NAMES, UnknownProtocol, get

    try:
        spec = get(fmt)
    except UnknownProtocol:
        raise ValueError(f"unknown format {fmt!r} (owntracks, uvis-json or a protocol: "
                         f"{', '.join(sorted(NAMES))})") from None
    if spec.tcp_connection is None and spec.udp_connection is None:
        raise ValueError(f"{fmt}: protocol has no connection to decode frames with")
    if source.kind == "payload" and source.field is not None:
        raise ValueError(f"device_id: {fmt} frames carry their own identity: use 'payload'")


def validate_mqtt(mqtt: Any, error: type[Exception]) -> None:
    """Raise ``error`` naming the first invalid MQTT option."""
    for b, broker in enumerate(mqtt.brokers):
        where = f"mqtt.brokers[{b}]"
        try:
            broker_address(broker.url)
        except ValueError as exc:
            raise error(f"{where}.url: {exc}") from None
        if broker.version not in ("5", "3.1.1"):
            raise error(f"{where}.version: expected \"5\" or \"3.1.1\", got {broker.version!r}")
        if not broker.client_id:
            raise error(f"{where}.client_id: a persistent session needs a client id")
        if not 1 <= broker.receive_maximum <= 65535:
            raise error(f"{where}.receive_maximum: expected 1..65535")
        if not broker.subscriptions:
            raise error(f"{where}.subscriptions: none given")
        for s, sub in enumerate(broker.subscriptions):
            at = f"{where}.subscriptions[{s}]"
            try:
                parse_filter(sub.filter)
                _check_format(sub.format, parse_id_source(sub.device_id or default_id_source(sub.format)))
            except ValueError as exc:
                raise error(f"{at}: {exc}") from None


def flag_overrides(url: str | None, subscriptions: list[str] | None) -> dict[str, Any] | None:
    """``run --mqtt URL --mqtt-subscription FILTER=FORMAT ...`` as a settings
    override (one broker; its ``client_id`` and ``version`` may ride in the
    URL's query: ``mqtt://host?client_id=gw1&version=3.1.1``)."""
    if not url:
        if subscriptions:
            raise ValueError("--mqtt-subscription needs --mqtt URL")
        return None
    if not subscriptions:
        raise ValueError("--mqtt needs at least one --mqtt-subscription FILTER=FORMAT")
    subs = []
    for text in subscriptions:
        topic_filter, sep, fmt = text.rpartition("=")
        if not sep or not topic_filter or not fmt:
            raise ValueError(f"--mqtt-subscription {text!r}: expected FILTER=FORMAT")
        subs.append({"filter": topic_filter, "format": fmt})
    broker: dict[str, Any] = {"url": url.split("?", 1)[0], "subscriptions": subs}
    query = parse_qs(urlsplit(url).query)
    for key in ("client_id", "version"):
        if key in query:
            broker[key] = query[key][-1]
    return {"brokers": [broker]}
