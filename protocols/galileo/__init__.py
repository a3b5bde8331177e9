"""Galileosky (GLONASS/GPS v2-v7, Base Block, Iridium option): binary tags over TCP.

Wire format (little-endian; fact sheet shared/protocols/galileo.md,
GalileoSky GLONASS/GPS v5.1 User's Manual section 12):

    header (1) | length (2, LE) | tags | CRC-16/MODBUS (2, LE)

The low 15 bits of the length count the tag bytes; the top bit says the
terminal's archive still holds unsent records (ignored). Headers: 0x01
head/main packet (also command answers), 0x07 photo part, 0x08 compressed
(minimal data sets). Tags come in ascending order inside a record; a tag
that repeats opens the next record. A record with a time (0x20) and
coordinates (0x30) is a position; a command answer (0xE1) becomes a
``commandResult`` event (plus an ``outdated`` copy of the last position, as
Traccar reports it); a timed record without a usable location becomes a
``status`` event. The tag table (size, key, kind, scaling of every published
tag, and the 0xFE extended tags) is data in ``_catalogue.py``; ``_tags``
builds the readers from it. A tag outside the table cannot be skipped: the
rest of the packet is kept as ``io<tag>`` (hex), counted in
``Decoded.unknown_items``, and the packet is still answered.

Iridium (SBD) envelope: ``01 | length (2, BE) | 01 00 1C ...`` with the IMEI,
time and location in big-endian information elements and tags in element
0x02; no CRC and no answer.

Identification: the head packet carries tag 0x03 (IMEI) and sets
``Decoded.login``; packets before it are dropped without an answer (unless
the connection was built with ``device_id``).

Replies: ``02`` + the packet's CRC field as received (``07`` + CRC for photo
parts), deferred until the commit when the packet yields records, at once
otherwise.

Checksums: CRC-16/MODBUS verified. A mismatch is accepted and answered with
``Decoded.checksum_ok=False`` (Traccar's behaviour: it echoes the field
without checking) unless ``options.strict_checksum``: then ``ChecksumError``
and no answer, so the terminal resends the packet.

Resync policy: none. An unknown header byte or an oversized frame raises
``FramingError`` and the connection closes. A delimited packet holding a tag
missing from the size table raises ``MalformedError`` (non-fatal, no answer).
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import GalileoConnection
from .constants import Header
from .device import GalileoDevice
from .framing import GalileoFramer

__all__ = ["SPEC", "Header", "GalileoConnection", "GalileoDevice", "GalileoFramer"]

SPEC = ProtocolSpec(
    name="galileo",
    default_port=5034,
    transports=("tcp",),
    tcp_connection=GalileoConnection,
    device=GalileoDevice,
    summary="Galileosky GLONASS/GPS terminals: tag protocol (main, compressed, Iridium) over TCP",
)
