"""TK103 sessions: identity from every message's ID field, ``(<ID>AP01HSO)``
after a handshake (at once), ``(<ID>AP05)`` after a login (after its position
is committed).

``Tk103Connection`` (TCP) frames ``(...)`` with ``Tk103Framer``;
``Tk103UdpConnection`` takes one datagram per ``receive_frame`` (parentheses
optional, several frames allowed). Both share ``_Tk103Session``.
"""

from __future__ import annotations

from datetime import datetime

from .._coban import ascii_text, merge
from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import MalformedError, ProtocolError
from .._records import EMPTY, Decoded, UnknownMessage, kept_item_count
from ._answers import OUTPUT_ANSWER, command_answer
from .constants import HANDSHAKE, LOGIN, PROTOCOL
from .decode import decode_message, parse_message
from .encode import encode_handshake_reply, encode_login_reply
from .framing import Tk103Framer, split_frames

__all__ = ["Tk103Connection", "Tk103UdpConnection"]


class _Tk103Session:
    protocol = PROTOCOL
    device_id: str | None

    def decode_frame(self, frame: bytes, now: datetime) -> Decoded:
        """One ``(...)`` frame (parentheses optional); non-fatal ``ProtocolError`` when bad."""
        text = ascii_text(frame, PROTOCOL).strip()
        if text.startswith("("):
            text = text[1:-1] if text.endswith(")") else text[1:]
        if not text.strip():
            return EMPTY
        msg = parse_message(text)
        if not msg.device_id:  # the frame omits its id: the session knows the device
            if not self.device_id:
                raise MalformedError("tk103: message without an id before any identity",
                                     data=frame[:32])
            msg = msg._replace(device_id=self.device_id)
        fixed_login = not msg.comma and msg.command == LOGIN
        login = None
        if fixed_login or msg.device_id != self.device_id:
            self.device_id = login = msg.device_id
        if not msg.comma and msg.command == HANDSHAKE:
            return Decoded(login=login, reply=encode_handshake_reply(msg.device_id))
        answer = command_answer(msg.device_id, msg.command, msg.body, msg.comma)
        if answer is not None and msg.command == OUTPUT_ANSWER:  # not a VIN: no record
            return Decoded(login=login, answers=(answer,))
        records = decode_message(msg, now)
        reply = encode_login_reply(msg.device_id) if fixed_login else None
        if records is None:
            return Decoded(login=login, reply=reply, unknown=UnknownMessage(
                protocol=PROTOCOL, message_type=msg.command, device_id=msg.device_id))
        positions, events = records
        return Decoded(positions=positions, events=events, login=login, reply=reply,
                       defer_reply=reply is not None and bool(positions or events),
                       unknown_items=kept_item_count(positions, events),
                       answers=() if answer is None else (answer,))

    def decode_frames(self, data: bytes, now: datetime) -> Decoded:
        """Every frame of ``data``; bad ones are skipped unless all are bad."""
        frames = split_frames(data)
        if len(frames) == 1:
            return self.decode_frame(frames[0], now)
        results: list[Decoded] = []
        first_error: ProtocolError | None = None
        for frame in frames:
            try:
                results.append(self.decode_frame(frame, now))
            except ProtocolError as exc:
                first_error = first_error or exc
        if first_error is not None and not results:
            raise first_error
        return merge(results)



class Tk103Connection(_Tk103Session, StreamConnection):
    """TCP: ``(...)`` frames."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        StreamConnection.__init__(self, Tk103Framer(), device_id=device_id, options=options,
                                  protocol=PROTOCOL)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        """One frame from the framer, or a whole ``--framed`` frame."""
        return self.decode_frame(frame, now)


class Tk103UdpConnection(_Tk103Session):
    """UDP: one datagram per call; replies are sent on UDP too."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        self.device_id = device_id
        self.options = options

    def receive_frame(self, datagram: bytes, now: datetime) -> Decoded:
        return self.decode_frames(datagram, now)
