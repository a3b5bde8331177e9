"""Ruptela TCP session: every packet carries the IMEI; records are acknowledged
with command 100 after they are committed."""

from __future__ import annotations

import struct
from datetime import datetime

from .._checksum import crc16_kermit
from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError, MalformedError
from .._records import Decoded, UnknownMessage
from .constants import HEADER_SIZE, MIN_PAYLOAD, PROTOCOL
from .decode import Context, command_answer, decode_command
from .framing import RuptelaFramer

__all__ = ["RuptelaConnection", "split_frame"]

_HEAD = struct.Struct(">QB")


def split_frame(frame: bytes) -> tuple[bytes, int]:
    """Payload and CRC of a frame.

    The framer guarantees ``length == len(frame) - 4``; a whole frame handed
    over by ``decode --framed`` (an edited capture) may disagree with its
    length field, so the payload is everything between the length and the
    last two bytes.
    """
    if len(frame) < HEADER_SIZE + MIN_PAYLOAD:
        raise MalformedError("ruptela: frame shorter than IMEI + command", data=frame)
    return frame[2:-2], (frame[-2] << 8) | frame[-1]


class RuptelaConnection(StreamConnection):
    """One TCP session; the identity comes with every packet."""

    protocol = PROTOCOL

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(RuptelaFramer(options.max_frame_size), device_id=device_id,
                         options=options)
        #: (lat, lon) of the last valid fix, for records without one
        self.last_location: tuple[float, float] | None = None

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        payload, crc = split_frame(frame)
        checksum_ok = crc16_kermit(payload) == crc
        if not checksum_ok and self.options.strict_checksum:
            raise ChecksumError("ruptela: CRC-16/KERMIT mismatch", data=frame)
        imei_value, command = _HEAD.unpack_from(payload)
        imei = f"{imei_value:015d}"
        login = imei if imei != self.device_id else None
        self.device_id = imei
        result = decode_command(command, payload[_HEAD.size:],
                                Context(imei, now, self.last_location))
        if result is None:
            return Decoded(login=login, checksum_ok=checksum_ok,
                           unknown=UnknownMessage(protocol=PROTOCOL, message_type=command,
                                                  device_id=imei))
        for position in reversed(result.positions):
            if position.valid:
                self.last_location = (position.lat, position.lon)
                break
        return Decoded(positions=result.positions, events=result.events, reply=result.reply,
                       defer_reply=result.defer and bool(result.positions or result.events),
                       login=login, checksum_ok=checksum_ok, unknown_items=result.unknown_items,
                       answers=command_answer(command, payload[_HEAD.size:], imei))
