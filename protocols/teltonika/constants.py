"""Teltonika wire constants: codec IDs, message types, sizes and replies.

Vendor references: Teltonika "Data Sending Protocols" (Codec 8, 8 Extended,
16, 12, 13) and the GH3000 protocol (codec 7). Model notes: FMB/FMC/FMM send
8 or 8E; older FM/GH models 7 or 16; TAT/TMT asset trackers 8E.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import IntEnum

__all__ = [
    "Codec",
    "MessageType",
    "PROTOCOL",
    "PING",
    "PREAMBLE",
    "HANDSHAKE_ACCEPT",
    "HANDSHAKE_REJECT",
    "MAX_FRAME_SIZE",
    "MAX_IMEI_LENGTH",
    "AVL_HEADER_SIZE",
    "CRC_FIELD_SIZE",
    "MIN_DATA_LENGTH",
    "UDP_HEADER_SIZE",
    "UDP_ACK_LENGTH",
    "UDP_PACKET_TYPE_ACK",
    "UDP_PACKET_TYPE_DATA",
    "UNIX_EPOCH",
    "GH3000_EPOCH",
]

PROTOCOL = "teltonika"


class Codec(IntEnum):
    """The codec ID byte that opens the data part."""

    GH3000 = 0x07      # legacy GH3000 layout (float coordinates, masks)
    CODEC_8 = 0x08     # 1-byte IO IDs and counts
    CODEC_12 = 0x0C    # GPRS commands and their responses (text)
    CODEC_13 = 0x0D    # like 12 with a 4-byte timestamp (device -> server only)
    CODEC_14 = 0x0E    # like 12 with the IMEI (8 bytes, BCD-like hex) before the text
    CODEC_8E = 0x8E    # 2-byte IO IDs and counts, variable-length group
    CODEC_16 = 0x10    # 2-byte IO IDs, 1-byte counts, generation type


class MessageType(IntEnum):
    """Type byte of a codec 12/13 message."""

    COMMAND = 0x05
    RESPONSE = 0x06    # codec 12/13 response, codec 14 ACK (IMEI matched)
    NACK = 0x11        # codec 14: the command's IMEI is not this device's
    CAMERA = 0x0D      # dual-cam file transfer (not decoded)


#: keep-alive byte a device may send at any time on TCP (no reply)
PING = 0xFF
#: the four zero bytes that open an AVL packet on TCP
PREAMBLE = b"\x00\x00\x00\x00"
#: one-byte answers to the IMEI handshake
HANDSHAKE_ACCEPT = b"\x01"
HANDSHAKE_REJECT = b"\x00"

#: largest TCP frame accepted (preamble + length + data + CRC field)
MAX_FRAME_SIZE = 32 * 1024
#: longest identity accepted in a handshake (an IMEI has 15 digits)
MAX_IMEI_LENGTH = 64
#: preamble (4) + data length (4)
AVL_HEADER_SIZE = 8
#: the CRC-16/ARC value in the low two bytes of a 4-byte field
CRC_FIELD_SIZE = 4
#: codec ID + record count 1 + record count 2
MIN_DATA_LENGTH = 3

#: length (2) + packet ID (2) + packet type (1) + AVL packet ID (1) + IMEI length (2)
UDP_HEADER_SIZE = 8
#: the value of the length field of a UDP acknowledgement
UDP_ACK_LENGTH = 5
#: packet type byte of our UDP acknowledgement
UDP_PACKET_TYPE_ACK = 0x01
#: packet type byte of a device's UDP data packet ("acknowledgement required")
UDP_PACKET_TYPE_DATA = 0x01

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: codec 7 timestamps count seconds from here
GH3000_EPOCH = datetime(2007, 1, 1, tzinfo=timezone.utc)
