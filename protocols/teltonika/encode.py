"""Server -> device: handshake answers, record acknowledgements, codec 12 commands."""

from __future__ import annotations

import struct

from datetime import datetime

from .._checksum import crc16_arc
from .._commands import Command, CommandError, check_supported
from .constants import (HANDSHAKE_ACCEPT, HANDSHAKE_REJECT, PREAMBLE, UDP_ACK_LENGTH,
                        UDP_PACKET_TYPE_ACK, Codec, MessageType)

__all__ = ["encode_handshake_reply", "encode_avl_ack", "encode_udp_ack", "encode_command",
           "wrap_tcp", "SUPPORTED_COMMANDS", "encode_typed_command", "answer_serial", "codec12_data", "wrap_udp_command"]

_COUNT = struct.Struct(">I")
_UDP_ACK = struct.Struct(">HHBBB")
_U16 = struct.Struct(">H")


def encode_handshake_reply(accepted: bool) -> bytes:
    """``01`` when the IMEI is accepted, ``00`` when it is refused."""
    return HANDSHAKE_ACCEPT if accepted else HANDSHAKE_REJECT


def encode_avl_ack(count: int) -> bytes:
    """TCP: the number of records accepted, 4 bytes big-endian."""
    return _COUNT.pack(count)


def encode_udp_ack(packet_id: int, avl_packet_id: int, count: int) -> bytes:
    """UDP: ``0005`` | packet ID | ``01`` | AVL packet ID | records accepted (1 byte)."""
    return _UDP_ACK.pack(UDP_ACK_LENGTH, packet_id & 0xFFFF, UDP_PACKET_TYPE_ACK,
                         avl_packet_id & 0xFF, count & 0xFF)


def wrap_tcp(data: bytes) -> bytes:
    """Preamble + data length + data + CRC-16/ARC field (high two bytes zero)."""
    return PREAMBLE + _COUNT.pack(len(data)) + data + _COUNT.pack(crc16_arc(data))


def codec12_data(body: bytes, message_type: int = MessageType.COMMAND) -> bytes:
    """Codec 12 data field: ``0C 01 <type> <length (4)> <body> 01`` (type 05 command, 06 response)."""
    return bytes((Codec.CODEC_12, 1, message_type)) + _COUNT.pack(len(body)) + body + b"\x01"


def encode_command(text: str, *, message_type: int = MessageType.COMMAND) -> bytes:
    """A codec 12 command packet (e.g. ``setdigout 1``) for TCP."""
    return wrap_tcp(codec12_data(text.encode("ascii"), message_type))


def wrap_udp_command(data: bytes, imei: str, packet_id: int, avl_packet_id: int) -> bytes:
    """UDP: the channel header of Teltonika's UDP packets (length, packet ID, type 01, AVL
    packet ID, IMEI length, IMEI) around a codec 12 data field, no CRC (as AVL data over UDP)."""
    ident = imei.encode("ascii")
    body = (_U16.pack(packet_id & 0xFFFF) + bytes((0x01, avl_packet_id & 0xFF))
            + _U16.pack(len(ident)) + ident + data)
    return _U16.pack(len(body)) + body


#: command type -> codec 12 command text. Sources: Teltonika wiki "Teltonika Data Sending
#: Protocols", Codec 12 (server command type 0x05, device response 0x06, no serial: responses
#: come in order), and the FMB "SMS/GPRS command list" (setdigout X1X2.. with ? = unchanged,
#: getrecord, cpureset); /work/shared/protocols/teltonika.md (Traccar's setdigout 1 / 0).
#: None: built from the parameters.
SUPPORTED_COMMANDS: dict[str, str | None] = {
    "engineStop": "setdigout 1",
    "engineResume": "setdigout 0",
    "positionSingle": "getrecord",
    "rebootDevice": "cpureset",
    "outputControl": None,  # setdigout with "?" for the outputs left alone, e.g. ?1 = DOUT2 on
    "custom": None,         # text, or hex: the command field's bytes
}
_MAX_COMMAND = 1024


def encode_typed_command(cmd: Command, device_id: str = "", *, now: datetime | None = None,
                         transport: str = "tcp", **_options: object) -> bytes:
    """Codec 12 over TCP (preamble, length, CRC-16/ARC) or UDP (``wrap_udp_command`` with
    ``cmd.id`` as packet ID and AVL packet ID; ``device_id`` is the IMEI)."""
    check_supported("teltonika", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "custom":
        body = cmd.raw() or cmd.text().encode("ascii")
    elif cmd.type == "outputControl":
        index = cmd.index(1, 4)
        body = ("setdigout " + "?" * (index - 1) + ("1" if cmd.on() else "0")).encode("ascii")
    else:
        body = (SUPPORTED_COMMANDS[cmd.type] or "").encode("ascii")
    if len(body) > _MAX_COMMAND:
        raise CommandError(f"teltonika: command longer than {_MAX_COMMAND} bytes")
    data = codec12_data(body)
    if transport == "udp":
        return wrap_udp_command(data, device_id, cmd.id, cmd.id)
    return wrap_tcp(data)


def answer_serial(cmd: Command, **_options: object) -> None:
    """Codec 12 responses carry no serial: they answer the commands in order."""
    return None
