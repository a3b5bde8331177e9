"""Server -> device: +SACK acknowledgements and AT+GT commands (ASCII)."""

from __future__ import annotations

from .._errors import LocalProtocolError
from .constants import SACK

__all__ = ["encode_heartbeat_ack", "encode_sack", "encode_command", "position_request",
           "reboot", "identification_request", "engine_stop", "engine_resume"]


def _check(text: str, what: str) -> bytes:
    if not text or any(c in text for c in ",$\r\n") or not text.isascii():
        raise LocalProtocolError(f"gl200: bad {what} {text!r}")
    return text.encode("ascii")


def encode_heartbeat_ack(version: str, count: str) -> bytes:
    """``+SACK:GTHBD,<protocol version>,<count>$`` for ``+ACK:GTHBD``."""
    return SACK + b"GTHBD," + _check(version, "protocol version") + b"," + _check(count, "count") + b"$"


def encode_sack(count: str) -> bytes:
    """``+SACK:<count>$``: acknowledges one message (servers in ack mode)."""
    return SACK + _check(count, "count") + b"$"


def encode_command(command: str, password: str, *params: str, serial: str = "FFFF") -> bytes:
    """``AT+GT<cmd>=<password>,<params...>,<serial>$``."""
    for part in (password, *params):
        if any(c in part for c in ",$\r\n") or not part.isascii():
            raise LocalProtocolError(f"gl200: bad command parameter {part!r}")
    body = ",".join((password, *params, serial))
    return b"AT+GT" + _check(command, "command") + b"=" + body.encode("ascii") + b"$"


def position_request(password: str = "") -> bytes:
    return encode_command("RTO", password, "1", "", "", "", "", "")


def reboot(password: str = "") -> bytes:
    return encode_command("RTO", password, "3", "", "", "", "", "")


def identification_request(password: str = "") -> bytes:
    return encode_command("RTO", password, "8", "", "", "", "", "")


def _output(password: str, state: str) -> bytes:
    return encode_command("OUT", password, state, "", "", "0", "0", "0", "0", "0", "0", "0",
                          "", "", "", "", "", "")


def engine_stop(password: str = "") -> bytes:
    return _output(password, "1")


def engine_resume(password: str = "") -> bytes:
    return _output(password, "0")
