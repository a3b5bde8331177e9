"""Teltonika (FMB, FMC, FMM, FMT, TAT, GH ...): Codec 8, 8 Extended, 16, 7, 12, 13, 14.

Wire format (binary, big-endian; fact sheet shared/protocols/teltonika.md,
Teltonika "Data Sending Protocols" wiki):

TCP
    handshake  ``000F`` + 15 ASCII digits; we answer ``01`` (accepted) or
               ``00`` (refused by the gateway's allow-list).
    ping       a single ``FF`` byte; no answer.
    AVL packet ``00000000`` | data length N (4) | data (N) | CRC field (4:
               ``0000`` + CRC-16/ARC of the data). We answer the number of
               records, 4 bytes big-endian, after the records are committed.
UDP
    ``LLLL`` | packet ID (2) | packet type (1) | AVL packet ID (1) | IMEI
    length (2) | IMEI | data, with no preamble and no CRC. We answer
    ``0005`` | packet ID | ``01`` | AVL packet ID | record count (1).
Data part
    codec ID | count | records | count. Codec 8/8E/16 records carry a
    millisecond UTC timestamp, priority, longitude, latitude (1e-7 degrees),
    altitude (m), angle, satellites, speed (km/h) and IO elements. The FMB
    AVL ID list is data in ``_catalogue.py`` (key, size, type, multiplier,
    unit per ID; alarms; BLE beacon lists in ``_ble.py``); an ID outside it,
    or sent with another value size than the catalogue's (another model's
    element), stays ``io<ID>`` raw and is counted in ``Decoded.unknown_items``.
    Codec 7 (GH3000) uses masks and float coordinates. Codec 12/13/14 carry
    command text: they become ``commandResult`` events and get no count reply.

Checksums: CRC-16/ARC verified; a mismatch is accepted with
``Decoded.checksum_ok=False`` unless ``options.strict_checksum``.

Resync policy: none. A TCP stream that cannot be framed raises
``FramingError`` (fatal: close); the device reconnects and resends what it
did not see acknowledged. A framed packet whose content is cut short raises
``MalformedError`` (non-fatal).

Identity: AVL packets before the handshake yield no records and no reply
unless the connection was built with ``device_id``.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import TeltonikaConnection, TeltonikaUdpConnection
from .constants import Codec
from .device import TeltonikaDevice
from .framing import TeltonikaFramer

__all__ = ["SPEC", "Codec", "TeltonikaConnection", "TeltonikaUdpConnection", "TeltonikaDevice",
           "TeltonikaFramer"]

SPEC = ProtocolSpec(
    name="teltonika",
    default_port=5027,
    transports=("tcp", "udp"),
    tcp_connection=TeltonikaConnection,
    udp_connection=TeltonikaUdpConnection,
    device=TeltonikaDevice,
    summary="Teltonika FMB/FMC/FMM/TAT trackers: Codec 8, 8E, 16, 7, 12, 13 over TCP and UDP",
)
