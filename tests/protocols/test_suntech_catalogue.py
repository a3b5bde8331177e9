"""Suntech: every catalogue entry (protocols/suntech/_catalogue.py), written by the
device-side encoders and decoded with exact values; a round trip over the catalogue."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols._records import Fix
from protocols.suntech import SuntechConnection
from protocols.suntech._catalogue import (
    ALERTS, EMERGENCIES, EXTRA_COLUMNS, REPORT_TYPES, UEX_ITEMS, UNIVERSAL_COLUMNS, ZIP_TYPES,
)
from protocols.suntech.device import (
    binary_report, legacy_report, st4_report, st9_report, universal_report, zip_report,
)

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
T = datetime(2023, 5, 14, 8, 15, 30, tzinfo=UTC)
FIX = Fix(time=T, lat=-23.55052, lon=-46.633308, speed_kmh=45.12, course_deg=181.5,
          satellites=9, valid=True, attributes={"ignition": True})
LEGACY_ID, UNIVERSAL_ID, ZIP_ID = "205012345", "0560009999", "511340877"


def decode(frame: bytes, conn: SuntechConnection | None = None):
    (d,) = (conn or SuntechConnection()).feed(frame, NOW)
    return d


def one_position(frame: bytes):
    d = decode(frame)
    assert d.events == () and len(d.positions) == 1
    return d, d.positions[0]


def assert_fix(p, fix: Fix = FIX) -> None:
    assert (p.fix_time, p.valid, p.satellites) == (fix.time, fix.valid, fix.satellites)
    assert (p.lat, p.lon) == pytest.approx((fix.lat, fix.lon), abs=5e-7)
    assert (p.speed_kmh, p.course_deg) == pytest.approx((fix.speed_kmh, fix.course_deg),
                                                        abs=5e-3)


def alert_frames(alert_id: int) -> list[bytes]:
    return [legacy_report("ALT", LEGACY_ID, FIX, code=alert_id),
            universal_report("ALT", UNIVERSAL_ID, FIX, tail=(str(alert_id), "0", "")),
            binary_report(0x82, UNIVERSAL_ID, FIX, alert_id=alert_id),
            zip_report(0x13, ZIP_ID, FIX, alert_id)]


@pytest.mark.parametrize("alert_id", sorted(ALERTS))
def test_every_alert_id(alert_id):
    code = ALERTS[alert_id]
    for frame in alert_frames(alert_id):
        d, p = one_position(frame)
        assert_fix(p)
        assert p.attributes["alertId"] == alert_id and d.unknown_items == 0
        assert p.attributes.get("alarm") == code.alarm


def test_alert_outside_the_catalogue_is_kept_and_counted():
    for frame in alert_frames(201):
        d, p = one_position(frame)
        assert p.attributes["alertId"] == 201 and "alarm" not in p.attributes
        assert d.unknown_items == 1


@pytest.mark.parametrize("emergency_id", sorted(EMERGENCIES))
def test_every_emergency_id(emergency_id):
    code = EMERGENCIES[emergency_id]
    for frame in (legacy_report("EMG", LEGACY_ID, FIX, code=emergency_id),
                  zip_report(0x11, ZIP_ID, FIX, emergency_id)):
        d, p = one_position(frame)
        assert p.attributes.get("alarm") == code.alarm and d.unknown_items == 0
        assert "emergencyId" not in p.attributes
    d, p = one_position(legacy_report("EMG", LEGACY_ID, FIX, code=77))
    assert p.attributes["emergencyId"] == 77 and d.unknown_items == 1


@pytest.mark.parametrize("zip_type", sorted(ZIP_TYPES))
def test_every_zip_type(zip_type):
    kind, target = ZIP_TYPES[zip_type]
    d, p = one_position(zip_report(zip_type, ZIP_ID, FIX, 1, io=0b010001, odometer=987,
                                   power=12.45))
    assert_fix(p)
    assert p.device_id == ZIP_ID and p.attributes["type"] == kind
    assert {k: p.attributes[k] for k in ("odometer", "power", "ignition", "in1", "out1",
                                         "out2")} == {
        "odometer": 987, "power": 12.45, "ignition": True, "in1": False, "out1": True,
        "out2": False}
    expected = {"event": 1} if target == "event" else {"alarm": (
        ALERTS if kind == "ALT" else EMERGENCIES)[1].alarm}
    assert {k: p.attributes[k] for k in expected} == expected


def test_zip_hbm_bytes():
    d, p = one_position(zip_report(0x10, ZIP_ID, FIX, 0, hbm=(90, 4.1, False)))
    assert (p.attributes["hours"], p.attributes["battery"], p.attributes["archive"]) == (
        5_400_000, 4.1, True)


#: report type -> (frame, expected records: "position" / "event" / "none", attributes)
REPORTS = {
    "STT": (legacy_report("STT", LEGACY_ID, FIX, code=42), "position",
            {"type": "STT", "status": 2, "index": 42}),
    "EMG": (legacy_report("EMG", LEGACY_ID, FIX, code=1), "position", {"alarm": "sos"}),
    "EVT": (legacy_report("EVT", LEGACY_ID, FIX, code=3), "position", {"event": 3}),
    "ALT": (legacy_report("ALT", LEGACY_ID, FIX, code=5), "position",
            {"alarm": "geofenceExit"}),
    "UEX": (legacy_report("UEX", LEGACY_ID, FIX, uex="t_1=1E"), "position", {"temp1": 30}),
    "ALV": (legacy_report("ALV", LEGACY_ID), "none", {}),
    "CMD": (legacy_report("CMD", LEGACY_ID, uex="Enable1"), "event",
            {"type": "CMD", "result": "512;Enable1"}),
    "RES": (b"RES;" + UNIVERSAL_ID.encode() + b";04;01;OK\r", "event",
            {"type": "RES", "result": "04;01;OK"}),
    "BLE": (b"BLE;" + UNIVERSAL_ID.encode() + b";114;1.0.1;20230514;08:15:30;-23.550520;"
            b"-046.633308;1;-43;-46;-41;ACB89523EF68;247;3;4\r", "position",
            {"tag1Id": "ACB89523EF68", "tag1Rssi": -43, "tag1Minor": 4}),
    "HTE": (legacy_report("HTE", LEGACY_ID, FIX, uex="00A1B2C3D4E5F6"), "event",
            {"type": "HTE", "driverUniqueId": "00A1B2C3D4E5F6"}),
    "Location": (st9_report("Location", "123456", FIX), "position", {"type": "Location"}),
    "Emergency": (st9_report("Emergency", "123456", FIX), "position", {"alarm": "general"}),
    "Alert": (st9_report("Alert", "123456", FIX, sw=None, cell="3be0133057", odometer=5),
              "position", {"alarm": "general", "odometer": 5}),
}


def test_every_report_type_has_a_vector():
    assert set(REPORTS) == set(REPORT_TYPES)


@pytest.mark.parametrize("kind", sorted(REPORT_TYPES))
def test_every_report_type(kind):
    frame, records, expected = REPORTS[kind]
    d = decode(frame)
    got = d.positions if records == "position" else d.events
    assert (len(d.positions), len(d.events)) == {
        "position": (1, 0), "event": (0, 1), "none": (0, 0)}[records]
    if records != "none":
        assert {k: got[0].attributes.get(k) for k in expected} == expected
    if records == "event":
        assert got[0].time == NOW


def test_legacy_columns_exact():
    d, p = one_position(legacy_report("STT", LEGACY_ID, FIX, code=7, io="1000010",
                                      odometer=123456, power=12.64))
    assert_fix(p)
    assert p.attributes == {
        "type": "STT", "versionFw": "512", "odometer": 123456, "power": 12.64,
        "ignition": True, "in1": False, "in2": False, "in3": False, "out1": False,
        "out2": True, "io7": False, "status": 2, "index": 7}
    assert d.unknown_items == 1  # the 7th I/O character is outside the catalogue


@pytest.mark.parametrize("date_form,time_form", [
    ("%Y%m%d", "%H:%M:%S"), ("%y%m%d", "%H:%M:%S"), ("%Y%m%d", "%H%M%S"), ("%y%m%d", "%H%M%S"),
])
def test_date_and_time_forms(date_form, time_form):
    _, p = one_position(legacy_report("STT", LEGACY_ID, FIX, date_form=date_form,
                                      time_form=time_form))
    assert p.fix_time == T


EXTRAS = ["000090", "3.9", "0", "1.25", "", "0.00", "2100", "00A1B2C3D4E5F6", "1",
          "28AA:+21.5", "28BB:-3.0", ":"]
EXTRA_VALUES = {"hours": 5_400_000, "battery": 3.9, "archive": True, "adc1": 1.25,
                "adc3": 0.0, "rpm": 2100.0, "driverUniqueId": "00A1B2C3D4E5F6", "temp1": 21.5,
                "temp2": -3.0}
EXTRA_KEYS = {"adc1..adc3": ["adc1", "adc3"], "temp1..temp3": ["temp1", "temp2"]}


@pytest.mark.parametrize("column", [c[1] for c in EXTRA_COLUMNS if c[1] != "-"])
def test_extra_columns_by_shape(column):
    _, p = one_position(legacy_report("STT", LEGACY_ID, FIX, extras=EXTRAS))
    keys = EXTRA_KEYS.get(column, [column])
    assert {k: p.attributes[k] for k in keys} == {k: EXTRA_VALUES[k] for k in keys}
    assert "adc2" not in p.attributes and "temp3" not in p.attributes


def test_adc_without_rpm_and_rpm_alone_by_shape():
    _, p = one_position(legacy_report("STT", LEGACY_ID, FIX, extras=[
        "000090", "3.9", "1", "0.50", "1.00", "1.50", "00000000000000", "0"]))
    assert (p.attributes["adc1"], p.attributes["adc3"], "rpm" in p.attributes,
            "driverUniqueId" in p.attributes) == (0.5, 1.5, False, False)
    _, p = one_position(legacy_report("STT", LEGACY_ID, FIX, extras=[
        "000090", "3.9", "1", "800", "00000000000000", "0"]))
    assert (p.attributes["rpm"], "adc1" in p.attributes) == (800.0, False)


def test_adc_and_rpm_columns_by_configuration():
    from protocols._connection import ConnectionOptions
    conn = SuntechConnection(options=ConnectionOptions(extra={
        "hbm": 1, "includeAdc": True, "includeRpm": True, "includeTemp": True}))
    (d,) = conn.feed(legacy_report("STT", LEGACY_ID, FIX, extras=[
        "000002", "4.0", "1", "1.50", "0", "2.25", "1800", "00A1B2C3D4E5F6", "1",
        "28CC:+7.5", ":", ":"]), NOW)
    a = d.positions[0].attributes
    assert (a["adc1"], a["adc2"], a["adc3"], a["rpm"], a["temp1"], a["driverUniqueId"]) == (
        1.5, 0.0, 2.25, 1800.0, 7.5, "00A1B2C3D4E5F6")


UEX_DATA = {
    "t_": ("t_2=1E", {"temp2": 30}),
    "N_": ("N_1=0100.5;N_2=0010.0", {"fuel1": 256.5, "fuel2": 16.0, "fuel": 272.5}),
    "Q_D": ("Q_D=0A", {"drivingQuality": 10}),
    "CabAVL": ('CabAVL"CabMensaje,0,41.5,12.25,,,FinMensaje"FinAVL',
               {"fuel1": 41.5, "fuel2": 12.25}),
    "GTSL": ("GTSL|6|1|0|4477|2|", {"driverUniqueId": "4477"}),
}


@pytest.mark.parametrize("item", sorted(UEX_ITEMS))
def test_every_uex_item(item):
    data, expected = UEX_DATA[item]
    for frame in (legacy_report("UEX", LEGACY_ID, FIX, uex=data, extras=["000060", "4.1", "1"]),
                  universal_report("UEX", UNIVERSAL_ID, FIX, uex=data)):
        _, p = one_position(frame)
        assert_fix(p)
        assert {k: p.attributes.get(k) for k in expected} == expected


UNIVERSAL_VALUES = {
    2: {"versionFw": "1.0.15"}, 10: {"rssi": 0}, 17: {"input": 1, "ignition": True},
    18: {"output": 0}, 19: {"mode": 4}, 20: {"reason": 5}, 21: {"index": 6},
}
_BASE_MASK = (1 << 4) | (1 << 5) | (1 << 11) | (1 << 12)


@pytest.mark.parametrize("bit", sorted(UNIVERSAL_COLUMNS))
def test_every_universal_column(bit):
    if bit == 23:
        d, p = one_position(universal_report("STT", UNIVERSAL_ID, FIX, mask=_BASE_MASK,
                                             assign={1: "0.5", 16: "136598", 32: "x"}))
        assert {k: p.attributes[k] for k in ("io1", "io16", "io32")} == {
            "io1": 0.5, "io16": 136598, "io32": "x"}
        return
    frame = universal_report("STT", UNIVERSAL_ID, FIX, mask=_BASE_MASK | 1 << bit,
                             tail=("4", "5", "6"), extra="E" if bit == 22 else None)
    d, p = one_position(frame)
    assert (p.fix_time, p.lat, p.lon) == (T, pytest.approx(FIX.lat), pytest.approx(FIX.lon))
    expected = UNIVERSAL_VALUES.get(bit, {})
    assert {k: p.attributes.get(k) for k in expected} == expected
    assert d.unknown_items == 0 and not any(k.startswith("assign") for k in p.attributes)
    if bit == 13:
        assert p.speed_kmh == 45.12
    if bit == 3:
        assert "archive" not in p.attributes


def test_universal_leftover_columns_kept_and_counted():
    frame = universal_report("STT", UNIVERSAL_ID, FIX).rstrip(b"\r") + b";7;8\r"
    d, p = one_position(frame)
    assert (p.attributes["assign1"], p.attributes["assign2"], d.unknown_items) == ("7", "8", 2)


def test_binary_status_every_column():
    d, p = one_position(binary_report(0x81, UNIVERSAL_ID, FIX, input_byte=3, output_byte=2,
                                      rssi=31))
    assert_fix(p)
    assert p.attributes == {"versionFw": "1.0.15", "rssi": 31, "input": 3, "ignition": True,
                            "output": 2}


def test_binary_alert_with_driver():
    _, p = one_position(binary_report(0x82, UNIVERSAL_ID, FIX, alert_id=59, modifier=8,
                                      driver=bytes.fromhex("1d00000113f3f801")))
    assert (p.attributes["driverUniqueId"], p.attributes["alertModifier"]) == (
        "1d00000113f3f801", 8)


def test_st4_alt_and_model_41_columns():
    _, p = one_position(st4_report("007001234", FIX, kind="ALT"))
    assert_fix(p)
    assert p.attributes == {"type": "ALT", "versionFw": "426", "battery": 3.98, "index": 176,
                            "status": 2}
    _, p = one_position(st4_report("807000001", FIX, model="41", motion=True))
    assert (p.attributes["motion"], p.attributes["deviceTemp"]) == (True, 25.0)
    d = decode(st4_report("807000001", None, model="41", motion=False))
    assert d.positions == () and d.events[0].attributes["motion"] is False


CATALOGUE = (
    [("legacy-ALT", a) for a in ALERTS] + [("universal-ALT", a) for a in ALERTS]
    + [("binary-ALT", a) for a in ALERTS] + [("zip-ALT", a) for a in ALERTS]
    + [("legacy-EMG", e) for e in EMERGENCIES] + [("zip-EMG", e) for e in EMERGENCIES]
    + [("legacy-STT", 0), ("legacy-EVT", 3), ("universal-STT", 0), ("binary-STT", 0),
       ("zip-STT", 0), ("st9", 0), ("st4", 0)]
)


def _frame(family: str, code: int, fix: Fix) -> bytes:
    kind = family.partition("-")[2]
    if family.startswith("legacy"):
        return legacy_report(kind, LEGACY_ID, fix, code=code)
    if family.startswith("universal"):
        return universal_report(kind, UNIVERSAL_ID, fix, tail=(str(code), "0", "1"))
    if family.startswith("binary"):
        return binary_report(0x82 if kind == "ALT" else 0x81, UNIVERSAL_ID, fix,
                             alert_id=code if kind == "ALT" else None)
    if family.startswith("zip"):
        return zip_report({"STT": 0x10, "EMG": 0x11, "ALT": 0x13}[kind], ZIP_ID, fix, code)
    if family == "st9":
        return st9_report("Location", "123456", fix)
    return st4_report("007001234", fix)


fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.floats(0, 300), course_deg=st.floats(0, 359.99),
    satellites=st.integers(0, 31), valid=st.booleans(),
    attributes=st.just({"ignition": True}),
)


@settings(max_examples=150, deadline=None)
@given(entries=st.lists(st.tuples(st.sampled_from(CATALOGUE), fixes), min_size=1, max_size=4),
       cut=st.integers(0, 400))
def test_round_trip_over_the_catalogue(entries, cut):
    stream = b"".join(_frame(family, code, fix) for (family, code), fix in entries)
    conn = SuntechConnection()
    out = conn.feed(stream[:cut], NOW) + conn.feed(stream[cut:], NOW)
    got = [p for d in out for p in d.positions]
    assert len(got) == len(entries) and sum(d.unknown_items for d in out) == 0
    for p, ((family, code), fix) in zip(got, entries):
        assert p.fix_time == fix.time
        assert p.lat == pytest.approx(fix.lat, abs=5e-7 + 1e-12)
        assert p.lon == pytest.approx(fix.lon, abs=5e-7 + 1e-12)
        assert p.course_deg == pytest.approx(fix.course_deg, abs=5e-3 + 1e-9)
        if family not in ("st9",):
            assert p.satellites == fix.satellites
        if family.endswith("ALT"):
            assert p.attributes["alertId"] == code
            assert p.attributes.get("alarm") == ALERTS[code].alarm
        if family.endswith("EMG"):
            assert p.attributes.get("alarm") == EMERGENCIES[code].alarm


@pytest.mark.parametrize("lat,lon,expected", [
    ("+37.478519", "+126.886819", (37.478519, 126.886819)),
    ("-01.280825", "-047.931773", (-1.280825, -47.931773)),
    ("12.5", "7.25", (12.5, 7.25)),
])
def test_coordinate_forms(lat, lon, expected):
    frame = legacy_report("STT", LEGACY_ID, FIX).decode()
    frame = frame.replace("-23.550520", lat).replace("-046.633308", lon).encode()
    _, p = one_position(frame)
    assert (p.lat, p.lon) == expected


def test_report_without_its_id_belongs_to_the_session():
    conn = SuntechConnection()
    decode(legacy_report("STT", LEGACY_ID, FIX), conn)
    (d,) = conn.feed(legacy_report("ALT", "", FIX, code=1), NOW)
    assert d.positions[0].device_id == LEGACY_ID and d.login is None
    (d,) = conn.feed(legacy_report("CMD", "", uex="OK"), NOW)
    assert d.events[0].device_id == LEGACY_ID
