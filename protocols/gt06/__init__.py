"""GT06 (Concox / Jimi IoT and clones), Traccar name ``gt06``, TCP port 5023.

Wire format: ``78 78 LL type content serial(2) CRC(2) 0D 0A`` (``79 79 LLLL ...``
for long messages); LL counts type through CRC. CRC-16/X-25 over length..serial,
big-endian (not required to verify: devices and hand-edited frames carry wrong
ones; ``checksum_ok`` reports it, strict mode rejects). Login 0x01 carries the
IMEI (BCD, leading nibble dropped), model code and optionally a time-zone word;
location, status and alarm messages are acknowledged with ``78 78 05 type serial
CRC 0D 0A`` once stored.

Catalogue (constants.py, _catalogue.py; sources named there): every protocol
number of Concox's JM-VL03 / GT06N documents and of the other vendors' variants
Traccar knows, the complete alarm byte table, terminal information bits, voltage
and GSM levels, upload modes, 0x94 sub-types, 0x95 camera events, 0x70 / 0x36 /
0x37 modules, 0xF1 items, 0x8C OBD PIDs. Items a table lacks are kept as
``io<id>`` / ``info<sub-type>`` / ``obd<pid>`` / ``event`` and counted in
``Decoded.unknown_items``. Vendor layouts sharing a protocol number are picked by
their fixed content length (_variants.py); alarm names that differ by model
family (LW, SEEWORLD, VL103, R11) need ``Gt06Connection(model=...)`` or
``set_model(name)`` once the device is known (the gateway looks the model up
after the login); the device does not say it.

Times: device dates are read in the zone of the login's time-zone word when it
sent one (else UTC); unix and BCD times are UTC. A GPS block whose date is no
date or whose coordinates are out of range gives an Event at the server time.

Resync: the framer trusts the length; if ``0D 0A`` is not where it points it
cuts at the first ``0D 0A`` (variable-length Wi-Fi frames with length 0).
Bytes before a ``78 78``/``79 79`` marker are skipped silently and counted in
``Gt06Framer.skipped``; a header announcing more than ``max_frame_size`` is
skipped the same way. Frames before login yield no records and no reply
(except the time request 0x8A) unless the session was given a device id.
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
