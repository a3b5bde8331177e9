"""Wialon IPS sessions (TCP: login then data; UDP: id in every datagram).

Replies (immediate unless they acknowledge records):
``#L#`` -> ``#AL#1`` (``reject_reply`` ``#AL#0``; an empty id gets ``#AL#0``),
``#P#`` -> ``#AP#``, ``#SD#`` -> ``#ASD#1``, ``#D#`` -> ``#AD#1`` (deferred),
``#B#`` -> ``#AB#<records decoded>`` (deferred), ``#M#`` -> ``#AM#1`` (deferred,
an Event ``message`` with ``result``). A body without coordinates is placed at
the session's last known location (see decode.py). A data body whose fields do not parse
gets the specification's error code (``#AD#0``, ``10``, ``11``, ``12``, ``-1``)
at once and yields nothing. Data before any identity yields nothing and no
answer (the device must log in first). Other packet types: ``UnknownMessage``,
no answer (packet catalogue: ``constants.PACKET_TYPES``).

CRC16 forms (v2.0): 4 hex digits, upper or lower case, as the last ``;`` field
of L, SD, D, M (``|`` item of B). A trailing 4-hex field is taken as the CRC
when it is one field beyond the body, when the session speaks 2.0 and the
packet is an SD-length body plus one, or when it matches the CRC of the packet.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from .._commands import CommandAnswer
from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError, MalformedError
from .._records import Decoded, Event, Position, UnknownMessage, merge_decoded
from .constants import (D_FIELDS, LOGIN_OK, LOGIN_REJECTED, OK, PROTOCOL, SD_FIELDS,
                        VERSION_2)
from .decode import AnswerError, Packet, crc_field, crc_matches, parse_body, split_packet, text_of
from .encode import encode_answer
from .framing import WialonFramer, split_lines

__all__ = ["WialonConnection", "WialonUdpConnection"]

_REJECT = encode_answer("AL", LOGIN_REJECTED)


class _WialonSession:
    protocol = PROTOCOL
    device_id: str | None
    options: ConnectionOptions
    version: str | None = None
    #: the last located fix of the session (for bodies without coordinates)
    last: "tuple[float, float, float | None] | None" = None

    def decode_line(self, line: bytes, now: datetime) -> Decoded:
        packet = split_packet(line)
        login = None
        if packet.device_id is not None and packet.device_id != self.device_id:
            self.device_id = login = packet.device_id
        if packet.version:
            self.version = packet.version
        handler = _HANDLERS.get(packet.type)
        if handler is None:
            return Decoded(login=login, unknown=UnknownMessage(
                protocol=PROTOCOL, message_type=packet.type, device_id=self.device_id))
        decoded = handler(self, packet, now)
        if login is not None and decoded.login is None:
            decoded = _with_login(decoded, login)
        return decoded

    def _checked(self, ok: bool | None, line: bytes) -> bool:
        if ok is False and self.options.strict_checksum:
            raise ChecksumError("wialon: CRC16 mismatch", data=line)
        return ok is not False

    def _login(self, packet: Packet, now: datetime) -> Decoded:
        text = text_of(packet.msg)
        fields = text.split(";")
        ok = None
        if "." in fields[0] and len(fields) >= 2:
            self.version, fields = fields[0], fields[1:]
            if len(fields) >= 3 and crc_field(fields[-1]):
                ok = crc_matches(packet.msg, fields[-1])
        checksum_ok = self._checked(ok, packet.msg)
        ident = fields[0].strip()
        if not ident or ident == "NA":
            return Decoded(reply=_REJECT, checksum_ok=checksum_ok)
        self.device_id = ident
        return Decoded(login=ident, reply=encode_answer("AL", LOGIN_OK), reject_reply=_REJECT,
                       checksum_ok=checksum_ok)

    def _ping(self, packet: Packet, now: datetime) -> Decoded:
        return Decoded(reply=encode_answer("AP"))

    def _fields(self, packet: Packet, full: int) -> tuple[list[str], bool | None]:
        """The body's fields without a trailing CRC16, and whether the CRC matched."""
        fields = text_of(packet.msg).split(";")
        last = fields[-1]
        if not crc_field(last) or len(fields) <= SD_FIELDS:
            return fields, None
        matches = crc_matches(packet.msg, last)
        has_crc = matches or len(fields) == full + 1 or (
            len(fields) == SD_FIELDS + 1 and self.version == VERSION_2)
        if not has_crc:
            return fields, None
        return fields[:-1], matches

    def _data(self, packet: Packet, now: datetime) -> Decoded:
        full = SD_FIELDS if packet.type == "SD" else D_FIELDS
        answer = "ASD" if packet.type == "SD" else "AD"
        fields, ok = self._fields(packet, full)
        checksum_ok = self._checked(ok, packet.msg)
        if self.device_id is None:
            return Decoded(checksum_ok=checksum_ok)
        try:
            record, unknown = self._body(fields[:full] if packet.type == "SD" else fields, now)
        except AnswerError as exc:
            return Decoded(reply=encode_answer(answer, exc.code), checksum_ok=checksum_ok)
        return _records([record], encode_answer(answer, OK), checksum_ok, unknown)

    def _body(self, fields: list[str], now: datetime, archive: bool = False):
        assert self.device_id is not None
        record, unknown = parse_body(fields, now, self.device_id, archive, self.last)
        if isinstance(record, Position) and not record.attributes.get("outdated"):
            self.last = (record.lat, record.lon, record.altitude_m)
        return record, unknown

    def _black_box(self, packet: Packet, now: datetime) -> Decoded:
        items = packet.msg.split(b"|")
        ok = None
        if len(items) > 1 and crc_field(text_of(items[-1]).strip()):
            ok = crc_matches(packet.msg, text_of(items[-1]))
            items = items[:-1]
        checksum_ok = self._checked(ok, packet.msg)
        if self.device_id is None:
            return Decoded(checksum_ok=checksum_ok)
        records = []
        unknown = 0
        for item in items:
            fields = text_of(item).split(";")
            try:
                record, count = self._body(fields, now, archive=True)
            except AnswerError:
                continue
            records.append(record)
            unknown += count
        return _records(records, encode_answer("AB", str(len(records))), checksum_ok, unknown)

    def _message(self, packet: Packet, now: datetime) -> Decoded:
        text = text_of(packet.msg)
        body, sep, last = text.rpartition(";")
        ok = None
        if sep and crc_field(last):
            ok, text = crc_matches(packet.msg, last), body
        checksum_ok = self._checked(ok, packet.msg)
        if self.device_id is None:
            return Decoded(checksum_ok=checksum_ok)
        event = Event(device_id=self.device_id, protocol=PROTOCOL, time=now, type="message",
                      attributes={"result": text})
        decoded = _records([event], encode_answer("AM", OK), checksum_ok)
        # a tracker answers a text command with a message (no serial: in order)
        answer = CommandAnswer(protocol=PROTOCOL, device_id=self.device_id, text=text, meaning=text)
        return msgspec.structs.replace(decoded, answers=(answer,))

    def decode_lines(self, data: bytes, now: datetime) -> Decoded:
        lines = split_lines(data)
        if len(lines) != 1:
            if not lines:
                raise MalformedError("wialon: empty packet")
            return merge_decoded([self.decode_line(line, now) for line in lines])
        return self.decode_line(lines[0], now)


