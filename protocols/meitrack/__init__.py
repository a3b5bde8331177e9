"""Meitrack (MVT100/340/380/600/800, T1, T3, T333, T366, T622, P88 ...) over TCP and UDP.

Wire format (fact sheet shared/protocols/meitrack.md; MEITRACK T622 and
T1/T333 GPRS protocol documents): ``$$<flag><length>,<IMEI>,<command>,<data>*hh\\r\\n``
from the device, ``@@`` from the server. The decimal length counts from the
first comma through the CR LF; ``hh`` is the byte sum (mod 256) from the
first ``$`` through the ``*``. Decoded: AAA/AFF text reports, CCC binary
buffers (0x34-byte records), CCE TLV buffers, D00 picture packets, AAC, and
device answers to commands (``commandResult`` events). The catalogue (event
codes, commands, CCE parameter ids, AAA columns) is data in ``_catalogue``;
CCE ids and AAA columns it lacks are kept as ``io<id>``/``io<column>`` and
counted in ``Decoded.unknown_items`` (with event codes it lacks).

Replies (echoing the frame's flag): CCC -> ``CCC,<records>`` and AFF ->
``AFF,<serial>`` (deferred until the records are committed); AAC ->
``AAC,1`` and D00 -> a request for the next packet (immediate). AAA and CCE
get no reply (Traccar does the same). Commands: ``encode.encode_command``.

Checksums: verified; a mismatch (or a frame without ``*hh``) is accepted with
``checksum_ok=False`` unless ``options.strict_checksum``. Identity: the IMEI
of each frame (no login message); the first frame sets ``Decoded.login``.
ADC scaling of AAA battery/power follows ``options.extra["model"]``
(MVT340/380, T1/T3/MVT100/600/800; default 1/100 V).

Resync policy: TCP frames are cut by their length; garbage before ``$$`` and
impossible headers are skipped to the next ``$$`` (non-fatal
``MalformedError``); frames are at most 32 KiB. UDP: one frame per datagram.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import MeitrackConnection, MeitrackUdpConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import MeitrackDevice
from .framing import MeitrackFramer

__all__ = ["SPEC", "MeitrackConnection", "MeitrackUdpConnection", "MeitrackDevice",
           "MeitrackFramer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp", "udp"),
    tcp_connection=MeitrackConnection,
    udp_connection=MeitrackUdpConnection,
    device=MeitrackDevice,
    summary="Meitrack MVT/T1/T3/T333/P88...: AAA text, CCC/CCE binary buffers, photos",
)
