"""The @Track catalogue as data: report types, alarms, models, masks, binary types.

Sources: Queclink @Track air interface protocols (GL300/GL300W, GV300/GV300W,
GV350M, GV500, GL500/GL50x application notes: report list, ``<ERI mask>``,
``<CAN report mask>``, ``<device status>``); Traccar's
``Gl200TextProtocolDecoder`` / ``Gl200BinaryProtocolDecoder`` (attribute keys,
alarm names, device-type-to-model table, binary message type numbers).

Items a report carries that this catalogue lacks are kept under a generic key
(``io<n>``: CAN mask bit ``n``, ``64 + n`` for the expansion mask, ``96 + n``
for the ERI mask) and counted in ``Decoded.unknown_items``.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["REPORTS", "ALARM_BY_TYPE", "MODELS", "model_of", "HARSH", "INF_STATE",
           "CAN_BITS", "CAN_EXT_BITS", "CAN_MODEL_BITS", "OBD_BITS", "ERI_BITS", "BINARY_REPORTS", "BINARY_EVENTS",
           "BINARY_INFO"]

#: report type -> (vendor name, Traccar alarm or None, carries a position block)
REPORTS: dict[str, tuple[str, str | None, bool]] = {
    "GTFRI": ("fixed report", None, True),
    "GTRTL": ("real-time location", None, True),
    "GTGEO": ("geo-fence", None, True),
    "GTGIN": ("geo-fence in", None, True),
    "GTGOT": ("geo-fence out", None, True),
    "GTGCR": ("geo-fence circle by command", None, True),
    "GTSPD": ("speed alarm", "overspeed", True),
    "GTSOS": ("SOS", "sos", True),
    "GTPNL": ("first location after power on", None, True),
    "GTNMR": ("non-movement", None, True),
    "GTDIS": ("digital input status", None, True),
    "GTDOG": ("protocol watchdog", None, True),
    "GTIGL": ("ignition on/off location", None, True),
    "GTHBM": ("harsh behaviour", None, True),
    "GTERI": ("fixed report with extended information", None, True),
    "GTIGN": ("ignition on", None, True),
    "GTIGF": ("ignition off", None, True),
    "GTVGN": ("virtual ignition on", None, True),
    "GTVGF": ("virtual ignition off", None, True),
    "GTLSW": ("light sensor / input 1 switch", None, True),
    "GTTSW": ("input 2 switch", None, True),
    "GTIDA": ("ID authentication (RFID)", None, True),
    "GTIDN": ("idling start", "idle", True),
    "GTIDF": ("idling end", "idle", True),
    "GTIDL": ("idling", "idle", True),
    "GTSTT": ("motion state change", "movement", True),
    "GTSWG": ("geo-fence by switch", "geofence", True),
    "GTTEM": ("temperature alarm", "temperature", True),
    "GTTMP": ("temperature", "temperature", True),
    "GTBPL": ("backup battery low", "lowBattery", True),
    "GTCTN": ("crowd tracking", None, True),
    "GTMPN": ("main power on", "powerRestored", True),
    "GTMPF": ("main power off", "powerCut", True),
    "GTEPN": ("external power on", "powerRestored", True),
    "GTEPF": ("external power off", "powerCut", True),
    "GTEPS": ("external power supply monitoring", None, True),
    "GTTRI": ("trip", None, True),
    "GTLBC": ("location by call", None, True),
    "GTSTR": ("start tracking", None, True),
    "GTOBD": ("OBD report", None, True),
    "GTSTC": ("stop charging", None, True),
    "GTBTC": ("backup battery charging", None, True),
    "GTJDR": ("jamming detection", "jamming", True),
    "GTJDS": ("jamming state", "jamming", True),
    "GTTOW": ("towing", "tow", True),
    "GTCRA": ("crash", "accident", True),
    "GTGSS": ("GPS signal status", None, True),
    "GTDAR": ("driver assistance / fatigue", None, True),
    "GTAIS": ("analog input status", None, True),
    "GTPFL": ("power failure location", None, True),
    "GTSTP": ("stop", None, True),
    "GTLSP": ("long stop", None, True),
    "GTUPC": ("update configuration", None, True),
    "GTDOS": ("digital output status", None, True),
    "GTHBE": ("harsh behaviour by engine", None, True),
    "GTRMD": ("roaming", None, True),
    "GTPNR": ("power on reason", None, True),
    "GTGPJ": ("GPS jamming", None, True),
    "GTRDM": ("RF433 data", None, True),
    "GTASC": ("accelerometer calibration", None, True),
    "GTFLA": ("fuel level alarm", None, True),
    "GTCLT": ("CAN alarm", None, True),
    "GTDTC": ("diagnostic trouble codes", None, True),
    "GTLSA": ("light sensor alarm", None, True),
    "GTCAN": ("CAN bus data", None, True),
    "GTDAT": ("transparent data", None, True),
    "GTBAA": ("Bluetooth accessory alarm", None, True),
    "GTBID": ("Bluetooth ID", None, True),
    # no position block
    "GTINF": ("device information", None, False),
    "GTGSM": ("GSM cell list", None, False),
    "GTWIF": ("Wi-Fi list", None, False),
    "GTVER": ("version", None, False),
    "GTPNA": ("power on", "powerOn", False),
    "GTPFA": ("power off", "powerOff", False),
    "GTDTT": ("serial data", None, False),
    "GTLBS": ("cell location", None, False),
    "GTHBD": ("heartbeat", None, False),
}

#: report type -> alarm, from ``REPORTS``
ALARM_BY_TYPE: dict[str, str] = {k: v[1] for k, v in REPORTS.items() if v[1]}

#: device type (first 2 hex digits of the protocol version, 6 for 10-digit versions) -> model
MODELS: dict[str, str] = {
    "02": "GL200", "04": "GV200", "06": "GV300", "08": "GMT100", "09": "GV50P", "0F": "GV55",
    "10": "GV55 LITE", "11": "GL500", "1A": "GL300", "1F": "GV500", "21": "GL200",
    "25": "GV300", "27": "GV300W", "28": "GL300VC", "2C": "GL300W", "2D": "GV500VC",
    "2F": "GV55", "4F": "GV56", "30": "GL300", "31": "GV65", "35": "GV200", "36": "GV500",
    "3F": "GMT100", "40": "GL500", "41": "GV75W", "42": "GT501", "44": "GL530", "45": "GB100",
    "50": "GV55W", "52": "GL50", "55": "GL50B", "5E": "GV500MAP", "6E": "GV310LAU",
    "74": "GV350CEU", "BD": "CV200", "C2": "GV600M", "C3": "GL320M", "DC": "GV600MG",
    "DE": "GL500M", "DF": "CV100LG", "F1": "GV350M", "F8": "GV800W", "FC": "GV600W",
    "802004": "GV58LAU", "802005": "GV355CEU", "80201E": "GV30CEU",
}


def model_of(version: str | None) -> str:
    if not version:
        return ""
    return MODELS.get(version[:6] if len(version) > 6 else version[:2], "")


#: GTHBM report type (low hex digit) -> alarm
HARSH: dict[int, str] = {0: "hardBraking", 1: "hardAcceleration", 2: "hardCornering",
                         3: "hardBraking", 4: "hardAcceleration"}

#: GTINF ``<state>`` -> (ignition, motion); None: not stated
INF_STATE: dict[int, tuple[bool | None, bool | None]] = {
    0x11: (False, False), 0x12: (False, True), 0x16: (False, True), 0x1A: (False, True),
    0x21: (True, False), 0x22: (True, True), 0x41: (None, False), 0x42: (None, True),
}


def _strip(prefixes: str) -> Callable[[str], float | None]:
    def convert(text: str) -> float | None:
        body = text[1:] if text[:1] and text[0] in prefixes else text
        if body.startswith("/H"):
            body = body[2:]
        try:
            return float(body)
        except ValueError:
            return None
    return convert


def _int(text: str) -> int | None:
    return int(text) if text.lstrip("-").isdigit() else None


def _hex(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None


def _text(text: str) -> str | None:
    return text or None


def _odometer(text: str) -> float | None:
    """``H<hectometres>`` -> metres; a plain number is km."""
    value = _strip("H")(text)
    if value is None:
        return None
    return round(value * (100.0 if text[:1] == "H" else 1000.0), 1)


def _hours(text: str) -> int | None:
    value = _strip("H")(text)
    return round(value * 3_600_000) if value is not None else None


#: ``<CAN report mask>`` bit -> (attribute key, converter); one field per set bit
CAN_BITS: dict[int, tuple[str, Callable[[str], Any]]] = {
    0: ("vin", _text), 1: ("ignition", lambda t: _int(t) > 0 if _int(t) is not None else None),
    2: ("obdOdometer", _odometer), 3: ("fuelUsed", _strip("L")), 4: ("rpm", _int),
    5: ("obdSpeed", _strip("")), 6: ("coolantTemp", _strip("")),
    7: ("fuelConsumption", _strip("L")), 8: ("fuel", _strip("PL")),
    9: ("range", lambda t: _int(t) * 100 if _int(t) is not None else None),
    10: ("throttle", _strip("")), 11: ("hours", _hours), 12: ("drivingTime", _strip("")),
    13: ("idleHours", _strip("")), 14: ("idleFuelConsumption", _strip("L")),
    15: ("axleWeight", _int), 16: ("tachographInfo", _hex), 17: ("indicators", _hex),
    18: ("lights", _hex), 19: ("doors", _hex), 20: ("vehicleOverspeed", _strip("")),
    21: ("engineOverspeed", _strip("")),
}
#: bits 22..28 are model-dependent single fields, 29 the expansion mask, 30/31 the fix
CAN_EXPANSION_BIT = 29


def _number(text: str) -> float | str | None:
    """A plain number when the field is one, else its text."""
    try:
        return float(text)
    except ValueError:
        return text or None


#: model -> CAN mask bits 22..28 that carry one field on that model
CAN_MODEL_BITS: dict[str, dict[int, tuple[str, Callable[[str], Any]]]] = {
    "GV350M": {22: ("impulseDistance", _number), 23: ("grossVehicleWeight", _number),
               24: ("catalystLiquidLevel", _number)},
    "GV350CEU": {23: ("engineColdStarts", _number), 24: ("engineAllStarts", _number),
                 25: ("engineStartsByIgnition", _number), 26: ("engineColdRunningTime", _number),
                 27: ("handbrakeApplies", _number)},
}
CAN_MODEL_BITS["GV355CEU"] = CAN_MODEL_BITS["GV350CEU"]

#: ``<CAN report expansion mask>`` bit -> (attribute key, converter)
CAN_EXT_BITS: dict[int, tuple[str, Callable[[str], Any]]] = {
    0: ("adBlueLevel", _strip("LP")), 1: ("axleWeight1", _int), 2: ("axleWeight3", _int),
    3: ("axleWeight4", _int), 7: ("adc1", lambda t: _int(t) / 1000 if _int(t) is not None else None),
    15: ("driver1Card", _text), 16: ("driver2Card", _text), 17: ("driver1Name", _text),
    18: ("driver2Name", _text), 19: ("registration", _text),
    4: ("tachographOverspeed", _number), 5: ("tachographMotion", _number),
    6: ("tachographDirection", _number), 8: ("pedalBrakingFactor", _number),
    9: ("engineBrakingFactor", _number), 10: ("acceleratorKickDowns", _number),
    11: ("effectiveEngineSpeedTime", _number), 12: ("cruiseControlTime", _number),
    13: ("acceleratorKickDownTime", _number), 14: ("brakeApplications", _number),
    20: ("expansionInformation", _number), 21: ("rapidBrakings", _number),
    22: ("rapidAccelerations", _number), 23: ("engineTorque", _number),
    24: ("serviceDistance", _number), 25: ("ambientTemperature", _number),
    26: ("driver1WorkingTime", _number), 27: ("driver2WorkingTime", _number),
    29: ("gaseousFuelLevel", _number), 30: ("tachographInformationExpand", _number),
}

#: GTOBD ``<report mask>`` bit -> (attribute key, converter); one field per set bit
#: before the position block; the field just before the block is the OBD odometer (km)
OBD_BITS: dict[int, tuple[str, Callable[[str], Any]]] = {
    0: ("vin", _text), 1: ("obdConnect", lambda t: t == "1" if t in ("0", "1") else None),
    2: ("obdVoltage", lambda t: _int(t) / 1000 if _int(t) is not None else None),
    3: ("supportedPids", _text), 4: ("rpm", _int), 5: ("obdSpeed", _int),
    6: ("coolantTemp", _int), 7: ("fuelConsumption", _strip("")),
    8: ("dtcsClearedDistance", _int), 9: ("milActivatedDistance", _int),
    10: ("milStatus", _int), 11: ("dtcsNumber", _int), 12: ("dtcsCodes", _text),
    13: ("throttle", _int), 14: ("engineLoad", _int), 15: ("fuel", _int),
}

#: ``<ERI mask>`` bit -> what follows the report's common tail
ERI_BITS: dict[int, str] = {
    0: "digital fuel sensor level (hex) -> fuel",
    1: "1-wire temperature sensors: count, (id, type, temperature hex 1/16 C) -> temp<n>",
    2: "CAN data (GTCAN layout; not decoded inside GTERI)",
    3: "fuel sensors: count, (type, level %) -> fuel",
    4: "fuel sensor volume",
    7: "RF433 accessories: count, (serial, type, temperature[, humidity])",
    8: "Bluetooth accessories: count, (index, type, model, raw data, append mask, ...) -> tag<n>*",
    10: "fuel sensor temperature",
    29: "digital fuel sensor data mask",
}

#: binary ``+RSP``/``+BSP`` message types
BINARY_REPORTS: dict[int, str] = {0: "PNL", 1: "TOW", 2: "GEO", 3: "LCB", 4: "SPD", 5: "SOS",
                                  6: "RTL", 7: "FRI", 8: "GEO", 100: "compressed"}
#: binary ``+EVT``/``+BVT`` message types
BINARY_EVENTS: dict[int, str] = {6: "BPL", 15: "UPD", 17: "IDF", 21: "GSS", 23: "CRA",
                                 26: "GES", 31: "GPJ", 33: "JDS", 34: "UPC", 35: "RMD",
                                 45: "VGN", 46: "VGF"}
#: binary ``+INF``/``+BNF`` message types
BINARY_INFO: dict[int, str] = {2: "GPS", 4: "CID", 5: "CSQ", 6: "VER", 7: "BAT", 9: "TMZ",
                               10: "GIR"}
