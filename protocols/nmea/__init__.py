"""Raw NMEA 0183 over TCP and UDP (Traccar's ``t55``; also Maxon, WMCS, QZE).

Wire format: ASCII sentences, one per line (TCP: split on ``\\n``, ``\\r``
and surrounding blanks dropped, at most 1024 bytes per line, empty lines
skipped; UDP: one datagram, possibly several lines, each decoded).
``$<address>,<fields>*hh``, ``hh`` = XOR of the characters between ``$``
and ``*``. NMEA carries no identity, so devices announce one: ``$PGID``,
``$DEVID`` (``0x``-hex), ``$PCPTI``, ``IMEI <id>``, ``$IMEI,<id>``/``$IMEI=<id>``,
``$PSIWMDID``, ``$CONNECT,<imei>``, ``$GPFID``, a bare uppercase-hex line,
an id before the ``$`` (``<id>``, ``<id>,``, ``x/<id>/``), the T55 extension
after an RMC's checksum, or the IMEI field of ``QZE``/``$ID``. Identity lines
yield ``Decoded(login=id)`` and no reply.

Decoded: ``$--RMC``, ``$--GGA``, ``$--GLL``, ``$--RMA`` (talkers GP GN GL GA GB
BD), ``$PUBX,00``, ``$TRCCR``, ``$GPIOP``, ``$GPTXT,NET``, ``QZE``, WMCS ``$ID``;
other addresses become ``UnknownMessage``. GGA, GLL and PUBX carry no date:
the server's ``now`` (UTC) supplies it; RMA has no time at all (``now``).
Empty speed/course fields are ``None`` (not 0). An RMC before any identity is
held (the latest one only) and released with the next identity line (Maxon
sends ``$GPFID`` after its first RMC); other sentences before an identity
yield nothing. Traccar's fallback to the remote IP as identity is the
gateway's business (pass ``device_id``), not this package's.

Checksums: verified when present; a mismatch is flagged
(``checksum_ok=False``) or, with ``strict_checksum``, raises ``ChecksumError``.
A sentence without ``*hh``, with a ``*`` and no (or one) digit, or
with lower-case digits is accepted (``decode._split_checksum`` lists the
forms); non-hex digits count as a mismatch. The catalogue (sentences,
report columns, keys, units) is data in ``_catalogue.py``; values beyond a
table are kept as ``io<index|tag>`` and counted in ``Decoded.unknown_items``.

Replies: none, except ``OK1\\r\\n`` for each RMC on TCP when the listener sets
``ConnectionOptions.extra["ack"]`` (deferred until the records commit).

Resync policy: per line. A bad line raises a non-fatal ``ProtocolError`` and
decoding goes on with the next line; an over-long line is discarded up to its
``\\n``. The stream is never closed by this protocol.

Sources: fact sheet shared/protocols/t55.md; NMEA 0183 sentence layouts
(pynmea2's field tables); u-blox PUBX,00 layout.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import NmeaConnection, NmeaUdpConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import NmeaDevice
from .framing import NmeaFramer

__all__ = ["SPEC", "NmeaConnection", "NmeaUdpConnection", "NmeaDevice", "NmeaFramer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp", "udp"),
    tcp_connection=NmeaConnection,
    udp_connection=NmeaUdpConnection,
    device=NmeaDevice,
    aliases=("t55",),
    summary="Raw NMEA 0183 (RMC/GGA/GLL...) with T55, Maxon, WMCS and QZE identity variants",
)
