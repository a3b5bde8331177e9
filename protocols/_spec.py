"""What a protocol subpackage declares about itself (its ``SPEC``)."""

from __future__ import annotations

from typing import Any, Callable

import msgspec

__all__ = ["ProtocolSpec"]


class ProtocolSpec(msgspec.Struct, frozen=True, kw_only=True):
    #: registry key: Traccar's lowercase protocol name
    name: str
    #: Traccar's default port for this protocol
    default_port: int
    #: transports Traccar serves it on: ("tcp",), ("tcp", "udp") or ("http",)
    transports: tuple[str, ...]
    #: (device_id=None, options=...) -> stream Connection (TCP, and HTTP requests
    #: over TCP for "http" protocols such as OsmAnd)
    tcp_connection: Callable[..., Any] | None = None
    #: (device_id=None, options=...) -> Connection whose receive_frame takes one datagram
    udp_connection: Callable[..., Any] | None = None
    #: (device_id, transport="tcp") -> Device (protocols/_device.py)
    device: Callable[..., Any] | None = None
    #: other names accepted for it (NMEA is Traccar's "t55")
    aliases: tuple[str, ...] = ()
    #: one line for --help and the README table
    summary: str = ""

    def connection_for(self, transport: str) -> Any:
        """The connection factory for ``transport``, or None when not served on it."""
        if transport not in self.transports:
            return None
        return self.udp_connection if transport == "udp" else self.tcp_connection
