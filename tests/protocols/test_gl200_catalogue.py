"""gl200 catalogue: every report type, alarm, HBM/INF code, CAN/OBD/ERI mask bit and
accepted form, built with the device-side encoder (``protocols.gl200.device``)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols._records import Fix
from protocols.gl200 import Gl200Connection
from protocols.gl200._catalogue import (CAN_BITS, CAN_EXT_BITS, HARSH, INF_STATE, OBD_BITS,
                                        REPORTS)
from protocols.gl200.device import text_report

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
SENT = datetime(2024, 6, 1, 11, 0, 5, tzinfo=UTC)
IMEI = "861234567890126"
FIX = Fix(time=datetime(2024, 6, 1, 11, 0, 0, tzinfo=UTC), lat=-33.866543, lon=151.190148,
          speed_kmh=46.5, course_deg=181, altitude_m=-14.5)


def decode(frame: bytes, conn: Gl200Connection | None = None):
    return (conn or Gl200Connection()).receive_frame(frame, NOW)


# ------------------------------------------------------------ report types -------
#: the alarm each report type raises with head ``<power>,<report type 00>,<number>``
ALARMS = {"GTSPD": "overspeed", "GTSOS": "sos", "GTIDN": "idle", "GTIDF": "idle", "GTIDL": "idle",
          "GTSTT": "movement", "GTSWG": "geofence", "GTTEM": "temperature",
          "GTTMP": "temperature", "GTBPL": "lowBattery", "GTMPN": "powerRestored",
          "GTMPF": "powerCut", "GTEPN": "powerRestored", "GTEPF": "powerCut",
          "GTJDR": "jamming", "GTJDS": "jamming", "GTTOW": "tow", "GTCRA": "accident",
          "GTHBM": "hardBraking", "GTPNA": "powerOn", "GTPFA": "powerOff"}
LOCATED = sorted(k for k, v in REPORTS.items() if v[2])
UNLOCATED = sorted(k for k, v in REPORTS.items() if not v[2] and k != "GTHBD")


@pytest.mark.parametrize("kind", LOCATED)
def test_every_located_report_is_a_position(kind):
    frame = text_report(kind, IMEI, head=("12500", "00", "1"), fixes=[FIX], tail=("90",),
                        send_time=SENT)
    d = decode(frame)
    assert d.events == () and len(d.positions) == 1
    p = d.positions[0]
    assert (p.device_id, p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg, p.altitude_m) == (
        IMEI, FIX.time, -33.866543, 151.190148, 46.5, 181.0, -14.5)
    assert p.attributes.get("alarm") == ALARMS.get(kind)


@pytest.mark.parametrize("kind", UNLOCATED)
def test_every_report_without_block_is_an_event(kind):
    d = decode(text_report(kind, IMEI, head=("0",), send_time=SENT))
    assert d.positions == () and len(d.events) == 1
    e = d.events[0]
    assert (e.device_id, e.time) == (IMEI, SENT)
    assert e.attributes.get("alarm") == ALARMS.get(kind)


def test_unknown_report_type_is_counted_as_unknown_message():
    d = decode(text_report("GTZZZ", IMEI, head=("0",), send_time=SENT))
    assert d.positions == () and d.unknown is not None and d.unknown.message_type == "GTZZZ"


@pytest.mark.parametrize("code", sorted(HARSH))
def test_every_harsh_behaviour_code(code):
    expected = {0: "hardBraking", 1: "hardAcceleration", 2: "hardCornering", 3: "hardBraking",
                4: "hardAcceleration"}[code]
    (p,) = decode(text_report("GTHBM", IMEI, head=("", f"1{code}", "1"), fixes=[FIX],
                              send_time=SENT)).positions
    assert p.attributes["alarm"] == expected


@pytest.mark.parametrize(("kind", "head", "key", "value"), [
    ("GTDIS", ("", "21", "1"), "in2", True), ("GTDIS", ("", "10", "1"), "in1", False),
    ("GTIGL", ("", "01", "1"), "ignition", True), ("GTIGL", ("", "00", "1"), "ignition", False),
    ("GTNMR", ("", "1", "1"), "motion", True), ("GTNMR", ("", "0", "1"), "motion", False),
    ("GTLSW", ("0", "1"), "in1", True), ("GTTSW", ("0", "0"), "in2", False),
    ("GTDAR", ("1", "3", "", ""), "fatigueDegree", 3), ("GTDAR", ("4", "0", "", ""),
                                                          "warningType", 4),
])
def test_report_type_fields(kind, head, key, value):
    (p,) = decode(text_report(kind, IMEI, head=head, fixes=[FIX], send_time=SENT)).positions
    assert p.attributes[key] == value


@pytest.mark.parametrize("state", sorted(INF_STATE))
def test_every_inf_state(state):
    body = (f"{state:02X}", "89490200001234567890", "23", "0", "1", "12650", "", "4.12", "1",
            "1", "0", "0", "20240601110000", "1250", "0", "", "00", "00", "+0000", "0")
    (e,) = decode(text_report("GTINF", IMEI, head=body, send_time=SENT)).events
    ignition, motion = {0x11: (False, False), 0x12: (False, True), 0x16: (False, True),
                        0x1A: (False, True), 0x21: (True, False), 0x22: (True, True),
                        0x41: (None, False), 0x42: (None, True)}[state]
    assert e.attributes.get("ignition") == ignition and e.attributes.get("motion") == motion
    assert (e.attributes["power"], e.attributes["battery"], e.attributes["charge"]) == (
        12.65, 4.12, True)


# --------------------------------------------------------------------- CAN -------
CAN = {0: ("WVWZZZ1JZXW000001", "vin", "WVWZZZ1JZXW000001"), 1: ("1", "ignition", True),
       2: ("H123456", "obdOdometer", 12345600.0), 3: ("L4236.08", "fuelUsed", 4236.08),
       4: ("1266", "rpm", 1266), 5: ("69", "obdSpeed", 69.0), 6: ("82", "coolantTemp", 82.0),
       7: ("L/H2.50", "fuelConsumption", 2.5), 8: ("P69.20", "fuel", 69.2),
       9: ("123", "range", 12300), 10: ("61", "throttle", 61.0), 11: ("10.10", "hours", 36360000),
       12: ("6.76", "drivingTime", 6.76), 13: ("3.34", "idleHours", 3.34),
       14: ("L524.08", "idleFuelConsumption", 524.08), 15: ("13115", "axleWeight", 13115),
       16: ("0008", "tachographInfo", 8), 17: ("0042", "indicators", 0x42),
       18: ("01", "lights", 1), 19: ("C0", "doors", 0xC0), 20: ("1.5", "vehicleOverspeed", 1.5),
       21: ("2.5", "engineOverspeed", 2.5)}
CAN_EXT = {0: ("P77.50", "adBlueLevel", 77.5), 1: ("5571", "axleWeight1", 5571),
           2: ("5572", "axleWeight3", 5572), 3: ("5573", "axleWeight4", 5573),
           7: ("12500", "adc1", 12.5), 15: ("E1", "driver1Card", "E1"),
           16: ("E2", "driver2Card", "E2"), 17: ("N1", "driver1Name", "N1"),
           18: ("N2", "driver2Name", "N2"), 19: ("AB123", "registration", "AB123"),
           **{b: ("7", k, 7.0) for b, k in ((4, "tachographOverspeed"), (5, "tachographMotion"),
                                            (6, "tachographDirection"), (8, "pedalBrakingFactor"),
                                            (9, "engineBrakingFactor"),
                                            (10, "acceleratorKickDowns"),
                                            (11, "effectiveEngineSpeedTime"),
                                            (12, "cruiseControlTime"),
                                            (13, "acceleratorKickDownTime"),
                                            (14, "brakeApplications"),
                                            (20, "expansionInformation"), (21, "rapidBrakings"),
                                            (22, "rapidAccelerations"), (23, "engineTorque"),
                                            (24, "serviceDistance"), (25, "ambientTemperature"),
                                            (26, "driver1WorkingTime"),
                                            (27, "driver2WorkingTime"), (29, "gaseousFuelLevel"),
                                            (30, "tachographInformationExpand"))}}


def test_can_tables_are_tested_whole():
    assert set(CAN) == set(CAN_BITS) and set(CAN_EXT) == set(CAN_EXT_BITS)


@pytest.mark.parametrize("bit", sorted(CAN))
def test_every_can_bit(bit):
    text, key, value = CAN[bit]
    head = ("00", "1", f"{(1 << bit) | (1 << 31) | (1 << 30):08X}", text, "1")
    d = decode(text_report("GTCAN", IMEI, head=head, fixes=[FIX], send_time=SENT))
    (p,) = d.positions
    assert p.attributes[key] == value and d.unknown_items == 0


@pytest.mark.parametrize("bit", sorted(CAN_EXT))
def test_every_can_expansion_bit(bit):
    text, key, value = CAN_EXT[bit]
    head = ("00", "1", "20000000", f"{1 << bit:08X}", text)
    d = decode(text_report("GTCAN", IMEI, head=head, send_time=SENT))
    (e,) = d.events
    assert e.attributes[key] == value and d.unknown_items == 0


def test_can_unknown_expansion_bit_is_kept_and_counted():
    head = ("00", "1", "20000000", "00000001", "P10.00", "")
    d = decode(text_report("GTCAN", IMEI, head=head, send_time=SENT))
    assert d.events[0].attributes["adBlueLevel"] == 10.0 and d.unknown_items == 0
    head = ("00", "1", "20000001", "WVWZZZ1JZXW000001", "00000000")
    assert decode(text_report("GTCAN", IMEI, head=head, send_time=SENT)).unknown_items == 0


def test_can_model_bits():
    # GV350M (F1): bits 22..24 carry one field each; other models send none
    head = ("00", "1", f"{(1 << 22) | (1 << 1):08X}", "1", "42")
    (e,) = decode(text_report("GTCAN", IMEI, version="F10415", head=head, send_time=SENT)).events
    assert e.attributes == {"canState": 1, "ignition": True, "impulseDistance": 42.0}
    (e,) = decode(text_report("GTCAN", IMEI, head=head, send_time=SENT)).events
    assert e.attributes == {"canState": 1, "ignition": True}


# --------------------------------------------------------------------- OBD -------
OBD = {0: ("4T1BE46KX7U018210", "vin", "4T1BE46KX7U018210"), 1: ("1", "obdConnect", True),
       2: ("13411", "obdVoltage", 13.411), 3: ("981B81C0", "supportedPids", "981B81C0"),
       4: ("787", "rpm", 787), 5: ("3", "obdSpeed", 3), 6: ("43", "coolantTemp", 43),
       7: ("6.5", "fuelConsumption", 6.5), 8: ("921", "dtcsClearedDistance", 921),
       9: ("463", "milActivatedDistance", 463), 10: ("1", "milStatus", 1),
       11: ("2", "dtcsNumber", 2), 12: ("03000301", "dtcsCodes", "03000301"),
       13: ("20", "throttle", 20), 14: ("55", "engineLoad", 55), 15: ("70", "fuel", 70)}


def test_obd_table_is_tested_whole():
    assert set(OBD) == set(OBD_BITS)


@pytest.mark.parametrize("bit", sorted(OBD))
def test_every_obd_bit(bit):
    text, key, value = OBD[bit]
    head = ("0", f"{1 << bit:06X}", text, "1286")
    (p,) = decode(text_report("GTOBD", IMEI, version="1F0109", head=head, fixes=[FIX],
                              send_time=SENT)).positions
    assert p.attributes[key] == value and p.attributes["obdOdometer"] == 1_286_000


# --------------------------------------------------------------------- ERI -------
def _eri(mask: int, data: tuple[str, ...], version: str = "270A02"):
    tail = ("1523.4", "00123:45:06", "", "", "87", "220300", "", *data)
    frame = text_report("GTERI", IMEI, version=version, head=(f"{mask:08X}", "12500", "10", "1"),
                        fixes=[FIX], tail=tail, send_time=SENT)
    return decode(frame)


@pytest.mark.parametrize(("mask", "data", "expected"), [
    (0x01, ("00FA",), {"fuel": 250}),
    (0x02, ("2", "28FF2776A2150308", "1", "FFAD", "28E17436060000E2", "1", "0190"),
     {"temp1": -5.1875, "temp2": 25.0}),
    (0x08, ("1", "4", "100.0"), {"fuel": 100.0}),
    (0x18, ("1", "4", "55.5", "120"), {"fuel": 55.5}),
    (0x80, ("1", "00A1", "2", "21", "40"), {}),
    (0x100, ("1", "00", "6", "4", "0D1C099A", "2033", "WMS301", "7805414BA78A", "24", "33",
             "100"), {"tag1Id": "7805414BA78A", "tag1Temp": 24.0, "tag1Humidity": 33,
                      "tag1Battery": 100}),
    (1 << 29, ("", "", "01", "01F4"), {"fuel": 500}),
])
def test_every_eri_mask_bit(mask, data, expected):
    d = _eri(mask, data)
    (p,) = d.positions
    assert {k: p.attributes[k] for k in expected} == expected and d.unknown_items == 0
    assert (p.attributes["batteryLevel"], p.attributes["ignition"], p.attributes["input"]) == (
        87, True, 3)


def test_eri_unknown_mask_bit_keeps_its_data():
    d = _eri(1 << 20, ("A", "B"))
    assert d.positions[0].attributes["io116"] == "A,B" and d.unknown_items == 1


def test_eri_analog_inputs_volts_or_fuel():
    tail = ("0.0", "", "12500", "F55", "", "99", "210100", "")
    (p,) = decode(text_report("GTERI", IMEI, version="6E0A03", head=("00000000", "", "10", "1"),
                              fixes=[FIX], tail=tail, send_time=SENT)).positions
    assert (p.attributes["adc1"], p.attributes["fuel2"]) == (12.5, 55)


# ----------------------------------------------------------- accepted forms ------
def test_append_mask_adds_satellites():
    frame = text_report("GTFRI", IMEI, head=("12500", "10", "1"), fixes=[FIX],
                        tail=("1523.4", "", "", "", "87", "220300", "", "", ""),
                        send_time=SENT, satellites=11)
    (p,) = decode(frame).positions
    assert p.satellites == 11 and p.attributes["odometer"] == 1_523_400.0


def test_short_gps_time_and_send_time_forms():
    frame = (b"+RESP:GTFRI,270A02," + IMEI.encode() + b",,12500,10,1,1,0.0,0,-5.0,2.352222,"
             b"48.856613,202406011100,0208,0001,0A0B,0C0D,00,100.0,,,,90,210000,,,,"
             b"202406011101,0006$")
    (p,) = decode(frame).positions
    assert p.fix_time == datetime(2024, 6, 1, 11, 0, tzinfo=UTC) and p.altitude_m == -5.0


def test_frame_without_imei_uses_the_session_identity():
    conn = Gl200Connection()
    decode(text_report("GTFRI", IMEI, head=("0", "10", "1"), fixes=[FIX], send_time=SENT), conn)
    frame = text_report("GTFRI", "", head=("0", "10", "1"), fixes=[FIX], send_time=SENT)
    (p,) = decode(frame, conn).positions
    assert p.device_id == IMEI


# ------------------------------------------------------------- round trip -------
fixes = st.builds(
    Fix, time=st.datetimes(datetime(2001, 1, 1), datetime(2090, 1, 1)).map(
        lambda t: t.replace(microsecond=0, tzinfo=UTC)),
    lat=st.integers(-89_999_999, 89_999_999).map(lambda v: v / 1e6),
    lon=st.integers(-179_999_999, 179_999_999).map(lambda v: v / 1e6),
    speed_kmh=st.integers(0, 3000).map(lambda v: v / 10),
    course_deg=st.integers(0, 359), altitude_m=st.integers(-4000, 9000).map(lambda v: v / 10))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(LOCATED), st.lists(fixes, min_size=1, max_size=5),
       st.sampled_from(["RESP", "BUFF"]), st.sampled_from([None, 7]))
def test_round_trip_over_the_catalogue(kind, batch, prefix, satellites):
    frame = text_report(kind, IMEI, head=("12500", "00", str(len(batch))), fixes=batch,
                        tail=("90",), send_time=SENT, prefix=prefix, satellites=satellites)
    d = decode(frame)
    assert [(p.fix_time, p.lat, p.lon, p.speed_kmh, p.course_deg, p.altitude_m, p.satellites)
            for p in d.positions] == [
        (f.time, f.lat, f.lon, f.speed_kmh, float(f.course_deg), f.altitude_m, satellites)
        for f in batch]
    for p in d.positions:
        assert p.attributes.get("alarm") == ALARMS.get(kind)
        assert p.attributes.get("archive") == (True if prefix == "BUFF" else None)
    assert d.unknown_items == 0 and d.unknown is None


def test_gl5_tail_battery_volts_level_and_temperature():
    frame = text_report("GTFRI", IMEI, version="DE0114", head=("0", "0", "1"), fixes=[FIX],
                        tail=("0", "3800", "93", "0", "1", "-2.5"), send_time=SENT)
    (p,) = decode(frame).positions
    assert (p.attributes["battery"], p.attributes["batteryLevel"], p.attributes["temp1"]) == (
        3.8, 93, -2.5)


def test_vehicle_tail_analog_inputs_and_vin():
    frame = text_report("GTFRI", IMEI, name="WVWZZZ1JZXW000001,truck7", head=("12500", "10", "1"),
                        fixes=[FIX], tail=("1523.4", "", "4500", "F70", "87", "220300", "", "",
                                           ""), send_time=SENT)
    (p,) = decode(frame).positions
    assert {k: p.attributes[k] for k in ("vin", "adc1", "fuel2", "batteryLevel", "power")} == {
        "vin": "WVWZZZ1JZXW000001", "adc1": 4.5, "fuel2": 70, "batteryLevel": 87, "power": 12.5}
