"""JT/T 808 (China road-transport terminal protocol), Traccar name ``jt808``
(formerly ``huabao``), TCP port 5015.

Wire format: ``7E <escaped content> 7E``; inside, ``7D 02`` stands for
``7E`` and ``7D 01`` for ``7D``. Content: message id u16, properties u16 (bits
0-9 body length, 10-12 encryption, 13 sub-packets, 14 the 2019 version flag),
[version u8], terminal id (6 BCD; 10 BCD in the 2019 format), serial u16,
body, XOR of everything before it. The alternative framing ``E7 ... E7``
(escapes ``E6 01/E6 02/3E 01/3E 02``, 7-byte terminal id) is accepted and
answered in kind. Terminals register (0x0100 -> 0x8100 with an
authentication code), authenticate (0x0102) and send heartbeats (0x0002), all
answered at once; location reports and every other catalogued upload are
answered with the general response 0x8001 after the commit. Times are BCD
``YYMMDDhhmmss`` in the terminal's zone, GMT+8 unless
``options.extra["utc_offset_min"]`` says otherwise (accepted forms: _location.py).

Catalogue (as data): the JT/T 808-2019 message table with the JT/T 1078 and
vendor messages (constants.MESSAGES), the 32 alarm bits and status bits
(constants), the additional-information items of a location report with
their keys, units and scaling (_catalogue.ITEMS; inner vendor tables in
_vendor.py and _transparent.py). Items the catalogue does not know are kept
as ``io<id>`` and counted in ``Decoded.unknown_items``.

Identity: the terminal id's digits without leading zeros (binary ids: the
48-bit number plus a Luhn digit). A frame whose id is all zeros, and the
ASCII ``( ... )`` messages, belong to the session's device.

Sources: JT/T 808-2013 and JT/T 808-2019 (message tables, location basic
information, additional items), JT/T 1078-2016, the active-safety alarm
items (T/JSATL 12-2017), shared/protocols/jt808.md, and Traccar's
Jt808ProtocolDecoder / Jt808FrameDecoder (read for ids, keys and scaling).

Resync: bytes before ``7E``, ``E7`` or ``(`` are skipped; an unterminated
frame longer than ``max_frame_size`` closes the connection. Checksums are
verified and a mismatch is accepted and flagged (``strict_checksum`` rejects it).
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import Jt808Connection
from .device import Jt808Device
from .framing import Jt808Framer

__all__ = ["SPEC", "Jt808Connection", "Jt808Device", "Jt808Framer"]

SPEC = ProtocolSpec(
    name="jt808",
    default_port=5015,
    transports=("tcp",),
    tcp_connection=Jt808Connection,
    udp_connection=None,
    device=Jt808Device,
    aliases=("huabao",),
    summary="JT/T 808 (2013/2019) binary protocol (7E frames, 7D escapes, XOR)",
)
