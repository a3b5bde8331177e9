"""Meitrack over a TCP stream and UDP: framing splits, resync, device round trips, garbage."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import ProtocolError
from protocols._device import DeviceAck
from protocols._records import Fix
from protocols.meitrack import MeitrackConnection, MeitrackDevice, MeitrackFramer
from protocols.meitrack.encode import encode_frame

UTC = timezone.utc
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
IMEI = "861451040910625"

AAA = encode_frame(IMEI, "AAA,35,-1.5,2.25,240102030405,A,7,20,10,90,1.0,5,100,10,"
                   "1|2|3|4,0000,0000|0000|0000|0191|0573", "A", mark=b"$$")
FIX = Fix(time=datetime(2024, 1, 2, 3, 4, 6, tzinfo=UTC), lat=10.5, lon=-20.25)
CCC = MeitrackDevice(IMEI).encode_fixes([FIX]).data
AAC = encode_frame(IMEI, "AAC,1", "z", mark=b"$$")
SESSION = AAA + CCC + AAC


def drain(conn, chunks) -> tuple[list, list]:
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


def summary(results) -> list:
    return [(tuple((p.lat, p.lon) for p in d.positions), d.reply[:6] if d.reply else None)
            for d in results]


EXPECTED = [(((-1.5, 2.25),), None), (((10.5, -20.25),), b"@@B27,"), ((), b"@@z27,")]


def test_whole_session():
    out, errors = drain(MeitrackConnection(), [SESSION])
    assert errors == [] and summary(out) == EXPECTED
    assert [d.defer_reply for d in out] == [False, True, False]


def test_byte_by_byte():
    conn = MeitrackConnection()
    out, errors = drain(conn, [SESSION[i:i + 1] for i in range(len(SESSION))])
    assert errors == [] and summary(out) == EXPECTED and conn.buffered == 0


def test_split_at_every_offset():
    for cut in range(1, len(SESSION)):
        out, errors = drain(MeitrackConnection(), [SESSION[:cut], SESSION[cut:]])
        assert errors == [] and summary(out) == EXPECTED, cut


def test_garbage_is_skipped_to_the_next_frame():
    conn = MeitrackConnection()
    out, errors = drain(conn, [b"\r\nnoise$", b"x$$Zqq," + b"0" * 20 + AAA + b"tail"])
    assert summary(out) == EXPECTED[:1]
    assert errors and all(not e.fatal for e in errors)
    assert conn.buffered == 0 and errors[-1].data == b"tail"  # no "$$" in it: dropped
    assert not conn.closed


def test_oversized_length_is_skipped():
    out, errors = drain(MeitrackConnection(), [b"$$A99999,123," + AAC])
    assert len(errors) == 1 and summary(out) == [((), b"@@z27,")]


def test_framer_waits_for_the_whole_frame():
    framer = MeitrackFramer()
    buf = bytearray(CCC[:-1])
    assert framer.next_frame(buf) is None and bytes(buf) == CCC[:-1]
    buf += CCC[-1:] + b"$$"
    assert framer.next_frame(buf) == CCC and buf == bytearray(b"$$")


def test_device_acks_by_flag_and_count():
    dev = MeitrackDevice(IMEI)
    assert dev.hello() == b"" and dev.hello_acked and dev.expects_acks
    first = dev.encode_fixes([FIX, FIX])
    second = dev.encode_fixes([FIX])
    conn = MeitrackConnection()
    (d1,) = conn.feed(first.data, NOW)
    (d2,) = conn.feed(second.data, NOW)
    assert len(d1.positions) == 2 and first.count == 2
    assert dev.receive_data(d2.reply[:7]) == []
    assert dev.receive_data(d2.reply[7:] + d1.reply) == [
        DeviceAck("fixes", second.token), DeviceAck("fixes", first.token)]
    assert dev.receive_data(d1.reply) == [DeviceAck("other")]  # already acknowledged
    (hb,) = conn.feed(dev.heartbeat(), NOW)
    assert dev.receive_data(hb.reply) == [DeviceAck("other")]


fixes = st.builds(
    Fix,
    time=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1),
                      timezones=st.just(UTC)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-90, 90), lon=st.floats(-180, 180), speed_kmh=st.floats(0, 600),
    course_deg=st.floats(0, 359.4), altitude_m=st.floats(-400, 9000),
    satellites=st.integers(0, 40), valid=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(packets=st.lists(st.lists(fixes, min_size=1, max_size=10), min_size=1, max_size=3),
       cuts=st.lists(st.integers(1, 700)), transport=st.sampled_from(["tcp", "udp"]))
def test_round_trip_random_chunks(packets, cuts, transport):
    dev = MeitrackDevice(IMEI, transport=transport)
    outgoing = [dev.encode_fixes(p) for p in packets]
    stream = b"".join(o.data for o in outgoing)
    chunks, pos = [], 0
    for c in cuts:
        chunks.append(stream[pos:pos + c])
        pos += c
    chunks.append(stream[pos:])
    out, errors = drain(MeitrackConnection(), chunks)
    assert errors == [] and len(out) == len(packets)
    for decoded, sent in zip(out, packets):
        assert len(decoded.positions) == len(sent)
        for p, f in zip(decoded.positions, sent):
            assert p.device_id == IMEI and p.fix_time == f.time and p.valid == f.valid
            assert abs(p.lat - f.lat) <= 5e-7 and abs(p.lon - f.lon) <= 5e-7
            assert abs(p.speed_kmh - f.speed_kmh) <= 0.5 and p.satellites == f.satellites
            assert abs(p.altitude_m - f.altitude_m) <= 0.5
            assert abs(p.course_deg - f.course_deg) <= 0.5
    replies = b"".join(d.reply for d in out)
    assert dev.receive_data(replies) == [DeviceAck("fixes", o.token) for o in outgoing]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"$$", b"$$A", b"$$A40,", AAA[:30],
                                                 CCC[:40], b"$$b60,1,CCE,", b"$$c40,1,CCC,"]))
def test_garbage_raises_only_protocol_errors(data, prefix):
    conn = MeitrackConnection()
    blob = prefix + data
    try:
        conn.feed(blob, NOW)
    except ProtocolError:
        pass
    assert conn.buffered <= len(blob)
    try:
        conn.receive_frame(blob, NOW)
    except ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    [b",", b"|", b"1", b"0", b"-", b".", b"A", b"V", b"FF", b"*", b"\xfe", b"\x00", b"\x01",
     b"240102030405", b"AAA", b"AFF", b"CCE", b"CCC", b"D00", b"22.5"]), max_size=80))
def test_structured_garbage(parts):
    body = b"".join(parts)
    for kind in (b"AAA,", b"CCE,", b"CCC,", b"AFF,", b"D00,"):
        try:
            MeitrackConnection().receive_frame(
                encode_frame(IMEI, kind + body, "A", mark=b"$$"), NOW)
        except ProtocolError:
            pass


def test_device_never_reuses_a_pending_flag():
    dev = MeitrackDevice(IMEI)
    sent = [dev.encode_fixes([FIX]) for _ in range(52)]
    assert len({o.data[2:3] for o in sent}) == 52
    conn = MeitrackConnection()
    replies = b"".join(d.reply for o in sent for d in conn.feed(o.data, NOW))
    assert dev.receive_data(replies) == [DeviceAck("fixes", o.token) for o in sent]
    later = dev.encode_fixes([FIX])  # flags free again: rotation goes on
    assert later.data[2:3] not in {o.data[2:3] for o in sent[-1:]}
