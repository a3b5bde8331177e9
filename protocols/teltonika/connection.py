"""Teltonika sessions: TCP (handshake, then AVL packets) and UDP (one datagram each)."""

from __future__ import annotations

import struct
from datetime import datetime

import msgspec

from .._checksum import crc16_arc
from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError, MalformedError
from .._records import EMPTY, Decoded, Position
from .constants import (AVL_HEADER_SIZE, CRC_FIELD_SIZE, HANDSHAKE_ACCEPT, HANDSHAKE_REJECT,
                        MIN_DATA_LENGTH, PING, PROTOCOL, UDP_HEADER_SIZE)
from ._messages import command_answers
from .decode import Payload, decode_data
from .encode import encode_avl_ack, encode_udp_ack
from .framing import TeltonikaFramer

__all__ = ["TeltonikaConnection", "TeltonikaUdpConnection", "parse_imei"]

_U32 = struct.Struct(">I")
_UDP_HEADER = struct.Struct(">HHBBH")
#: the TCP acknowledgement of each record count (one byte in the packet)
_AVL_ACKS = tuple(encode_avl_ack(n) for n in range(256))


def parse_imei(raw: bytes) -> str:
    """The device identity of a handshake: printable ASCII, not empty."""
    if not raw or not raw.isascii():
        raise MalformedError("teltonika: IMEI is not ASCII", data=raw)
    text = raw.decode("ascii")
    if not text.isprintable() or not text.strip():
        raise MalformedError("teltonika: IMEI is not printable", data=raw)
    return text.strip()


def _with_last_location(payload: Payload, last: Position | None) -> tuple[Payload, Position | None]:
    """Traccar compatibility for command results (codec 12/13).

    Traccar reports a command result on a copy of the device's last position
    (``outdated``); integrators' rules look for ``result`` there. Besides the
    ``commandResult`` event we emit that copy when the session has a fix. It
    carries the last fix's (device, fix time) key, so the store absorbs it as a
    duplicate: the stored history is unchanged and the event keeps the text.
    """
    if payload.positions:
        return payload, payload.positions[-1]
    if last is None or not payload.events:
        return payload, last
    copies = tuple(
        msgspec.structs.replace(last, attributes={**event.attributes, "outdated": True})
        for event in payload.events if event.type == "commandResult")
    if not copies:
        return payload, last
    return msgspec.structs.replace(payload, positions=copies), last


def _records(payload: Payload, reply: bytes | None, checksum_ok: bool,
             login: str | None = None, data: bytes = b"", device_id: str | None = None) -> Decoded:
    has_records = bool(payload.positions or payload.events)
    answers = command_answers(data, payload, device_id) if payload.count is None else ()
    return Decoded(positions=payload.positions, events=payload.events, reply=reply,
                   defer_reply=has_records and reply is not None, login=login,
                   checksum_ok=checksum_ok, unknown=payload.unknown,
                   unknown_items=payload.unknown_items, answers=answers)


def _split_packet(frame: bytes) -> tuple[bytes, int | None]:
    """Data part and CRC field of an AVL packet.

    Framed input (``decode --framed``, edited captures) may disagree with its
    length field: a frame too short for it is read up to its CRC field, and a
    frame longer than it ends where the length says (the CRC field is then
    whatever is there, possibly cut short: None).
    """
    length = _U32.unpack_from(frame, 4)[0]
    end = AVL_HEADER_SIZE + length
    if length < MIN_DATA_LENGTH or end > len(frame):
        return frame[AVL_HEADER_SIZE:-CRC_FIELD_SIZE], _U32.unpack_from(frame, len(frame) - 4)[0]
    tail = frame[end : end + CRC_FIELD_SIZE]
    crc = _U32.unpack(tail)[0] if len(tail) == CRC_FIELD_SIZE else None
    return frame[AVL_HEADER_SIZE:end], crc


class TeltonikaConnection(StreamConnection):
    """One TCP session: IMEI handshake, then AVL packets acknowledged by count."""

    protocol = PROTOCOL

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(TeltonikaFramer(options.max_frame_size), device_id=device_id,
                         options=options)
        self.last_position: Position | None = None

    def next_decoded(self, now: datetime) -> Decoded | None:
        if not self._buffer:  # hot path: every frame of the read is decoded
            return None
        return StreamConnection.next_decoded(self, now)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        if not frame:
            raise MalformedError("teltonika: empty frame")
        if frame[0] == PING and len(frame) == 1:
            return EMPTY
        if len(frame) >= 2 and (frame[0] or frame[1]):
            return self._handshake(frame)
        return self._packet(frame, now)

    def _handshake(self, frame: bytes) -> Decoded:
        length = (frame[0] << 8) | frame[1]
        if len(frame) != length + 2:
            raise MalformedError(f"teltonika: handshake of {len(frame)} bytes announces {length}",
                                 data=frame)
        imei = parse_imei(frame[2:])
        self.device_id = imei
        return Decoded(login=imei, reply=HANDSHAKE_ACCEPT, reject_reply=HANDSHAKE_REJECT)

    def _packet(self, frame: bytes, now: datetime) -> Decoded:
        if len(frame) < AVL_HEADER_SIZE + CRC_FIELD_SIZE + 3:
            raise MalformedError("teltonika: AVL packet too short", data=frame)
        data, crc = _split_packet(frame)
        checksum_ok = crc == crc16_arc(data)
        if not checksum_ok and self.options.strict_checksum:
            raise ChecksumError("teltonika: CRC-16/ARC mismatch", data=frame)
        if self.device_id is None:
            return Decoded(checksum_ok=checksum_ok)  # no handshake yet: Traccar ignores it
        payload, self.last_position = _with_last_location(
            decode_data(data, self.device_id, now), self.last_position)
        count = payload.count
        reply = None if count is None else (_AVL_ACKS[count] if count < 256 else encode_avl_ack(count))
        return _records(payload, reply, checksum_ok, data=data, device_id=self.device_id)


class TeltonikaUdpConnection:
    """Datagrams from one remote address; each carries the IMEI and is acknowledged."""

    protocol = PROTOCOL

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        self.device_id = device_id
        self.options = options
        self.last_position: Position | None = None

    def receive_frame(self, datagram: bytes, now: datetime) -> Decoded:
        if len(datagram) < UDP_HEADER_SIZE:
            raise MalformedError("teltonika: UDP datagram shorter than its header", data=datagram)
        _length, packet_id, _type, avl_id, imei_length = _UDP_HEADER.unpack_from(datagram)
        start = UDP_HEADER_SIZE + imei_length
        if len(datagram) < start + 3:
            raise MalformedError("teltonika: UDP datagram cut short", data=datagram)
        imei = parse_imei(datagram[UDP_HEADER_SIZE:start])
        self.device_id = imei
        payload, self.last_position = _with_last_location(
            decode_data(datagram[start:], imei, now), self.last_position)
        reply = None if payload.count is None else encode_udp_ack(packet_id, avl_id, payload.count)
        return _records(payload, reply, True, login=imei, data=datagram[start:], device_id=imei)
