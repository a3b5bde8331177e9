"""The Galileosky tag table as data.

Source: Galileosky "Packet protocol tags" and "Extended tags" tables of the
terminal protocol description (GLONASS/GPS v5.x-v7 manuals, section "Server
exchange protocol"), with the attribute keys and scaling Traccar's
``GalileoProtocolDecoder`` uses where it decodes a tag (read for facts only).
Where Traccar has no key the vendor's name in lower camelCase is the key.

Row: ``(tag, size in bytes, key, kind, multiplier, vendor name)``; values are
little-endian. ``size`` -1: the tag carries its own length (0xE1 and 0xEA: 1
byte; 0xFE: 2 bytes). Kinds: ``u`` unsigned, ``s`` signed (times the
multiplier; a multiplier ``(a, b)`` is the fraction a/b), ``x`` hex, ``d``
decimal text; other kinds name a reader in ``_tags.py``. Tags not in the
table cannot be skipped (their size is unknown): the rest of the packet is
kept as ``io<tag>`` (hex) and counted as unknown.
"""

from __future__ import annotations

__all__ = ["TAG_ROWS", "EXTENDED_ROWS", "VARIABLE"]

VARIABLE = -1

Row = tuple[int, int, str, str, "float | tuple[int, int] | None", str]

TAG_ROWS: list[Row] = [
    (0x01, 1, "versionHw", "u", None, "Hardware version"),
    (0x02, 1, "versionFw", "u", None, "Firmware version"),
    (0x03, 15, "imei", "imei", None, "IMEI"),
    (0x04, 2, "deviceId", "u", None, "Identifier of a device"),
    (0x10, 2, "index", "u", None, "Number of an archive record"),
    (0x11, 4, "archiveIndex", "u", None, "Number of the current record in the archive"),
    (0x20, 4, "time", "time", None, "Date and time (Unix seconds)"),
    (0x21, 2, "millis", "millis", None, "Milliseconds of the date and time"),
    (0x30, 9, "coordinates", "coords", None, "Coordinates, satellites, correctness"),
    (0x33, 4, "speed", "speed", None, "Speed (0.1 km/h) and direction (0.1 degree)"),
    (0x34, 2, "altitude", "altitude", None, "Height, m (signed)"),
    (0x35, 1, "hdop", "hdop", None, "HDOP (0.1), or error (10 m) for cell positions"),
    (0x36, 1, "pdop", "u", 0.1, "PDOP"),
    (0x40, 2, "status", "u", None, "Status of device"),
    (0x41, 2, "power", "u", 0.001, "Supply voltage, mV"),
    (0x42, 2, "battery", "u", 0.001, "Battery voltage, mV"),
    (0x43, 1, "deviceTemp", "s", None, "Inside temperature, C"),
    (0x44, 4, "acceleration", "u", None, "Acceleration (3 x 10 bits, v5.1 and older)"),
    (0x45, 2, "output", "u", None, "Status of outputs"),
    (0x46, 2, "input", "u", None, "Status of inputs"),
    (0x47, 4, "ecoDriving", "eco", None, "EcoDrive: acceleration, braking, cornering, bumps"),
    (0x48, 2, "statusExtended", "u", None, "Expanded status of the device"),
    (0x49, 1, "transmissionChannel", "u", None, "Transmission channel"),
    *[(0x50 + n, 2, f"adc{n}", "u", None, f"Input {n} value (mV, pulses or Hz)") for n in range(8)],
    (0x58, 2, "rs2320", "u", None, "RS232 0"),
    (0x59, 2, "rs2321", "u", None, "RS232 1"),
    (0x5A, 4, "electricityMeter", "u", None, "REP-500 electricity meter readings"),
    (0x5B, 7, "refrigerationUnit", "x", None, "Refrigeration unit data"),
    (0x5C, 68, "pressurePro", "x", None, "PressurePro tyre pressure, 34 sensors"),
    (0x5D, 3, "dosimeter", "x", None, "DBG-S11D dosimeter data"),
    *[(0x60 + n, 2, f"fuel{n}", "u", None, f"RS485 [{n}] fuel level sensor") for n in range(3)],
    *[(0x60 + n, 3, f"fuel{n}", "fuelTemp", None, f"RS485 [{n}] fuel level and temperature")
      for n in range(3, 16)],
    *[(0x70 + n, 2, f"thermometer{n}", "thermometer", None, f"Thermometer {n} ID and temperature")
      for n in range(8)],
    *[(0x78 + n, 2, f"adc{8 + n}", "u", None, f"Input {8 + n} value") for n in range(6)],
    *[(0x80 + n, 3, f"ds1923{n}", "ds1923", None, f"DS1923 sensor {n}: ID, temperature, humidity")
      for n in range(8)],
    (0x88, 1, "rs232Ext0", "s", None, "Extended data RS232[0] (temperature or weight)"),
    (0x89, 1, "rs232Ext1", "s", None, "Extended data RS232[1] (temperature or weight)"),
    *[(0x8A + n, 1, f"fuelTemp{n}", "s", None, f"Temperature of RS485 fuel sensor {n}, C")
      for n in range(3)],
    (0x90, 4, "driverUniqueId", "d", None, "First iButton key identification number"),
    *[(0xA0 + n, 1, f"can8BitR{15 + n}", "u", None, f"CAN8BITR{15 + n}") for n in range(16)],
    *[(0xB0 + n, 2, f"can16BitR{5 + n}", "u", None, f"CAN16BITR{5 + n}") for n in range(10)],
    (0xC0, 4, "fuelTotal", "u", 0.5, "CAN_A0: fuel used since manufacture, l (0.5)"),
    (0xC1, 4, "canA1", "canA1", None, "CAN_A1: fuel level, coolant temperature, engine speed"),
    (0xC2, 4, "canB0", "u", None, "CAN_B0: vehicle mileage (5 m)"),
    (0xC3, 4, "canB1", "u", None, "CAN_B1"),
    *[(0xC4 + n, 1, f"can8BitR{n}", "u", None, f"CAN8BITR{n}") for n in range(15)],
    (0xD3, 4, "driverUniqueId2", "d", None, "Second iButton key identification number"),
    (0xD4, 4, "odometer", "u", None, "Total mileage by GPS/GLONASS, m"),
    (0xD5, 1, "iButtonState", "u", None, "State of iButton keys (bit per key)"),
    *[(0xD6 + n, 2, f"can16BitR{n}", "u", None, f"CAN16BITR{n} (or axle load / OBD code)")
      for n in range(5)],
    *[(0xDB + n, 4, f"can32BitR{n}", "u", None, f"CAN32BITR{n}") for n in range(5)],
    (0xE0, 4, "index", "u", None, "Command number"),
    (0xE1, VARIABLE, "result", "text", None, "Command answer (length 1 byte)"),
    *[(0xE2 + n, 4, f"userData{n}", "u", None, f"User data {n}") for n in range(8)],
    (0xEA, VARIABLE, "userDataArray", "hex", None, "User data array (length 1 byte)"),
    *[(0xF0 + n, 4, f"can32BitR{5 + n}", "u", None, f"CAN32BITR{5 + n}") for n in range(10)],
    (0xFA, 3, "io250", "x", None, "(size from Traccar; meaning not published)"),
    (0xFD, 8, "io253", "x", None, "(size from Traccar; meaning not published)"),
    (0xFE, VARIABLE, "extended", "extended", None, "Extended tags (length 2 bytes)"),
]

