"""Sans-IO protocol codecs: bytes in, records and reply bytes out.

Nothing in this package imports asyncio, sockets, a database driver or reads
the clock (tests/test_purity.py enforces it). One subpackage per protocol, all
of the same shape (see ../README.md, "Adding a protocol").
"""

from ._errors import ChecksumError, FramingError, LocalProtocolError, MalformedError, ProtocolError
from ._records import Decoded, Event, Fix, Position, UnknownMessage

__all__ = [
    "ProtocolError",
    "FramingError",
    "ChecksumError",
    "MalformedError",
    "LocalProtocolError",
    "Decoded",
    "Event",
    "Fix",
    "Position",
    "UnknownMessage",
]
