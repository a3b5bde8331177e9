"""The Totem / Istartek catalogue, as data: message types, alarm and event
codes, status and IO bits, report columns with keys, units and scaling.

Sources (read for facts, not translated):
  * Totem "Vehicle GPS Tracker AT09 Protocol" v2.43 (scribd 471908056):
    new protocol ``$$0<len:3><type><IMEI>|...``, alarm code list (the type),
    vehicle status word, RFID (E2) and OBD (E5) strings, the ``$$0014AA``
    acknowledgement.
  * "AVL02 User Guide" v1.5, section 3 (GPRS format): the old ``$GPRMC``
    layout, alarm types 0x01-0xAA (IO close/open, charge begin/end,
    heartbeat, sleep, wake-up, interval data), Voltage ``ABBBIIII``, ADC,
    LACCI, Temperature ``STTT``, serial, CRC-16/MODBUS.
  * Traccar ``TotemProtocolDecoder`` (traccar/traccar, src/main): attribute
    keys, the status bits it reads (numbered 32-n there), the Old-1/Old-2 IO
    string bits, Old-3 column widths, E5 column order.

Items outside the catalogue are kept: an unknown type or alarm code as
``event`` (its two hex digits), status bits outside ``STATUS_BITS`` in the
whole ``status`` word; each counts in ``Decoded.unknown_items``.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["NewType", "NEW_TYPES", "NEW_ALARMS", "STATUS_BITS", "STATUS_ALARMS", "STATUS_FLAGS",
           "STATUS_GPS_VALID", "STATUS_GPS_VALID_WITH_TEMP2", "KNOWN_STATUS_MASK", "Column",
           "NEW_COLUMNS", "OBD_COLUMNS", "OldCode", "OLD_CODES", "OLD_ALARMS", "OLD_EVENTS",
           "OLD1_IO", "OLD2_IO", "OLD1_COLUMNS", "OLD2_COLUMNS", "OLD3_COLUMNS"]


class NewType(NamedTuple):
    code: str              # two hex digits after the length
    record: str            # "report", "rfid", "obd"
    alarm: str | None      # Traccar alarm for an alarm report


#: new protocol (AT07 / AT09 / AT15): the type and what it carries
NEW_TYPES: tuple[NewType, ...] = (
    NewType("AA", "report", None),                   # timed (interval) report
    NewType("01", "report", "sos"),
    NewType("02", "report", "overspeed"),
    NewType("04", "report", "geofenceExit"),
    NewType("05", "report", "geofenceEnter"),
    NewType("06", "report", "tow"),
    NewType("07", "report", "gpsAntennaCut"),
    NewType("10", "report", "powerCut"),
    NewType("11", "report", "powerRestored"),
    NewType("12", "report", "lowPower"),
    NewType("13", "report", "lowBattery"),
    NewType("40", "report", "vibration"),
    NewType("41", "report", "idle"),
    NewType("42", "report", "hardAcceleration"),
    NewType("43", "report", "hardBraking"),
    NewType("E2", "rfid", None),                     # iButton / RFID card
    NewType("E5", "obd", None),                      # OBD values
)
NEW_ALARMS = {t.code: t.alarm for t in NEW_TYPES if t.alarm is not None}

#: new protocol status word, bit 31 = most significant: (bit, key, kind)
STATUS_BITS: tuple[tuple[int, str, str], ...] = (
    (31, "sos", "alarm"), (30, "ignition", "flag"), (29, "overspeed", "alarm"),
    (28, "charge", "flag"), (27, "geofenceExit", "alarm"), (26, "geofenceEnter", "alarm"),
    (25, "gpsAntennaCut", "alarm"), (23, "out1", "flag"), (22, "out2", "flag"),
    (21, "out3", "flag"), (14, "valid", "gps"), (12, "valid", "gps (with temp2)"),
)
STATUS_ALARMS = tuple((bit, key) for bit, key, kind in STATUS_BITS if kind == "alarm")
STATUS_FLAGS = tuple((bit, key) for bit, key, kind in STATUS_BITS if kind == "flag")
STATUS_GPS_VALID = 14
STATUS_GPS_VALID_WITH_TEMP2 = 12
KNOWN_STATUS_MASK = sum(1 << bit for bit, _, _ in STATUS_BITS)


class Column(NamedTuple):
    name: str
    key: str | None        # attribute key / Position field; None: read, not kept
    unit: str | None
    scale: float = 1.0     # value = raw x scale


#: new-protocol report, in order (optional groups told apart by the width)
NEW_COLUMNS: tuple[Column, ...] = (
    Column("status", "status", "32-bit hex, STATUS_BITS"),
    Column("date", "fix_time", "YYMMDD (UTC)"),
    Column("time", "fix_time", "HHMMSS (UTC)"),
    Column("battery (2 digits)", "battery", "V", 0.1),
    Column("power (2 digits)", "power", "V"),
    Column("battery (3 digits, instead of both)", "battery", "V", 0.01),
    Column("adc1", "adc1", "raw, hex"),
    Column("adc2", "adc2", "raw, hex (optional group adc2-4)"),
    Column("adc3", "adc3", "raw, hex"),
    Column("adc4", "adc4", "raw, hex"),
    Column("temp1", "temp1", "raw text (optional)"),
    Column("temp2", "temp2", "raw text (optional; moves the GPS bit to 12)"),
    Column("LAC", None, "hex (cell: Traccar keeps it in the network)"),
    Column("CID", None, "hex (cell)"),
    Column("MNC", None, "2 digits (optional group, cell)"),
    Column("MCC", None, "3 digits (cell)"),
    Column("satellites", "satellites", None),
    Column("GSM signal", "rssi", "0-31"),
    Column("course", "course_deg", "degrees"),
    Column("speed", "speed_kmh", "km/h"),
    Column("HDOP", "hdop", None),
    Column("odometer", "odometer", "km -> m", 1000),
    Column("latitude", "lat", "DDMM.MMMM + N|S"),
    Column("longitude", "lon", "DDDMM.MMMM + E|W"),
    Column("temperature (after the position)", "temp3", "raw text (optional)"),
    Column("serial", None, "4 digits, echoed in the answer"),
    Column("checksum", None, "2 hex, XOR"),
)

#: E5 fields after time, longitude, latitude and the OBD version, in order
OBD_COLUMNS: tuple[Column, ...] = (
    Column("odometer", "odometer", "km"),
    Column("fuel used", "fuelUsed", "l"),
    Column("fuel consumption", "fuelConsumption", "l/100 km"),
    Column("power", "power", "mV -> V", 0.001),
    Column("rpm", "rpm", "1/min"),
    Column("speed", "obdSpeed", "km/h"),
    Column("intake flow", None, "g/s (no Traccar key)"),
    Column("intake pressure", None, "kPa (no Traccar key)"),
    Column("coolant temperature", "coolantTemp", "deg C"),
    Column("intake temperature", "intakeTemp", "deg C"),
    Column("engine load", "engineLoad", "%"),
    Column("throttle", "throttle", "%"),
    Column("fuel level", "fuel", "%"),
)


class OldCode(NamedTuple):
    code: str              # two hex digits before the date / $GPRMC
    alarm: str | None      # Traccar alarm
    event: str | None      # kept as ``event`` when not an alarm


#: old protocols' alarm type (AVL02 manual; alarms as Traccar names them)
OLD_CODES: tuple[OldCode, ...] = (
    OldCode("01", "sos", None), OldCode("10", "lowBattery", None),
    OldCode("11", "overspeed", None), OldCode("30", "parking", None),
    OldCode("42", "geofenceExit", None), OldCode("43", "geofenceEnter", None),
    OldCode("50", None, "io1Close"), OldCode("51", None, "io1Open"),
    OldCode("52", None, "io2Close"), OldCode("53", None, "io2Open"),
    OldCode("54", None, "io3Close"), OldCode("55", None, "io3Open"),
    OldCode("56", None, "io4Close"), OldCode("57", None, "io4Open"),
    OldCode("60", None, "chargeBegin"), OldCode("61", None, "chargeEnd"),
    OldCode("88", None, "heartbeat"), OldCode("91", None, "sleep"),
    OldCode("92", None, "wakeUp"), OldCode("AA", None, None),      # interval data
)
OLD_ALARMS = {c.code: c.alarm for c in OLD_CODES if c.alarm is not None}
OLD_EVENTS = {c.code: c.event for c in OLD_CODES if c.event is not None}

#: Old-1 IO string (binary text, bit 0 = last character): bit 0 -> alarm sos (Traccar)
OLD1_IO = ((4, "in3"), (5, "in4"), (6, "in1"), (7, "in2"), (8, "out1"), (9, "out2"))
#: Old-2 IO string, bit 0 = last character
OLD2_IO = ((0, "antenna"), (1, "charge"), (2, "in1"), (3, "in2"), (4, "in3"), (5, "in4"),
           (6, "in5"), (7, "in6"), (8, "out1"), (9, "out2"), (10, "out3"), (11, "out4"))

#: Old-1 ``|`` fields after the ``<alarm>$GPRMC,...*hh`` head
OLD1_COLUMNS: tuple[Column, ...] = (
    Column("PDOP", "pdop", None), Column("HDOP", "hdop", None), Column("VDOP", "vdop", None),
    Column("IO", "status", "binary text, OLD1_IO"), Column("RTC", None, "yyyyMMddHHmmss"),
    Column("voltage", "charge/battery/power", "A BBB IIII: charging, V x 0.01, raw"),
    Column("ADC (optional)", "adc1", "raw text"), Column("LACCI", None, "cell (hex)"),
    Column("temperature", "temp1", "raw text"), Column("odometer", "odometer", "km -> m", 1000),
    Column("serial", None, None),
)
#: Old-2 ``|`` fields after ``<alarm><ddmmyy><hhmmss>``
OLD2_COLUMNS: tuple[Column, ...] = (
    Column("validity", "valid", "A | V"), Column("latitude", "lat", "DDMM.MMMM"),
    Column("N|S", "lat", None), Column("longitude", "lon", "DDDMM.MMMM"), Column("E|W", "lon", None),
    Column("speed", "speed_kmh", "knots"), Column("course", "course_deg", "degrees"),
    Column("HDOP", "hdop", None), Column("IO", "status", "binary text, OLD2_IO"),
    Column("voltage", "battery/power", "C BB PP: V x 0.1, V"), Column("ADC", "adc1", "raw text"),
    Column("LACCI", None, "cell (hex)"), Column("temperature", "temp1", "raw text"),
    Column("odometer", "odometer", "km -> m", 1000), Column("serial", None, None),
)
#: Old-3 fixed-width record: (name, width, key)
OLD3_COLUMNS: tuple[tuple[str, int, str | None], ...] = (
    ("alarm", 2, "alarm"), ("date", 6, "fix_time"), ("time", 6, "fix_time"), ("io", 4, "io1"),
    ("charging", 1, "charge"), ("battery", 2, "battery"), ("power", 2, "power"), ("adc1", 4, "adc1"),
    ("adc2", 4, "adc2"), ("temp1", 3, "temp1"), ("temp2", 3, "temp2"), ("lac", 4, None),
    ("cid", 4, None), ("fix", 1, "valid"), ("sats", 2, "satellites"), ("course", 3, "course_deg"),
    ("speed", 3, "speed_kmh"), ("pdop", 4, "pdop"), ("odometer", 7, "odometer"), ("lat", 9, "lat"),
    ("ns", 1, "lat"), ("lon", 10, "lon"), ("ew", 1, "lon"), ("serial", 4, None), ("crc", 4, None),
)
