"""Gt06Connection: one device session (buffer + framer + decoders + replies)."""

from __future__ import annotations

import struct
from binascii import crc_hqx
from datetime import datetime, timedelta

from .._checksum import crc16_x25
from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError, MalformedError, ProtocolError
from .._records import EMPTY, Decoded, UnknownMessage
from . import encode
from ._info import command_answer
from ._location import GPS_SIZE, gps_position, position_or_event
from .constants import EXTENDED_ACK, GPS_FIRST, NO_ACK, STANDARD_ACK_EXTENDED, MsgType
from .decode import DECODERS, Frame
from .encode import REFLECT
from .framing import Gt06Framer, frame_geometry

__all__ = ["Gt06Connection", "parse_login", "split_frame"]

_WIFI_TYPES = frozenset({MsgType.WIFI, MsgType.LBS_PHONE})
_LOGIN = int(MsgType.LOGIN)
_TIME_REQUEST = int(MsgType.TIME_REQUEST)
_WIFI = int(MsgType.WIFI)
_ADDRESS_REQUEST = int(MsgType.ADDRESS_REQUEST)
_ANSWERS = frozenset({int(MsgType.STRING), int(MsgType.COMMAND_INFO)})
_VL_MODELS = frozenset({"VL103", "LL303", "VL512", "G18"})


def model_family(model: str | None) -> str | None:
    """The alarm-code family (constants.FAMILY_ALARMS) of a configured model name [TRACCAR]."""
    if not model:
        return None
    name = model.upper()
    if name.startswith("LW"):
        return "lw"
    if name in ("SEEWORLD", "R11"):
        return name.lower()
    return "vl" if name in _VL_MODELS else None


def split_frame(frame: bytes) -> tuple[Frame, bool]:
    """A whole frame -> (Frame, checksum_ok). Raises MalformedError if it is not one."""
    if len(frame) < 6 or frame[0] != frame[1] or frame[0] not in (0x78, 0x79):
        raise MalformedError("gt06: not a 78 78 / 79 79 frame", data=frame)
    header, total = frame_geometry(frame)
    stop = frame.endswith(b"\r\n")
    end = len(frame) - 2 if stop else len(frame)
    msg_type = frame[header]
    declared = total - header - 2  # bytes from the type to the CRC
    whole = total == len(frame) or (not stop and total == len(frame) + 2)
    if declared >= 5 and end - header - 1 >= 4:
        crc_ok = crc16_x25(frame[2:end - 2]) == int.from_bytes(frame[end - 2:end], "big")
        if whole or crc_ok:
            # a frame without its 0D 0A is still whole; one whose length byte is wrong but
            # whose last bytes verify as a CRC keeps its serial and CRC there
            serial = int.from_bytes(frame[end - 4:end - 2], "big")
            return Frame(msg_type, frame[header + 1:end - 4], serial, header == 4, whole), crc_ok
    # length disagrees and no CRC verifies (cut at the first 0D 0A): the bytes up to it are the
    # content, no serial/CRC to trust; a declared length of 0 is the documented Wi-Fi/LBS form
    return Frame(msg_type, frame[header + 1:end], None, header == 4, False), declared == 0


