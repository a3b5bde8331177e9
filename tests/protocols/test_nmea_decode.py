"""NMEA (t55): one line at a time through ``receive_frame`` -- exact records.

All sentences here are written for these tests (checksums computed by hand
with the NMEA XOR rule), not taken from another project's test suite.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols import ChecksumError, MalformedError
from protocols._connection import ConnectionOptions
from protocols._records import Decoded, Event, Position, UnknownMessage
from protocols.nmea import SPEC, NmeaConnection, NmeaUdpConnection
from protocols.registry import get

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
DEV = "861234567890100"
A = pytest.approx

RMC_GP = b"$GPRMC,142530.500,A,5230.1234,N,01322.5678,E,12.50,271.30,150724,,,A*50"
RMC_GN = b"$GNRMC,000001.00,V,3345.6789,S,07012.3456,W,,,010125,,,N*50"
RMC_GL = b"$GLRMC,235959,A,0101.0000,N,00101.0000,E,0.0,0.0,311299,,*01"
GGA = b"$GPGGA,101010.000,4124.8963,N,00209.3525,E,2,09,0.95,37.2,M,51.3,M,,*57"
GGA_NOFIX = b"$GNGGA,235958.00,4124.8963,N,00209.3525,E,0,00,99.9,,M,,M,,*77"
GLL = b"$GPGLL,4916.4500,N,12311.1200,W,225444,A,A*5C"
RMA = b"$GPRMA,A,5000.0000,N,00800.0000,E,,,10.0,45.0,,*12"
PUBX = (b"$PUBX,00,123456.00,5101.50000,N,00016.80000,W,100.500,G3,3.0,4.0,36.000,180.00,"
        b"0.100,,1.10,1.50,1.00,7,0,0*46")
PUBX_NF = (b"$PUBX,00,123456.00,5101.50000,N,00016.80000,W,0.000,NF,5000,5000,0.000,0.00,"
           b"0.000,,99.99,99.99,99.99,0,0,0*36")
TRCCR = b"$TRCCR,20230615083000.250,A,-12.345678,45.678901,10.00,90.50,120.0,3.9,*0B"
GPIOP = b"$GPIOP,10100000,01000000,1.25,0.00,2.50,0.00,12.60,4.05*75"
GPTXT_NET = b"$GPTXT,NET,1A2B,3C4D,-71,262 02*03"
GPTXT_OTHER = b"$GPTXT,01,01,02,ANTSTATUS=OK*3B"
GSV = b"$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74"
T55 = (b"$GPRMC,101500.000,A,2830.0000,N,07715.0000,E,5.00,45.00,010224,,,A*57,"
       b"9,861234567890125,0,055,012")
QZE = b"QZE,861234567890123,12,01022021,235900,-23.55052,-46.633308,45,180,A,0"
WMCS = (b"$ID,861234567890124,7,WMCS-34,0,IOP,O,0x00,I,0x01,GPSEX,A,D,150822,T,101500,"
        b"S,8:11,La,48.85837,N,Lo,2.29448,E,H,90.5,V,36.0,DD,0")


def tcp(device_id=DEV, **extra) -> NmeaConnection:
    return NmeaConnection(device_id=device_id, options=ConnectionOptions(extra=extra))


def one_position(decoded: Decoded) -> Position:
    assert decoded.events == ()
    assert len(decoded.positions) == 1
    return decoded.positions[0]


# --------------------------------------------------------------- spec


def test_spec_and_alias():
    assert SPEC.name == "nmea" and SPEC.default_port == 5005
    assert SPEC.transports == ("tcp", "udp")
    assert get("t55") is get("nmea") is SPEC
    assert SPEC.tcp_connection is NmeaConnection and SPEC.udp_connection is NmeaUdpConnection


# --------------------------------------------------------------- RMC


def test_rmc_gp_exact():
    d = tcp().receive_frame(RMC_GP, NOW)
    assert d.checksum_ok and d.reply is None and d.login is None
    assert one_position(d) == Position(
        device_id=DEV, protocol="nmea",
        fix_time=datetime(2024, 7, 15, 14, 25, 30, 500000, tzinfo=UTC), valid=True,
        lat=A(52 + 30.1234 / 60, abs=1e-12), lon=A(13 + 22.5678 / 60, abs=1e-12),
        speed_kmh=A(12.5 * 1.852, abs=1e-12), course_deg=271.3,
    )


def test_rmc_gn_invalid_southwest_empty_speed_course():
    p = one_position(tcp().receive_frame(RMC_GN, NOW))
    assert p.fix_time == datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert p.valid is False
    assert p.lat == A(-(33 + 45.6789 / 60), abs=1e-12)
    assert p.lon == A(-(70 + 12.3456 / 60), abs=1e-12)
    assert p.speed_kmh is None and p.course_deg is None


def test_rmc_gl_no_fraction_and_last_century():
    p = one_position(tcp().receive_frame(RMC_GL, NOW))
    assert p.fix_time == datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert (p.lat, p.lon) == (A(1 + 1 / 60, abs=1e-12), A(1 + 1 / 60, abs=1e-12))
    assert (p.speed_kmh, p.course_deg, p.valid) == (0.0, 0.0, True)


def test_rmc_two_digit_longitude_degrees():
    # some devices drop the leading zero of a 3-digit longitude
    line = b"$GPRMC,120000,A,5308.5000,N,1029.1200,E,0.0,0.0,290316,,"
    p = one_position(tcp().receive_frame(line, NOW))
    assert (p.lat, p.lon) == (A(53 + 8.5 / 60, abs=1e-12), A(10 + 29.12 / 60, abs=1e-12))


def test_rmc_without_coordinates_yields_nothing():
    d = tcp().receive_frame(b"$GPRMC,,V,,,,,,,,,,N*53", NOW)
    assert d.positions == () and d.events == () and d.checksum_ok


def test_t55_extension_identifies_and_adds_attributes():
    conn = tcp(device_id=None)
    d = conn.receive_frame(T55, NOW)
    assert d.login == "861234567890125" and conn.device_id == "861234567890125"
    assert one_position(d) == Position(
        device_id="861234567890125", protocol="nmea",
        fix_time=datetime(2024, 2, 1, 10, 15, tzinfo=UTC), valid=True,
        lat=28.5, lon=77.25, speed_kmh=A(5 * 1.852, abs=1e-12), course_deg=45.0,
        satellites=9, attributes={"ignition": False, "fuel": 55, "battery": 12},
    )
    assert conn.receive_frame(T55, NOW).login is None  # same id again: no new login


# --------------------------------------------------------------- GGA GLL RMA PUBX


def test_gga_takes_the_date_of_now():
    d = tcp().receive_frame(GGA, NOW)
    assert one_position(d) == Position(
        device_id=DEV, protocol="nmea", fix_time=datetime(2024, 3, 5, 10, 10, 10, tzinfo=UTC),
        valid=True, lat=A(41 + 24.8963 / 60, abs=1e-12), lon=A(2 + 9.3525 / 60, abs=1e-12),
        altitude_m=37.2, satellites=9, hdop=0.95,
    )


def test_gga_date_of_now_in_utc_for_a_non_utc_now():
    from datetime import timedelta
    now = datetime(2024, 3, 6, 1, 0, tzinfo=timezone(timedelta(hours=3)))  # 2024-03-05 22:00Z
    p = one_position(tcp().receive_frame(GGA, now))
    assert p.fix_time == datetime(2024, 3, 5, 10, 10, 10, tzinfo=UTC)


def test_gga_late_after_midnight_belongs_to_previous_day_and_no_fix_is_invalid():
    now = datetime(2024, 3, 6, 0, 0, 3, tzinfo=UTC)
    p = one_position(tcp().receive_frame(GGA_NOFIX, now))
    assert p.fix_time == datetime(2024, 3, 5, 23, 59, 58, tzinfo=UTC)
    assert p.valid is False and p.satellites == 0 and p.hdop == 99.9 and p.altitude_m is None


def test_gga_slightly_ahead_before_midnight_belongs_to_next_day():
    line = b"$GPGGA,000001.000,4124.8963,N,00209.3525,E,1,05,1.0,1.0,M,0.0,M,,"
    p = one_position(tcp().receive_frame(line, datetime(2024, 3, 5, 23, 59, 59, tzinfo=UTC)))
    assert p.fix_time == datetime(2024, 3, 6, 0, 0, 1, tzinfo=UTC)


def test_gll():
    now = datetime(2024, 3, 5, 23, 0, tzinfo=UTC)
    assert one_position(tcp().receive_frame(GLL, now)) == Position(
        device_id=DEV, protocol="nmea", fix_time=datetime(2024, 3, 5, 22, 54, 44, tzinfo=UTC),
        valid=True, lat=A(49 + 16.45 / 60, abs=1e-12), lon=A(-(123 + 11.12 / 60), abs=1e-12),
    )


def test_rma_uses_server_time():
    assert one_position(tcp().receive_frame(RMA, NOW)) == Position(
        device_id=DEV, protocol="nmea", fix_time=NOW, valid=True, lat=50.0, lon=8.0,
        speed_kmh=A(18.52, abs=1e-12), course_deg=45.0,
    )


def test_pubx_00():
    assert one_position(tcp().receive_frame(PUBX, NOW)) == Position(
        device_id=DEV, protocol="nmea", fix_time=datetime(2024, 3, 5, 12, 34, 56, tzinfo=UTC),
        valid=True, lat=A(51 + 1.5 / 60, abs=1e-12), lon=A(-0.28, abs=1e-12),
        altitude_m=100.5, speed_kmh=36.0, course_deg=180.0, satellites=7, hdop=1.1,
    )
    nf = one_position(tcp().receive_frame(PUBX_NF, NOW))
    assert nf.valid is False and nf.satellites == 0


def test_pubx_other_than_00_yields_nothing():
    d = tcp().receive_frame(b"$PUBX,03,00", NOW)
    assert d.positions == () and d.events == () and d.unknown is None


# --------------------------------------------------------------- vendor sentences


def test_trccr():
    assert one_position(tcp().receive_frame(TRCCR, NOW)) == Position(
        device_id=DEV, protocol="nmea",
        fix_time=datetime(2023, 6, 15, 8, 30, 0, 250000, tzinfo=UTC), valid=True,
        lat=-12.345678, lon=45.678901, speed_kmh=A(10 * 1.852, abs=1e-12), course_deg=90.5,
        altitude_m=120.0, attributes={"battery": 3.9},
    )


def test_gpiop_is_an_io_event():
    d = tcp().receive_frame(GPIOP, NOW)
    assert d.positions == ()
    assert d.events == (Event(device_id=DEV, protocol="nmea", time=NOW, type="io", attributes={
        "input": 0b101, "output": 0b10, "adc1": 1.25, "adc2": 0.0, "adc3": 2.5, "adc4": 0.0,
        "power": 12.6, "battery": 4.05}),)


def test_gptxt_net_is_a_network_event_and_other_text_is_ignored():
    d = tcp().receive_frame(GPTXT_NET, NOW)
    assert d.events == (Event(device_id=DEV, protocol="nmea", time=NOW, type="network",
                              attributes={"lac": 0x1A2B, "cid": 0x3C4D, "rssi": -71,
                                          "mcc": 262, "mnc": 2}),)
    other = tcp().receive_frame(GPTXT_OTHER, NOW)
    assert other.positions == () and other.events == () and other.unknown is None


def test_qze_identifies_and_positions():
    conn = tcp(device_id=None)
    d = conn.receive_frame(QZE, NOW)
    assert d.login == "861234567890123"
    assert one_position(d) == Position(
        device_id="861234567890123", protocol="nmea",
        fix_time=datetime(2021, 2, 1, 23, 59, tzinfo=UTC), valid=True,
        lat=-23.55052, lon=-46.633308, speed_kmh=45.0, course_deg=180.0,
        attributes={"event": 12, "ignition": False},
    )


def test_wmcs_id_sentence():
    conn = tcp(device_id=None)
    d = conn.receive_frame(WMCS, NOW)
    assert d.login == "861234567890124"
    assert one_position(d) == Position(
        device_id="861234567890124", protocol="nmea",
        fix_time=datetime(2022, 8, 15, 10, 15, tzinfo=UTC), valid=True,
        lat=48.85837, lon=2.29448, speed_kmh=36.0, course_deg=90.5, satellites=8,
        attributes={"satVisible": 11, "ioDD": 0},  # DD: not in the catalogue, kept
    )
    assert d.unknown_items == 1


def test_wmcs_without_gps_block_yields_nothing_and_without_coordinates_is_malformed():
    assert tcp().receive_frame(b"$ID,861234567890124,7,WMCS-34,0", NOW).positions == ()
    with pytest.raises(MalformedError):
        tcp().receive_frame(b"$ID,861234567890124,GPSEX,A,D,150822,T,101500", NOW)


# --------------------------------------------------------------- identity


@pytest.mark.parametrize("line, device_id", [
    (b"$PGID,861234567890126*0C", "861234567890126"),
    (b"$DEVID,0x00ABCDEF12345678*31", "00ABCDEF12345678"),
    (b"$PCPTI,ABC123,120000,0*31", "ABC123"),
    (b"IMEI 861234567890127", "861234567890127"),
    (b"$IMEI,861234567890128", "861234567890128"),
    (b"$IMEI=861234567890129", "861234567890129"),
    (b"$PSIWMDID,7X1234567890AB*58", "7X1234567890AB"),
    (b'$CONNECT,861234567890130,NETWORK,"Op NL",RO,001,LAC,1F2E', "861234567890130"),
    (b"$GPFID,MX00042*53", "MX00042"),
    (b"0ABC1234DEF0", "0ABC1234DEF0"),
    (b"861234567890131", "861234567890131"),
])
@pytest.mark.parametrize("factory", [NmeaConnection, NmeaUdpConnection])
def test_identity_lines(factory, line, device_id):
    conn = factory(device_id=None)
    assert conn.receive_frame(line, NOW) == Decoded(login=device_id)
    assert conn.device_id == device_id
    assert one_position(conn.receive_frame(RMC_GP, NOW)).device_id == device_id


@pytest.mark.parametrize("line, device_id", [
    (b"861234567890132," + RMC_GP, "861234567890132"),
    (b"861234567890133" + RMC_GP, "861234567890133"),
    (b"77/861234567890134/" + RMC_GP, "861234567890134"),
    (b"4F3E2D1C0B0A9988" + GGA, "4F3E2D1C0B0A9988"),
])
def test_id_prefixed_to_a_sentence(line, device_id):
    conn = tcp(device_id=None)
    d = conn.receive_frame(line, NOW)
    assert d.login == device_id and conn.device_id == device_id
    assert one_position(d).device_id == device_id
    assert conn.receive_frame(line, NOW).login is None


def test_identity_line_replaces_an_assumed_identity():
    conn = tcp(device_id="000000000000000")
    assert conn.receive_frame(b"$PGID,861234567890126*0C", NOW).login == "861234567890126"
    assert one_position(conn.receive_frame(RMC_GP, NOW)).device_id == "861234567890126"


def test_lowercase_hex_line_is_not_an_identity():
    with pytest.raises(MalformedError):
        tcp(device_id=None).receive_frame(b"0abc1234def0", NOW)


def test_identity_sentence_without_id_is_malformed():
    with pytest.raises(MalformedError):
        tcp(device_id=None).receive_frame(b"$PGID,", NOW)


# --------------------------------------------------------------- before identification


def test_data_before_identity_yields_nothing():
    conn = tcp(device_id=None)
    for line in (GGA, GLL, PUBX, GPIOP, GPTXT_NET, TRCCR):
        assert conn.receive_frame(line, NOW) == Decoded()
    assert conn.device_id is None


def test_rmc_held_until_gpfid_then_released_with_the_identity():
    conn = tcp(device_id=None)
    assert conn.receive_frame(RMC_GN, NOW) == Decoded()
    assert conn.receive_frame(RMC_GP, NOW) == Decoded()  # replaces the held one
    d = conn.receive_frame(b"$GPFID,MX00042*53", NOW)
    assert d.login == "MX00042" and d.reply is None and not d.defer_reply
    p = one_position(d)
    assert p.device_id == "MX00042"
    assert p.fix_time == datetime(2024, 7, 15, 14, 25, 30, 500000, tzinfo=UTC)
    assert conn.receive_frame(b"$GPFID,MX00042*53", NOW) == Decoded(login="MX00042")


def test_held_rmc_released_with_ack_when_enabled():
    conn = NmeaConnection(options=ConnectionOptions(extra={"ack": True}))
    assert conn.receive_frame(RMC_GP, NOW) == Decoded()
    d = conn.receive_frame(b"$GPFID,MX00042*53", NOW)
    assert len(d.positions) == 1 and d.reply == b"OK1\r\n" and d.defer_reply


# --------------------------------------------------------------- replies


def test_no_reply_by_default():
    assert tcp().receive_frame(RMC_GP, NOW).reply is None


def test_ok1_per_rmc_on_tcp_only_when_enabled():
    conn = tcp(ack=True)
    d = conn.receive_frame(RMC_GP, NOW)
    assert d.reply == b"OK1\r\n" and d.defer_reply is True
    gga = conn.receive_frame(GGA, NOW)
    assert gga.reply is None and gga.defer_reply is False
    login = conn.receive_frame(b"$PGID,861234567890126*0C", NOW)
    assert login.reply is None and login.defer_reply is False
    udp = NmeaUdpConnection(device_id=DEV, options=ConnectionOptions(extra={"ack": True}))
    assert udp.receive_frame(RMC_GP, NOW).reply is None


# --------------------------------------------------------------- checksum


BAD_RMC = RMC_GP[:-2] + b"51"


def test_checksum_mismatch_is_flagged():
    d = tcp().receive_frame(BAD_RMC, NOW)
    assert d.checksum_ok is False
    assert one_position(d).lat == A(52 + 30.1234 / 60, abs=1e-12)


def test_checksum_mismatch_raises_in_strict_mode():
    conn = NmeaConnection(device_id=DEV, options=ConnectionOptions(strict_checksum=True))
    with pytest.raises(ChecksumError):
        conn.receive_frame(BAD_RMC, NOW)
    assert one_position(conn.receive_frame(RMC_GP, NOW)).valid  # still usable
    assert conn.receive_frame(GGA.split(b"*")[0], NOW).checksum_ok  # none is no mismatch


def test_checksum_with_blanks_around_the_star():
    line = RMC_GP.replace(b"*50", b" * 50")
    assert tcp().receive_frame(line, NOW).checksum_ok is True


def test_non_hex_checksum_digits_are_a_flagged_mismatch():
    d = tcp().receive_frame(RMC_GP[:-2] + b"ZZ", NOW)
    assert d.checksum_ok is False
    assert one_position(d).lat == A(52 + 30.1234 / 60, abs=1e-12)
    strict = NmeaConnection(device_id=DEV, options=ConnectionOptions(strict_checksum=True))
    with pytest.raises(ChecksumError):
        strict.receive_frame(RMC_GP[:-2] + b"ZZ", NOW)


# --------------------------------------------------------------- garbage


def test_unknown_sentence():
    d = tcp().receive_frame(GSV, NOW)
    assert d.unknown == UnknownMessage(protocol="nmea", message_type="GPGSV", device_id=DEV)
    assert d.positions == () and d.events == () and d.reply is None


@pytest.mark.parametrize("line", [
    b"hello world",
    b"$",
    b"$,1,2",
    b"\xff\xfe$GPRMC",
    b"$GPRMC,1x2530,A,5230.1234,N,01322.5678,E,1,2,150724,,",
    b"$GPRMC,142530,A,5230.1234,N,01322.5678,E,1,2,321324,,",
    b"$GPRMC,142530,A,5290.1234,N,01322.5678,E,1,2,150724,,",
    b"$GPRMC,142530,A,9130.0000,N,01322.5678,E,1,2,150724,,",
    b"$GPRMC,142530,A,5230.1234,Q,01322.5678,E,1,2,150724,,",
    b"$GPRMC,142530,A,5230.1234,N,01322.5678,E,fast,2,150724,,",
    b"$GPRMC,142530,A,5230.1234,N,01322.5678,E,nan,2,150724,,",
    b"$GPGGA,101010,4124.8963,N,00209.3525,E,x,09,0.95,37.2,M,,M,,",
    b"$TRCCR,2023,A,1,2",
    b"$TRCCR,20231315083000.250,A,1,2,,,,",
    b"$GPIOP,12,00",
    b"$GPTXT,NET,XYZ,1,2,3",
    b"QZE,861234567890123,12,01022021",
    b"$PGID,861234567890126*0C" + b"X" * 1100,
])
def test_malformed_lines_raise_malformed_error(line):
    with pytest.raises(MalformedError) as info:
        tcp().receive_frame(line, NOW)
    assert info.value.fatal is False
