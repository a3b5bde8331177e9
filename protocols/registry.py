"""The static protocol registry: name -> ProtocolSpec, imported lazily.

A plain table, not a plugin system: adding a protocol means adding a line
here (see README, "Adding a protocol").
"""

from __future__ import annotations

from importlib import import_module

from datetime import datetime
from typing import Any

from ._commands import COMMAND_TYPES, Command, CommandError
from ._spec import ProtocolSpec

__all__ = ["NAMES", "ALIASES", "get", "canonical", "UnknownProtocol", "supported_commands",
           "encode_command", "answer_serial", "takes_model"]

#: registry key -> module holding SPEC
_MODULES: dict[str, str] = {
    name: f"protocols.{name}"
    for name in (
        "gt06", "teltonika", "nmea", "h02", "jt808", "gps103", "tk103", "meitrack", "gl200",
        "suntech", "osmand", "watch", "ruptela", "wialon", "galileo", "xexun", "totem", "gt02",
        "gps056",
    )
}

#: other names users (and Traccar) give a protocol
ALIASES: dict[str, str] = {"t55": "nmea", "huabao": "jt808"}

NAMES: tuple[str, ...] = tuple(_MODULES)


class UnknownProtocol(KeyError):
    def __str__(self) -> str:
        return f"unknown protocol {self.args[0]!r} (known: {', '.join(sorted(NAMES))})"


def canonical(name: str) -> str:
    key = name.lower()
    key = ALIASES.get(key, key)
    if key not in _MODULES:
        raise UnknownProtocol(name)
    return key


def get(name: str) -> ProtocolSpec:
    """The spec of protocol ``name`` (or alias); raises UnknownProtocol."""
    key = canonical(name)
    try:
        module = import_module(_MODULES[key])
    except ModuleNotFoundError as exc:
        if exc.name != _MODULES[key]:
            raise
        raise UnknownProtocol(name) from None
    spec = module.SPEC
    assert isinstance(spec, ProtocolSpec)
    return spec


def _encode_module(name: str) -> Any:
    get(name)  # raises UnknownProtocol
    return import_module(f"{_MODULES[canonical(name)]}.encode")


def supported_commands(name: str) -> list[str]:
    """The command types protocol ``name`` can carry (protocols/_commands.py), in
    COMMAND_TYPES order; empty for a protocol without commands."""
    table = getattr(_encode_module(name), "SUPPORTED_COMMANDS", None) or {}
    return [t for t in COMMAND_TYPES if t in table]


def encode_command(name: str, command: Command, device_id: str, *, now: datetime | None = None,
                   **options: Any) -> bytes:
    """The exact bytes of ``command`` for a device of protocol ``name`` (``now`` for the
    protocols whose commands carry a time; ``options`` the session facts some need, see
    the protocol's ``encode_typed_command``). Raises CommandError when unsupported."""
    module = _encode_module(name)
    encoder = getattr(module, "encode_typed_command", None)
    if encoder is None:
        raise CommandError(f"{canonical(name)}: no commands")
    return encoder(command, device_id, now=now, **options)


def answer_serial(name: str, command: Command, *, now: datetime | None = None,
                  **options: Any) -> int | str | None:
    """The ``CommandAnswer.serial`` the device's answer to ``command`` (sent at ``now``) will
    carry; None when the protocol's answers carry no correlation (they come in order)."""
    function = getattr(_encode_module(name), "answer_serial", None)
    return None if function is None else function(command, now=now, **options)


def takes_model(name: str) -> bool:
    """True when protocol ``name``'s meanings depend on the device model (its
    connections have ``set_model(name)``: gt06's alarm and status families,
    meitrack's ADC scales); the device does not say its model, the operator does."""
    spec = get(name)
    return any(hasattr(factory, "set_model") for factory in (spec.tcp_connection, spec.udp_connection)
               if factory is not None)
