"""Server -> device: ``@@<flag><length>,<IMEI>,<command>[,<data>]*hh\\r\\n``.

The length counts from the first comma through the CR LF; the checksum is
the byte sum (mod 256) from the first ``@`` through the ``*``, two uppercase
hex digits. Replies echo the flag of the device frame they answer.
"""

from __future__ import annotations

from datetime import datetime

from .._checksum import sum8
from .._commands import Command, CommandError, check_supported
from .._errors import LocalProtocolError
from .constants import SERVER_MARK

__all__ = ["encode_frame", "encode_ccc_ack", "encode_aac_ack", "encode_aff_ack",
           "encode_photo_request", "encode_command", "COMMANDS", "DEFAULT_FLAG",
           "SUPPORTED_COMMANDS", "encode_typed_command", "answer_serial", "FLAGS"]

DEFAULT_FLAG = "Q"

#: command name -> command text (Traccar's encoder set)
COMMANDS: dict[str, str] = {
    "positionSingle": "A10",
    "engineStop": "C01,0,12222",
    "engineResume": "C01,0,02222",
    "alarmArm": "C01,0,22122",
    "alarmDisarm": "C01,0,22022",
    "requestPhoto": "D03,1,camera_picture.jpg",
}


def encode_frame(imei: str, content: str | bytes, flag: str = DEFAULT_FLAG,
                 mark: bytes = SERVER_MARK) -> bytes:
    """A complete frame carrying ``<IMEI>,<content>`` (the device uses ``mark=b"$$"``)."""
    if len(flag) != 1 or not 0x21 <= ord(flag) <= 0x7E or "," in flag:
        raise LocalProtocolError(f"meitrack: bad flag {flag!r}")
    if not imei or not imei.isalnum():
        raise LocalProtocolError(f"meitrack: bad IMEI {imei!r}")
    body = b"," + imei.encode("ascii") + b"," + (
        content.encode("latin-1") if isinstance(content, str) else content)
    length = len(body) + 5  # "*hh\r\n"
    head = mark + flag.encode("ascii") + str(length).encode("ascii") + body + b"*"
    return head + b"%02X\r\n" % sum8(head)


def encode_ccc_ack(imei: str, records: int, flag: str) -> bytes:
    """``CCC,<records>``: the device may delete that many buffered records."""
    return encode_frame(imei, f"CCC,{records}", flag)


def encode_aac_ack(imei: str, flag: str) -> bytes:
    return encode_frame(imei, "AAC,1", flag)


def encode_aff_ack(imei: str, serial: str, flag: str) -> bytes:
    """``AFF,<serial>``: confirms (and deletes) a report sent in confirmation mode (C03,1)."""
    return encode_frame(imei, f"AFF,{serial}", flag)


def encode_photo_request(imei: str, file_name: str, packet: int, flag: str) -> bytes:
    """``D00,<file>,<packet index>``: asks for one packet of a picture."""
    return encode_frame(imei, f"D00,{file_name},{packet}", flag)


def encode_command(imei: str, command: str, flag: str = DEFAULT_FLAG) -> bytes:
    text = COMMANDS.get(command)
    if text is None:
        raise LocalProtocolError(f"meitrack: unknown command {command!r}")
    return encode_frame(imei, text, flag)


#: command type -> command text. Sources: "MEITRACK GPRS Protocol" (MVT100/MVT340/MVT380/MVT600/
#: T1, V1.21; TC68L/TS299L V2.0): ``@@<data identifier><length>,<IMEI>,<command>*hh\r\n``,
#: the tracker answers ``$$<same identifier>...,<IMEI>,<command>,OK*hh``; A10 real-time
#: location (answered by an AAA report), A12,<n> tracking by time interval in units of
#: 10 s (0 = stop), C01,<speed>,<ABCDE> output control (per output 0 off, 1 on, 2 keep; the
#: engine is output A), C01,0,22122 / 22022 arm / disarm (Traccar; /work/shared/protocols/
#: meitrack.md). None: built from the parameters.
SUPPORTED_COMMANDS: dict[str, str | None] = {
    "positionSingle": "A10",
    "positionPeriodic": None,   # A12,<seconds / 10>
    "positionStop": "A12,0",
    "engineStop": "C01,0,12222",
    "engineResume": "C01,0,02222",
    "alarmArm": "C01,0,22122",
    "alarmDisarm": "C01,0,22022",
    "outputControl": None,      # C01,0,<ABCDE> with the index'th digit 1/0, the others 2
    "custom": None,             # text: the command after the IMEI; hex: as is
}
#: the data identifiers a command can carry (0x41..0x7A letters), chosen by ``Command.id``
FLAGS = "".join(chr(c) for c in range(0x41, 0x7B) if chr(c).isalpha())


def _text(cmd: Command) -> str:
    if cmd.type == "positionPeriodic":
        seconds = cmd.interval(10, 65535 * 10)
        if seconds % 10:
            raise CommandError("meitrack: the interval is counted in 10 s units")
        return f"A12,{seconds // 10}"
    if cmd.type == "outputControl":
        index = cmd.index(1, 5)
        states = ["2"] * 5
        states[index - 1] = "1" if cmd.on() else "0"
        return "C01,0," + "".join(states)
    if cmd.type == "custom":
        text = cmd.text()
        if "*" in text or not text.split(",", 1)[0].isalnum():
            raise CommandError(f"meitrack: custom text is <command>[,<data>], got {text!r}")
        return text
    return SUPPORTED_COMMANDS[cmd.type] or ""


def encode_typed_command(cmd: Command, device_id: str, *, now: datetime | None = None,
                         **_options: object) -> bytes:
    """The command with ``FLAGS[cmd.id % 52]`` as its data identifier (echoed by the answer)."""
    check_supported("meitrack", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "custom" and (raw := cmd.raw()) is not None:
        return raw
    return encode_frame(device_id, _text(cmd), FLAGS[cmd.id % len(FLAGS)])


def answer_serial(cmd: Command, **_options: object) -> str | None:
    """The data identifier the answer echoes; None for A10 (answered by an AAA report, which
    the decoder cannot tell from a timed one) and hex pass-throughs."""
    if cmd.type == "positionSingle" or (cmd.type == "custom" and cmd.raw() is not None):
        return None
    return FLAGS[cmd.id % len(FLAGS)]