_HANDLERS = {
    "L": _WialonSession._login,
    "P": _WialonSession._ping,
    "SD": _WialonSession._data,
    "D": _WialonSession._data,
    "B": _WialonSession._black_box,
    "M": _WialonSession._message,
}


def _records(records: list, reply: bytes, checksum_ok: bool, unknown: int = 0) -> Decoded:
    positions = tuple(r for r in records if isinstance(r, Position))
    events = tuple(r for r in records if isinstance(r, Event))
    return Decoded(positions=positions, events=events, reply=reply,
                   defer_reply=bool(records), checksum_ok=checksum_ok, unknown_items=unknown)


def _with_login(decoded: Decoded, login: str) -> Decoded:
    return Decoded(positions=decoded.positions, events=decoded.events, reply=decoded.reply,
                   defer_reply=decoded.defer_reply, login=login,
                   reject_reply=decoded.reject_reply, checksum_ok=decoded.checksum_ok,
                   unknown=decoded.unknown, unknown_items=decoded.unknown_items)



class WialonConnection(_WialonSession, StreamConnection):
    """TCP: one packet per line."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        StreamConnection.__init__(self, WialonFramer(), device_id=device_id, options=options,
                                  protocol=PROTOCOL)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        """One line from the framer, or a whole ``--framed`` packet (CR LF optional)."""
        return self.decode_lines(frame, now)


class WialonUdpConnection(_WialonSession):
    """UDP: ``[2.0;]<id>#<TYPE>#<msg>`` per datagram; answers like TCP."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        self.device_id = device_id
        self.options = options

    def receive_frame(self, datagram: bytes, now: datetime) -> Decoded:
        return self.decode_lines(datagram, now)
