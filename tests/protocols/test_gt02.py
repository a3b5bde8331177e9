"""GT02: exact frames from the vendor layout, replies, stream splits, device, properties."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols._errors import MalformedError, ProtocolError
from protocols._records import Fix
from protocols.gt02 import SPEC, Gt02Connection, Gt02Device

NOW = datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone.utc)
IMEI = "356789012345678"
TERMINAL = "0356789012345678"


def frame(protocol: int, content: bytes, serial: int = 1, power: int = 0, gsm: int = 0) -> bytes:
    body = bytes((power, gsm)) + bytes.fromhex(TERMINAL) + serial.to_bytes(2, "big") + bytes((protocol,))
    body += content
    return b"\x68\x68" + bytes((len(body),)) + body + b"\r\n"


# 2024-03-05 10:20:30; 22.546097 N (40582974 = 0x026B3F3E); 114.0 E (205200000 = 0x0C3B1A80);
# 56 km/h; course 270; status fixed + north + east
LOCATION = frame(0x10, bytes.fromhex("18030A0A141E" "026B3F3E" "0C3B1A80" "38" "010E" "000000" "00000007"),
                 serial=0x0102)
HEARTBEAT = frame(0x1A, bytes.fromhex("0404232629"), serial=3, power=5, gsm=4)


def test_spec():
    assert (SPEC.name, SPEC.default_port, SPEC.transports) == ("gt02", 5022, ("tcp",))


def test_location_exact_no_reply():
    d = Gt02Connection().receive_frame(LOCATION, NOW)
    (p,) = d.positions
    assert (p.device_id, p.protocol, p.fix_time, p.valid) == (
        IMEI, "gt02", datetime(2024, 3, 10, 10, 20, 30, tzinfo=timezone.utc), True)
    assert abs(p.lat - 22.546097) < 1e-6 and p.lon == 114.0
    assert (p.speed_kmh, p.course_deg, p.altitude_m, p.satellites) == (56.0, 270.0, None, None)
    assert p.attributes == {"index": 0x0102}
    assert d.reply is None and d.login == IMEI


@pytest.mark.parametrize("status,signs", [(0x01, (-1, -1)), (0x03, (1, -1)), (0x05, (-1, 1)),
                                          (0x06, (1, 1))])
def test_hemisphere_and_fix_bits(status, signs):
    content = bytes.fromhex("010101010101" "026B3F3E" "026B3F3E" "00" "0000" "000000") + status.to_bytes(4, "big")
    (p,) = Gt02Connection().receive_frame(frame(0x10, content), NOW).positions
    assert (round(p.lat, 6), round(p.lon, 6)) == (signs[0] * 22.546097, signs[1] * 22.546097)
    assert p.valid == bool(status & 1)


def test_heartbeat_event_and_exact_reply():
    d = Gt02Connection().receive_frame(HEARTBEAT, NOW)
    (e,) = d.events
    assert (e.type, e.time, e.attributes) == ("status", NOW, {"index": 3, "power": 5, "rssi": 4})
    assert d.reply == bytes.fromhex("54681A0D0A") and d.defer_reply


def test_command_result():
    text = b"APEXOK!"
    (e,) = Gt02Connection().receive_frame(frame(0x1C, bytes((len(text),)) + text), NOW).events
    assert e.type == "commandResult" and e.attributes == {"index": 1, "result": "APEXOK!"}


def test_unknown_protocol_number():
    d = Gt02Connection().receive_frame(frame(0x55, b"\x01"), NOW)
    assert d.unknown.message_type == 0x55 and d.reply is None and d.positions == ()


def test_frame_without_crlf_and_malformed():
    d = Gt02Connection().receive_frame(LOCATION[:-2], NOW)
    assert len(d.positions) == 1
    for bad in (b"\x68\x68\x01", b"\x78\x78" + LOCATION[2:], LOCATION[:20]):
        with pytest.raises(MalformedError):
            Gt02Connection().receive_frame(bad, NOW)


def test_stream_whole_bytewise_and_every_split():
    stream = LOCATION + HEARTBEAT
    whole = Gt02Connection().feed(stream, NOW)
    assert len(whole) == 2 and whole[1].reply == bytes.fromhex("54681A0D0A")
    conn = Gt02Connection()
    assert [d for b in stream for d in conn.feed(bytes((b,)), NOW)] == whole
    for cut in range(len(stream) + 1):
        conn = Gt02Connection()
        got = conn.feed(stream[:cut], NOW) + conn.feed(stream[cut:], NOW)
        assert [(d.positions, d.events) for d in got] == [(d.positions, d.events) for d in whole]
        assert conn.buffered == 0


def test_garbage_and_bad_length_are_skipped():
    conn = Gt02Connection()
    decoded = conn.feed(b"\x00\x68xx" + b"\x68\x68\x02\x00\x00" + LOCATION + b"\x68", NOW)
    assert len(decoded) == 1 and len(decoded[0].positions) == 1
    assert conn.buffered == 1 and conn._framer.skipped == 9


def test_device_packets_and_heartbeat_answer():
    dev = Gt02Device(IMEI)
    assert dev.hello() == b"" and dev.hello_acked and not dev.expects_acks
    conn = Gt02Connection()
    (d,) = conn.feed(dev.heartbeat(), NOW)
    assert d.events[0].attributes["power"] == 4
    assert [a.kind for a in dev.receive_data(d.reply[:2]) + dev.receive_data(d.reply[2:])] == ["other"]


fixes = st.builds(
    Fix,
    time=st.integers(0, 99 * 365 * 86400).map(
        lambda s: datetime(2000, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=s)),
    lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9),
    speed_kmh=st.integers(0, 255).map(float), course_deg=st.integers(0, 359).map(float),
    valid=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(fixes, min_size=1, max_size=4), st.lists(st.integers(0, 10_000), max_size=6))
def test_round_trip_device_to_connection(batch, cuts):
    dev = Gt02Device(IMEI)
    outs = [dev.encode_fixes([fix]) for fix in batch]
    stream = b"".join(o.data for o in outs)
    points = sorted({c % (len(stream) + 1) for c in cuts}) + [len(stream)]
    conn, decoded, last = Gt02Connection(), [], 0
    for p in points:
        decoded += conn.feed(stream[last:p], NOW)
        last = p
    got = [p for d in decoded for p in d.positions]
    assert len(got) == len(batch) and all(d.reply is None for d in decoded)
    for fix, out, p in zip(batch, outs, got):
        assert p.fix_time == fix.time.replace(microsecond=0) and p.valid == fix.valid
        assert abs(p.lat - fix.lat) <= 0.5 / 1_800_000 + 1e-12
        assert abs(p.lon - fix.lon) <= 0.5 / 1_800_000 + 1e-12
        assert (p.speed_kmh, p.course_deg) == (fix.speed_kmh, fix.course_deg)
        assert p.attributes["index"] == out.token


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6))
def test_garbage_only_protocol_errors_and_bounded(chunks):
    conn = Gt02Connection()
    for chunk in chunks:
        try:
            conn.feed(chunk, NOW)
        except ProtocolError:
            pass
        assert conn.buffered <= 260 + len(chunk)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([0x10, 0x1A, 0x1C, 0x00]), st.binary(max_size=60))
def test_random_contents_decode_or_raise_protocol_error(protocol, content):
    try:
        Gt02Connection().receive_frame(frame(protocol, content), NOW)
    except ProtocolError:
        pass
