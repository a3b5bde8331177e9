"""``uvis-gateway config --print-default``: the complete TOML configuration,
every option with its default and a comment.

Generated from the settings Structs themselves (gateway/settings/__init__.py), so a new
option shows up here at once; its comment lives in ``DOCS`` below (a test
fails when one is missing). Options whose default is "none" are printed
commented out with an example value; optional tables (MQTT brokers) as a
commented example. Loading the printed text gives the default settings.
"""

from __future__ import annotations

import json
import sys
import textwrap
import typing
from typing import Any

import msgspec

__all__ = ["DOCS", "default_toml", "main", "undocumented"]

#: "Struct.field" -> (comment, example used when the default is None or absent)
DOCS: dict[str, tuple[str, str | None]] = {
    "Settings.database_url": (
        "PostgreSQL (or TimescaleDB) URL. Not set: an embedded PostgreSQL in <data_dir>/pg.",
        '"postgresql://uvis:secret@db:5432/uvis"'),
    "Settings.data_dir": ("Working directory: the embedded database and the default spool.", None),
    "Settings.api_host": (
        "Address the HTTP API (/health, /metrics, /api/v1) listens on. Not set: 0.0.0.0 when the "
        "API has a credential source (a token in the database, api.tokens = \"on\", a JWT key), "
        "else 127.0.0.1 only.", '"0.0.0.0"'),
    "Settings.api_port": ("Port of the HTTP API.", None),
    "Settings.api_enabled": ("false: no HTTP API (and no /metrics, no /health).", None),
    "Settings.listeners": (
        "Device listeners. Left out, every protocol listens on its Traccar port and transports "
        "(the list printed below); a [[listeners]] list given here replaces that list entirely.",
        None),
    "Settings.register_unknown_devices": (
        "Accept devices never seen before. false: only allowed_devices may log in (a device "
        "removed from the list is refused even though the database knows it).", None),
    "Settings.allowed_devices": ("Device ids admitted with register_unknown_devices = false.",
                                 None),
    "Settings.device_model_ttl": (
        "Seconds a device's model is kept after its login looked it up (at most 100000 devices, "
        "least recently seen forgotten); a model changed with PATCH /api/v1/devices/{id} applies "
        "at the device's next login after that. 0: look it up at every login.", None),
    "Settings.batch_max_rows": ("The batch writer commits when a batch holds this many rows ...", None),
    "Settings.batch_max_age": ("... or when its oldest row is this many seconds old.", None),
    "Settings.queue_high_water": (
        "Ingest queue (rows): above this every connection stops reading (back-pressure) ...", None),
    "Settings.queue_low_water": ("... and resumes below this. Must be below queue_high_water.", None),
    "Settings.udp_max_sessions": ("UDP peers remembered (identity per source address), oldest forgotten.",
                                  None),
    "Settings.udp_session_timeout": ("Seconds after which a silent UDP peer is forgotten.", None),
    "Settings.shutdown_timeout": (
        "Seconds a graceful shutdown (SIGTERM) waits for the last batch to commit. Keep it below the "
        "container's stop timeout (compose stop_grace_period, Kubernetes "
        "terminationGracePeriodSeconds).", None),
    "Settings.spool": (
        'Local spool for batches the database cannot take: "auto" (on with the embedded database or '
        'when spool_dir is set), "on" or "off".', None),
    "Settings.spool_dir": ("Spool directory. Not set: <data_dir>/spool.", '"/var/lib/uvis/spool"'),
    "Settings.spool_quota_bytes": ("Largest spool on disk, in bytes (default 1 GiB).", None),
    "Settings.write_timeout": ("A database write slower than this (seconds) goes to the spool instead.",
                               None),
    "Settings.timescale": ('TimescaleDB: "auto" (hypertables when the server has the extension) or "off".',
                           None),
    "Settings.chunk_interval_hours": ("TimescaleDB chunk interval, hours.", None),
    "Settings.compress_after_days": (
        'TimescaleDB: compress chunks older than this many days ("null": never compress).', None),
    "Settings.retention_days": ("TimescaleDB: drop data older than this many days. Not set: keep all.",
                                "365.0"),
    "Settings.archive_all_frames": (
        "Keep every received frame in raw_frames (default: only frames that failed to decode).", None),
    "Settings.future_fix_margin": (
        "Seconds a fix time may be ahead of its arrival. Beyond it (or before 2000) the device's "
        "clock is broken: the fix is stored at the arrival time with valid = false and "
        "attributes deviceTime and timeInvalid.", None),
    "Settings.health_quarantine_window": (
        "/health reports degraded for this many seconds after a record was quarantined.", None),
    "Settings.health_backlog_max_age": (
        "/health reports degraded when the oldest record not yet in the database (queue or spool) "
        "is older than this many seconds.", None),
    "Settings.log_level": ('"DEBUG", "INFO", "WARNING" or "ERROR".', None),
    "Settings.log_format": (
        '"text" or "json": one JSON object per line (time, level, logger, message, protocol, peer, '
        "device, counts) for Loki or ELK. Also --log-format.", None),
    "Settings.limits": (
        "What one peer may cost the gateway: connection caps, deadlines, error budgets, the raw "
        "archive's budget (README, Hardening).", None),
    "LimitsSettings.max_connections": ("Device TCP connections open at once in this process.", None),
    "LimitsSettings.max_connections_per_address": ("... from one source address.", None),
    "LimitsSettings.max_prelogin_connections": ("... that have not sent a valid frame yet.", None),
    "LimitsSettings.exempt_networks": (
        "Networks (CIDR) the per-address cap and the penalty table leave alone: local proxies and "
        "load generators. A load balancer that hides the devices' addresses without a PROXY header "
        "belongs here too.", None),
    "LimitsSettings.fd_reserve": (
        "File descriptors kept free for the API, the database and the logs: past the open-file "
        "limit minus this, device listeners stop accepting and new connections wait in the listen "
        "backlog (uvis_accept_paused, uvis_fd_limit_near).", None),
    "LimitsSettings.login_timeout": (
        "Seconds a connection has for its first valid frame (login, position); 0: no deadline.", None),
    "LimitsSettings.frame_timeout": (
        "Seconds a started frame or HTTP request head has to complete (slowloris), apart from the "
        "idle timeout; 0: no deadline.", None),
    "LimitsSettings.error_budget_frames": (
        "Bad frames (decode errors, unknown messages) a connection may send before its first valid "
        "frame ...", None),
    "LimitsSettings.error_budget_bytes": ("... and bytes; past either it is closed.", None),
    "LimitsSettings.error_ratio": (
        "After the first valid frame: the share of bad frames that closes the connection ...", None),
    "LimitsSettings.error_ratio_min_frames": ("... counted over at least this many frames.", None),
    "LimitsSettings.read_budget_frames": (
        "Frames one connection may decode per event-loop turn; the rest waits a turn (fair CPU).",
        None),
    "LimitsSettings.penalty_strikes": (
        "Connections closed for abuse within penalty_seconds after which their address is refused "
        "for penalty_seconds.", None),
    "LimitsSettings.penalty_seconds": ("See penalty_strikes.", None),
    "LimitsSettings.penalty_table_size": ("Addresses the penalty table remembers (oldest forgotten).",
                                          None),
    "LimitsSettings.log_interval": (
        "Seconds between two aggregated log lines of one cause (malformed frames, refused "
        "connections ...).", None),
    "LimitsSettings.archive_frames_per_second": (
        "Raw archive: frames kept per second from all peers ...", None),
    "LimitsSettings.archive_frames_per_peer_second": ("... and from one address.", None),
    "LimitsSettings.archive_bytes_per_second": ("Raw archive: bytes kept per second.", None),
    "LimitsSettings.archive_max_frame_bytes": ("Raw archive: bytes kept of one frame (the rest is cut).",
                                               None),
    "LimitsSettings.archive_retention_hours": (
        "Raw archive: frames older than this many hours are deleted (checked every minute). Not set: "
        "kept for ever.", "168.0"),
    "LimitsSettings.protocols": (
        "Error budgets per protocol: error_budget_frames, error_budget_bytes, error_ratio and "
        "error_ratio_min_frames for one protocol; a field left out keeps [limits]' value. Built in: "
        "nmea's error_ratio is at least 0.9 (receivers stream GSA, GSV and VTG sentences the gateway "
        "keeps as unknown).", None),
    "ProtocolBudgetSettings.protocol": ("Protocol name or alias.", '"h02"'),
    "ProtocolBudgetSettings.error_budget_frames": (
        "Bad frames before the first valid one (not set: [limits]' value).", "5"),
    "ProtocolBudgetSettings.error_budget_bytes": ("Bytes before the first valid frame.", "4096"),
    "ProtocolBudgetSettings.error_ratio": ("Share of bad frames after the first valid one.", "0.2"),
    "ProtocolBudgetSettings.error_ratio_min_frames": ("... counted over at least this many frames.",
                                                      "50"),
    "Settings.mqtt": ("MQTT ingestion: brokers the gateway subscribes to.", None),
    "ListenerSettings.protocol": ("Protocol name or its Traccar alias (gt06, teltonika, t55, ...).",
                                  '"gt06"'),
    "ListenerSettings.transport": ('"tcp", "udp" or "http" (HTTP protocols such as osmand).', None),
    "ListenerSettings.port": ("Port to listen on (0: any free port).", "5023"),
    "ListenerSettings.host": ("Address to listen on.", None),
    "ListenerSettings.strict_checksum": (
        "true: drop frames whose checksum fails (default: accept them and count "
        "uvis_checksum_mismatches_total).", None),
    "ListenerSettings.max_frame_size": ("Largest frame in bytes; a longer one is a framing error.", None),
    "ListenerSettings.idle_timeout": ("Close a connection silent for this many seconds (0: never).", None),
    "ListenerSettings.options": ("Protocol switches, e.g. { ack = true } for NMEA's OK1 replies.", None),
    "ListenerSettings.model": (
        "Device model for protocols whose meanings depend on it and which the device does not "
        "say (Traccar's device model): gt06 (LW4G..., SEEWORLD, R11, VL103...: alarm codes, "
        "heartbeat power) and meitrack (MVT380, T1...: ADC scales). A device's own model, the "
        "attribute \"model\" set with PATCH /api/v1/devices/{id} {\"attributes\": {\"model\": "
        "\"LW4G\"}}, wins; it is looked up when the device logs in. \"\": none.", None),
    "ListenerSettings.proxy_trusted": (
        "Networks (CIDR) allowed to send a PROXY header; with proxy_protocol on, connections from "
        "any other address are refused (a client could name any address in its own header).", None),
    "ListenerSettings.tls_cert": (
        'TLS (TCP listeners): certificate chain, PEM, re-read when the file changes ("": no TLS).',
        None),
    "ListenerSettings.tls_key": ("TLS: private key of tls_cert, PEM.", None),
    "ListenerSettings.tls_client_ca": (
        'TLS: devices must present a client certificate that chains to this CA bundle ("": no '
        "client certificates).", None),
    "ListenerSettings.proxy_protocol": (
        "TCP only: every connection starts with a PROXY protocol v1/v2 header (HAProxy "
        "send-proxy-v2, AWS NLB proxy protocol v2); the client address it names is the one logged and "
        "stored. Turn it on only behind such a proxy: direct connections are refused.", None),
    "MqttSettings.brokers": ("Brokers to connect to, each with its subscriptions.", None),
    "MqttBrokerSettings.url": ("mqtt://HOST[:1883] or mqtts://HOST[:8883] (TLS).",
                               '"mqtt://mosquitto:1883"'),
    "MqttBrokerSettings.username": ("User name, if the broker wants one.", '"uvis"'),
    "MqttBrokerSettings.password": ("Password for username.", '"secret"'),
    "MqttBrokerSettings.client_id": (
        "Client id; keep it stable across restarts (the broker keeps this client's session). "
        "Give each gateway replica its own.", None),
    "MqttBrokerSettings.version": ('"5" (clean start off, session expiry) or "3.1.1".', None),
    "MqttBrokerSettings.session_expiry": ("MQTT 5: seconds the broker keeps the session while we are away.",
                                          None),
    "MqttBrokerSettings.receive_maximum": ("MQTT 5: unacknowledged messages the broker may send us.", None),
    "MqttBrokerSettings.keepalive": ("Keep-alive interval, seconds.", None),
    "MqttBrokerSettings.ca_file": ("mqtts: CA bundle. Not set: the system's.", '"/etc/ssl/certs/ca.pem"'),
    "MqttBrokerSettings.tls_insecure": ("mqtts: skip certificate checks (testing only).", None),
    "MqttBrokerSettings.subscriptions": ("Topic filters of this broker.", None),
    "MqttSubscriptionSettings.filter": (
        'Topic filter; "$share/<group>/<filter>" splits one stream across gateway replicas.',
        '"$share/uvis/owntracks/+/+"'),
    "MqttSubscriptionSettings.format": (
        'Payload format: "owntracks", "uvis-json", "nmea" or a protocol name (binary frames).',
        '"owntracks"'),
    "MqttSubscriptionSettings.device_id": (
        'Where the device id comes from: "topic:N", "topic:N,M", "payload:FIELD" or "payload". '
        "Not set: the format's default.", '"topic:-2,-1"'),
    "MqttSubscriptionSettings.options": ("Options handed to the protocol (binary formats).", None),
}