#: extended tags (inside 0xFE: 2-byte tag, value): tag -> (size, key, kind, multiplier)
EXTENDED_ROWS: dict[int, tuple[int, str, str, "float | tuple[int, int] | None"]] = {
    **{0x0001 + n: (4, f"modbus{n}", "u", 0.01) for n in range(32)},
    **{0x0021 + n: (4, f"bluetooth{n}", "u", None) for n in range(64)},
    **{0x0061 + n: (4, f"modbus{32 + n}", "u", 0.01) for n in range(32)},
    0x0081: (2, "cid", "u", None),
    0x0082: (2, "lac", "u", None),
    0x0083: (2, "mcc", "u", None),
    0x0084: (2, "mnc", "u", None),
    0x0085: (1, "rssi", "u", None),
    **{0x0086 + n: (4, f"tempExt{n}", "tempExt", None) for n in range(8)},
    0x008E: (4, "satGps", "satellites", None),
    0x008F: (4, "satGlonass", "satellites", None),
    0x0090: (4, "satBeidou", "satellites", None),
    0x0091: (4, "satGalileo", "satellites", None),
    0x0092: (15, "imsi", "text", None),
    0x0093: (1, "simSlot", "u", None),
    0x0094: (20, "iccid", "text", None),
    0x00A4: (1, "wifiStatus", "u", None),
    0x00A5: (1, "wifiError", "u", None),
    0x00A6: (1, "modemStatus", "u", None),
    0x00A7: (1, "networkRegistration", "u", None),
    0x00A8: (1, "gprsStatus", "u", None),
    0x00A9: (4, "freeRam", "u", None),
    0x00AB: (12, "archiveStatus", "x", None),
    0x00AC: (4, "lastArchiveIndex", "u", None),
    0x00AD: (6, "wifiMac", "x", None),
    0x00AE: (6, "bleMac", "x", None),
    0x00AF: (14, "selfDiagnostics", "x", None),
    0x00B0: (1, "snrMean", "u", None),
    0x00B1: (1, "sdStatus", "u", None),
    0x00B2: (1, "sdError", "u", None),
    0x00B3: (12, "collectorArchiveStatus", "x", None),
    0x00B4: (6, "clientMac1", "x", None),
    0x00B5: (6, "clientMac2", "x", None),
    0x00B6: (6, "clientMac3", "x", None),
    **{0x00D9 + n: (3, f"tpms{n}", "x", None) for n in range(34)},
    0x00FC: (1, "recordReason", "u", None),
    0x00FD: (8, "iButton64", "x", None),
    0x00FE: (8, "iButton64Second", "x", None),
}
