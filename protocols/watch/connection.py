"""Watch sessions over TCP: envelope, identity, replies.

Identity is the ``<ID>`` of every frame: the first one (or a different one)
sets ``Decoded.login``. The manufacturer code and whether the device uses
an index are kept (``manufacturer``, ``index``) to address commands.
"""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import LocalProtocolError
from .._records import Decoded, UnknownMessage
from . import encode
from .constants import PROTOCOL
from .decode import (Message, command_answer, decode_command_ack, decoder_for, reply_content,
                     split_envelope)
from .framing import WatchFramer

__all__ = ["WatchConnection"]


class WatchConnection(StreamConnection):
    """``receive_frame`` takes one unescaped ``[...]`` frame (``decode --framed``)."""

    protocol = PROTOCOL

    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        super().__init__(WatchFramer(), device_id=device_id, options=options)
        #: manufacturer code and index of the last frame (to address commands)
        self.manufacturer: str | None = None
        self.index: str | None = None
        self.unknown_count = 0

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        env = split_envelope(frame)
        login = None
        if env.device_id != self.device_id:
            self.device_id = login = env.device_id
        self.manufacturer, self.index = env.manufacturer, env.index
        content = reply_content(env.kind)
        reply = None
        if content is not None:
            reply = encode.envelope(env.manufacturer, env.device_id, content.encode("ascii"),
                                    env.index)
        decoder = decoder_for(env.kind)
        if decoder is None:
            self.unknown_count += 1
            return Decoded(reply=reply, login=login, unknown=UnknownMessage(
                protocol=PROTOCOL, message_type=env.kind[:16], device_id=env.device_id))
        msg = Message(env, env.device_id, now)
        positions, events = decoder(msg)
        return Decoded(positions=positions, events=events, reply=reply,
                       defer_reply=reply is not None and bool(positions or events), login=login,
                       unknown_items=msg.unknown,
                       answers=command_answer(msg) if decoder is decode_command_ack else ())

    def command(self, content: str) -> bytes:
        """A command for this session's device, addressed the way it talks."""
        if self.device_id is None or self.manufacturer is None:
            raise LocalProtocolError("watch: no device on this connection yet")
        return encode.command(self.manufacturer, self.device_id, content,
                              indexed=self.index is not None)
