"""The shape every protocol's connection object has (h11's ``Connection``).

A connection is one device session. The gateway (or the ``decode`` command, or
a test) feeds it bytes and gets ``Decoded`` values back; it never touches a
socket or the clock: ``now`` is passed in.

Stream transports (TCP)::

    conn.receive_data(chunk)            # buffer the bytes (bounded)
    while (d := conn.next_decoded(now)) is not None:
        ...                              # may raise ProtocolError for one frame

or the convenience ``conn.feed(chunk, now) -> list[Decoded]``.

Whole frames (UDP datagrams, ``decode --framed``)::

    conn.receive_frame(frame, now) -> Decoded
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ._errors import FramingError, LocalProtocolError, ProtocolError
from ._records import Decoded

__all__ = ["Framer", "Connection", "StreamConnection", "ConnectionOptions"]

import msgspec


class ConnectionOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Per-listener knobs a protocol honours."""

    #: reject frames whose checksum does not verify (default: accept and flag)
    strict_checksum: bool = False
    #: largest frame (and so largest buffered partial frame) accepted, in bytes
    max_frame_size: int = 32 * 1024
    #: protocol-specific switches, e.g. {"ack": True} for NMEA's OK1 replies
    extra: dict[str, object] = {}


DEFAULT_OPTIONS = ConnectionOptions()


class Framer(Protocol):
    """Cuts frames off the front of a buffer."""

    def next_frame(self, buffer: bytearray) -> bytes | None:
        """Remove and return the next complete frame, or None if more bytes are needed.

        Raises ``FramingError`` when the buffer cannot start a valid frame.
        Returns ``bytes`` (a copy), never a view into ``buffer``.
        """


class Connection(Protocol):
    protocol: str
    device_id: str | None

    def receive_data(self, data: bytes) -> None: ...

    def next_decoded(self, now: datetime) -> Decoded | None: ...

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded: ...


class StreamConnection:
    """Buffer + framer + per-frame decoder; subclasses implement ``receive_frame``.

    The buffer never exceeds ``options.max_frame_size`` plus one received chunk:
    once it holds more than that without yielding a frame, ``next_decoded``
    raises ``FramingError``.
    """

    protocol: str = ""

    def __init__(
        self,
        framer: Framer,
        *,
        device_id: str | None = None,
        options: ConnectionOptions = DEFAULT_OPTIONS,
        protocol: str | None = None,
    ) -> None:
        self._framer = framer
        self._buffer = bytearray()
        self.device_id = device_id
        self.options = options
        if protocol is not None:
            self.protocol = protocol
        self.closed = False
        #: the last frame handed to receive_frame (for the gateway's raw archive)
        self.last_frame: bytes = b""

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def receive_data(self, data: bytes) -> None:
        if self.closed:
            raise LocalProtocolError("receive_data after a fatal protocol error")
        self._buffer += data

    def next_decoded(self, now: datetime) -> Decoded | None:
        if self.closed or not self._buffer:
            return None
        try:
            frame = self._framer.next_frame(self._buffer)
        except FramingError as exc:
            self.closed = True
            exc.frame = bytes(self._buffer[: self.options.max_frame_size])
            self._buffer.clear()
            raise
        if frame is None:
            if len(self._buffer) > self.options.max_frame_size:
                kept = bytes(self._buffer[: self.options.max_frame_size])
                self.closed = True
                self._buffer.clear()
                error = FramingError(
                    f"{self.protocol}: no frame within {self.options.max_frame_size} bytes", data=kept)
                error.frame = kept
                raise error
            return None
        self.last_frame = frame
        if len(frame) > self.options.max_frame_size:
            error = ProtocolError(
                f"{self.protocol}: frame of {len(frame)} bytes exceeds the maximum", data=frame)
            error.frame = frame[: self.options.max_frame_size]
            raise error
        try:
            return self.receive_frame(frame, now)
        except ProtocolError as exc:
            if not exc.frame:
                exc.frame = frame
            if exc.fatal:
                self.closed = True
                self._buffer.clear()
            raise

    def feed(self, data: bytes, now: datetime) -> list[Decoded]:
        """Buffer ``data`` and decode every complete frame.

        On a bad frame, raises its ``ProtocolError`` with ``exc.decoded`` set to
        the frames decoded before it; a non-fatal error leaves the connection
        usable (call ``feed(b"", now)`` to go on).
        """
        self.receive_data(data)
        out: list[Decoded] = []
        while True:
            try:
                decoded = self.next_decoded(now)
            except ProtocolError as exc:
                exc.decoded = out
                raise
            if decoded is None:
                return out
            out.append(decoded)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:  # pragma: no cover
        raise NotImplementedError
