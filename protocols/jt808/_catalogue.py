"""The additional-information items of a location report, as data.

``ITEMS[id] = Item(name, source, variants)``; a variant applies when the
item's length is in its ``sizes`` (None: any length) and says how to read it:

- ``Scalar(key, size, signed, mul, div, add, unit, floor)``: one big-endian
  integer, value = raw * mul / div + add (integers stay integers when div is
  1; ``floor``: integer division);
- ``Text(key, strip)``: ASCII text (``strip`` trims blanks and NULs);
- ``Layout(name, keys)``: a structured value read by the function ``name``
  in ``_layouts.py`` / ``_vendor.py`` (its keys are listed for the reader).

An item whose id is not here, or whose length fits none of its variants, is
kept as ``io<id>`` (decimal id; an integer for 1/2/4/8 bytes, else hex) and
counted in ``Decoded.unknown_items``.

Sources:
- "808-2019 t28": JT/T 808-2019 table 28 (additional information; 0x01-0x04,
  0x11-0x13, 0x25, 0x2A, 0x2B, 0x30, 0x31 are in JT/T 808-2013 table 27 too;
  0x05/0x06 are new in 2019), with 0x14-0x18 from JT/T 1078-2016 table 13.
- "su": the active-safety ("Su standard", T/JSATL 12-2017) alarm items
  0x64 ADAS, 0x65 DSM, 0x66 TPMS, 0x67 BSD.
- "vendor": 0xE0-0xFF is the user-defined range of the standard; these and
  the other vendor ids are the layouts Traccar's ``Jt808ProtocolDecoder``
  reads (traccar/traccar, read for the ids, attribute keys and scaling).
Units: odometer in metres, speeds km/h, voltages V, fuel L (0x02 with bit 15
set: percent), temperatures degC, pressures as the terminal sends them.
"""

from __future__ import annotations

from typing import NamedTuple, Union

__all__ = ["Scalar", "Text", "Layout", "Item", "ITEMS", "SOURCES", "read_scalar", "read_text"]


class Scalar(NamedTuple):
    key: str
    size: int
    signed: bool = False
    mul: int = 1
    div: int = 1
    add: int = 0
    unit: str = ""
    #: integer division (raw * mul // div), as the vendor's own firmware scales it
    floor: bool = False


class Text(NamedTuple):
    key: str
    strip: bool = True


class Layout(NamedTuple):
    name: str
    keys: str


Spec = Union[Scalar, Text, Layout]


class Item(NamedTuple):
    name: str
    source: str
    variants: tuple[tuple[frozenset | None, Spec], ...]


def read_scalar(spec: Scalar, data: bytes):
    raw = int.from_bytes(data, "big", signed=spec.signed)
    value = raw * spec.mul
    if spec.div != 1:
        value = value // spec.div if spec.floor else value / spec.div
    return value + spec.add if spec.add else value


def read_text(spec: Text, data: bytes) -> str:
    text = data.decode("latin-1")
    return text.strip(" \x00\r\n") if spec.strip else text


def _n(*sizes: int) -> frozenset:
    return frozenset(sizes)


SOURCES = ("808-2019 t28", "1078-2016 t13", "su", "vendor")

_STD, _AV, _SU, _V = SOURCES

