"""GT02 (Concox GT02/GT02A and clones, early ``68 68`` binary trackers),
Traccar name ``gt02``, TCP port 5022.

Wire format: ``68 68 | length u8 | power u8 | GSM u8 | terminal id (8 BCD,
leading 0 + IMEI) | serial u16 | protocol u8 | content | 0D 0A``; the length
counts power through content. No checksum, no login message: every frame
carries the IMEI. Protocol 0x10 location (binary date, coordinates in
1/30000 minute with hemispheres in the status bits, UTC), 0x1A heartbeat
(answered with ``54 68 1A 0D 0A``), 0x1C answer to a server command (text).
Every record carries the frame serial as ``index``.

Sources: "GT02 Communication Protocol" (vendor document),
shared/protocols/gt02.md.

Resync: bytes before a ``68 68`` marker are skipped (``Gt02Framer.skipped``);
frames are cut by their length only, so a frame never exceeds 260 bytes.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import Gt02Connection
from .device import Gt02Device
from .framing import Gt02Framer

__all__ = ["SPEC", "Gt02Connection", "Gt02Device", "Gt02Framer"]

SPEC = ProtocolSpec(
    name="gt02",
    default_port=5022,
    transports=("tcp",),
    tcp_connection=Gt02Connection,
    udp_connection=None,
    device=Gt02Device,
    summary="Concox GT02 binary protocol (68 68 frames, no checksum)",
)
