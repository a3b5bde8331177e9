"""Wialon IPS v1.1 and v2.0 (Gurtam's open text protocol; Traccar's ``wialon``),
port 5039, TCP and UDP.

Wire format: ``#<TYPE>#<msg>\\r\\n``. TCP sessions open with the login
``#L#<imei>;<password>`` (v1.1) or ``#L#2.0;<imei>;<password>;<CRC16>``
(v2.0); later packets carry no id. UDP datagrams carry the id in front:
``<imei>#SD#...`` (v1.1) or ``2.0;<imei>#D#...;<CRC16>`` (v2.0).
Packets: ``SD`` (date;time;lat;N/S;lon;E/W;speed km/h;course;height;sats),
``D`` (SD + hdop;inputs;outputs;adc;ibutton;params, possibly cut after
sats), ``B`` (``|``-separated SD/D bodies, each record ``archive``),
``P`` ping, ``M`` driver message; I / IT / T (snapshot, tachograph files) are
catalogued but not decoded (``UnknownMessage``). ``NA`` (or empty) = no value:
no date and time -> ``now``; no coordinates -> the session's last location
(``outdated``, not valid) or, before any, an ``Event`` (``status``).
valid = satellites >= 3. Params ``NAME:TYPE:VALUE``: lowercased names, TYPE
1 int, 2 double, 3 string, ``true``/``false`` as booleans; ``bat`` ->
``batteryLevel``, ``temp`` -> ``deviceTemp``; unknown TYPEs, stray items and
columns after params are kept and counted (``unknown_items``). Catalogue:
``constants.PACKET_TYPES``, ``PARAM_TYPES``, ``PARAMS``, ``BODY_COLUMNS``.

Answers (see connection.py): ``#AL#1``/``#AL#0``, ``#ASD#1``, ``#AD#1``,
``#AB#<n>`` (n = records decoded, as the specification says; Traccar counts
the CRC item too), ``#AP#``, ``#AM#1``; field errors get the specification's
codes. Record answers are deferred until the records are committed.

Checksum (v2.0): CRC-16/ARC of the message after ``#TYPE#`` through the
``;`` (``|`` for B) before the 4 hex digits. Verified when present; a
mismatch is flagged (``checksum_ok=False``) or, with ``strict_checksum``,
raises ``ChecksumError``.

Resync policy: per line (``LineFramer``, 32 KiB): a bad line raises a
non-fatal ``ProtocolError`` and decoding goes on; the stream is never closed.

Sources: fact sheet shared/protocols/wialon.md; "Wialon IPS v.1.1" and
"Wialon IPS v.2.0" communication protocol documents (Gurtam).
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import WialonConnection, WialonUdpConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import WialonDevice
from .framing import WialonFramer

__all__ = ["SPEC", "WialonConnection", "WialonUdpConnection", "WialonDevice", "WialonFramer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp", "udp"),
    tcp_connection=WialonConnection,
    udp_connection=WialonUdpConnection,
    device=WialonDevice,
    summary="Wialon IPS 1.1 / 2.0 text packets (#L#, #SD#, #D#, #B#, #P#, #M#)",
)
