"""Suntech over a TCP stream: framing splits, inner CR LF, garbage, device round trips."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import FramingError, ProtocolError
from protocols._records import Fix
from protocols.suntech import SuntechConnection, SuntechDevice, SuntechFramer

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)

LEGACY = (b"ST300STT;205012345;04;512;20230514;08:15:30;3a2f1c;-23.550520;-046.633308;"
          b"045.120;181.50;9;1;123456;12.64;100001;2;0042\r")
UNIVERSAL = (b"STT;0560009999;3FFFFF;56;1.0.15;1;20200219;20:52:25;00008D6C;334;20;0925;24;"
             b"+20.700000;-103.400000;12.50;45.00;19;1;00000001;00000000;2;1;1765\r")
_MASK = (1 << 4) | (1 << 5) | (0xFF << 11)  # date, time, lat .. output
_BODY = (bytes.fromhex("0520001338") + _MASK.to_bytes(3, "big") + bytes([19, 10, 5, 18, 8, 4])
         + struct.pack(">II", 4_717_013, 0x80000000 | 74_057_345)
         + struct.pack(">HH", 1234, 8786) + bytes([14, 1, 0x01, 0x00]))
BINARY = b"\x81" + struct.pack(">H", len(_BODY)) + _BODY
SESSION = LEGACY + BINARY + UNIVERSAL
EXPECTED = [("205012345", -23.55052), ("0520001338", 4.717013), ("0560009999", 20.7)]


def drain(conn: SuntechConnection, chunks) -> tuple[list, list]:
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
                if exc.fatal:
                    break
                data = b""
    return out, errors


def summary(results) -> list[tuple]:
    return [(p.device_id, p.lat) for d in results for p in d.positions]


def test_binary_fixture_is_consistent():
    assert len(BINARY) == 3 + int.from_bytes(BINARY[1:3], "big")


def test_whole_session():
    out, errors = drain(SuntechConnection(), [SESSION])
    assert errors == [] and summary(out) == EXPECTED
    assert all(d.reply is None for d in out)


def test_byte_by_byte():
    conn = SuntechConnection()
    out, errors = drain(conn, [SESSION[i:i + 1] for i in range(len(SESSION))])
    assert errors == [] and summary(out) == EXPECTED and conn.buffered == 0


def test_split_at_every_offset():
    for cut in range(1, len(SESSION)):
        out, errors = drain(SuntechConnection(), [SESSION[:cut], SESSION[cut:]])
        assert errors == [] and summary(out) == EXPECTED, cut


def test_inner_crlf_is_payload():
    data = "ID:CAFE\r\n"
    report = (b"ST300UEX;205000777;04;512;20230101;10:00:00;1f;+10.000000;+020.000000;"
              b"000.000;000.00;8;1;0;12.50;000000;9;ID:CAFE\r\n;5C\r")
    assert len(data) == 9
    out, errors = drain(SuntechConnection(), [report + LEGACY])
    assert errors == [] and [p.attributes.get("serial") for d in out for p in d.positions] == [
        "ID:CAFE", None]


def test_framer_cuts_and_keeps_the_rest():
    buf = bytearray(LEGACY + b"SA2")
    assert SuntechFramer().next_frame(buf) == LEGACY[:-1] and buf == bytearray(b"SA2")
    assert SuntechFramer().next_frame(bytearray(b"\x81")) is None
    assert SuntechFramer().next_frame(bytearray(BINARY[:-1])) is None


def test_garbage_line_then_good_report():
    out, errors = drain(SuntechConnection(), [b"%%garbage%%\r" + LEGACY])
    assert len(errors) == 1 and not errors[0].fatal and summary(out) == [EXPECTED[0]]


def test_overlong_report_is_skipped_to_next_cr():
    conn = SuntechConnection()
    out, errors = drain(conn, [b"X" * 1500, b"Y" * 10 + b"\r" + LEGACY])
    assert len(errors) == 1 and not errors[0].fatal and summary(out) == [EXPECTED[0]]
    assert conn.buffered == 0


def test_impossible_binary_length_is_fatal():
    conn = SuntechConnection()
    out, errors = drain(conn, [b"\x02\xff\xff" + bytes(10)])
    assert len(errors) == 1 and isinstance(errors[0], FramingError) and conn.closed


def test_device_frames_and_keepalive():
    dev = SuntechDevice("0560009999")
    assert dev.hello() == b"" and dev.hello_acked and not dev.expects_acks
    fix = Fix(time=datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC), lat=-1.5, lon=2.25,
              speed_kmh=10.0, course_deg=90.0, satellites=7, attributes={"ignition": True})
    out = dev.encode_fixes([fix])
    assert out.token == 1 and out.count == 1
    assert out.data == (b"STT;0560009999;3FFFFF;56;1.0.15;1;20240203;04:05:06;00000000;0;0;0000;"
                        b"0;-1.500000;+2.250000;10.00;90.00;7;1;00000001;00000000;1;1;1\r")
    conn = SuntechConnection()
    d = conn.feed(dev.heartbeat(), NOW)
    assert len(d) == 1 and d[0].positions == () and d[0].login == "0560009999"
    assert dev.receive_data(b"") == []


fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-90, 90), lon=st.floats(-180, 180),
    speed_kmh=st.floats(0, 999), course_deg=st.floats(0, 359.99),
    satellites=st.integers(0, 40), valid=st.booleans(),
    attributes=st.fixed_dictionaries({"ignition": st.booleans()}),
)


@settings(max_examples=150, deadline=None)
@given(fixes=st.lists(fixes, min_size=1, max_size=4), cuts=st.lists(st.integers(1, 600)))
def test_round_trip_random_chunks(fixes, cuts):
    dev = SuntechDevice("4300000123")
    stream = b"".join(dev.encode_fixes([f]).data for f in fixes)
    chunks, pos = [], 0
    for c in cuts:
        chunks.append(stream[pos:pos + c])
        pos += c
    chunks.append(stream[pos:])
    out, errors = drain(SuntechConnection(), chunks)
    got = [p for d in out for p in d.positions]
    assert errors == [] and len(got) == len(fixes)
    for p, f in zip(got, fixes):
        assert p.device_id == "4300000123" and p.fix_time == f.time and p.valid == f.valid
        # half a unit of the wire's resolution, plus float noise (0.125 -> "0.12")
        assert abs(p.lat - f.lat) <= 5e-7 + 1e-12 and abs(p.lon - f.lon) <= 5e-7 + 1e-12
        assert abs(p.speed_kmh - f.speed_kmh) <= 0.005 + 1e-9
        assert abs(p.course_deg - f.course_deg) <= 0.005 + 1e-9
        assert p.satellites == f.satellites
        assert p.attributes["ignition"] == f.attributes["ignition"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", LEGACY, BINARY, b"\x02", b"ST9", b"STT;"]))
def test_garbage_raises_only_protocol_errors(data, prefix):
    conn = SuntechConnection()
    try:
        conn.feed(prefix + data, NOW)
    except ProtocolError:
        pass
    assert conn.buffered <= 1024 + len(prefix) + len(data)
    try:
        conn.receive_frame(prefix + data, NOW)
    except ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    [b";", b"1", b"0", b".", b"+", b"-", b":", b"20200101", b"12:00:00", b"ST300STT", b"STT",
     b"ST910", b"ST410STT", b"ALT", b"BLE", b"FFFFFF", b"3FFFFF", b"ST300UEX", b"5", b"\r\n",
     b"+12.5", b"A"]), max_size=60))
def test_structured_garbage(parts):
    conn = SuntechConnection()
    try:
        conn.receive_frame(b"".join(parts), NOW)
    except ProtocolError:
        pass
