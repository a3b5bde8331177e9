"""Server -> device: packet acknowledgements and command packets.

``wrap`` (header + length + tags + CRC-16/MODBUS LE) is also the device
encoder's framing, so the wire format is written once.
"""

from __future__ import annotations

import struct

from datetime import datetime

from .._checksum import crc16_modbus
from .._commands import Command, CommandError, check_supported
from .._errors import LocalProtocolError
from .constants import ARCHIVE_FLAG, LENGTH_MASK, REPLY_MAIN, REPLY_PHOTO, Header

__all__ = ["wrap", "encode_ack", "encode_photo_ack", "encode_command", "SUPPORTED_COMMANDS",
           "encode_typed_command", "answer_serial"]

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


#: command type -> command text. Sources: Galileosky "GLONASS/GPS terminal user manual"
#: (manualarchiveguide.com, command packet p. 82: tags 0x03 IMEI, 0x04 device number, 0xE0
#: command number, 0xE1 command text; the terminal answers with the same number and the
#: answer text in 0xE1) and its command list (``Out <n>,<0|1>`` output control);
#: /work/shared/protocols/galileo.md. None: built from the parameters.
SUPPORTED_COMMANDS: dict[str, str | None] = {
    "outputControl": None,   # Out <index>,<0|1>
    "custom": None,          # text: any terminal command; hex: as is
}


def encode_typed_command(cmd: Command, device_id: str, *, now: datetime | None = None,
                         **_options: object) -> bytes:
    """A command packet with ``cmd.id`` as the command number (0xE0), echoed by the answer."""
    check_supported("galileo", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "outputControl":
        text = f"Out {cmd.index(0, 7)},{1 if cmd.on() else 0}"
    else:
        raw = cmd.raw()
        if raw is not None:
            return raw
        text = cmd.text()
    try:
        return encode_command(device_id, text, cmd.id & 0xFFFFFFFF)
    except LocalProtocolError as exc:
        raise CommandError(str(exc)) from None


def answer_serial(cmd: Command, **_options: object) -> int | None:
    """The command number (0xE0) the answer carries."""
    if cmd.type == "custom" and cmd.raw() is not None:
        return None
    return cmd.id & 0xFFFFFFFF
