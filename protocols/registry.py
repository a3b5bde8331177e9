"""The static protocol registry: name -> ProtocolSpec, imported lazily.

A plain table, not a plugin system: adding a protocol means adding a line
here (see README, "Adding a protocol").
"""

from __future__ import annotations

from importlib import import_module

from ._spec import ProtocolSpec

__all__ = ["NAMES", "ALIASES", "get", "canonical", "UnknownProtocol"]

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
