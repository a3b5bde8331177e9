"""Server -> device: replies and commands (plain ASCII, no line ending)."""

from __future__ import annotations

from datetime import datetime, timezone

from .._commands import Command, CommandError, check_supported

__all__ = ["ack_v4", "heartbeat_reply", "ack_r12", "command", "SUPPORTED_COMMANDS",
           "encode_typed_command", "answer_serial"]


def _utc(now: datetime) -> datetime:
    return now.astimezone(timezone.utc)


def ack_v4(device_id: str, kind: str, now: datetime) -> bytes:
    """Answer to V1 and NBR: ``*HQ,<id>,V4,<type>,<yyyyMMddHHmmss>#``."""
    return f"*HQ,{device_id},V4,{kind},{_utc(now):%Y%m%d%H%M%S}#".encode("ascii")


def heartbeat_reply(manufacturer: str, device_id: str, kind: str) -> bytes:
    """The heartbeat echoed up to its type field: ``*HQ,<id>,HTBT#``."""
    return f"*{manufacturer},{device_id},{kind}#".encode("ascii", "replace")


def ack_r12(device_id: str, now: datetime) -> bytes:
    """Optional answer to other positions (``extra["ack"]``): ``*HQ,<id>,R12,<HHmmss>#``."""
    return f"*HQ,{device_id},R12,{_utc(now):%H%M%S}#".encode("ascii")


def command(device_id: str, name: str, now: datetime, *params: str) -> bytes:
    """``*HQ,<id>,<cmd>,<HHmmss>[,<params>]#``, e.g. ``command(id, "S20", now, "1", "1")``."""
    tail = "".join(f",{p}" for p in params)
    return f"*HQ,{device_id},{name},{_utc(now):%H%M%S}{tail}#".encode("ascii")


#: command type -> (command word, parameters). Sources: the H02 GPRS protocol document of the
#: SinoTrack/H02 family (server commands ``*HQ,<id>,<word>,<HHMMSS>,<params>#``, answered by
#: ``V4,<word>,<result>,<the command's HHMMSS>,<device time>,<position>``); S20 oil/power cut
#: (1,1 cut, 1,0 restore), SCF arm (0,0) / disarm (1,1), S71 with function 22 = reporting
#: interval in seconds; /work/shared/protocols/h02.md. None: built from the parameters.
SUPPORTED_COMMANDS: dict[str, tuple[str, tuple[str, ...]] | None] = {
    "engineStop": ("S20", ("1", "1")),
    "engineResume": ("S20", ("1", "0")),
    "alarmArm": ("SCF", ("0", "0")),
    "alarmDisarm": ("SCF", ("1", "1")),
    "positionPeriodic": None,  # S71,22,<seconds>
    "custom": None,            # text: <word>[,<params>] stamped like the others; hex: as is
}


def _word_and_params(cmd: Command) -> tuple[str, tuple[str, ...]]:
    if cmd.type == "positionPeriodic":
        return "S71", ("22", str(cmd.interval(10, 65535)))
    if cmd.type == "custom":
        word, *params = cmd.text().split(",")
        if not word.isalnum() or "#" in cmd.text() or "*" in cmd.text():
            raise CommandError(f"h02: custom command must be <word>[,<params>], got {cmd.text()!r}")
        return word, tuple(params)
    return SUPPORTED_COMMANDS[cmd.type] or ("", ())


def encode_typed_command(cmd: Command, device_id: str, *, now: datetime | None = None,
                         **_options: object) -> bytes:
    """``*HQ,<id>,<word>,<HHMMSS of now>,<params>#``: H02 has no serial, the answer echoes the
    word and this time (``answer_serial``)."""
    check_supported("h02", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "custom" and (raw := cmd.raw()) is not None:
        return raw
    if now is None:
        raise CommandError("h02: commands carry the server time: give now=")
    word, params = _word_and_params(cmd)
    return command(device_id, word, now, *params)


def answer_serial(cmd: Command, *, now: datetime | None = None, **_options: object) -> str | None:
    """What the V4 answer to ``cmd`` sent at ``now`` carries: ``<word>,<HHMMSS>``."""
    if now is None or (cmd.type == "custom" and cmd.raw() is not None):
        return None
    return f"{_word_and_params(cmd)[0]},{_utc(now):%H%M%S}"
