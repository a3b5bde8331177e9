"""GT06 (Concox / Jimi IoT and clones), Traccar name ``gt06``, TCP port 5023.

Wire format: ``78 78 LL type content serial(2) CRC(2) 0D 0A`` (``79 79 LLLL ...``
for long messages); LL counts type through CRC. CRC-16/X-25 over length..serial,
big-endian. Login 0x01 carries the IMEI (BCD, leading nibble dropped), model
code and optionally a time-zone word; location, status and alarm messages are
acknowledged with ``78 78 05 type serial CRC 0D 0A`` once stored.

Sources: shared/protocols/gt06.md (fact sheet), Concox/Jimi protocol documents;
variants were told apart from the shape of real device frames.

Resync: the framer trusts the length; if ``0D 0A`` is not where it points it
cuts at the first ``0D 0A`` (variable-length Wi-Fi frames with length 0).
Bytes before a ``78 78``/``79 79`` marker are skipped silently and counted in
``Gt06Framer.skipped``; a header announcing more than ``max_frame_size`` is
skipped the same way. Frames before login yield no records and no reply
(except the time request 0x8A). Dates are taken as UTC; the login's
time-zone word is kept in ``Gt06Connection.login_utc_offset_min`` only
(Traccar applies it when no zone is configured; the devices seen so far send
UTC).
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import Gt06Connection
from .device import Gt06Device
from .framing import Gt06Framer

__all__ = ["SPEC", "Gt06Connection", "Gt06Device", "Gt06Framer"]

SPEC = ProtocolSpec(
    name="gt06",
    default_port=5023,
    transports=("tcp",),
    tcp_connection=Gt06Connection,
    udp_connection=None,
    device=Gt06Device,
    summary="Concox/Jimi GT06 binary protocol (78 78 / 79 79 frames, CRC-16/X-25)",
)
