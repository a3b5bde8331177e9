"""Server -> device: packet acknowledgements and command packets.

``wrap`` (header + length + tags + CRC-16/MODBUS LE) is also the device
encoder's framing, so the wire format is written once.
"""

from __future__ import annotations

import struct

from .._checksum import crc16_modbus
from .._errors import LocalProtocolError
from .constants import ARCHIVE_FLAG, LENGTH_MASK, REPLY_MAIN, REPLY_PHOTO, Header

__all__ = ["wrap", "encode_ack", "encode_photo_ack", "encode_command"]

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")


def wrap(tags: bytes, header: int = Header.MAIN, *, archive: bool = False) -> bytes:
    """``header | length (LE, top bit = archive not empty) | tags | CRC-16/MODBUS (LE)``."""
    if len(tags) > LENGTH_MASK:
        raise LocalProtocolError(f"galileo: {len(tags)} bytes of tags do not fit a packet")
    head = bytes((header,)) + _U16.pack(len(tags) | (ARCHIVE_FLAG if archive else 0))
    body = head + tags
    return body + _U16.pack(crc16_modbus(body))


def encode_ack(crc_field: bytes) -> bytes:
    """Answer to a main or compressed packet: ``02`` + its CRC field as received."""
    return bytes((REPLY_MAIN,)) + crc_field


def encode_photo_ack(crc_field: bytes) -> bytes:
    """Answer to a photo part: ``07`` + its CRC field as received."""
    return bytes((REPLY_PHOTO,)) + crc_field


def encode_command(imei: str, text: str, number: int = 0) -> bytes:
    """A command packet: IMEI (0x03), device id 0 (0x04), number (0xE0), text (0xE1)."""
    ident = imei.encode("ascii")
    command = text.encode("ascii")
    if len(ident) != 15 or len(command) > 255:
        raise LocalProtocolError("galileo: command needs a 15-digit IMEI and up to 255 bytes")
    tags = (b"\x03" + ident + b"\x04\x00\x00" + b"\xe0" + _U32.pack(number)
            + b"\xe1" + bytes((len(command),)) + command)
    return wrap(tags)
