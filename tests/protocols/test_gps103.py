"""GPS103 (Coban / TK103-2 ``imei:``): exact vectors, replies, identity, framing, device."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols import MalformedError, ProtocolError
from protocols._records import Decoded, Fix
from protocols.gps103 import SPEC, Gps103Connection, Gps103Device, Gps103UdpConnection
from protocols.gps103.constants import Command
from protocols.gps103.decode import local_to_utc
from protocols.gps103.encode import encode_command, encode_sos_ack, format_interval
from protocols.gps103.framing import split_messages
from protocols._device import DeviceAck

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
IMEI = "861234567890123"
KN = 1.852

LOGIN = b"##,imei:861234567890123,A;"
HEARTBEAT = b"861234567890123;"
REPORT = (b"imei:861234567890123,tracker,240305143015,,F,113015.000,A,5230.1234,N,"
          b"01322.5678,E,12.50,271.30;")
REPORT_FIX = (datetime(2024, 3, 5, 11, 30, 15, tzinfo=UTC), 52 + 30.1234 / 60, 13 + 22.5678 / 60)
EXTRAS = (b"imei:861234567890123,acc on,2403051430,,F,113015.250,V,3345.6789,S,15112.3456,W,"
          b"0.00,45.5,123.4,1,0,55.5%,,-5;")
SOS = (b"imei:861234567890123,help me,2403051430,+4912345,F,113015.000,A,5230.1234,N,"
       b"01322.5678,E,0.00,;")
LBS = b"imei:861234567890123,low battery,2403051430,,L,,,1a2b,,3c4d,,,;"
OBD = (b"imei:861234567890123,OBD,240305143015,12345,1.5,8.2,10.5,60,25.5%,90,12.0%,2100,"
       b"13.8,P0101,C0300,;")
ALTERNATIVE = (b"imei:861234567890123,1,2,0,0,113015,050324,25,1,52.502057,-13.376130,36.5,90.0,"
               b"120.0,0.9,9,1,0,0*")


def one(data: bytes, conn=None) -> Decoded:
    return (conn or Gps103Connection()).receive_frame(data, NOW)


def test_spec():
    assert SPEC.name == "gps103" and SPEC.default_port == 5001
    assert SPEC.transports == ("tcp", "udp")
    assert SPEC.tcp_connection is Gps103Connection and SPEC.udp_connection is Gps103UdpConnection
    assert SPEC.device is Gps103Device


def test_login_answered_load_at_once():
    d = one(LOGIN)
    assert d == Decoded(login=IMEI, reply=b"LOAD")


def test_short_imei_message_is_a_login():
    d = one(b"imei:123456789012345,L,*")
    assert d.login == "123456789012345" and d.reply == b"LOAD" and not d.positions


def test_heartbeat_answered_on():
    conn = Gps103Connection(device_id=IMEI)
    d = one(HEARTBEAT, conn)
    assert d == Decoded(reply=b"ON")


def test_heartbeat_identifies_a_new_session():
    d = one(HEARTBEAT)
    assert d == Decoded(login=IMEI, reply=b"ON")


def test_regular_report():
    conn = Gps103Connection(device_id=IMEI)
    d = one(REPORT, conn)
    assert d.reply is None and d.login is None and not d.events
    (p,) = d.positions
    assert (p.fix_time, p.lat, p.lon) == REPORT_FIX
    assert p.device_id == IMEI and p.protocol == "gps103" and p.valid is True
    assert p.speed_kmh == pytest.approx(12.5 * KN) and p.course_deg == 271.3
    assert p.altitude_m is None and p.attributes == {}


def test_report_identifies_the_session():
    conn = Gps103Connection()
    assert one(REPORT, conn).login == IMEI and conn.device_id == IMEI
    assert one(REPORT, conn).login is None


def test_report_with_extras_south_west_invalid():
    (p,) = one(EXTRAS).positions
    assert p.fix_time == datetime(2024, 3, 5, 11, 30, 15, 250000, tzinfo=UTC)
    assert p.valid is False
    assert p.lat == pytest.approx(-(33 + 45.6789 / 60), abs=1e-12)
    assert p.lon == pytest.approx(-(151 + 12.3456 / 60), abs=1e-12)
    assert p.speed_kmh == 0.0 and p.course_deg == 45.5 and p.altitude_m == 123.4
    assert p.attributes == {"ignition": True, "door": False, "fuel1": 55.5, "temp1": -5}


@pytest.mark.parametrize("local, utc, expected", [
    ("2403060130", "223045", datetime(2024, 3, 5, 22, 30, 45, tzinfo=UTC)),   # +3 h over midnight
    ("2403051700", "220000", datetime(2024, 3, 5, 22, 0, 0, tzinfo=UTC)),     # -5 h
    ("240305170059", "163059.5", datetime(2024, 3, 5, 16, 30, 59, 500000, tzinfo=UTC)),  # +0:30
    ("2403051130", "113015", datetime(2024, 3, 5, 11, 30, 15, tzinfo=UTC)),   # UTC
    ("2403050100", "130000", datetime(2024, 3, 4, 13, 0, 0, tzinfo=UTC)),     # +12 h
    ("2403060100", "120000", datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)),     # +13 h (NZDT)
    ("2403051300", "000000", datetime(2024, 3, 5, 0, 0, 0, tzinfo=UTC)),      # -11 h reads as +13 h
    ("240305173015", "31.0", datetime(2024, 3, 5, 17, 30, 15, tzinfo=UTC)),   # no UTC field
])
def test_local_time_offset(local, utc, expected):
    assert local_to_utc(local, utc) == expected


def test_sos_reply_waits_for_commit():
    d = one(SOS)
    assert d.reply == b"**,imei:861234567890123,E;" and d.defer_reply is True
    assert d.positions[0].attributes == {"alarm": "sos"}
    assert d.positions[0].course_deg is None


def test_lbs_report_is_an_event_at_now():
    d = one(LBS)
    assert not d.positions and d.reply is None
    (e,) = d.events
    assert (e.device_id, e.time, e.type) == (IMEI, NOW, "alarm")
    assert e.attributes == {"alarm": "lowBattery", "lac": 0x1A2B, "cid": 0x3C4D}


def test_lbs_without_cell():
    (e,) = one(b"imei:861234567890123,tracker,000000000,,L,;").events
    assert (e.type, e.attributes) == ("status", {})


@pytest.mark.parametrize("keyword, attrs", [
    (b"sensor alarm", {"alarm": "vibration"}), (b"ac alarm", {"alarm": "powerCut"}),
    (b"stockade", {"alarm": "geofence"}), (b"move", {"alarm": "movement"}),
    (b"speed", {"alarm": "overspeed"}), (b"door alarm", {"alarm": "door"}),
    (b"accident alarm", {"alarm": "accident"}), (b"bonnet alarm", {"alarm": "bonnet"}),
    (b"footbrake alarm", {"alarm": "footBrake"}), (b"T:+31", {"alarm": "temperature", "temp1": 31}),
    (b"acc off", {"ignition": False}), (b"oil 42.5", {"alarm": "fuelLeak", "fuel": 42.5}), (b"tracker", {}),
    (b"vt3", {}),
])
def test_keywords(keyword, attrs):
    frame = (b"imei:861234567890123," + keyword + b",2403051430,,F,113015.000,A,5230.1234,N,"
             b"01322.5678,E,0.00,;")
    (p,) = one(frame).positions
    assert p.attributes == attrs


def test_rfid_driver():
    frame = (b"imei:861234567890123,rfid,2403051430,00A1B2C3,F,113015.000,A,5230.1234,N,"
             b"01322.5678,E,0.00,0;")
    assert one(frame).positions[0].attributes == {"event": "rfid", "driverUniqueId": "00A1B2C3"}


def test_dtc_report():
    frame = (b"imei:861234567890123,DTC,2403051430,,F,113015.000,A,5230.1234,N,01322.5678,E,"
             b"0.00,10.0,,1,0,33.0%,P0420,;")
    (p,) = one(frame).positions
    assert p.attributes == {"alarm": "fault", "ignition": True, "door": False, "fuel1": 33.0,
                            "dtcs": "P0420"}


def test_hemisphere_before_number_and_missing_hemisphere():
    frame = (b"imei:861234567890123,tracker,2403051430,,F,113015.000,A,N,5230.1234,"
             b"01322.5678,,0,0;")
    (p,) = one(frame).positions
    assert (p.lat, p.lon) == pytest.approx((52 + 30.1234 / 60, 13 + 22.5678 / 60), abs=1e-12)


def test_obd_event():
    (e,) = one(OBD).events
    assert (e.type, e.time) == ("status", NOW)
    assert e.attributes == {
        "odometer": 12345, "fuelConsumption": 1.5, "fuelAverage": 8.2, "obdSpeed": 60.0,
        "engineLoad": 25.5, "coolantTemp": 90, "throttle": 12.0, "rpm": 2100, "battery": 13.8,
        "hours": 37_800_000, "dtcs": "P0101 C0300"}


def test_alternative_report():
    (p,) = one(ALTERNATIVE).positions
    assert p.fix_time == datetime(2024, 3, 5, 11, 30, 15, tzinfo=UTC)
    assert (p.lat, p.lon, p.valid) == (52.502057, -13.37613, True)
    assert (p.speed_kmh, p.course_deg, p.altitude_m, p.hdop, p.satellites) == (
        36.5, 90.0, 120.0, 0.9, 9)
    assert p.attributes == {"event": 2, "rssi": 25, "ignition": True, "charge": False,
                            "sensorId": "0", "sensorVoltage": 0.0, "error": "0"}


def test_heartbeat_glued_to_a_report():
    d = one(b"861234567890123" + REPORT)
    assert d.reply == b"ON" and d.defer_reply is False
    assert (d.positions[0].fix_time, d.positions[0].lat, d.positions[0].lon) == REPORT_FIX


def test_photo_chunk_yields_nothing():
    assert one(b"imei:861234567890123,vr,ffd8ffe000104a46494600010101;") == Decoded(login=IMEI)


def test_unknown_message():
    d = one(b"$GPRMC,113015,A;")
    assert d.unknown is not None and d.unknown.message_type == "$GPRMC"
    assert not d.positions and d.reply is None


@pytest.mark.parametrize("frame", [
    b"imei:861234567890123,tracker,2403051430,,F,113015.000,A,5230.1234,N,01322.5678;",
    b"imei:861234567890123,tracker,2413051430,,F,11301,A,5230.1234,N,01322.5678,E,0,0;",
    b"imei:861234567890123,tracker,2403051430,,F,113015.000,A,9130.1234,N,01322.5678,E,0,0;",
    b"imei:861234567890123,tracker,2403051430,,F,116015.000,A,5230.1234,N,01322.5678,E,0,0;",
    b"imei:861234567890123,tracker,2403051430,,F,113015.000,A,52x0.1234,N,01322.5678,E,0,0;",
    b"imei:,tracker,2403051430,,F,113015.000,A,5230.1234,N,01322.5678,E,0,0;",
    b"imei:86123456789\xff0123,tracker,2403051430,,F,113015.000,A,5230.1234,N,01322.56,E,0;",
    b"12345!;",
])
def test_malformed_reports_raise(frame):
    with pytest.raises(MalformedError):
        one(frame)


def test_replies_and_commands():
    assert encode_sos_ack(IMEI) == b"**,imei:861234567890123,E;"
    assert encode_command(IMEI, Command.SINGLE_POSITION) == b"**,imei:861234567890123,B"
    assert encode_command(IMEI, Command.PERIODIC, format_interval(30)) == \
        b"**,imei:861234567890123,C,30s"
    assert format_interval(300) == "05m" and format_interval(3600) == "01h"
    assert encode_command(IMEI, Command.ENGINE_STOP) == b"**,imei:861234567890123,J"
    assert encode_command(IMEI, Command.PHOTO) == b"**,imei:861234567890123,160"


# ---------------------------------------------------------------- stream

SESSION = LOGIN + REPORT + b"\r\n" + SOS + HEARTBEAT + ALTERNATIVE + b"\n" + LBS
EXPECTED = [(IMEI, 0, 0, b"LOAD"), (None, 1, 0, None), (None, 1, 0, b"**,imei:861234567890123,E;"),
            (None, 0, 0, b"ON"), (None, 1, 0, None), (None, 0, 1, None)]


def drain(conn, chunks):
    out, errors = [], []
    for chunk in chunks:
        data = chunk
        while True:
            try:
                out.extend(conn.feed(data, NOW))
                break
            except ProtocolError as exc:
                out.extend(exc.decoded)
                errors.append(exc)
                data = b""
    return out, errors


def summary(results):
    return [(d.login, len(d.positions), len(d.events), d.reply) for d in results]


def test_whole_stream():
    conn = Gps103Connection()
    out, errors = drain(conn, [SESSION])
    assert errors == [] and summary(out) == EXPECTED and conn.buffered == 0
    assert (out[1].positions[0].fix_time, out[1].positions[0].lat,
            out[1].positions[0].lon) == REPORT_FIX


def test_byte_by_byte():
    conn = Gps103Connection()
    out, errors = drain(conn, [SESSION[i:i + 1] for i in range(len(SESSION))])
    assert errors == [] and summary(out) == EXPECTED and conn.buffered == 0


def test_split_at_every_offset():
    for cut in range(len(SESSION) + 1):
        out, errors = drain(Gps103Connection(), [SESSION[:cut], SESSION[cut:]])
        assert errors == [] and summary(out) == EXPECTED, cut


def test_incomplete_message_waits():
    conn = Gps103Connection()
    assert conn.feed(REPORT[:-1], NOW) == [] and conn.buffered == len(REPORT) - 1
    assert len(conn.feed(b";", NOW)[0].positions) == 1


def test_garbage_between_messages_is_skipped_per_message():
    conn = Gps103Connection()
    out, errors = drain(conn, [LOGIN + b"\x00\xffjunk;" + REPORT])
    assert summary(out) == [(IMEI, 0, 0, b"LOAD"), (None, 1, 0, None)]
    assert len(errors) == 1 and isinstance(errors[0], MalformedError) and not errors[0].fatal
    assert not conn.closed


def test_overlong_message_resyncs():
    conn = Gps103Connection()
    out, errors = drain(conn, [b"imei:" + b"9" * 9000, b";" + REPORT])
    assert len(errors) == 1 and not errors[0].fatal
    assert summary(out) == [(IMEI, 1, 0, None)] and conn.buffered == 0


def test_split_messages():
    assert split_messages(b"a;b\r\nc*\n;d") == [b"a", b"b", b"c*", b"d"]


def test_framed_message_without_delimiter():
    assert len(one(REPORT[:-1]).positions) == 1


def test_udp_datagram_with_two_messages():
    conn = Gps103UdpConnection()
    d = conn.receive_frame(LOGIN + REPORT, NOW)
    assert d.login == IMEI and d.reply == b"LOAD" and len(d.positions) == 1
    assert conn.receive_frame(HEARTBEAT, NOW) == Decoded(reply=b"ON")


def test_udp_datagram_skips_a_bad_message():
    d = Gps103UdpConnection().receive_frame(b"imei:!!;" + REPORT, NOW)
    assert len(d.positions) == 1


# ---------------------------------------------------------------- device

FIX = Fix(time=datetime(2024, 3, 5, 11, 30, 15, tzinfo=UTC), lat=-33.5, lon=151.25,
          speed_kmh=18.52, course_deg=90.5, altitude_m=42.0, attributes={"ignition": True})


def test_device_messages():
    dev = Gps103Device(IMEI, utc_offset_minutes=600)
    assert dev.hello() == LOGIN and dev.heartbeat() == HEARTBEAT
    out = dev.encode_fixes([FIX])
    assert out.data == (b"imei:861234567890123,tracker,240305213015,,F,113015.000,A,3330.0000,S,"
                        b"15115.0000,E,10.000,90.50,42.0,1,,,,;")
    assert out.count == 1 and dev.encode_fixes([FIX]).token != out.token
    assert dev.expects_acks is False and dev.max_fixes_per_packet == 1


def test_device_reads_replies_split_anywhere():
    replies = b"LOAD" + b"ON" + b"**,imei:861234567890123,E;" + b"ON"
    for cut in range(len(replies) + 1):
        dev = Gps103Device(IMEI)
        acks = dev.receive_data(replies[:cut]) + dev.receive_data(replies[cut:])
        assert acks == [DeviceAck("hello"), DeviceAck("other"), DeviceAck("other"),
                        DeviceAck("other")], cut
        assert dev.hello_acked


def test_device_session_through_connection():
    dev = Gps103Device(IMEI, utc_offset_minutes=-300)
    conn = Gps103Connection()
    out = conn.feed(dev.hello() + dev.encode_fixes([FIX]).data, NOW)
    assert dev.receive_data(out[0].reply) == [DeviceAck("hello")]
    (p,) = out[1].positions
    assert (p.fix_time, p.lat, p.lon, p.course_deg, p.altitude_m) == (
        FIX.time, -33.5, 151.25, 90.5, 42.0)
    assert p.speed_kmh == pytest.approx(18.52) and p.attributes == {"ignition": True}
