"""The whole catalogue of what Traccar's ``t55`` family sends, as data.

Sources: NMEA 0183 sentence layouts (pynmea2's field tables: RMC, GGA, GLL,
RMA); u-blox "NMEA PUBX,00" (u-blox 6/7/8 receiver description); Traccar's
``T55ProtocolDecoder`` (identity sentences, the T55 RMC extension, TRCCR,
GPIOP, QZE, WMCS ``$ID``, GPTXT NET: attribute keys and units); the fact
sheet shared/protocols/t55.md.

Each table is read by the decoders (``_standard.py``, ``_vendor.py``) and by
the tests (tests/protocols/test_nmea_catalogue.py), so a row added here is
decoded and tested without another line of code.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = [
    "Column", "SENTENCES", "IDENTITY_ONLY", "T55_COLUMNS", "T55_FIRST_PARAMETER",
    "GPIOP_COLUMNS", "QZE_COLUMNS", "GPTXT_NET_COLUMNS", "WMCS_TAGS", "UNKNOWN_KEY",
]


class Column(NamedTuple):
    """One report column: its index, Traccar attribute key, value kind, unit."""

    index: int
    key: str
    #: "int", "float", "number" (int or float as written), "bool01", "bits", "hex"
    kind: str
    unit: str = ""


#: address (without talker for the standard ones) -> what it yields.
#: "position": a located fix; "event": an event without location;
#: "identity": only the device id; "ignored": receiver chatter, no record.
SENTENCES: Final[dict[str, str]] = {
    "RMC": "position",      # recommended minimum: time, date, validity, lat/lon, knots, course
    "GGA": "position",      # fix data: time, lat/lon, quality, satellites, HDOP, altitude (m)
    "GLL": "position",      # lat/lon, time, status
    "RMA": "position",      # Loran-C/GPS: status, lat/lon, knots, course; no time
    "PUBX": "position",     # u-blox PUBX,00 (other PUBX ids: ignored)
    "TRCCR": "position",    # yyyyMMddhhmmss.sss, A/V, decimal lat/lon, knots, course, alt, battery
    "QZE": "position",      # QZE,imei,event,ddmmyyyy,hhmmss,lat,lon,km/h,course,A/V,ignition
    "ID": "position",       # WMCS: tagged fields after GPSE?
    "GPIOP": "event",       # inputs, outputs, adc1..4, power, battery
    "GPTXT": "event",       # NET,lac,cid,rssi,mcc mnc (other GPTXT: ignored)
    "PGID": "identity", "DEVID": "identity", "PCPTI": "identity", "IMEI": "identity",
    "PSIWMDID": "identity", "CONNECT": "identity", "GPFID": "identity",
}

#: identity sentences (field 0 is the id; DEVID's may be written 0x<hex>)
IDENTITY_ONLY: Final = frozenset(k for k, v in SENTENCES.items() if v == "identity")

#: the T55 extension after an RMC's checksum: ``,sats,imei,ign,fuel,battery,p1,p2...``
T55_COLUMNS: Final[tuple[Column, ...]] = (
    Column(0, "sat", "int"),
    Column(1, "imei", "id"),
    Column(2, "ignition", "bool01"),
    Column(3, "fuel", "number", "%"),
    Column(4, "battery", "number", "V"),
)
#: from this tail index on, each value is kept as ``io<n>`` (n = 1, 2, ...)
T55_FIRST_PARAMETER: Final = 5

#: $GPIOP,inputs,outputs,adc1,adc2,adc3,adc4,power,battery (bit strings: char i = bit i-1)
GPIOP_COLUMNS: Final[tuple[Column, ...]] = (
    Column(0, "input", "bits"),
    Column(1, "output", "bits"),
    Column(2, "adc1", "float", "V"),
    Column(3, "adc2", "float", "V"),
    Column(4, "adc3", "float", "V"),
    Column(5, "adc4", "float", "V"),
    Column(6, "power", "float", "V"),
    Column(7, "battery", "float", "V"),
)

#: QZE columns after the position block (index in the fields after "QZE")
QZE_COLUMNS: Final[tuple[Column, ...]] = (
    Column(1, "event", "int"),
    Column(9, "ignition", "bool01"),
)

#: $GPTXT,NET,lac(hex),cid(hex),rssi(dBm),"mcc mnc"
GPTXT_NET_COLUMNS: Final[tuple[Column, ...]] = (
    Column(1, "lac", "hex"),
    Column(2, "cid", "hex"),
    Column(3, "rssi", "int", "dBm"),
)

#: WMCS $ID tags after GPSE?,A|V -> number of values they take
WMCS_TAGS: Final[dict[str, int]] = {
    "D": 1,    # date ddmmyy
    "T": 1,    # time hhmmss
    "S": 1,    # satellites used:visible -> satellites, satVisible
    "La": 2,   # latitude (decimal degrees), N|S
    "Lo": 2,   # longitude (decimal degrees), E|W
    "H": 1,    # heading (degrees)
    "V": 1,    # speed (km/h)
}  # any other tag (``DD``...) takes one value, kept as ``io<tag>``

#: the generic key of what a table lacks: ``io<index or tag>``
UNKNOWN_KEY: Final = "io{}"
