"""Kids' / senior GPS watches (SeTracker / Beesure ``[MF*ID*LEN*...]``), Traccar name ``watch``,
TCP port 5093.

Wire format: ``[<MF>*<ID>*<LEN>*<CONTENT>]`` or, ZJ-style, with an index:
``[<MF>*<ID>*<IDX>*<LEN>*<CONTENT>]`` (told apart by two 4-hex-digit fields
before the content). MF is the manufacturer code (3G, SG, CS, ZJ ...), ID the
device id (10 digits or the IMEI) and the identity on every frame; LEN (hex)
is not trusted. CONTENT is ``<TYPE>[,<data>]``. Binary content (voice,
photos) is escaped: ``7D 01..05`` = ``} [ ] , *``.

Decoded: ``UD``/``UD2``/``UD3``/``UD_LTE``/``UD_WCDMA``/``WT..`` positions and
``AL..`` alarm positions (date, time, validity, signed decimal degrees with
optional hemisphere letters, km/h, course, altitude, satellites, ``rssi``,
``batteryLevel``, ``steps``; status word -> ``alarm`` (first of lowBattery,
geofenceExit, geofenceEnter, powerCut, sos, lowBattery, geofenceExit,
geofenceEnter, removing, fallDown), bit 4 -> ``motion``; AL without one is
``general``); ``LK,<steps>,<tumbles>,<battery>`` -> a ``status`` event;
health (heart/pulse, bphrt/blood, oxygen, TEMP, btemp2; any case) ->
``health`` events stamped with the server's ``now``; ``JXTK`` (last part),
``TK``/``TK2`` voice and ``img`` photos -> ``media`` events (the bytes are not
kept); the keywords of server commands a watch echoes back (``UPLOAD``, ``CR``
...) -> ``commandResult`` events. Times are taken as UTC. Cells and Wi-Fi lists
are not kept. The whole catalogue (types, columns, status bits, command
confirmations) is data in ``_catalogue.py``; status bits outside it keep the
word as ``status`` and count in ``Decoded.unknown_items``.

Replies (same MF, ID and IDX as the frame; len = 4 lowercase hex digits):
LK -> ``LK``, AL.. -> ``AL``, INIT -> ``INIT,1``, TKQ/TKQ2 -> the same,
JXTK -> ``JXTKR,1``; deferred until commit when the frame yields records,
immediate otherwise. No checksum.

Resync policy: bytes before ``[`` are skipped (counted); a frame ends at the
``]`` that closes its first ``[`` (bracket depth); an invalid escape drops
that ``[`` (non-fatal) and scanning resumes; a frame open beyond
``max_frame_size`` (32 KiB) closes the connection.

Sources: shared/protocols/watch.md (fact sheet); Beesure "GPS SeTracker
server protocol" (frame format, LK must be answered).
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import WatchConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import WatchDevice
from .framing import WatchFramer

__all__ = ["SPEC", "WatchConnection", "WatchDevice", "WatchFramer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp",),
    tcp_connection=WatchConnection,
    udp_connection=None,
    device=WatchDevice,
    summary="GPS watches (SeTracker '[SG*id*len*UD,...]', 3G/CS/ZJ variants)",
)
