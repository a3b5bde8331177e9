"""TK103: the bracketed ``(...)`` text protocol of TK103/TK102 OEMs over TCP and UDP (Traccar's ``tk103``).

Wire format: ASCII frames ``(`` ... ``)``; free text is wrapped in ``$...$``
and may contain ``)``. No checksum. Two families share the port:

- fixed-ID form ``(<ID><CMD:4><body>)`` (ID: the digits before the command
  word, usually 12; 11-digit and 15-digit IDs occur): BP00 handshake, BP05
  login (15-digit IMEI, then a position), BR00 position, BO01 alarm (one
  digit, then a position), BQ81 alarm (``,ALARM,<n>,<x>,`` then a position),
  BZ00 cell, BV00 VIN, BS50/BS51 battery-pack data (kept raw: ``bmsData``,
  ``bms<key>`` hex strings). The position body is
  ``<yymmdd><A|V><lat ddmm.mmmm><N|S><lon dddmm.mmmm><E|W><speed:5 km/h>
  <hhmmss UTC><course:6>[<status:8>][L<odometer hex>]``; status -> charge,
  ignition, in2, panic, out2, blocked, hs1-3, door, ls1-3, fuel;
- comma form ``(<IMEI>,<CMD>,<ddmmyy>,<A|V>,<lat><N|S>,<lon><E|W>,<speed km/h>,
  <hhmmss>,<course>[,...])`` with CMD ZCnn/DWnn (alarms and ignition from the
  code), plus ZC20 battery, ZC03 command result and DW5x cells/Wi-Fi (an Event:
  no location is invented for them);
- a body holding ``{mcc,mnc,lac,cid}`` lists -> a ``network`` Event (serving
  cell, ``cellCount``, ``odometer`` from the 8 trailing hex digits).
Other commands (e.g. BQ86) become an ``UnknownMessage``: no record, no reply.

Replies (plain ASCII, also on UDP): BP00 -> ``(<ID>AP01HSO)`` at once, no
record; BP05 -> ``(<ID>AP05)`` with ``login``, deferred until its position is
committed. Comma-form messages get no reply. Identity: each message's ID
(a new ID sets ``login``); a 12-character alphanumeric ID before a command
word is accepted; a frame that omits its ID (``(BR00...)``, ``(,ZC11,...)``)
belongs to the session's device (before any identity it is malformed).

Catalogue (``_catalogue.py``): command words, BO01/BQ81 alarm codes, ZC/DW
words, status bits, comma-form columns after the course (altitude m,
satellites). What the tables lack is kept: ``io<index>`` for extra comma
fields, ``ioBO01``/``ioBQ81`` for unknown alarm codes, ``ioTail`` for text
after the fixed body; counted in ``Decoded.unknown_items``. A catalogued
command answer without a position is a ``commandResult`` event; a DW5x that
carries a fix is a position.

Resync policy: bytes before ``(`` are dropped; a buffer without ``(`` is
discarded; more than 1024 bytes without a complete frame -> skip to the next
``(`` with a non-fatal ``MalformedError``. A bad frame raises a non-fatal
``ProtocolError``; the stream is never closed by this protocol.

Sources: fact sheet shared/protocols/tk103.md (a reading of Traccar's Tk103
decoders), "GPS Tracker TK103 Protocol" (frame, serial/ID, command word,
BP05 body and the I/O state field).
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import Tk103Connection, Tk103UdpConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import Tk103Device
from .framing import Tk103Framer

__all__ = ["SPEC", "Tk103Connection", "Tk103UdpConnection", "Tk103Device", "Tk103Framer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp", "udp"),
    tcp_connection=Tk103Connection,
    udp_connection=Tk103UdpConnection,
    device=Tk103Device,
    summary="TK103 bracketed '(<ID>BR00...)' text frames (BP00 -> AP01HSO, BP05 -> AP05)",
)