def parse_login(content: bytes) -> tuple[str, int | None, int | None]:
    """(IMEI, model code, time-zone offset in minutes) of a 0x01 login content."""
    if len(content) < 8:
        raise MalformedError("gt06: login without a terminal id", data=content)
    imei = content[:8].hex()[1:]
    if not imei.isdigit():
        raise MalformedError("gt06: terminal id is not BCD", data=content)
    model = int.from_bytes(content[8:10], "big") if len(content) >= 10 else None
    offset = None
    if len(content) >= 12:
        word = int.from_bytes(content[10:12], "big")
        hhmm = word >> 4
        offset = (hhmm // 100) * 60 + hhmm % 100
        if word & 0x08:
            offset = -offset
    return imei, model, offset


class Gt06Connection(StreamConnection):
    """GT06 over TCP. ``receive_frame`` takes one whole frame (``decode --framed``)."""

    protocol = "gt06"

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS, model: str | None = None) -> None:
        super().__init__(Gt06Framer(options.max_frame_size), device_id=device_id, options=options)
        self._max_frame = options.max_frame_size
        #: the configured model's alarm-code family (LW*, SEEWORLD, VL103 ...), if any
        self.family = model_family(model)
        self._tz: timedelta | None = None
        #: model code and time-zone offset (minutes) from the login, if sent
        self.model: int | None = None
        self.login_utc_offset_min: int | None = None
        self.unknown_count = 0

    def set_model(self, model: str | None) -> None:
        """Set (or clear, with None) the device's configured model, e.g. once the gateway
        has looked it up after the login: later frames are decoded with its family's
        alarm codes and 0x13 status layout (LW*: external power instead of alarm and
        language). An unknown name clears the family."""
        self.family = model_family(model)

    def next_decoded(self, now: datetime) -> Decoded | None:
        """``StreamConnection.next_decoded`` with the usual case inlined: the
        buffer is empty, or starts with a whole 78 78 frame ending in 0D 0A."""
        buffer = self._buffer
        n = len(buffer)
        if n >= 10 and buffer[0] == 0x78 and buffer[1] == 0x78:
            total = buffer[2] + 5
            if (n >= total and buffer[total - 1] == 0x0A and buffer[total - 2] == 0x0D
                    and total <= self._max_frame):
                if n == total:  # one copy instead of a slice and a copy
                    frame = bytes(buffer)
                    buffer.clear()
                else:
                    frame = bytes(buffer[:total])
                    del buffer[:total]
                self.last_frame = frame
                try:
                    return self.receive_frame(frame, now)
                except ProtocolError as exc:
                    if not exc.frame:
                        exc.frame = frame
                    if exc.fatal:
                        self.closed = True
                        buffer.clear()
                    raise
        elif not n:
            return None
        return StreamConnection.next_decoded(self, now)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        n = len(frame)
        if (n >= 10 and frame[0] == 0x78 and frame[1] == 0x78 and frame[2] + 5 == n
                and frame[n - 2] == 0x0D and frame[n - 1] == 0x0A):
            # the usual frame (78 78, lengths agreeing) split inline; split_frame does the rest
            f = Frame(frame[3], frame[4:n - 6], frame[n - 6] << 8 | frame[n - 5], False, True)
            crc_ok = (crc_hqx(frame[2:n - 4].translate(REFLECT), 0xFFFF) ^ 0xFFFF
                      == (REFLECT[frame[n - 3]] << 8 | REFLECT[frame[n - 4]]))  # encode.crc_x25
        else:
            f, crc_ok = split_frame(frame)
        if not crc_ok and self.options.strict_checksum:
            raise ChecksumError("gt06: CRC-16/X-25 mismatch", data=frame)
        msg_type = f.msg_type
        if msg_type == _LOGIN and not f.extended:
            return self._login(f, crc_ok)
        if msg_type == _TIME_REQUEST:
            return Decoded(reply=encode.time_response(now), checksum_ok=crc_ok)
        device_id = self.device_id
        if device_id is None:
            return EMPTY if crc_ok else Decoded(checksum_ok=False)
        if self.family is not None:
            f.family = self.family
        if self._tz is not None:
            f.tz = self._tz
        decoder = DECODERS.get(msg_type)
        if decoder is None:
            self.unknown_count += 1
            unknown = UnknownMessage(protocol=self.protocol, message_type=f.msg_type, device_id=device_id)
            return Decoded(reply=self._reply(f), unknown=unknown, checksum_ok=crc_ok)
        try:
            positions, events, unknown_items = decoder(f, device_id, now)
        except ProtocolError:
            raise
        except (IndexError, ValueError, UnicodeError, OverflowError, struct.error) as exc:
            if msg_type not in GPS_FIRST or len(f.content) < GPS_SIZE:
                raise MalformedError(f"gt06: bad 0x{f.msg_type:02x} content: {exc}", data=frame) from None
            # a tail shorter or longer than its layout: the GPS block in front is still certain
            attrs: dict = {}
            positions, events, unknown_items = position_or_event(
                gps_position(f.content, 0, device_id, attrs, f.tz), device_id, now, attrs)
        if f.consistent and not f.extended and msg_type not in NO_ACK:
            reply = encode.ack(msg_type, f.serial)  # what _reply gives them, one call less
        else:
            reply = self._reply(f)
        return Decoded(positions=positions, events=events, reply=reply,
                       defer_reply=reply is not None and bool(positions or events), checksum_ok=crc_ok,
                       unknown_items=unknown_items,
                       answers=command_answer(f, device_id) if msg_type in _ANSWERS else ())

    def _login(self, f: Frame, crc_ok: bool) -> Decoded:
        imei, model, offset = parse_login(f.content)
        self.device_id = imei
        self.model = model
        self.login_utc_offset_min = offset
        self._tz = timedelta(minutes=offset) if offset and abs(offset) < 1440 else None
        reply = encode.ack(MsgType.LOGIN, f.serial) if f.serial is not None else None
        return Decoded(reply=reply, login=imei, checksum_ok=crc_ok)

    @staticmethod
    def _reply(f: Frame) -> bytes | None:
        msg_type = f.msg_type
        if msg_type in _WIFI_TYPES and (msg_type == _WIFI or not f.consistent):
            return encode.wifi_reply(msg_type, f.content[:6])
        if msg_type == _ADDRESS_REQUEST and not f.extended:
            return encode.address_response()
        if f.serial is None or msg_type in NO_ACK:
            return None
        if f.extended:
            if msg_type in STANDARD_ACK_EXTENDED:
                return encode.ack(msg_type, f.serial)
            return encode.ack_extended(msg_type, f.serial) if msg_type in EXTENDED_ACK else None
        return encode.ack(msg_type, f.serial)
