"""Server -> device: replies and commands, escaped and framed, XOR checksum."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

from .._checksum import xor8
from .._commands import Command, CommandError, check_supported
from .constants import MsgType
from .framing import escape, escape_alt, unescape

__all__ = ["packet", "general_response", "register_response", "time_response", "alt_response",
           "terminal_control", "text_message", "server_time", "to_alt_framing", "SUPPORTED_COMMANDS", "encode_typed_command", "answer_serial"]

_U16 = struct.Struct(">H")
#: messages whose header serial is one byte (vendor location forms and their reply)
_SHORT_SERIAL = (0x5501, 0x5502, 0x4401)


def packet(msg_id: int, body: bytes, terminal: bytes, serial: int, version: int | None = None) -> bytes:
    """``7E`` + escape(header + body + XOR) + ``7E``; the 2019 flag and version when ``version``."""
    if len(body) > 0x3FF:
        raise ValueError("jt808: body longer than 1023 bytes needs sub-packets")
    props = len(body) | (0x4000 if version is not None else 0)
    head = _U16.pack(msg_id) + _U16.pack(props)
    if version is not None:
        head += bytes((version,))
    index = bytes((serial & 0xFF,)) if msg_id in _SHORT_SERIAL else _U16.pack(serial & 0xFFFF)
    content = head + terminal + index + body
    return b"\x7e" + escape(content + bytes((xor8(content),))) + b"\x7e"


def general_response(terminal: bytes, serial: int, reply_serial: int, reply_id: int,
                     result: int = 0, version: int | None = None) -> bytes:
    """0x8001: reply serial u16 | reply message id u16 | result u8 (0 ok, 1 fail, 3 unsupported)."""
    body = _U16.pack(reply_serial & 0xFFFF) + _U16.pack(reply_id) + bytes((result,))
    return packet(MsgType.GENERAL_RESPONSE, body, terminal, serial, version)


def register_response(terminal: bytes, serial: int, reply_serial: int, result: int,
                      auth_code: str, version: int | None = None) -> bytes:
    """0x8100: reply serial u16 | result u8 | authentication code (only when result is 0)."""
    body = _U16.pack(reply_serial & 0xFFFF) + bytes((result,))
    if result == 0:
        body += auth_code.encode("ascii")
    return packet(MsgType.REGISTER_RESPONSE, body, terminal, serial, version)


def time_response(terminal: bytes, serial: int, now: datetime, version: int | None = None) -> bytes:
    """0x8109: UTC year u16, month, day, hour, minute, second."""
    t = now.astimezone(timezone.utc)
    body = _U16.pack(t.year) + bytes((t.month, t.day, t.hour, t.minute, t.second))
    return packet(MsgType.TIME_SYNC_RESPONSE, body, terminal, serial, version)


def alt_response(terminal: bytes, serial: int, msg_id: int, result: int = 0) -> bytes:
    """0x4401 for 0x5501/0x5502: message id u16, result u8."""
    return packet(MsgType.ALT_RESPONSE, _U16.pack(msg_id) + bytes((result,)), terminal, serial)


def terminal_control(terminal: bytes, serial: int, command: int, params: bytes = b"",
                     version: int | None = None) -> bytes:
    """0x8105 terminal control (4 = reset/reboot)."""
    return packet(MsgType.TERMINAL_CONTROL, bytes((command,)) + params, terminal, serial, version)


def text_message(terminal: bytes, serial: int, text: str, flags: int = 0x01,
                 version: int | None = None) -> bytes:
    """0x8300 text message (GBK in the standard; ASCII here)."""
    return packet(MsgType.TEXT_MESSAGE, bytes((flags,)) + text.encode("ascii"), terminal, serial,
                  version)


def server_time(terminal: bytes, serial: int, now: datetime, version: int | None = None) -> bytes:
    """0x8004 (JT/T 808-2019): UTC time, BCD YYMMDDhhmmss."""
    stamp = now.astimezone(timezone.utc).strftime("%y%m%d%H%M%S")
    return packet(MsgType.SERVER_TIME_RESPONSE, bytes.fromhex(stamp), terminal, serial, version)


def to_alt_framing(packet_bytes: bytes) -> bytes:
    """A ``7E`` packet re-framed for a terminal of the ``E7`` variant (same content)."""
    return b"\xe7" + escape_alt(unescape(packet_bytes[1:-1])) + b"\xe7"


#: command type -> (message id, body prefix). Sources: JT/T 808-2013 / 808-2019 (Ministry of
#: Transport of the PRC): 0x8105 terminal control (command word 4 = terminal reset), 0x8201
#: position query (answered by 0x0201 with the query's serial), 0x8103 set parameters
#: (parameter 0x0029 = default reporting interval, DWORD seconds), 0x8202 temporary position
#: tracking (interval 0 = stop), 0x8300 text message; every other command is answered by the
#: 0x0001 terminal general response (reply serial, reply id, result). Engine stop/resume use
#: the manufacturer-defined terminal-control words 0xF0 / 0xF1 (Traccar's
#: HuabaoProtocolEncoder; /work/shared/protocols/jt808.md). None: built from the parameters.
SUPPORTED_COMMANDS: dict[str, tuple[int, bytes] | None] = {
    "engineStop": (MsgType.TERMINAL_CONTROL, b"\xf0"),
    "engineResume": (MsgType.TERMINAL_CONTROL, b"\xf1"),
    "rebootDevice": (MsgType.TERMINAL_CONTROL, b"\x04"),
    "positionSingle": (MsgType.LOCATION_QUERY, b""),
    "positionPeriodic": None,   # 0x8103: 1 parameter, id 0x00000029, length 4, seconds
    "positionStop": (MsgType.TEMPORARY_TRACKING, b"\x00\x00\x00\x00\x00\x00"),  # interval 0, validity 0
    "custom": None,             # text: 0x8300 (flags 0x01); hex: a whole frame passed through
}
_TEXT_FLAGS = 0x01
_REPORT_INTERVAL = 0x0029
_MAX_TEXT = 0x3FF - 1


def encode_typed_command(cmd: Command, device_id: str, *, now: datetime | None = None,
                         version: int | None | str = "auto", **_options: object) -> bytes:
    """The command with ``cmd.id`` as its header serial (echoed as the reply serial of 0x0001 /
    0x0201); the terminal id from ``device_id`` (6 BCD bytes, or the 2019 10-byte form with
    version 1 for longer ids, unless ``version`` is given)."""
    from .device import terminal_bytes  # the device's id encoding, written once

    check_supported("jt808", cmd, SUPPORTED_COMMANDS)
    terminal, auto_version = terminal_bytes(device_id)
    ver = auto_version if version == "auto" else version
    serial = cmd.id & 0xFFFF
    if cmd.type == "custom":
        raw = cmd.raw()
        if raw is not None:
            return raw
        text = cmd.text()
        if len(text) > _MAX_TEXT:
            raise CommandError(f"jt808: text longer than {_MAX_TEXT} bytes")
        return text_message(terminal, serial, text, _TEXT_FLAGS, ver)
    if cmd.type == "positionPeriodic":
        seconds = cmd.interval(1, 0xFFFFFFFF)
        body = bytes((1,)) + struct.pack(">IBI", _REPORT_INTERVAL, 4, seconds)
        return packet(MsgType.SET_PARAMETERS, body, terminal, serial, ver)
    msg_id, body = SUPPORTED_COMMANDS[cmd.type] or (0, b"")
    return packet(msg_id, body, terminal, serial, ver)


def answer_serial(cmd: Command, **_options: object) -> int:
    """The reply serial of the 0x0001 / 0x0201 answer: the command's header serial."""
    return cmd.id & 0xFFFF
