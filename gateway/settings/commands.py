"""The [commands] table of the settings (commands to devices, gateway/runtime/commands.py),
its ``config --print-default`` comments (``DOCS``, merged into
gateway/config_cmd.DOCS) and the limits the queue enforces (storage/commands.py)."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["CommandSettings", "DOCS", "command_limits", "validate_commands"]


class CommandSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    ttl: float = 86400.0
    rate_per_minute: int = 10
    max_open: int = 20
    sweep_interval: float = 5.0
    max_sessions: int = 1_000_000
    mqtt_topic: str = "devices/{device}/commands"
    mqtt_answer_filter: str = "devices/+/commands/answer"


DOCS: dict[str, tuple[str, str | None]] = {
    "Settings.commands": ("Commands to devices (API POST /api/v1/devices/{id}/commands, "
                          "uvis-gateway command send): the durable queue's limits.", None),
    "CommandSettings.ttl": ("Seconds a command waits for its device (offline, or sent and not "
                            "answered) before it expires (default 24 h).", None),
    "CommandSettings.rate_per_minute": ("Commands per device per minute; beyond: refused (429).",
                                        None),
    "CommandSettings.max_open": ("Commands per device queued or sent and not yet answered; beyond: "
                                 "refused (429).", None),
    "CommandSettings.sweep_interval": (
        "Seconds between two sweeps of each gateway process: expire commands past their TTL and "
        "deliver what a missed notification left queued.", None),
    "CommandSettings.max_sessions": ("Device sessions remembered per process for delivery (the "
                                     "oldest are forgotten beyond).", None),
    "CommandSettings.mqtt_topic": ("MQTT devices: the topic a command is published to at QoS 1 "
                                   "({device}: the device id).", None),
    "CommandSettings.mqtt_answer_filter": ("MQTT devices: the topic filter their answers arrive on "
                                           "(the level after 'devices' names the device).", None),
}


def command_limits(settings: Any) -> Any:
    from storage.commands import CommandLimits

    c = settings.commands
    return CommandLimits(ttl=c.ttl, rate_per_minute=c.rate_per_minute, max_open=c.max_open)


def validate_commands(c: CommandSettings, error: type[Exception]) -> None:
    for name in ("ttl", "rate_per_minute", "max_open", "sweep_interval", "max_sessions"):
        if getattr(c, name) <= 0:
            raise error(f"commands.{name}: must be positive")
    if "{device}" not in c.mqtt_topic:
        raise error("commands.mqtt_topic: must contain {device}")
    from ..mqtt.config import parse_filter

    try:
        parse_filter(c.mqtt_answer_filter)
    except ValueError as exc:
        raise error(f"commands.mqtt_answer_filter: {exc}") from None
