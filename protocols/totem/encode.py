"""Server -> device: acknowledgements and commands."""

from __future__ import annotations

from .._checksum import xor8
from .constants import ACK_OLD, COMMANDS, DEFAULT_PASSWORD

__all__ = ["encode_ack_new", "encode_ack_old", "encode_command", "ack_for"]


def encode_ack_new(serial: bytes) -> bytes:
    """``$$0014AA<serial:4><xor:2>``, the XOR over the 12 characters before it."""
    body = b"$$0014AA" + serial
    return body + b"%02X" % xor8(body)


def encode_ack_old() -> bytes:
    return ACK_OLD


def ack_for(frame: bytes, new: bool) -> bytes:
    """The reply to any received frame: new protocol echoes the 4 characters
    before its checksum (Traccar does so for every type); old gets ``ACK OK``."""
    return encode_ack_new(frame[-6:-2]) if new else ACK_OLD


def encode_command(name: str, password: str = DEFAULT_PASSWORD) -> bytes:
    """``$$<len:4>CF<password>,<code>[,args]<xor:2>``: len counts the whole frame."""
    body = f"{password},{COMMANDS.get(name, name)}".encode("ascii")
    frame = b"$$%04dCF%s" % (len(body) + 10, body)
    return frame + b"%02X" % xor8(frame)
