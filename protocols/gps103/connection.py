"""GPS103 sessions: identity from the login, the heartbeat or each report's
``imei:`` field; ``LOAD`` / ``ON`` answered at once, the SOS acknowledgement
after the SOS record is committed.

``Gps103Connection`` (TCP) frames messages with ``Gps103Framer``;
``Gps103UdpConnection`` takes one datagram (one or more messages) per
``receive_frame``. Both share ``_Gps103Session``.
"""

from __future__ import annotations

from datetime import datetime

from .._coban import ascii_text, merge
from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import MalformedError, ProtocolError
from .._records import EMPTY, Decoded, UnknownMessage, kept_item_count
from .constants import PROTOCOL, Keyword
from .decode import classify, decode_report, keyword_known
from .encode import encode_heartbeat_reply, encode_login_reply, encode_sos_ack
from .framing import Gps103Framer, split_messages

__all__ = ["Gps103Connection", "Gps103UdpConnection"]

_TRIM = " \t\r\n;"


class _Gps103Session:
    protocol = PROTOCOL
    device_id: str | None

    def decode_message(self, message_bytes: bytes, now: datetime) -> Decoded:
        """One message (delimiter optional); a non-fatal ``ProtocolError`` when it is bad."""
        text = ascii_text(message_bytes, PROTOCOL).strip(_TRIM)
        if not text:
            return EMPTY
        message, heartbeat = classify(text)
        if message.kind == "unknown":
            return Decoded(unknown=UnknownMessage(
                protocol=PROTOCOL, message_type=text.split(",", 1)[0][:16], device_id=self.device_id))
        if message.kind == "report" and not message.device_id:
            if not self.device_id:
                raise MalformedError("gps103: report without an id before any identity",
                                     data=message_bytes[:32])
            message.fields[0] = self.device_id
            message = message._replace(device_id=self.device_id)
        login = None
        if message.kind == "login" or message.device_id != self.device_id:
            self.device_id = login = message.device_id
        reply = encode_heartbeat_reply() if heartbeat else None
        if message.kind == "login":
            return Decoded(login=login, reply=encode_login_reply())
        if message.kind == "heartbeat":
            return Decoded(login=login, reply=reply)
        positions, events = decode_report(message, now)
        defer = False
        if message.fields[1] == Keyword.SOS and (positions or events):
            reply = (reply or b"") + encode_sos_ack(message.device_id)
            defer = True
        keyword = message.fields[1]
        known = not keyword or message.alternative or keyword_known(keyword)
        unknown = kept_item_count(positions, events) + (0 if known else 1)
        return Decoded(positions=positions, events=events, login=login, reply=reply,
                       defer_reply=defer, unknown_items=unknown)

    def decode_messages(self, data: bytes, now: datetime) -> Decoded:
        """Every message of ``data``; bad ones are skipped unless all are bad."""
        messages = split_messages(data)
        if len(messages) == 1:
            return self.decode_message(messages[0], now)
        results: list[Decoded] = []
        first_error: ProtocolError | None = None
        for message in messages:
            try:
                results.append(self.decode_message(message, now))
            except ProtocolError as exc:
                first_error = first_error or exc
        if first_error is not None and not results:
            raise first_error
        return merge(results)



class Gps103Connection(_Gps103Session, StreamConnection):
    """TCP: messages cut at ``;``, ``\\n`` or ``*``."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        StreamConnection.__init__(self, Gps103Framer(), device_id=device_id, options=options,
                                  protocol=PROTOCOL)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        """One message from the framer (or a whole ``--framed`` message, ``;`` optional)."""
        return self.decode_messages(frame, now)


class Gps103UdpConnection(_Gps103Session):
    """UDP: one datagram per call, every message in it decoded."""

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        self.device_id = device_id
        self.options = options

    def receive_frame(self, datagram: bytes, now: datetime) -> Decoded:
        return self.decode_messages(datagram, now)