from ..forward.settings import DOCS as _FORWARD_DOCS  # noqa: E402 (forwarding's options)

DOCS.update(_FORWARD_DOCS)
from ..settings.api import DOCS as _API_DOCS  # noqa: E402 (the [api] table)

DOCS.update(_API_DOCS)
from ..settings.commands import DOCS as _COMMAND_DOCS  # noqa: E402 (the [commands] table)

DOCS.update(_COMMAND_DOCS)

_WIDTH = 88


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _struct_items(tp: Any) -> type | None:
    """The Struct of a ``tuple[Struct, ...]`` field, else None."""
    if typing.get_origin(tp) in (tuple, list):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        if len(args) == 1 and _is_struct(args[0]):
            return args[0]
    return None


def _fields(cls: type) -> list[tuple[str, Any, Any]]:
    """(name, type, default or NODEFAULT) of a Struct, in declaration order."""
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name], f.default if f.default is not msgspec.NODEFAULT
             else (f.default_factory() if f.default_factory is not msgspec.NODEFAULT else msgspec.NODEFAULT))
            for f in msgspec.structs.fields(cls)]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"no TOML form for {value!r}")


def _doc(cls: type, name: str) -> tuple[str, str | None]:
    return DOCS.get(f"{cls.__name__}.{name}", ("(undocumented)", None))


