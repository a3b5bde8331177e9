"""Server -> device: replies and commands of the TK103 protocol (ASCII, no line ending)."""

from __future__ import annotations

from datetime import datetime

from .._commands import Command, CommandError, check_supported
from .._errors import LocalProtocolError

__all__ = [
    "encode_handshake_reply", "encode_login_reply", "encode_command", "single_position",
    "periodic", "stop_periodic", "engine_stop", "engine_resume", "output", "reboot", "version",
    "SUPPORTED_COMMANDS", "encode_typed_command", "answer_serial",
]


def _frame(device_id: str, body: str) -> bytes:
    return f"({device_id}{body})".encode("ascii")


def encode_handshake_reply(device_id: str) -> bytes:
    """BP00 -> ``(<ID>AP01HSO)``."""
    return _frame(device_id, "AP01HSO")


def encode_login_reply(device_id: str) -> bytes:
    """BP05 -> ``(<ID>AP05)``."""
    return _frame(device_id, "AP05")


def encode_command(device_id: str, word: str, body: str = "") -> bytes:
    if len(word) != 4 or not word.isalnum():
        raise LocalProtocolError(f"tk103: bad command word {word!r}")
    return _frame(device_id, word + body)


def single_position(device_id: str) -> bytes:
    return encode_command(device_id, "AP00")


def periodic(device_id: str, interval_s: int) -> bytes:
    """``(<ID>AR00<interval 4 hex>0000)``."""
    if not 0 < interval_s <= 0xFFFF:
        raise LocalProtocolError(f"tk103: interval {interval_s} s out of range")
    return encode_command(device_id, "AR00", f"{interval_s:04X}0000")


def stop_periodic(device_id: str) -> bytes:
    return encode_command(device_id, "AR00", "00000000")


def engine_stop(device_id: str) -> bytes:
    return encode_command(device_id, "AV01", "0")


def engine_resume(device_id: str) -> bytes:
    return encode_command(device_id, "AV01", "1")


def output(device_id: str, state: int) -> bytes:
    return encode_command(device_id, "AV00", str(int(bool(state))))


def reboot(device_id: str) -> bytes:
    return encode_command(device_id, "AT00")


def version(device_id: str) -> bytes:
    return encode_command(device_id, "AP07")


#: command type -> (command word, body). Sources: "GPS Tracker TK103 Protocol"
#: (scribd.com/document/444761215; answers in _answers.py) and
#: /work/shared/protocols/tk103.md (Traccar's AV010/AV011, AR00<4 hex>0000, AT00).
#: None: built from the parameters.
SUPPORTED_COMMANDS: dict[str, tuple[str, str] | None] = {
    "positionSingle": ("AP00", ""),
    "positionPeriodic": None,      # AR00<interval s, 4 hex>0000
    "positionStop": ("AR00", "00000000"),
    "engineStop": ("AV01", "0"),
    "engineResume": ("AV01", "1"),
    "outputControl": None,         # AV00<0|1>: the one output
    "rebootDevice": ("AT00", ""),
    "custom": None,                # <WORD><body>, framed with the id; hex: as is
}


def _word_and_body(cmd: Command) -> tuple[str, str]:
    if cmd.type == "positionPeriodic":
        return "AR00", f"{cmd.interval(1, 0xFFFF):04X}0000"
    if cmd.type == "outputControl":
        cmd.index(1, 1)
        return "AV00", "1" if cmd.on() else "0"
    if cmd.type == "custom":
        text = cmd.text()
        if "(" in text or ")" in text:
            raise CommandError("tk103: custom text must not contain parentheses")
        return text[:4], text[4:]
    return SUPPORTED_COMMANDS[cmd.type] or ("", "")


def encode_typed_command(cmd: Command, device_id: str, *, now: datetime | None = None,
                         **_options: object) -> bytes:
    """``(<ID><WORD><body>)``; the answer names the word (``answer_serial``)."""
    check_supported("tk103", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "custom" and (raw := cmd.raw()) is not None:
        return raw
    word, body = _word_and_body(cmd)
    return encode_command(device_id, word, body)


def answer_serial(cmd: Command, **_options: object) -> str | None:
    """The command word the answer names (BP04 -> AP00, BS08 -> AR00, BV00/BV01 -> AV00/AV01,
    BT00 -> AT00); None for a hex pass-through."""
    if cmd.type == "custom" and cmd.raw() is not None:
        return None
    return _word_and_body(cmd)[0]
