"""Server -> device: replies and commands of the GPS103 protocol (plain ASCII, no checksum)."""

from __future__ import annotations

from .._errors import LocalProtocolError
from .constants import HEARTBEAT_REPLY, LOGIN_REPLY, Command

__all__ = ["encode_login_reply", "encode_heartbeat_reply", "encode_sos_ack", "encode_command",
           "format_interval"]


def encode_login_reply() -> bytes:
    """``LOAD``, no terminator."""
    return LOGIN_REPLY


def encode_heartbeat_reply() -> bytes:
    """``ON``, no terminator."""
    return HEARTBEAT_REPLY


def encode_sos_ack(imei: str) -> bytes:
    """``**,imei:<IMEI>,E;``: acknowledges (stops) an SOS report."""
    return b"**,imei:%s,E;" % imei.encode("ascii")


def format_interval(seconds: int) -> str:
    """Periodic interval: ``30s``, ``05m`` or ``01h`` (two digits and a unit)."""
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if seconds % size == 0 and 0 < seconds // size <= 99:
            return f"{seconds // size:02d}{unit}"
    raise LocalProtocolError(f"gps103: interval {seconds} s has no two-digit form")


def encode_command(imei: str, command: Command, param: str | None = None) -> bytes:
    """``**,imei:<IMEI>,<code>[,<param>]`` (e.g. ``Command.PERIODIC`` with ``format_interval``)."""
    text = f"**,imei:{imei},{command.value}"
    if param is not None:
        text += f",{param}"
    return text.encode("ascii")
