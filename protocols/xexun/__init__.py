"""Xexun TK102 / TK103 / TK201 and clones (Traccar's ``xexun``), TCP port 5006.

Wire format: ASCII reports
``<serial>,<phone>,GPRMC,<hhmmss.sss>,<A|V>,<lat>,<N|S>,<lon>,<E|W>,<knots>,<course>,<ddmmyy>,,,<mode>*hh,<F|L>,<event>,[ ]imei:<IMEI>,<sats>,<alt>,<F|L>:<volts>V,...``
(``GNRMC`` accepted too). Every report carries its IMEI; there is no login
and the server never replies. Decoded: time/date (UTC; an empty one is
filled from ``now``), validity, coordinates (degrees with dropped leading
zeros accepted), speed (knots -> km/h), course, ``signal`` (F/L), events
(``ignition``, ``alarm`` sos / lowBattery / movement) and, on whole lines,
``serial``, ``number``, satellites, altitude, ``power`` (V), ``adc1``/``adc2``
(V) and ``charge``. A report without an RMC part yields nothing. The
catalogue (event texts, signal letters, head and tail columns) is data in
``_catalogue.py``; an unknown event text is kept as ``event`` and unknown
tail columns as ``io<column>``, both counted in ``Decoded.unknown_items``.

Checksum: the RMC's NMEA XOR is verified; a mismatch is flagged
(``checksum_ok=False``) or raises ``ChecksumError`` with ``strict_checksum``.

Framing (see framing.py): by default, Traccar's way: ``GPRMC`` ... through
``imei:<digits>,``; leading bytes and the tail after the IMEI are dropped.
With ``ConnectionOptions.extra["extended"]`` one report per line, all fields.
Resync policy: scan to the next ``GPRMC``/``GNRMC`` (or the next line);
a bad report raises a non-fatal ``MalformedError``; the stream is never closed.

Sources: fact sheet shared/protocols/xexun.md; vendor document "GPRS
communication protocol for tk102, tk201, tk206, tk103"; NMEA 0183 RMC.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import XexunConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import XexunDevice
from .framing import XexunFramer, XexunLineFramer

__all__ = ["SPEC", "XexunConnection", "XexunDevice", "XexunFramer", "XexunLineFramer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp",),
    tcp_connection=XexunConnection,
    udp_connection=None,
    device=XexunDevice,
    summary="Xexun TK102/TK103 text reports with an embedded GPRMC and the IMEI",
)
