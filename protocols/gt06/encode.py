"""Server -> device: acknowledgements, time replies and commands (CRC-16/X-25)."""

from __future__ import annotations

import struct
from binascii import crc_hqx
from datetime import UTC, datetime

from .._checksum import crc16_x25
from .._commands import Command, CommandError, check_supported
from .constants import START_EXT, START_STD, STOP

__all__ = [
    "REFLECT",
    "ack",
    "ack_extended",
    "address_response",
    "command",
    "crc_x25",
    "SUPPORTED_COMMANDS",
    "encode_typed_command", "answer_serial",
    "packet",
    "time_response",
    "wifi_reply",
]

#: each byte with its bits in reverse order
REFLECT = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def crc_x25(data: bytes) -> int:
    """CRC-16/X-25 (same values as ``_checksum.crc16_x25``) for the hot path.

    X-25 is CRC-CCITT with reflected bits, so it is binascii's C ``crc_hqx``
    over the bit-reflected bytes, reflected back: no Python-level wrapper as
    crcmod's. Callers that compare may skip the last step and compare
    ``crc_hqx(data.translate(REFLECT), 0xFFFF) ^ 0xFFFF`` with the reflected field.
    """
    c = crc_hqx(data.translate(REFLECT), 0xFFFF) ^ 0xFFFF
    return REFLECT[c >> 8] | REFLECT[c & 0xFF] << 8

_U16 = struct.Struct(">H")
_ACK_CHECKED = struct.Struct(">BBH")  # length 5, type, serial: what the CRC covers
_ACK = struct.Struct(">HBBHHH")  # 78 78, length 5, type, serial, CRC, 0D 0A


def packet(msg_type: int, body: bytes, serial: int, *, extended: bool = False) -> bytes:
    """A complete frame: marker, length, type, body, serial, CRC, 0D 0A."""
    length = 1 + len(body) + 2 + 2
    if extended:
        head = _U16.pack(length)
        start = START_EXT
    else:
        if length > 0xFF:
            raise ValueError("gt06: body too long for a 78 78 frame")
        head = bytes((length,))
        start = START_STD
    checked = head + bytes((msg_type,)) + body + _U16.pack(serial & 0xFFFF)
    return start + checked + _U16.pack(crc16_x25(checked)) + STOP


def ack(msg_type: int, serial: int) -> bytes:
    """``78 78 05 <type> <serial> <CRC> 0D 0A`` (``packet(msg_type, b"", serial)``, on the hot path)."""
    serial &= 0xFFFF
    crc = _ACK_TYPE_CRC[msg_type] ^ _ACK_SERIAL_HI[serial >> 8] ^ _ACK_SERIAL_LO[serial & 0xFF]
    return _ACK.pack(0x7878, 5, msg_type, serial, crc, 0x0D0A)


# A CRC with fixed init and xorout over inputs of one length is affine over GF(2):
# crc(a ^ b ^ c) == crc(a) ^ crc(b) ^ crc(c). So the CRC of ``05 <type> <serial>``
# is three table look-ups (tables built with the catalogue function; a test
# checks every type and serial against ``packet``).
_ACK_TYPE_CRC = tuple(crc16_x25(_ACK_CHECKED.pack(5, t, 0)) for t in range(256))
_ACK_SERIAL_HI = tuple(crc16_x25(_ACK_CHECKED.pack(0, 0, b << 8)) for b in range(256))
_ACK_SERIAL_LO = tuple(crc16_x25(_ACK_CHECKED.pack(0, 0, b)) for b in range(256))


def ack_extended(msg_type: int, serial: int) -> bytes:
    """``79 79 00 05 <type> <serial> <CRC> 0D 0A``."""
    return packet(msg_type, b"", serial, extended=True)


def time_response(now: datetime) -> bytes:
    """Reply to 0x8A: the server's UTC time as YY MM DD hh mm ss, serial 0."""
    t = now.astimezone(UTC)
    body = bytes((t.year - 2000, t.month, t.day, t.hour, t.minute, t.second))
    return packet(0x8A, body, 0)


def wifi_reply(msg_type: int, bcd_time: bytes) -> bytes:
    """Reply to 0x69/0x17 Wi-Fi/LBS: ``78 78 00 <type> <6-byte time> 0D 0A`` (no serial, no CRC)."""
    return START_STD + b"\x00" + bytes((msg_type,)) + bytes(bcd_time[:6]) + STOP


def address_response(text: str = "NA&&NA&&0##") -> bytes:
    """Reply to a 0x2A address request: extended 0x97 with length, server flag 0, text, serial 0."""
    body = text.encode("ascii")
    return packet(0x97, bytes((len(body),)) + b"\x00\x00\x00\x00" + body, 0, extended=True)


def command(text: str, serial: int, *, server_flag: int = 0, language: bool = True) -> bytes:
    """Protocol 0x80 online command, e.g. ``command("Relay,1#", 1)``."""
    server_flag &= 0xFFFFFFFF
    payload = _U16.pack(server_flag >> 16) + _U16.pack(server_flag & 0xFFFF) + text.encode("ascii")
    body = bytes((len(payload),)) + payload + (b"\x00\x02" if language else b"")
    return packet(0x80, body, serial)


#: command type -> the online command text (protocol 0x80). Sources: Concox "GT06N/JM-VL03
#: communication protocol" (0x80 online command; the server flag is echoed by the 0x15/0x21
#: reply) and Concox's SMS command list of the GT06N user manual (RELAY,1# cuts the fuel/power
#: line, RELAY,0# restores it, WHERE# position, TIMER,<s># upload interval with ACC on
#: (10..18000 s), RESET# reboot); /work/shared/protocols/gt06.md (Traccar's Relay,1#/Relay,0#).
#: None: built from the parameters.
SUPPORTED_COMMANDS: dict[str, str | None] = {
    "engineStop": "RELAY,1#",
    "engineResume": "RELAY,0#",
    "positionSingle": "WHERE#",
    "positionPeriodic": "TIMER,{interval}#",
    "rebootDevice": "RESET#",
    "custom": None,
}
#: the longest command text a 78 78 frame carries (length byte 255)
_MAX_TEXT = 0xFF - 5 - 7


def encode_typed_command(cmd: Command, device_id: str = "", *, now: datetime | None = None,
                         language: bool = True, **_options: object) -> bytes:
    """0x80 with ``cmd.id`` as the server flag (the answer's correlation) and as the serial;
    custom ``hex`` passes a whole frame through."""
    check_supported("gt06", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "custom":
        raw = cmd.raw()
        if raw is not None:
            return raw
        text = cmd.text()
    elif cmd.type == "positionPeriodic":
        text = f"TIMER,{cmd.interval(10, 18000)}#"
    else:
        text = SUPPORTED_COMMANDS[cmd.type] or ""
    if len(text) > _MAX_TEXT:
        raise CommandError(f"gt06: command text longer than {_MAX_TEXT} characters")
    return command(text, cmd.id & 0xFFFF, server_flag=cmd.id, language=language)


def answer_serial(cmd: Command, **_options: object) -> int:
    """The server flag the 0x15/0x21 answer to ``cmd`` echoes."""
    return cmd.id & 0xFFFFFFFF
