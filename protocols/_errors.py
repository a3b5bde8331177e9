"""Errors raised by the sans-IO protocol layer.

Split the way h11 splits them: ``ProtocolError`` (and its subclasses) means the
*peer* sent something we cannot accept; ``LocalProtocolError`` means *we*
misused a connection object (a bug on our side).
"""

from __future__ import annotations

__all__ = [
    "ProtocolError",
    "FramingError",
    "ChecksumError",
    "MalformedError",
    "LocalProtocolError",
]


class ProtocolError(Exception):
    """The peer sent bytes that violate the protocol.

    ``fatal`` says whether the stream can go on: a framing error on a binary
    stream usually cannot be resynchronised and the connection must close; a
    malformed but fully delimited frame can be skipped.
    ``data`` holds a short prefix of the offending bytes for logs.
    ``decoded`` holds what ``receive_data`` decoded before the error in the
    same call, so nothing already framed is lost.
    """

    fatal: bool = False

    def __init__(self, message: str, *, data: bytes = b"", fatal: bool | None = None) -> None:
        super().__init__(message)
        self.data = bytes(data[:32])
        if fatal is not None:
            self.fatal = fatal
        self.decoded: list = []
        #: the whole offending frame (bounded by the maximum frame size) when
        #: the connection knows it: the gateway archives it for replay
        self.frame: bytes = b""

    @property
    def hex_prefix(self) -> str:
        return self.data.hex()


class FramingError(ProtocolError):
    """The stream cannot be cut into frames (bad marker, impossible length, oversize)."""

    fatal = True


class ChecksumError(ProtocolError):
    """A frame's checksum does not verify (raised only in strict mode)."""


class MalformedError(ProtocolError):
    """A delimited frame whose content cannot be decoded."""


class LocalProtocolError(Exception):
    """Our own code misused a protocol object."""
