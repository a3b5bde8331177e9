"""Gateway settings: frozen msgspec Structs loaded once and passed explicitly.

Precedence (lowest to highest): built-in defaults, the TOML file given with
``--config``, ``UVIS_*`` environment variables, command-line flags.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

import msgspec

from ..forward.settings import ForwardDestinationSettings, ForwardSettings  # noqa: F401 (the settings tree)

from .limits import LimitsSettings, ProtocolBudgetSettings  # noqa: F401 (the settings tree)
from .api import ApiSettings
from .commands import CommandSettings

__all__ = ["ListenerSettings", "MqttBrokerSettings", "MqttSettings", "MqttSubscriptionSettings",
           "Settings", "default_listeners", "load_settings", "SettingsError"]


class SettingsError(ValueError):
    """An unknown or invalid option; the message names it."""


class ListenerSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    protocol: str
    transport: str = "tcp"  # "tcp" | "udp" | "http" (HTTP protocols such as osmand)
    port: int
    host: str = "0.0.0.0"
    #: reject frames whose checksum does not verify (default: accept, count)
    strict_checksum: bool = False
    max_frame_size: int = 32 * 1024
    #: seconds without a byte from the device before the connection is closed
    idle_timeout: float = 600.0
    #: protocol-specific switches, e.g. {ack = true} for NMEA's OK1 replies
    options: dict[str, Any] = {}
    #: the device model of devices without one of their own (attribute "model"), for
    #: protocols whose meanings depend on it (gt06, meitrack); "": none
    model: str = ""
    #: expect a PROXY protocol v1/v2 header first (HAProxy send-proxy[-v2], cloud
    #: NLBs): the real client address is logged and archived (TCP listeners only)
    proxy_protocol: bool = False
    #: networks (CIDR) allowed to send a PROXY header; connections from others are refused
    proxy_trusted: tuple[str, ...] = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
                                      "192.168.0.0/16", "fc00::/7")
    #: TLS (TCP listeners): certificate chain and key (PEM files, re-read when they change)
    tls_cert: str = ""
    tls_key: str = ""
    #: TLS: CA bundle devices' client certificates must chain to ("": no client certificates)
    tls_client_ca: str = ""


class MqttSubscriptionSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    #: topic filter, wildcards allowed; "$share/<group>/<filter>" splits one stream across gateways
    filter: str
    #: payload format: "owntracks", "uvis-json", "nmea" or a protocol name (binary frames)
    format: str
    #: where the device id comes from: "topic:N" (level N, negative from the end),
    #: "topic:N,M" (levels joined with ":"), "payload:FIELD" (JSON formats) or
    #: "payload" (the protocol's own identity); None: the format's default
    device_id: str | None = None
    #: protocol formats: options handed to the protocol (ConnectionOptions.extra)
    options: dict[str, Any] = {}


class MqttBrokerSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    #: mqtt://HOST[:1883] or mqtts://HOST[:8883] (TLS)
    url: str
    username: str | None = None
    password: str | None = None
    #: stable across restarts: the broker keeps this client's session (and its messages)
    client_id: str = "uvis-gateway"
    #: "5" (clean start off, session expiry) or "3.1.1" (clean session off)
    version: str = "5"
    #: MQTT 5: seconds the broker keeps the session while we are away
    session_expiry: int = 7 * 24 * 3600
    #: MQTT 5: messages in flight (unacknowledged) the broker may send us
    receive_maximum: int = 10_000
    keepalive: int = 30
    #: mqtts: CA bundle (default: the system's) and skipping certificate checks
    ca_file: str | None = None
    tls_insecure: bool = False
    subscriptions: tuple[MqttSubscriptionSettings, ...] = ()


class MqttSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    brokers: tuple[MqttBrokerSettings, ...] = ()


def default_listeners(host: str = "0.0.0.0", port_offset: int = 0) -> tuple[ListenerSettings, ...]:
    """Every registered protocol on Traccar's default port and transports."""
    from protocols.registry import NAMES, get

    return tuple(
        ListenerSettings(protocol=spec.name, transport=transport,
                         port=spec.default_port + port_offset, host=host)
        for spec in map(get, NAMES)
        for transport in spec.transports
    )


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    def timescale_settings(self) -> Any:
        from datetime import timedelta

        from storage.timescale import TimescaleSettings

        days = lambda v: None if v is None else timedelta(days=v)  # noqa: E731
        return TimescaleSettings(mode=self.timescale,
                                 chunk_interval=timedelta(hours=self.chunk_interval_hours),
                                 compress_after=days(self.compress_after_days),
                                 retention=days(self.retention_days))

    def spool_path(self) -> str | None:
        """Where the spool lives, or None when spooling is off."""
        on = self.spool == "on" or (self.spool == "auto" and
                                    (self.database_url is None or self.spool_dir is not None))
        if not on:
            return None
        return self.spool_dir or str(Path(self.data_dir) / "spool")

    #: PostgreSQL URL; None starts the embedded server in data_dir/pg
    database_url: str | None = None
    data_dir: str = "./uvis-data"
    #: None: 0.0.0.0 when the API has a credential source (tokens, JWT), else 127.0.0.1
    api_host: str | None = None
    api_port: int = 8080
    api_enabled: bool = True
    #: empty: every protocol on its Traccar port (default_listeners())
    listeners: tuple[ListenerSettings, ...] = ()
    #: register devices never seen before (False: only allowed_devices may connect)
    register_unknown_devices: bool = True
    allowed_devices: tuple[str, ...] = ()
    #: seconds a device's model (looked up at login) is cached
    device_model_ttl: float = 60.0
    #: batch writer: flush at this many rows or this age (seconds)
    batch_max_rows: int = 5000
    batch_max_age: float = 0.1
    #: ingest queue bounds (rows): pause reading above high, resume below low
    queue_high_water: int = 50_000
    queue_low_water: int = 10_000
    #: UDP: peers remembered (identity per source address), and for how long
    udp_max_sessions: int = 100_000
    udp_session_timeout: float = 600.0
    #: seconds a graceful shutdown waits for the last batch
    shutdown_timeout: float = 30.0
    #: local spool for batches the database cannot take: "auto" (on with the
    #: embedded database or when spool_dir is set), "on" or "off"
    spool: str = "auto"
    #: default: <data_dir>/spool
    spool_dir: str | None = None
    spool_quota_bytes: int = 1 << 30
    #: a database write slower than this (s) goes to the spool instead
    write_timeout: float = 5.0
    #: TimescaleDB: "auto" (hypertables when the server offers the extension) or "off"
    timescale: str = "auto"
    chunk_interval_hours: float = 24.0
    #: compress chunks older than this many days (none: no compression)
    compress_after_days: float | None = 7.0
    #: drop data older than this many days (none: keep everything)
    retention_days: float | None = None
    #: keep every received frame in raw_frames, not only those that failed to decode
    archive_all_frames: bool = False
    #: a fix time more than this many seconds ahead of the arrival is a broken
    #: clock: stored at the arrival time with valid=false
    future_fix_margin: float = 86400.0
    #: /health reports degraded for this many seconds after a record was quarantined
    health_quarantine_window: float = 300.0
    #: /health reports degraded when the oldest record not yet in the database
    #: (queue or spool) is older than this many seconds
    health_backlog_max_age: float = 60.0
    log_level: str = "INFO"
    #: "text" or "json" (one JSON object per line, for Loki or ELK)
    log_format: str = "text"
    #: what one peer may cost: caps, deadlines, error budgets, archive budget (gateway/settings/limits.py)
    limits: LimitsSettings = LimitsSettings()
    #: MQTT brokers to subscribe to (gateway/mqtt/ingest.py)
    mqtt: MqttSettings = MqttSettings()
    #: forwarding to integrators' systems (gateway/forward/)
    forward: ForwardSettings = ForwardSettings()
    #: the integrator API: authentication, limits, live feed (gateway/settings/api.py)
    api: ApiSettings = ApiSettings()
    #: commands to devices: TTL, per-device limits, MQTT topics (gateway/settings/commands.py)
    commands: CommandSettings = CommandSettings()