ITEMS: dict[int, Item] = {
    # JT/T 808-2019 table 28
    0x01: Item("mileage 1/10 km", _STD, ((_n(4), Scalar("odometer", 4, mul=100, unit="m")),)),
    0x02: Item("fuel 1/10 L", _STD, ((_n(2), Layout("fuel", "fuel")),)),
    0x03: Item("recorder speed 1/10 km/h", _STD,
               ((_n(2), Scalar("obdSpeed", 2, div=10, unit="km/h")),)),
    0x04: Item("alarm event id to confirm", _STD, ((_n(2), Scalar("alarmEventId", 2)),)),
    0x05: Item("tire pressures (2019)", _STD, ((None, Layout("tire_pressures", "tire<n>Pressure")),)),
    0x06: Item("compartment temperature (2019) / vendor battery level", _STD,
               ((_n(1), Scalar("batteryLevel", 1, unit="%")),
                (_n(2), Scalar("compartmentTemp", 2, signed=True, unit="degC")))),
    0x11: Item("overspeed alarm information", _STD,
               ((_n(1, 5), Layout("overspeed_info", "overspeedAreaType,overspeedAreaId")),)),
    0x12: Item("area/route in-out alarm information", _STD,
               ((_n(6), Layout("area_info", "areaType,areaId,areaDirection")),)),
    0x13: Item("route driving time alarm information", _STD,
               ((_n(7), Layout("route_time", "routeId,routeTime,routeTimeResult")),)),
    0x25: Item("extended vehicle signal status", _STD, ((_n(4), Scalar("input", 4)),)),
    0x2A: Item("IO status", _STD, ((_n(2), Scalar("ioStatus", 2)),)),
    0x2B: Item("analog AD0/AD1", _STD, ((_n(4), Layout("analog", "adc1,adc2")),)),
    0x30: Item("network signal strength", _STD, ((_n(1), Scalar("rssi", 1)),)),
    0x31: Item("GNSS satellites", _STD, ((_n(1), Scalar("sat", 1)),)),
    # JT/T 1078-2016 table 13
    0x14: Item("video alarm flags", _AV, ((_n(4), Scalar("videoAlarm", 4)),)),
    0x15: Item("video signal loss channels", _AV, ((_n(4), Scalar("videoLoss", 4)),)),
    0x16: Item("video signal occlusion channels", _AV, ((_n(4), Scalar("videoOcclusion", 4)),)),
    0x17: Item("storage fault flags", _AV, ((_n(2), Scalar("storageFault", 2)),)),
    0x18: Item("abnormal driving behaviour", _AV,
               ((_n(2, 3), Layout("driving_behavior", "drivingBehavior,fatigueLevel")),)),
    # active safety alarms
    0x64: Item("ADAS alarm", _SU, ((None, Layout("adas", "adasAlarm,alarmLabel")),)),
    0x65: Item("DSM alarm", _SU, ((None, Layout("dms", "dmsAlarm,alarmLabel")),)),
    0x66: Item("TPMS alarm", _SU, ((None, Layout("tpms", "tpmsAlarm,alarmLabel")),)),
    0x67: Item("BSD alarm / vendor lock password", _SU,
               ((_n(8), Text("password", strip=False)),
                (None, Layout("bsd", "bsdAlarm,alarmLabel (41+ bytes); password (first 8)")))),
    # vendor items
    0x0B: Item("e-lock command", _V,
               ((None, Layout("lock_command", "lockCommand,lockCard,lockPassword,unlockResult")),)),
    0x33: Item("mode / e-lock *M00 status", _V,
               ((_n(1), Scalar("mode", 1)), (None, Layout("lock_text", "battery")))),
    0x51: Item("temperatures 0.1 degC, sign bit 15", _V, ((None, Layout("temperatures", "temp<n>")),)),
    0x56: Item("battery level in tenths", _V, ((_n(2), Layout("battery_decile", "batteryLevel")),)),
    0x57: Item("driving alarms, switches, extended alarms", _V,
               ((_n(8), Layout("driving_alarms", "alarm")),)),
    0x60: Item("event code and driver", _V, ((None, Layout("event_driver", "event,driverUniqueId")),)),
    0x61: Item("power 0.01 V", _V, ((_n(2), Scalar("power", 2, div=100, unit="V")),)),
    0x63: Item("padlocks", _V, ((None, Layout("locks", "lock<n>Id,lock<n>Battery,lock<n>Seal")),)),
    0x68: Item("battery level 0.01 %", _V, ((_n(2), Scalar("batteryLevel", 2, div=100, unit="%")),)),
    0x69: Item("battery 0.01 V", _V, ((_n(2), Scalar("battery", 2, div=100, unit="V")),)),
    0x70: Item("driving behaviour alarm", _V, ((None, Layout("behavior_alarm", "alarm")),)),
    0x77: Item("tire sensors", _V,
               ((None, Layout("tires", "tire<n>SensorId,tire<n>Pressure,tire<n>Temp,tire<n>Status")),)),
    0x80: Item("OBD extension (to the end of the body)", _V, ((None, Layout("obd_extension", "")),)),
    0x82: Item("power 0.1 V", _V, ((_n(2), Scalar("power", 2, div=10, unit="V")),)),
    0x91: Item("OBD block", _V, ((None, Layout("obd_91", "battery,rpm,obdSpeed,throttle,engineLoad,"
                                                  "coolantTemp,fuelConsumption,fuelUsed")),)),
    0x94: Item("VIN", _V, ((None, Text("vin")),)),
    0xA0: Item("trouble codes", _V, ((None, Layout("dtcs", "dtcs")),)),
    0xA7: Item("analog inputs 0.01 V", _V, ((_n(4), Layout("analog", "adc1,adc2")),)),
    0xAC: Item("odometer m", _V, ((_n(4), Scalar("odometer", 4, unit="m")),)),
    0xBC: Item("driver name", _V, ((None, Text("driver")),)),
    0xBD: Item("driver id", _V, ((None, Text("driverUniqueId", strip=False)),)),
    0xCC: Item("ICCID (20 ASCII; the id of the ICCID in the 0x80 OBD extension)", _V,
               ((None, Text("iccid")),)),
    0xD0: Item("user status word", _V, ((_n(4), Layout("user_status", "alarm")),)),
    0xD3: Item("power 0.1 V", _V, ((_n(2), Scalar("power", 2, div=10, unit="V")),)),
    0xD4: Item("battery level / driver id", _V,
               ((_n(1), Layout("level_or_charge", "batteryLevel,charge")),
                (None, Layout("driver_number", "driverUniqueId")))),
    0xD5: Item("battery 0.01 V / lock list", _V,
               ((_n(2), Scalar("battery", 2, div=100, unit="V")),
                (None, Layout("lock_list", "lock<n>Id,lock<n>Card,lock<n>Battery,lock<n>Locked")))),
    0xDA: Item("string-cut lock status", _V, ((None, Layout("string_lock", "string,motion,cover")),)),
    0xE1: Item("battery level / power 0.1 V / cells / driver id", _V,
               ((_n(1), Layout("level_or_charge", "batteryLevel,charge")),
                (_n(2), Scalar("power", 2, div=10, unit="V")),
                (_n(4), Layout("driver_number", "driverUniqueId")),
                (None, Layout("cells_e1", "cellTowers")))),
    0xE2: Item("fuel 0.1 L", _V, ((_n(4), Scalar("fuel", 4, div=10, unit="L")),)),
    0xE3: Item("battery level and voltage", _V, ((None, Layout("battery_e3", "batteryLevel,battery")),)),
    0xE4: Item("charge state and battery level", _V,
               ((None, Layout("charge_level", "charge,batteryLevel")),)),
    0xE5: Item("motion", _V, ((_n(1), Layout("motion", "motion")),)),
    0xE6: Item("OBD $OBD-RT text / BLE temperature sensors", _V,
               ((None, Layout("obd_or_sensors", "power,rpm,...,temp<n>,humidity<n>")),)),
    0xE7: Item("alarm word", _V, ((_n(8), Layout("alarm_e7", "alarm")),)),
    0xE8: Item("lock status / extended events", _V,
               ((_n(3), Scalar("lockStatus", 3)), (None, Layout("extended_e8", "alarm,...")))),
    0xE9: Item("battery level / driver id", _V,
               ((_n(1), Layout("level_or_charge", "batteryLevel,charge")),
                (None, Layout("driver_number", "driverUniqueId")))),
    0xEA: Item("external sensors", _V, ((None, Layout("external_ea", "externalTemp,...")),)),
    0xEB: Item("extension TLV / cells / time zone", _V, ((None, Layout("extension_eb", "...")),)),
    0xEC: Item("Wi-Fi access points", _V, ((None, Layout("wifi", "wifiAccessPoints")),)),
    0xED: Item("card", _V, ((None, Text("card")),)),
    0xEE: Item("rssi, power, battery, satellites", _V,
               ((_n(6), Layout("status_ee", "rssi,power,battery,sat")),)),
    0xF0: Item("cell towers", _V, ((None, Layout("cells_f0", "cellTowers")),)),
    0xF1: Item("power mV", _V, ((_n(4), Scalar("power", 4, div=1000, unit="V")),)),
    0xF2: Item("firmware version", _V, ((None, Text("versionFw", strip=False)),)),
    0xF3: Item("OBD TLV / BLE tags", _V, ((None, Layout("obd_or_tags", "obdSpeed,rpm,...,tag<n>Mac")),)),
    0xF4: Item("Wi-Fi access points", _V, ((None, Layout("wifi", "wifiAccessPoints")),)),
    0xF5: Item("illuminance", _V, ((_n(2), Scalar("illuminance", 2)),)),
    0xF6: Item("air pressure / IMEI / sensor event", _V,
               ((_n(2), Scalar("airPressure", 2)), (_n(8), Layout("imei", "imei")),
                (None, Layout("sensor_event", "event,lightSensor,temp1,humidity,...")))),
    0xF7: Item("humidity / battery", _V,
               ((_n(2), Scalar("humidity", 2, div=10, unit="%")),
                (None, Layout("battery_f7", "battery,charge,batteryLevel")))),
    0xF8: Item("steps / mode, IMEI, ICCID", _V,
               ((_n(2), Scalar("steps", 2)), (None, Layout("identity_f8", "iccid")))),
    0xF9: Item("masked GNSS details", _V, ((None, Layout("masked_f9", "hdop,temp3")),)),
    0xFB: Item("container", _V, ((None, Text("container", strip=False)),)),
    0xFC: Item("geofence", _V, ((_n(1), Scalar("geofence", 1)),)),
    0xFE: Item("battery level / power / odometer / alarms", _V,
               ((_n(1), Scalar("batteryLevel", 1, unit="%")),
                (_n(2), Scalar("power", 2, div=10, unit="V")),
                (_n(4), Scalar("odometer", 4, unit="m")),
                (None, Layout("alarms_fe", "alarm,batteryLevel")))),
}
