"""Server -> device: +SACK acknowledgements and AT+GT commands (ASCII)."""

from __future__ import annotations

from datetime import datetime

from .._commands import Command, CommandError, check_supported
from .._errors import LocalProtocolError
from .constants import SACK

__all__ = ["encode_heartbeat_ack", "encode_sack", "encode_command", "position_request",
           "reboot", "identification_request", "engine_stop", "engine_resume",
           "SUPPORTED_COMMANDS", "encode_typed_command", "answer_serial"]


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


def position_request(password: str = "", serial: str = "FFFF") -> bytes:
    return encode_command("RTO", password, "1", "", "", "", "", "", serial=serial)


def reboot(password: str = "", serial: str = "FFFF") -> bytes:
    return encode_command("RTO", password, "3", "", "", "", "", "", serial=serial)


def identification_request(password: str = "", serial: str = "FFFF") -> bytes:
    return encode_command("RTO", password, "8", "", "", "", "", "", serial=serial)


def _output(password: str, state: str, serial: str = "FFFF") -> bytes:
    return encode_command("OUT", password, state, "", "", "0", "0", "0", "0", "0", "0", "0",
                          "", "", "", "", "", "", serial=serial)


def engine_stop(password: str = "", serial: str = "FFFF") -> bytes:
    return _output(password, "1", serial)


def engine_resume(password: str = "", serial: str = "FFFF") -> bytes:
    return _output(password, "0", serial)


#: command type -> encoder (password, serial). Sources: Queclink "@Track Air Interface
#: Protocol" (GL300/GV300): ``AT+GT<cmd>=<password>,...,<serial number>$``, answered
#: ``+ACK:GT<cmd>,...,<serial number>,<send time>,<count>$``; AT+GTRTO sub-commands 1 RTL
#: (real-time location), 3 REBOOT; AT+GTOUT output status (Traccar's engine stop/resume,
#: /work/shared/protocols/gl200.md). None: custom (the whole AT+GT text; hex: as is).
SUPPORTED_COMMANDS = {
    "positionSingle": position_request,
    "rebootDevice": reboot,
    "engineStop": engine_stop,
    "engineResume": engine_resume,
    "custom": None,
}


def encode_typed_command(cmd: Command, device_id: str = "", *, now: datetime | None = None,
                         password: str = "", **_options: object) -> bytes:
    """The command with ``cmd.id`` as its 4-hex-digit serial number (echoed by +ACK)."""
    check_supported("gl200", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "custom":
        raw = cmd.raw()
        if raw is not None:
            return raw
        text = cmd.text()
        if not text.startswith("AT+GT") or not text.endswith("$"):
            raise CommandError("gl200: custom text is a whole AT+GT<cmd>=...$ command")
        return text.encode("ascii")
    encoder = SUPPORTED_COMMANDS[cmd.type]
    assert encoder is not None
    try:
        return encoder(password, f"{cmd.id & 0xFFFF:04X}")
    except LocalProtocolError as exc:
        raise CommandError(str(exc)) from None


def answer_serial(cmd: Command, **_options: object) -> int | None:
    """The serial number the +ACK echoes: ``cmd.id``, or the last field of a custom command
    (None when that is not 4 hex digits, or for hex pass-throughs)."""
    if cmd.type != "custom":
        return cmd.id & 0xFFFF
    if cmd.raw() is not None:
        return None
    last = cmd.text().rstrip("$").rsplit(",", 1)[-1]
    try:
        return int(last, 16) if len(last) == 4 else None
    except ValueError:
        return None
