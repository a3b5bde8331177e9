"""Totem / Istartek trackers (AT05, AT07, AT09, AT15, AVL02 ...; Traccar's
``totem``), TCP port 5007.

Wire format: ASCII frames starting ``$$``. New protocol: ``$$<len:4 decimal>
<type:2><IMEI>|<status:8 hex><yymmdd><hhmmss>...<lat><N|S><lon><E|W>[temp]
<serial:4><xor:2>``; types ``AA`` (timed), alarm types (01 sos ... 43 hard
braking), ``E2`` RFID and ``E5`` OBD (comma lists). Old protocols:
``$$<len:2 hex><IMEI>|...<CRC:4>`` + CR LF, in three layouts (``$GPRMC``
inside; ``|``-separated; fixed width). Every frame carries the IMEI (no
login). Units: new-protocol speed km/h; old-protocol speed knots (converted);
odometer km -> metres; an all-zero date gives no record. The catalogue
(types, alarm and event codes, status and IO bits, columns with keys, units
and scaling) is data in ``_catalogue.py``; an unknown type or code is kept as
``event`` and unknown status bits in ``status``, all counted in
``Decoded.unknown_items``.

Replies, to every frame: new ``$$0014AA<4 chars before the checksum><xor>``,
old ``ACK OK\\r\\n``; deferred when the frame yields a record.

Checksums: new = XOR of the bytes from ``$$`` to the checksum (2 hex); old =
CRC-16/MODBUS of the bytes from ``$$`` to the CRC (4 hex). Verified; a
mismatch is flagged (``checksum_ok=False``) or, with ``strict_checksum``,
raises ``ChecksumError``.

Resync policy: scan to the next ``$$`` (bytes before it are dropped); a bad
length field drops that ``$$`` with a non-fatal ``MalformedError``; a bad
frame raises a non-fatal ``MalformedError``. The stream is never closed.

Sources: fact sheet shared/protocols/totem.md; "Vehicle GPS Tracker AT09
Protocol" v2.43; AVL02 manual (GPRS format).
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import TotemConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import TotemDevice
from .framing import TotemFramer

__all__ = ["SPEC", "TotemConnection", "TotemDevice", "TotemFramer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp",),
    tcp_connection=TotemConnection,
    udp_connection=None,
    device=TotemDevice,
    summary="Totem / Istartek $$ AVL reports (new AT07/AT09 and old AVL02 layouts)",
)
