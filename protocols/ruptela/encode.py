"""Server -> device packets: ``length (2) | 100 + command (1) | data | CRC-16/KERMIT (2)``."""

from __future__ import annotations

import struct

from .._checksum import crc16_kermit
from .constants import ACK_ACCEPTED, RECORDS_ACK_COMMAND, REPLY_OFFSET, Command

__all__ = ["server_packet", "encode_ack", "RECORDS_ACK", "DTC_ACK", "IDENTIFICATION_ACK",
           "HEARTBEAT_ACK", "encode_file_request", "encode_sms_command",
           "encode_configuration", "encode_set_output", "SMS_VIA_GPRS_COMMAND"]

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
