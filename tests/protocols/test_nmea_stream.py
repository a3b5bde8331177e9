"""NMEA (t55) over a stream (TCP framing) and over datagrams (UDP)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from protocols import MalformedError, ProtocolError
from protocols._connection import ConnectionOptions
from protocols._records import Decoded
from protocols.nmea import NmeaConnection, NmeaFramer, NmeaUdpConnection

UTC = timezone.utc
NOW = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)

HELLO = b"$PGID,861234567890126*0C\r\n"
RMC = b"$GPRMC,142530.500,A,5230.1234,N,01322.5678,E,12.50,271.30,150724,,,A*50\r\n"
GGA = b"$GPGGA,101010.000,4124.8963,N,00209.3525,E,2,09,0.95,37.2,M,51.3,M,,*57\r\n"
SESSION = HELLO + RMC + GGA
DEV = "861234567890126"


def drain(conn: NmeaConnection, chunks, now=NOW) -> tuple[list[Decoded], list[ProtocolError]]:
    """Feed chunks, collecting results and (non-fatal) errors, going on after each."""
    out: list[Decoded] = []
    errors: list[ProtocolError] = []
    for chunk in chunks:
        data = chunk
        while True:
            try:
                out.extend(conn.feed(data, now))
                break
            except ProtocolError as exc:
                out.extend(exc.decoded)
                errors.append(exc)
                data = b""
    return out, errors


def summary(results: list[Decoded]) -> list[tuple]:
    return [(d.login, tuple((p.device_id, p.fix_time, p.lat, p.lon) for p in d.positions),
             d.reply) for d in results]


EXPECTED = [
    (DEV, (), None),
    (None, ((DEV, datetime(2024, 7, 15, 14, 25, 30, 500000, tzinfo=UTC),
             52 + 30.1234 / 60, 13 + 22.5678 / 60),), b"OK1\r\n"),
    (None, ((DEV, datetime(2024, 3, 5, 10, 10, 10, tzinfo=UTC),
             41 + 24.8963 / 60, 2 + 9.3525 / 60),), None),
]


def ack_conn() -> NmeaConnection:
    return NmeaConnection(options=ConnectionOptions(extra={"ack": True}))


def close(a: list[tuple], b: list[tuple]) -> bool:
    return summary_round(a) == summary_round(b)


def summary_round(rows):
    return [(login, tuple((d, t, round(la, 9), round(lo, 9)) for d, t, la, lo in ps), reply)
            for login, ps, reply in rows]


def test_whole_session():
    out, errors = drain(ack_conn(), [SESSION])
    assert errors == [] and close(summary(out), EXPECTED)


def test_byte_by_byte():
    conn = ack_conn()
    out, errors = drain(conn, [SESSION[i:i + 1] for i in range(len(SESSION))])
    assert errors == [] and close(summary(out), EXPECTED)
    assert conn.buffered == 0


def test_split_at_every_offset():
    for cut in range(len(SESSION) + 1):
        out, errors = drain(ack_conn(), [SESSION[:cut], SESSION[cut:]])
        assert errors == [], cut
        assert close(summary(out), EXPECTED), cut


def test_lf_only_blank_lines_and_surrounding_whitespace():
    data = b"\r\n\n  " + HELLO.replace(b"\r\n", b"\n") + b"\n \t\r\n  " + RMC.rstrip() + b"  \r\n"
    out, errors = drain(ack_conn(), [data])
    assert errors == [] and close(summary(out), EXPECTED[:2])


def test_incomplete_line_stays_buffered():
    conn = ack_conn()
    assert conn.feed(HELLO + RMC[:-2], NOW)[0].login == DEV
    assert conn.buffered == len(RMC) - 2
    assert len(conn.feed(b"\r\n", NOW)[0].positions) == 1


def test_garbage_line_is_skipped_and_the_stream_goes_on():
    conn = ack_conn()
    out, errors = drain(conn, [HELLO + b"\x00\x01garbage\xff\r\n" + RMC + GGA])
    assert [type(e) for e in errors] == [MalformedError]
    assert all(not e.fatal for e in errors) and not conn.closed
    assert close(summary(out), EXPECTED)


def test_over_long_line_is_skipped_then_resync():
    conn = ack_conn()
    long_line = b"$GPTXT," + b"A" * 2000 + b"\r\n"
    out, errors = drain(conn, [HELLO, long_line[:700], long_line[700:1500],
                               long_line[1500:] + RMC, GGA])
    assert len(errors) == 1 and isinstance(errors[0], MalformedError) and not errors[0].fatal
    assert close(summary(out), EXPECTED)
    assert not conn.closed


def test_over_long_line_in_one_chunk():
    conn = ack_conn()
    out, errors = drain(conn, [HELLO + b"X" * 1025 + b"\r\n" + RMC + GGA])
    assert len(errors) == 1 and close(summary(out), EXPECTED)


def test_line_of_exactly_max_length_is_accepted_by_the_framer():
    framer = NmeaFramer()
    line = b"9" * 1024
    buffer = bytearray(line + b"\r")
    assert framer.next_frame(buffer) is None  # the CR of a CR LF may still come
    buffer += b"\n"
    assert framer.next_frame(buffer) == line and buffer == bytearray()
    with pytest.raises(MalformedError):
        framer.next_frame(bytearray(b"9" * 1025 + b"\n"))


def test_buffer_stays_bounded_without_newlines():
    conn = ack_conn()
    errors = 0
    for _ in range(50):
        try:
            conn.feed(b"Z" * 700, NOW)
        except MalformedError:
            errors += 1
        assert conn.buffered <= 1025 + 700
    assert errors >= 1 and not conn.closed
    out, _ = drain(conn, [b"\n" + HELLO + RMC])
    assert [d.login for d in out][:1] == [DEV] and len(out[1].positions) == 1


def test_second_frame_after_first_in_same_chunk_then_garbage_tail():
    conn = ack_conn()
    out, errors = drain(conn, [SESSION + b"\x00\x00\xfe"])
    assert errors == [] and close(summary(out), EXPECTED)
    assert conn.buffered == 3


def test_framed_receive_frame_accepts_crlf_and_several_lines():
    conn = ack_conn()
    d = conn.receive_frame(SESSION, NOW)
    assert d.login == DEV and len(d.positions) == 2 and d.reply == b"OK1\r\n" and d.defer_reply


# --------------------------------------------------------------- UDP


def test_udp_one_sentence_per_datagram():
    conn = NmeaUdpConnection(options=ConnectionOptions(extra={"ack": True}))
    assert conn.receive_frame(HELLO, NOW) == Decoded(login=DEV)
    d = conn.receive_frame(RMC, NOW)
    assert len(d.positions) == 1 and d.positions[0].device_id == DEV and d.reply is None


def test_udp_datagram_with_several_lines():
    conn = NmeaUdpConnection()
    d = conn.receive_frame(SESSION, NOW)
    assert d.login == DEV and d.reply is None
    assert [p.fix_time for p in d.positions] == [
        datetime(2024, 7, 15, 14, 25, 30, 500000, tzinfo=UTC),
        datetime(2024, 3, 5, 10, 10, 10, tzinfo=UTC)]


def test_udp_bad_line_among_good_ones_is_skipped_all_bad_raises():
    conn = NmeaUdpConnection(device_id=DEV)
    d = conn.receive_frame(b"garbage\r\n" + RMC, NOW)
    assert len(d.positions) == 1
    with pytest.raises(MalformedError):
        conn.receive_frame(b"garbage\r\nmore garbage", NOW)


def test_udp_empty_datagram():
    assert NmeaUdpConnection().receive_frame(b"\r\n", NOW) == Decoded()
