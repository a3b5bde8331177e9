"""The watch (SeTracker / Beesure ``[MF*ID*LEN*...]``) catalogue, as data.

Sources (read for facts, not translated):
  * Beesure "GPS SeTracker Server Protocol" (www.4p-touch.com/beesure-gps-
    setracker-server-protocol.html, 2022/2023 revisions): envelope, ``LK``
    (``LK,<steps>,<tumbles>,<battery %>``, always answered), ``UD``/``UD2``
    (blind-spot upload)/``AL`` location block, ``TKQ``/``TKQ2`` voice queries,
    the terminal status word, and the server commands a watch confirms by
    echoing their keyword (``[3G*ID*LEN*UPLOAD]`` ...).
  * "Protocol for GPS Watch" (scribd 862550133): health messages ``heart``,
    ``bphrt``, ``oxygen``, ``btemp2``.
  * Traccar ``WatchProtocolDecoder`` (traccar/traccar, src/main): message
    names seen in the field (``UD3``, ``UD_LTE``, ``UD_WCDMA``, ``WT``,
    ``ALCUSTOMER1``, ``JXTK``, ``img``, ``pulse``, ``BLOOD``, ``TEMP``), the
    attribute keys and the status bit -> alarm order.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["MessageType", "MESSAGE_TYPES", "POSITION_PREFIXES", "COMMAND_ACKS", "Column",
           "POSITION_COLUMNS", "LINK_COLUMNS", "ALARM_BITS", "MOTION_BIT", "KNOWN_STATUS_BITS"]


class MessageType(NamedTuple):
    """``name``: TYPE (health types match in any case); ``record``: what it yields;
    ``reply``: the CONTENT answered, or None."""

    name: str
    record: str
    reply: str | None
    meaning: str


MESSAGE_TYPES: tuple[MessageType, ...] = (
    MessageType("LK", "status", "LK", "link keep-alive [,steps,tumbles,battery %]"),
    MessageType("INIT", "none", "INIT,1", "initialisation (phone, flag, firmware)"),
    MessageType("UD", "position", None, "location"),
    MessageType("UD2", "position", None, "blind-spot (buffered) location"),
    MessageType("UD3", "position", None, "location (newer firmware)"),
    MessageType("UD_LTE", "position", None, "location, LTE cells"),
    MessageType("UD_WCDMA", "position", None, "location, WCDMA cells"),
    MessageType("AL", "position", "AL", "alarm with location"),
    MessageType("ALCUSTOMER1", "position", "AL", "custom alarm with location"),
    MessageType("WT", "position", None, "location (WT firmware)"),
    MessageType("TKQ", "none", "TKQ", "voice channel query"),
    MessageType("TKQ2", "none", "TKQ2", "offline voice query"),
    MessageType("TK", "media", None, "voice message (AMR, escaped)"),
    MessageType("TK2", "media", None, "voice message (AMR, escaped)"),
    MessageType("JXTK", "media", "JXTKR,1", "voice file in parts"),
    MessageType("img", "media", None, "photo (JPEG)"),
    MessageType("heart", "health", None, "heart rate: heart,<bpm>"),
    MessageType("pulse", "health", None, "heart rate: pulse,<bpm>"),
    MessageType("bphrt", "health", None, "blood pressure: bphrt,<high>,<low>,<bpm>"),
    MessageType("blood", "health", None, "blood pressure: BLOOD,<high>,<low>"),
    MessageType("oxygen", "health", None, "SpO2: oxygen,<x>,<percent>"),
    MessageType("temp", "health", None, "temperature: TEMP,<deg C>"),
    MessageType("btemp2", "health", None, "body temperature: btemp2,<flag>,<deg C>"),
)
#: any TYPE starting with one of these carries the location block (UD..., AL..., WT...)
POSITION_PREFIXES = ("UD", "AL", "WT")

#: server commands the watch confirms by sending their keyword back (Beesure protocol,
#: section II); decoded as a ``commandResult`` event with ``result`` = the content
COMMAND_ACKS = frozenset((
    "UPLOAD", "CENTER", "SLAVE", "PW", "CALL", "SMS", "MONITOR", "SOS", "SOS1", "SOS2", "SOS3",
    "IP", "FACTORY", "LZ", "URL", "SOSSMS", "LOWBAT", "VERNO", "RESET", "CR", "BT", "WORK",
    "WORKTIME", "POWEROFF", "REMOVE", "REMOVESMS", "PEDO", "WALKTIME", "SLEEPTIME",
    "SILENCETIME", "FIND", "FLOWER", "PHB", "PHB2", "PHL", "MESSAGE", "REMIND", "PROFILE",
    "FALLDOWN", "HRTSTART", "BPHRTSTART",
))


class Column(NamedTuple):
    """One comma field: position after the TYPE, attribute key (None: read, not kept), unit."""

    index: int
    name: str
    key: str | None
    unit: str | None


#: the location block ``<ddmmyy>,<hhmmss>,<A|V>,<lat>,<N|S>,<lon>,<E|W>,...``; indices 0-10 go
#: to Position fields, the rest to attributes
POSITION_COLUMNS: tuple[Column, ...] = (
    Column(0, "date", "fix_time", "DDMMYY (UTC)"),
    Column(1, "time", "fix_time", "HHMMSS (UTC)"),
    Column(2, "validity", "valid", "A | V"),
    Column(3, "latitude", "lat", "signed decimal degrees"),
    Column(4, "latitude hemisphere", "lat", "N | S | empty"),
    Column(5, "longitude", "lon", "signed decimal degrees"),
    Column(6, "longitude hemisphere", "lon", "E | W | empty"),
    Column(7, "speed", "speed_kmh", "km/h"),
    Column(8, "course", "course_deg", "degrees"),
    Column(9, "altitude", "altitude_m", "m (may be negative)"),
    Column(10, "satellites", "satellites", None),
    Column(11, "GSM signal", "rssi", "0-100"),
    Column(12, "battery", "batteryLevel", "%"),
    Column(13, "steps", "steps", None),
    Column(14, "tumbles", None, "count (sleep tumbling; no Traccar key)"),
    Column(15, "status", "alarm", "8 hex digits, ALARM_BITS / MOTION_BIT"),
)
#: ``LK,<steps>,<tumbles>,<battery %>``
LINK_COLUMNS: tuple[Column, ...] = (
    Column(0, "steps", "steps", None),
    Column(1, "tumbles", None, "count (no Traccar key)"),
    Column(2, "battery", "batteryLevel", "%"),
)

#: status word bit -> alarm; the first set bit in this order wins (Traccar's order)
ALARM_BITS = ((0, "lowBattery"), (1, "geofenceExit"), (2, "geofenceEnter"), (14, "powerCut"),
              (16, "sos"), (17, "lowBattery"), (18, "geofenceExit"), (19, "geofenceEnter"),
              (20, "removing"), (21, "fallDown"), (22, "fallDown"))
#: status word bit -> ``motion`` true
MOTION_BIT = 4
#: every bit the catalogue knows; others set in a status word are kept (``status``) and counted
KNOWN_STATUS_BITS = frozenset(b for b, _ in ALARM_BITS) | {MOTION_BIT}
