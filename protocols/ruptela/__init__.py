"""Ruptela (FM-Eco/Pro/Tco, Trace, HCV, Plug ...): binary records over TCP.

Wire format (big-endian; fact sheet shared/protocols/ruptela.md, Ruptela
"device protocol" v1.103 and "FM Pro, FM Eco & FM Tco Protocols" v1.67):

    length (2) | IMEI (8, integer) | command (1) | data | CRC-16/KERMIT (2)

The length counts IMEI through data; the CRC covers the same bytes. The IMEI
is printed as 15 digits with leading zeros. Commands: 1 records, 68 extended
records (2-byte event and IO IDs, merged records), 9 DTC codes, 15
identification, 16 heartbeat, 36 driver registration (card tracks), 37 files,
2/3/4/7/8 text answers, 5/6/17 status answers (``_catalogue.Command``).
Records: Unix-second UTC time, longitude then latitude (1e-7 degree),
altitude 0.1 m, angle 0.01 degree, speed km/h, HDOP 0.1, IO groups of 1, 2, 4
and 8-byte values. IO IDs are data in ``_catalogue.IO_IDS`` (key, kind,
multiplier, unit, alarms); others stay ``io<ID>`` raw and are counted in
``Decoded.unknown_items``. A record with longitude and latitude both
0x80000000 has no fix: it is kept invalid at the session's last location
(0, 0 before any) with its IO attributes, as Traccar does.

Replies (server packets ``length | 100 + command | data | CRC``): records and
DTC packets get ``00 02 64 01 13 BC`` / ``00 02 6D 01 C4 A4`` and driver
registrations ``00 02 88 01 53 85`` after the commit (``defer_reply``); identification and heartbeat get their fixed ACK at once;
file parts get a request for the next part; text answers get nothing.

Checksums: CRC-16/KERMIT verified; a mismatch is accepted with
``Decoded.checksum_ok=False`` unless ``options.strict_checksum``.

Resync policy: none. A length out of range (under 9 or a frame over 1024
bytes) raises ``FramingError`` and the connection closes; the device
reconnects and resends what it did not see acknowledged.

Identity: every packet carries the IMEI; the first packet of a session (and a
packet with another IMEI) sets ``Decoded.login``.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import RuptelaConnection
from .constants import Command
from .device import RuptelaDevice
from .framing import RuptelaFramer

__all__ = ["SPEC", "Command", "RuptelaConnection", "RuptelaDevice", "RuptelaFramer"]

SPEC = ProtocolSpec(
    name="ruptela",
    default_port=5046,
    transports=("tcp",),
    tcp_connection=RuptelaConnection,
    device=RuptelaDevice,
    summary="Ruptela FM-Eco/Pro/Tco, Trace, HCV: records (1), extended records (68), DTC over TCP",
)