_ENV_FIELDS = {
    "UVIS_DATABASE_URL": "database_url",
    "UVIS_DATA_DIR": "data_dir",
    "UVIS_API_HOST": "api_host",
    "UVIS_API_PORT": "api_port",
    "UVIS_LOG_LEVEL": "log_level",
    "UVIS_BATCH_MAX_ROWS": "batch_max_rows",
    "UVIS_BATCH_MAX_AGE": "batch_max_age",
    "UVIS_SPOOL": "spool",
    "UVIS_SPOOL_DIR": "spool_dir",
}


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults < TOML file < UVIS_* environment < flags (``overrides``)."""
    data: dict[str, Any] = {}
    if config_file is not None:
        try:
            data.update(tomllib.loads(Path(config_file).read_text()))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"configuration file {config_file}: {exc}") from None
    environ = os.environ if env is None else env
    for var, name in _ENV_FIELDS.items():
        if environ.get(var):
            data[name] = environ[var]
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
    try:
        settings = msgspec.convert(data, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid configuration: {exc}") from None
    if not settings.listeners:
        settings = msgspec.structs.replace(settings, listeners=default_listeners())
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    from protocols.registry import NAMES, UnknownProtocol, get, takes_model

    seen: set[tuple[str, int, str]] = set()
    for index, listener in enumerate(settings.listeners):
        where = f"listeners[{index}]"
        try:
            spec = get(listener.protocol)
        except UnknownProtocol as exc:
            raise SettingsError(f"{where}.protocol: {exc}") from None
        if listener.transport not in spec.transports:
            raise SettingsError(f"{where}.transport: {spec.name} does not run over {listener.transport}")
        if listener.model and not takes_model(spec.name):
            raise SettingsError(f"{where}.model: the meanings of {spec.name} do not depend on the "
                                f"device model (models matter to {', '.join(n for n in NAMES if takes_model(n))})")
        if listener.proxy_protocol and listener.transport == "udp":
            raise SettingsError(f"{where}.proxy_protocol: the PROXY protocol applies to TCP listeners only")
        _validate_listener_security(listener, where)
        key = (listener.host, listener.port, listener.transport)
        if key in seen and listener.port != 0:  # 0: any free port
            raise SettingsError(f"{where}.port: {listener.transport} port {listener.port} used twice")
        seen.add(key)
    if settings.spool not in ("auto", "on", "off"):
        raise SettingsError(f"spool: expected auto, on or off, got {settings.spool!r}")
    if settings.timescale not in ("auto", "off"):
        raise SettingsError(f"timescale: expected auto or off, got {settings.timescale!r}")
    if settings.log_format not in ("text", "json"):
        raise SettingsError(f"log_format: expected text or json, got {settings.log_format!r}")
    if settings.device_model_ttl < 0:
        raise SettingsError(f"device_model_ttl: expected 0 or more, got {settings.device_model_ttl}")
    if settings.queue_low_water >= settings.queue_high_water:
        raise SettingsError("queue_low_water must be below queue_high_water")
    _validate_budgets(settings.limits)
    from ..mqtt.config import validate_mqtt

    validate_mqtt(settings.mqtt, SettingsError)
    from ..forward.settings import validate_forward

    validate_forward(settings.forward, SettingsError)
    from .api import validate_api

    validate_api(settings.api, SettingsError)
    from .commands import validate_commands

    validate_commands(settings.commands, SettingsError)


def _validate_budgets(limits: LimitsSettings) -> None:
    from protocols.registry import UnknownProtocol, get

    seen: set[str] = set()
    for index, item in enumerate(limits.protocols):
        where = f"limits.protocols[{index}]"
        try:
            name = get(item.protocol).name
        except UnknownProtocol as exc:
            raise SettingsError(f"{where}.protocol: {exc}") from None
        if name in seen:
            raise SettingsError(f"{where}.protocol: {name} has two budgets")
        seen.add(name)
        if item.error_ratio is not None and not 0.0 <= item.error_ratio <= 1.0:
            raise SettingsError(f"{where}.error_ratio: expected 0 to 1, got {item.error_ratio}")
        for field in ("error_budget_frames", "error_budget_bytes", "error_ratio_min_frames"):
            value = getattr(item, field)
            if value is not None and value < 0:
                raise SettingsError(f"{where}.{field}: expected 0 or more, got {value}")


def _validate_listener_security(listener: ListenerSettings, where: str) -> None:
    import ipaddress

    for cidr in listener.proxy_trusted:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise SettingsError(f"{where}.proxy_trusted: {cidr!r} is not a network") from None
    if bool(listener.tls_cert) != bool(listener.tls_key):
        raise SettingsError(f"{where}: tls_cert and tls_key go together")
    if listener.tls_cert and listener.transport == "udp":
        raise SettingsError(f"{where}.tls_cert: TLS applies to TCP listeners only")
    if listener.tls_client_ca and not listener.tls_cert:
        raise SettingsError(f"{where}.tls_client_ca: needs tls_cert and tls_key")
