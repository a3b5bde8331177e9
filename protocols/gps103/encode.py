"""Server -> device: replies and commands of the GPS103 protocol (plain ASCII, no checksum)."""

from __future__ import annotations

from datetime import datetime

from .._commands import Command as _TypedCommand
from .._commands import CommandError, check_supported
from .._errors import LocalProtocolError
from .constants import HEARTBEAT_REPLY, LOGIN_REPLY, Command

__all__ = ["encode_login_reply", "encode_heartbeat_reply", "encode_sos_ack", "encode_command",
           "format_interval", "SUPPORTED_COMMANDS", "encode_typed_command", "answer_serial"]


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


#: command type -> Coban command code. Sources: Coban "GPS102/GPS103/GPS104 GPRS data protocol"
#: (TK102/TK103 GPRS Data Protocol: ``**,imei:<IMEI>,<code>[,<param>]``; B single position,
#: C,<30s|05m|01h> periodic, D cancel, J cut oil/power, K resume, L arm, M disarm);
#: /work/shared/protocols/gps103.md. The protocol has no acknowledgement: a command ends at
#: "sent"; positionSingle's effect is one ``tracker`` report. None: from the parameters.
SUPPORTED_COMMANDS: dict[str, Command | None] = {
    "positionSingle": Command.SINGLE_POSITION,
    "positionPeriodic": None,
    "positionStop": Command.STOP_PERIODIC,
    "engineStop": Command.ENGINE_STOP,
    "engineResume": Command.ENGINE_RESUME,
    "alarmArm": Command.ARM,
    "alarmDisarm": Command.DISARM,
    "custom": None,  # text: <code>[,<param>] after the IMEI; hex: as is
}


def encode_typed_command(cmd: _TypedCommand, device_id: str, *, now: datetime | None = None,
                         **_options: object) -> bytes:
    check_supported("gps103", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "positionPeriodic":
        seconds = cmd.interval(1, 99 * 3600)
        try:
            return encode_command(device_id, Command.PERIODIC, format_interval(seconds))
        except LocalProtocolError as exc:
            raise CommandError(str(exc)) from None
    if cmd.type == "custom":
        raw = cmd.raw()
        if raw is not None:
            return raw
        text = cmd.text()
        if ";" in text or not text.split(",", 1)[0].isalnum():
            raise CommandError(f"gps103: custom text is <code>[,<param>], got {text!r}")
        return f"**,imei:{device_id},{text}".encode("ascii")
    code = SUPPORTED_COMMANDS[cmd.type]
    assert code is not None
    return encode_command(device_id, code)


def answer_serial(cmd: _TypedCommand, **_options: object) -> None:
    """Coban devices do not acknowledge commands."""
    return None
