"""NMEA (t55) device side, round trips through the connection, and garbage."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import LocalProtocolError, ProtocolError
from protocols._connection import ConnectionOptions
from protocols._device import DeviceAck, Outgoing
from protocols._records import Fix
from protocols.nmea import SPEC, NmeaConnection, NmeaDevice, NmeaUdpConnection
from protocols._text import format_dm

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
DEV = "861234567890126"

FIX = Fix(time=datetime(2024, 3, 5, 11, 59, 58, 123456, tzinfo=UTC), lat=-33.8688197,
          lon=151.2092955, speed_kmh=50.0, course_deg=271.5, altitude_m=12.3, satellites=9)


def test_spec_device_and_flags():
    assert SPEC.device is NmeaDevice
    d = NmeaDevice(DEV)
    assert d.hello_acked is True and d.expects_acks is False and d.max_fixes_per_packet == 1
    assert NmeaDevice(DEV, ack=True).expects_acks is True
    assert NmeaDevice(DEV, transport="udp", ack=True).expects_acks is False
    assert d.heartbeat() == b""
    with pytest.raises(LocalProtocolError):
        NmeaDevice(DEV, transport="sctp")


def test_hello_bytes():
    assert NmeaDevice(DEV).hello() == b"$PGID,861234567890126*0C\r\n"


def test_encode_fix_exact_bytes():
    out = NmeaDevice(DEV).encode_fixes([FIX])
    assert out == Outgoing(
        b"$GPRMC,115958.123,A,3352.1292,S,15112.5577,E,26.998,271.50,050324,,,A*76\r\n", 1, 1)


def test_encode_fix_with_gga_and_tokens_increase():
    dev = NmeaDevice(DEV, gga=True)
    first = dev.encode_fixes([FIX])
    assert first.data.endswith(
        b"$GPGGA,115958.123,3352.1292,S,15112.5577,E,1,09,1.0,12.3,M,0.0,M,,*41\r\n")
    assert dev.encode_fixes([FIX]).token == first.token + 1
    with pytest.raises(LocalProtocolError):
        dev.encode_fixes([FIX, FIX])


def test_invalid_fix_is_v():
    bad = Fix(time=FIX.time, lat=0.0, lon=-0.5, valid=False)
    data = NmeaDevice(DEV).encode_fixes([bad]).data
    assert data == b"$GPRMC,115958.123,V,0000.0000,N,00030.0000,W,0.000,0.00,050324,,,N*56\r\n"


def test_format_dm_carries_rounded_minutes_into_degrees():
    assert format_dm(12.99999999, 2) == "1300.0000"
    assert format_dm(-179.5, 3) == "17930.0000"
    assert format_dm(54.5, 2, 6) == "5430.000000"


def test_ok1_acknowledges_oldest_pending_packet_split_replies():
    dev = NmeaDevice(DEV, ack=True)
    t1, t2 = dev.encode_fixes([FIX]).token, dev.encode_fixes([FIX]).token
    assert dev.receive_data(b"OK") == []
    assert dev.receive_data(b"1\r") == []
    assert dev.receive_data(b"\nOK1\r\nOK1\r\n") == [
        DeviceAck("fixes", t1), DeviceAck("fixes", t2), DeviceAck("other")]  # none pending
    assert dev.receive_data(b"HELLO\r\n") == [DeviceAck("other")]


def test_device_and_connection_with_ack_end_to_end():
    dev = NmeaDevice(DEV, ack=True)
    conn = NmeaConnection(options=ConnectionOptions(extra={"ack": True}))
    packet = dev.encode_fixes([FIX])
    results = conn.feed(dev.hello() + packet.data, NOW)
    assert results[0].login == DEV
    p = results[1].positions[0]
    assert p.device_id == DEV and p.fix_time == datetime(2024, 3, 5, 11, 59, 58, 123000,
                                                          tzinfo=UTC)
    reply = b"".join(r.reply for r in results if r.reply)
    assert reply == b"OK1\r\n" and results[1].defer_reply
    assert dev.receive_data(reply) == [DeviceAck("fixes", packet.token)]


# --------------------------------------------------------------- round trips

fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2079, 12, 31),
                      timezones=st.just(UTC)),
    lat=st.floats(-90, 90), lon=st.floats(-180, 180),
    speed_kmh=st.floats(0, 1000), course_deg=st.floats(0, 359.99),
    valid=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(fix=fixes, data=st.data())
def test_round_trip_random_chunks(fix, data):
    dev = NmeaDevice(DEV)
    stream = dev.hello() + dev.encode_fixes([fix]).data
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    conn = NmeaConnection()
    results = []
    for a, b in zip([0, *cuts], [*cuts, len(stream)]):
        results.extend(conn.feed(stream[a:b], NOW))
    assert [r.login for r in results] == [DEV, None]
    (p,) = results[1].positions
    assert abs(p.lat - fix.lat) <= 1e-6 and abs(p.lon - fix.lon) <= 1e-6
    assert p.fix_time == fix.time.replace(microsecond=fix.time.microsecond // 1000 * 1000)
    assert p.valid is fix.valid
    assert abs(p.speed_kmh - fix.speed_kmh) <= 0.0005 * 1.852 + 1e-9
    assert abs(p.course_deg - fix.course_deg) <= 0.005 + 1e-9
    assert results[1].checksum_ok


@settings(max_examples=100, deadline=None)
@given(fix=fixes)
def test_round_trip_udp_with_gga(fix):
    dev = NmeaDevice(DEV, transport="udp", gga=True)
    conn = NmeaUdpConnection()
    assert conn.receive_frame(dev.hello(), NOW).login == DEV
    d = conn.receive_frame(dev.encode_fixes([fix]).data, NOW)
    rmc, gga = d.positions
    assert abs(gga.lat - fix.lat) <= 1e-6 and gga.altitude_m == round(fix.altitude_m, 1)
    assert gga.fix_time.time() == rmc.fix_time.time() and d.reply is None


# --------------------------------------------------------------- garbage

_ALPHABET = b"$GPRMCGAIDEQZ*,.0123456789ABCDEFNSWVx/= \r\n\x00\xff"
garbage = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(list(_ALPHABET)), max_size=400).map(bytes),
)


@settings(max_examples=300, deadline=None)
@given(blob=garbage, cut=st.integers(1, 64))
def test_garbage_stream_raises_only_protocol_errors_and_stays_bounded(blob, cut):
    conn = NmeaConnection(device_id=DEV, options=ConnectionOptions(extra={"ack": True}))
    for i in range(0, len(blob), cut):
        chunk = blob[i:i + cut]
        while True:
            try:
                conn.feed(chunk, NOW)
                break
            except ProtocolError:
                chunk = b""
        assert conn.buffered <= 1025 + cut
    assert not conn.closed


@settings(max_examples=300, deadline=None)
@given(blob=garbage, strict=st.booleans(), known=st.booleans())
def test_garbage_datagram_decodes_or_raises_protocol_error(blob, strict, known):
    conn = NmeaUdpConnection(device_id=DEV if known else None,
                             options=ConnectionOptions(strict_checksum=strict))
    try:
        conn.receive_frame(blob, NOW)
    except ProtocolError:
        pass


@settings(max_examples=200, deadline=None)
@given(fields=st.lists(st.text(alphabet="0123456789.-ANSEWV", max_size=12), max_size=16),
       name=st.sampled_from(["GPRMC", "GNGGA", "GPGLL", "GPRMA", "PUBX", "TRCCR", "GPIOP",
                             "GPTXT", "ID", "PGID", "DEVID", "IMEI", "GPFID"]),
       tail=st.lists(st.text(alphabet="0123456789.-", max_size=16), max_size=6))
def test_mangled_known_sentences_decode_or_raise_protocol_error(name, fields, tail):
    line = ("$" + ",".join([name, *fields]) + "*00" + "".join("," + t for t in tail)).encode()
    conn = NmeaConnection(device_id=DEV)
    try:
        conn.receive_frame(line, NOW)
    except ProtocolError:
        pass
    line_q = ("QZE," + ",".join(fields)).encode()
    try:
        conn.receive_frame(line_q, NOW + timedelta(seconds=1))
    except ProtocolError:
        pass
