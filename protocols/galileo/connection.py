"""Galileosky TCP session: the head packet (tag 0x03) identifies the terminal;
every main/compressed packet is answered with ``02`` + its CRC field."""

from __future__ import annotations

from datetime import datetime

import msgspec

from .._checksum import crc16_modbus
from .._commands import CommandAnswer
from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError, MalformedError
from .._records import Decoded, Event, Position, UnknownMessage
from .constants import MIN_FRAME_SIZE, PROTOCOL, Header
from ._tags import count_unknown
from .decode import Packet, read_compressed, read_iridium, read_records, to_event, to_position
from .encode import encode_ack, encode_photo_ack
from .framing import GalileoFramer, is_iridium

__all__ = ["GalileoConnection"]


class GalileoConnection(StreamConnection):
    """One TCP session of a terminal."""

    protocol = PROTOCOL

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(GalileoFramer(options.max_frame_size), device_id=device_id,
                         options=options)
        self.last_position: Position | None = None

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        if len(frame) >= 6 and is_iridium(frame):
            return self._records(read_iridium(frame), None, True, now)
        if len(frame) < MIN_FRAME_SIZE:
            raise MalformedError("galileo: frame shorter than 5 bytes", data=frame)
        crc_field = frame[-2:]
        checksum_ok = crc16_modbus(frame[:-2]) == crc_field[0] | crc_field[1] << 8
        if not checksum_ok and self.options.strict_checksum:
            raise ChecksumError("galileo: CRC-16/MODBUS mismatch", data=frame)
        header = frame[0]
        end = len(frame) - 2  # framed input may disagree with its length field: trust the frame
        if header == Header.MAIN:
            packet = read_records(frame, 3, end)
        elif header == Header.COMPRESSED:
            packet = read_compressed(frame, 3, end, now)
        elif header == Header.PHOTO:
            reply = encode_photo_ack(crc_field) if self.device_id is not None else None
            return Decoded(reply=reply, checksum_ok=checksum_ok)
        else:
            return Decoded(checksum_ok=checksum_ok, unknown=UnknownMessage(
                protocol=PROTOCOL, message_type=header, device_id=self.device_id))
        return self._records(packet, encode_ack(crc_field), checksum_ok, now)

    def _records(self, packet: Packet, reply: bytes | None, checksum_ok: bool,
                 now: datetime) -> Decoded:
        login = None
        if packet.imei is not None:
            if packet.imei != self.device_id:
                login = packet.imei
            self.device_id = packet.imei
        device_id = self.device_id
        if device_id is None:  # not identified yet: dropped without an answer
            return Decoded(checksum_ok=checksum_ok)
        positions: list[Position] = []
        events: list[Event] = []
        for rec in packet.records:
            position = to_position(rec, device_id)
            if position is not None:
                positions.append(position)
            elif (event := to_event(rec, device_id, now)) is not None:
                events.append(event)
        if positions:
            self.last_position = positions[-1]
        elif events and self.last_position is not None:
            positions = self._result_copies(events)
        unknown = sum(count_unknown(rec.attrs) for rec in packet.records)
        answers = tuple(
            CommandAnswer(protocol=PROTOCOL, device_id=device_id, serial=e.attributes.get("index"),
                          text=str(e.attributes["result"]), meaning=str(e.attributes["result"]))
            for e in events if e.type == "commandResult")  # 0xE1 text, 0xE0 command number
        return Decoded(positions=tuple(positions), events=tuple(events), reply=reply,
                       defer_reply=reply is not None and bool(positions or events),
                       login=login, checksum_ok=checksum_ok, unknown_items=unknown,
                       answers=answers)

    def _result_copies(self, events: list[Event]) -> list[Position]:
        """Traccar reports a command answer on a copy of the last position (marked
        ``outdated``); its (device, fix time) key makes the store absorb it as a
        duplicate, while the ``commandResult`` event keeps the text."""
        last = self.last_position
        assert last is not None
        return [msgspec.structs.replace(last, attributes={**e.attributes, "outdated": True})
                for e in events if e.type == "commandResult"]
