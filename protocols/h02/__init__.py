"""H02 (Sinotrack ST-90x and many "HQ" trackers), Traccar name ``h02``, port 5013, TCP and UDP.

Wire format, two encodings told apart by the first byte:

* text ``*<MF>,<id>,<type>,...#`` (MF any two characters: HQ, TH, hq ...).
  V1 (and V2, V5, V6, V8, V19, VI1, ``V4,<command>,...`` answers):
  ``<hhmmss>,<A|V>,<DDMM.MMMM>,<N|S>,<DDDMM.MMMM>,<E|W>,<knots>,<course>,
  [<battery>,]<ddmmyy>,<status 8 hex>[,<tail>]``; coordinates also as
  ``-DD-MM.MMMM`` and ``DDMMmmmm``; an empty time/date is the server's
  ``now``; a V1 with no coordinates (no fix yet) yields nothing. VP1 (date
  only, or cells), NBR/V3 (cells: a ``network`` event), LINK (GSM, sats,
  battery, steps: a ``status`` event), SMS (a ``commandResult`` event),
  V0/HTBT heartbeats. The status word is active-low: ``alarm`` vibration
  (bit 0), sos (bits 1, 18), overspeed (2), powerCut (19); ``ignition`` is
  bit 10. The tail after the status is odometer, temperature, fuel,
  altitude, LAC, CID, or free fields kept as ``io1``, ``io2`` ... strings.
* binary ``$``: 32 bytes (5-byte BCD id), 45 bytes (long form, the extra
  bytes ignored) or 42 bytes (8-byte BCD id, 15-digit IMEI); BCD time, date,
  DDMM.MMMM latitude, battery byte, DDDMM.MMMM longitude + flag nibble
  (valid 0x2, north 0x4, east 0x8), knots and course, status word.
  ``X`` frames (32 bytes) are framed and reported as unknown.

Times are UTC; speeds are knots on the wire (converted to km/h). No checksum.

Catalogue (``_catalogue.py``): message types, the status-word alarm bits in
Traccar's order and flags, the sensor tail, LINK columns. The whole status
word is kept as ``status``; free tail fields are ``io<n>`` and counted in
``Decoded.unknown_items``. Validity: ``A`` valid, a number (coding scheme)
valid, V/B/empty invalid; VP1's ``A`` and ``B`` both mean a fix. HTBT with a
battery field -> a ``status`` event (``batteryLevel``); NBR/V3/VP1 keep the
serving cell (``lac``, ``cid``, ``cellCount``); V3 its raw ``battery``.

Replies: V1 -> ``*HQ,<id>,V4,V1,<yyyyMMddHHmmss>#``, NBR ->
``*HQ,<id>,V4,NBR,<...>#`` (deferred until the records commit); V0/HTBT ->
the echo ``*HQ,<id>,HTBT#`` (immediate); with ``extra["ack"]`` other
positions (text and binary) -> ``*HQ,<id>,R12,<HHmmss>#``.

Resync policy: bytes that cannot start a frame are skipped (counted); a
``*`` with no ``#`` within 2048 bytes is dropped (non-fatal MalformedError)
and scanning resumes. The ``$`` size is ``extra["message_length"]`` or
guessed once per connection. Never closes the stream itself.

Sources: shared/protocols/h02.md (fact sheet); SinoTrack "TQ GPRS transport
protocol" (scribd.com/document/384157131: V1/V4 layouts, knots with two
decimals, empty speed/direction mean 0, active-low vehicle status).
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import H02Connection, H02UdpConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import H02Device
from .framing import H02Framer

__all__ = ["SPEC", "H02Connection", "H02UdpConnection", "H02Device", "H02Framer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp", "udp"),
    tcp_connection=H02Connection,
    udp_connection=H02UdpConnection,
    device=H02Device,
    summary="H02 / Sinotrack '*HQ,...#' text and '$' BCD binary reports",
)