def _comment(text: str, prefix: str = "") -> list[str]:
    return textwrap.wrap(text, _WIDTH - len(prefix) - 2, initial_indent=f"{prefix}# ",
                         subsequent_indent=f"{prefix}# ", break_on_hyphens=False)


def _env_names() -> dict[str, str]:
    from ..settings import _ENV_FIELDS

    return {field: var for var, field in _ENV_FIELDS.items()}


def _scalar_lines(cls: type, name: str, default: Any, prefix: str = "") -> list[str]:
    text, example = _doc(cls, name)
    env = _env_names().get(name) if cls.__name__ == "Settings" else None
    lines = _comment(text + (f" Environment: {env}." if env else ""), prefix)
    if default is None or default is msgspec.NODEFAULT:
        lines.append(f"{prefix}# {name} = {example}")
    else:
        lines.append(f"{prefix}{name} = {toml_value(default)}")
    return lines


def _example_table(cls: type, path: str, prefix: str = "# ") -> list[str]:
    """A commented-out [[path]] table with every field of cls (and nested lists)."""
    lines = [f"{prefix}[[{path}]]"]
    nested = []
    for name, tp, default in _fields(cls):
        if _struct_items(tp) is not None:
            nested.append((name, _struct_items(tp)))
            continue
        text, example = _doc(cls, name)
        lines += _comment(text, prefix)
        value = example if default is None or default is msgspec.NODEFAULT else toml_value(default)
        lines.append(f"{prefix}{name} = {value}")
    for name, item in nested:
        lines += _comment(_doc(cls, name)[0], prefix)
        lines += _example_table(item, f"{path}.{name}", prefix)
    return lines


