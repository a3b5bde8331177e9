"""GPS056 (``$$LL<TYPE>_<nn><IMEI>...#`` trackers), Traccar name ``gps056``, TCP port 5141.

Wire format: ``$$`` | LL (two ASCII digits: the bytes after them up to, not
including, the final ``#``) | type (4 letters + ``_`` + 2 characters) | IMEI
(15 ASCII digits) | body | ``#``. ``LOGN`` login (text body), ``GPSL`` position
(binary body: date, time, ddmm coordinates with hemisphere letters, speed,
course, status block, two echo bytes), ``SYNC`` status block. The server
answers in ASCII: ``*LGSA_xx<IMEI>1#`` (at once), ``*GPSA_xx<IMEI><echo>#`` and
``*SYSA_xx<IMEI>#`` (after the commit). No checksum. Times are UTC.

Sources: shared/protocols/gps056.md (no vendor document found).

Resync: frames are cut by their length (bodies may contain ``$`` and ``#``);
bytes before a ``$`` are skipped, and a candidate ``$$`` whose length is not
two digits or whose frame does not end in ``#`` is skipped byte by byte
(``Gps056Framer.skipped``). A frame never exceeds 104 bytes.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import Gps056Connection
from .device import Gps056Device
from .framing import Gps056Framer

__all__ = ["SPEC", "Gps056Connection", "Gps056Device", "Gps056Framer"]

SPEC = ProtocolSpec(
    name="gps056",
    default_port=5141,
    transports=("tcp",),
    tcp_connection=Gps056Connection,
    udp_connection=None,
    device=Gps056Device,
    summary="GPS056 $$LL text/binary protocol (LOGN, GPSL, SYNC)",
)
