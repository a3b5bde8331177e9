"""Server -> device: answers (each ends with CR LF) and Traccar's commands."""

from __future__ import annotations

from datetime import datetime

from .._commands import Command, CommandError, check_supported
from .constants import CRLF

__all__ = ["encode_answer", "encode_command", "COMMANDS", "SUPPORTED_COMMANDS",
           "encode_typed_command", "answer_serial"]


def encode_answer(kind: str, code: str = "") -> bytes:
    """``#<kind>#<code>\\r\\n``, e.g. ``#AL#1``, ``#AD#1``, ``#AB#3``, ``#AP#``."""
    return b"#%s#%s%s" % (kind.encode("ascii"), code.encode("ascii"), CRLF)


#: Traccar's commands: plain text lines (not wrapped in #M#)
COMMANDS = {
    "reboot": "reboot",
    "version": "VER?",
}


def encode_command(text: str) -> bytes:
    """``reboot``, ``USSD:<code>``, ``VER?``, ``L<n>=<0|1>`` (output control) + CR LF."""
    return text.encode("utf-8") + CRLF


def encode_output(index: int, on: bool) -> bytes:
    return encode_command(f"L{index}={1 if on else 0}")


#: command type -> command line. Sources: "Wialon IPS" v1.1 / v2.0 (gurtam): the device's
#: messages to the server are ``#M#<text>`` (answered ``#AM#1``), which is how a tracker
#: answers a text command (no serial: answers in order); Traccar's plain text lines
#: ``reboot`` and ``L<n>=<0|1>`` (/work/shared/protocols/wialon.md). None: from the parameters.
SUPPORTED_COMMANDS: dict[str, str | None] = {
    "rebootDevice": "reboot",
    "outputControl": None,   # L<index>=<0|1>
    "custom": None,          # text: one line; hex: as is
}


def encode_typed_command(cmd: Command, device_id: str = "", *, now: datetime | None = None,
                         **_options: object) -> bytes:
    check_supported("wialon", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "outputControl":
        return encode_output(cmd.index(1, 16), cmd.on())
    if cmd.type == "custom":
        raw = cmd.raw()
        if raw is not None:
            return raw
        text = cmd.text()
        if text.startswith("#A"):
            raise CommandError("wialon: a custom line must not look like a server answer (#A...)")
        return encode_command(text)
    return encode_command(SUPPORTED_COMMANDS[cmd.type] or "")


def answer_serial(cmd: Command, **_options: object) -> None:
    """Wialon messages carry no serial: answers come in order."""
    return None