def _listener_lines(listeners: tuple) -> list[str]:
    from ..settings import ListenerSettings

    first, rest = listeners[0], listeners[1:]
    lines = ["[[listeners]]"]
    for name, _, _ in _fields(ListenerSettings):  # the first one in full, every option explained
        lines += _scalar_lines(ListenerSettings, name, getattr(first, name))
    for listener in rest:
        lines += ["", "[[listeners]]"]
        lines += [f"{name} = {toml_value(getattr(listener, name))}" for name in ("protocol", "transport", "port")]
    return lines


def default_toml() -> str:
    """The default configuration as commented TOML."""
    from ..settings import Settings, default_listeners

    lines = ["# UVIS Gateway configuration (uvis-gateway config --print-default).",
             "# Precedence, lowest to highest: these defaults, this file (--config FILE),",
             "# UVIS_* environment variables, command-line flags. An unknown or invalid",
             "# option stops the start with a message naming it.", ""]
    tables: list[str] = []
    for name, tp, default in _fields(Settings):
        if name == "listeners":
            tables += [""] + _comment(_doc(Settings, name)[0]) + _comment(
                "Each listener's options are shown on the first one; the others use their defaults.")
            tables += _listener_lines(default_listeners())
        elif _is_struct(tp):
            tables += ["", *_comment(_doc(Settings, name)[0]), f"[{name}]"]
            tables += _table_body(tp, name, default)
        else:
            lines += _scalar_lines(Settings, name, default) + [""]
    return "\n".join(lines + tables) + "\n"


def _table_body(cls: type, path: str, default: Any) -> list[str]:
    body: list[str] = []
    for name, tp, value in _fields(cls):
        item = _struct_items(tp)
        if item is not None:
            body += _comment(_doc(cls, name)[0] + " None by default; for example:")
            body += _example_table(item, f"{path}.{name}")
        elif _is_struct(tp):
            body += ["", f"[{path}.{name}]"] + _table_body(tp, f"{path}.{name}", value)
        else:
            body += _scalar_lines(cls, name, getattr(default, name))
    return body


def undocumented() -> list[str]:
    """Settings fields (at any depth) without an entry in DOCS."""
    from ..settings import Settings

    missing, todo, seen = [], [Settings], set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for name, tp, _ in _fields(cls):
            if f"{cls.__name__}.{name}" not in DOCS:
                missing.append(f"{cls.__name__}.{name}")
            inner = _struct_items(tp) or (tp if _is_struct(tp) else None)
            if inner is not None:
                todo.append(inner)
    return sorted(missing)


def main(args: Any) -> int:
    if not getattr(args, "print_default", False):
        print("uvis-gateway config: nothing to do (try --print-default)", file=sys.stderr)
        return 2
    sys.stdout.write(default_toml())
    return 0
