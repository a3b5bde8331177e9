"""Server -> device: handshake answers, record acknowledgements, codec 12 commands."""

from __future__ import annotations

import struct

from .._checksum import crc16_arc
from .constants import (HANDSHAKE_ACCEPT, HANDSHAKE_REJECT, PREAMBLE, UDP_ACK_LENGTH,
                        UDP_PACKET_TYPE_ACK, Codec, MessageType)

__all__ = ["encode_handshake_reply", "encode_avl_ack", "encode_udp_ack", "encode_command",
           "wrap_tcp"]

_COUNT = struct.Struct(">I")
_UDP_ACK = struct.Struct(">HHBBB")


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


def encode_command(text: str, *, message_type: int = MessageType.COMMAND) -> bytes:
    """A codec 12 command packet (e.g. ``setdigout 1``) for TCP."""
    body = text.encode("ascii")
    data = (bytes((Codec.CODEC_12, 1, message_type)) + _COUNT.pack(len(body)) + body
            + b"\x01")
    return wrap_tcp(data)
