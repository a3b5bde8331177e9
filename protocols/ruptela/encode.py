"""Server -> device packets: ``length (2) | 100 + command (1) | data | CRC-16/KERMIT (2)``."""

from __future__ import annotations

import struct

from datetime import datetime

from .._checksum import crc16_kermit
from .._commands import Command as TypedCommand
from .._commands import CommandError, check_supported
from .constants import ACK_ACCEPTED, RECORDS_ACK_COMMAND, REPLY_OFFSET, Command

__all__ = ["server_packet", "encode_ack", "RECORDS_ACK", "DTC_ACK", "IDENTIFICATION_ACK",
           "HEARTBEAT_ACK", "encode_file_request", "encode_sms_command",
           "encode_configuration", "encode_set_output", "SMS_VIA_GPRS_COMMAND",
           "SUPPORTED_COMMANDS", "ANSWERED_BY", "encode_typed_command", "answer_serial"]

_U16 = struct.Struct(">H")
#: server command carrying an SMS-style text command
SMS_VIA_GPRS_COMMAND = 108
_CONFIGURATION = 102
_SET_OUTPUT = 117
_FILE_REQUEST = 137


def server_packet(command: int, data: bytes = b"") -> bytes:
    payload = bytes((command,)) + data
    return _U16.pack(len(payload)) + payload + _U16.pack(crc16_kermit(payload))


def encode_ack(request: int, accepted: bool = True) -> bytes:
    """Acknowledgement of a device command, data 01 (or 00): command 100 for records
    (1 and 68), 100 + request for the others."""
    command = (RECORDS_ACK_COMMAND if request in (Command.RECORDS, Command.EXTENDED_RECORDS)
               else REPLY_OFFSET + request)
    return server_packet(command, bytes((ACK_ACCEPTED if accepted else 0,)))


#: records (1 and 68) -> 00 02 64 01 13 BC (command 100 itself, not 100 + 1)
RECORDS_ACK = server_packet(RECORDS_ACK_COMMAND, bytes((ACK_ACCEPTED,)))
#: DTC (9) -> 00 02 6D 01 C4 A4
DTC_ACK = encode_ack(Command.DTC)
#: identification (15) -> 00 02 73 01 CB 25
IDENTIFICATION_ACK = encode_ack(Command.IDENTIFICATION)
#: heartbeat (16) -> 00 02 74 01 86 2D
HEARTBEAT_ACK = encode_ack(Command.HEARTBEAT)


def encode_file_request(sub_type: int, source: int, name: bytes, part: int) -> bytes:
    """Command 137: ask for part ``part`` of file ``name`` (8 bytes)."""
    return server_packet(_FILE_REQUEST, bytes((sub_type, source)) + name[:8].ljust(8, b"\x00")
                         + _U16.pack(part & 0xFFFF))


def encode_sms_command(text: str) -> bytes:
    """Command 108 (SMS via GPRS), e.g. ``pass immobilizer 10`` / ``pass resetimmob``."""
    return server_packet(SMS_VIA_GPRS_COMMAND, text.encode("ascii"))


def encode_configuration(line: str) -> bytes:
    """Command 102: one configuration line, CR LF terminated."""
    return server_packet(_CONFIGURATION, line.encode("ascii") + b"\r\n")


def encode_set_output(index: int, value: int) -> bytes:
    """Command 117: set output ``index`` to ``value`` (4 bytes each)."""
    return server_packet(_SET_OUTPUT, struct.pack(">II", index, value))


#: command type -> SMS command text (sent over GPRS with command 108). Sources: Ruptela
#: "FM-Eco4/Pro4 protocol" (server commands 102-117, 108 = SMS command via GPRS answered by
#: device command 7, 117 = set IO answered by 17 with a status byte, 1 = done) and the FM
#: SMS command list (``<password> immobilizer <s>``, ``<password> resetimmob``, ``<password>
#: reset``); /work/shared/protocols/ruptela.md (Traccar's ``pass immobilizer 10`` /
#: ``pass resetimmob``). None: built from the parameters.
SUPPORTED_COMMANDS: dict[str, str | None] = {
    "engineStop": "{password} immobilizer 10",
    "engineResume": "{password} resetimmob",
    "rebootDevice": "{password} reset",
    "outputControl": None,   # command 117: output index, value (4 bytes each)
    "custom": None,          # text: an SMS command via command 108; hex: as is
}
#: device answer command -> the server command it answers
ANSWERED_BY: dict[int, int] = {2: 102, 3: 103, 4: 104, 5: 105, 6: 106, 7: 108, 17: 117}


def encode_typed_command(cmd: TypedCommand, device_id: str = "", *, now: datetime | None = None,
                         password: str = "pass", **_options: object) -> bytes:
    """Server packets carry no serial: the answer names the command it answers (108, 117)."""
    check_supported("ruptela", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "outputControl":
        return encode_set_output(cmd.index(1, 4), 1 if cmd.on() else 0)
    if cmd.type == "custom":
        raw = cmd.raw()
        return raw if raw is not None else encode_sms_command(cmd.text())
    if not password or not password.isascii() or " " in password:
        raise CommandError("ruptela: the SMS password must be one ASCII word")
    return encode_sms_command((SUPPORTED_COMMANDS[cmd.type] or "").format(password=password))


def answer_serial(cmd: TypedCommand, **_options: object) -> int | None:
    """The server command number the answer names (117 for outputs, else 108)."""
    if cmd.type == "custom" and cmd.raw() is not None:
        return None
    return _SET_OUTPUT if cmd.type == "outputControl" else SMS_VIA_GPRS_COMMAND
