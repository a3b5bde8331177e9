"""The PROXY protocol v1/v2 header parser (gateway/transports/proxy.py), sans-IO:
exact addresses, every split, bounds, and garbage that only raises
ProxyHeaderError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from gateway.transports.proxy import (V1_MAX, V2_SIGNATURE, ProxyHeaderError, ProxyHeaderParser, encode_v1,
                           encode_v2)

# Written by hand from proxy-protocol.txt section 2.2 (not with encode_v2):
# PROXY, TCP over IPv4, 12 address bytes, 192.0.2.10:51000 -> 198.51.100.1:5023
V2_TCP4 = (V2_SIGNATURE + bytes([0x21, 0x11, 0x00, 0x0C]) + bytes([192, 0, 2, 10, 198, 51, 100, 1])
           + (51000).to_bytes(2, "big") + (5023).to_bytes(2, "big"))
# the same with a 7-byte TLV (type 0x04 NOOP, length 4) the parser must skip
V2_TCP4_TLV = (V2_SIGNATURE + bytes([0x21, 0x11, 0x00, 0x13]) + V2_TCP4[16:]
               + bytes([0x04, 0x00, 0x04]) + b"\x00\x00\x00\x00")
V2_LOCAL = V2_SIGNATURE + bytes([0x20, 0x00, 0x00, 0x00])
V1_TCP4 = b"PROXY TCP4 192.0.2.10 198.51.100.1 51000 5023\r\n"
V1_TCP6 = b"PROXY TCP6 2001:db8::7 2001:db8::1 40001 5027\r\n"
DEVICE = b"\x78\x78\x0d\x01"  # the first bytes of a device's own stream


def feed_all(header: bytes, *chunks: bytes) -> object:
    parser = ProxyHeaderParser()
    result = None
    for chunk in chunks:
        assert result is None
        result = parser.feed(chunk)
    return result


@pytest.mark.parametrize("header, version, local, source, destination", [
    (V1_TCP4, 1, False, ("192.0.2.10", 51000), ("198.51.100.1", 5023)),
    (V1_TCP6, 1, False, ("2001:db8::7", 40001), ("2001:db8::1", 5027)),
    (b"PROXY UNKNOWN\r\n", 1, True, None, None),
    (b"PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n", 1, True, None, None),
    (V2_TCP4, 2, False, ("192.0.2.10", 51000), ("198.51.100.1", 5023)),
    (V2_TCP4_TLV, 2, False, ("192.0.2.10", 51000), ("198.51.100.1", 5023)),
    (V2_LOCAL, 2, True, None, None),
])
def test_headers_whole_and_split_at_every_offset(header, version, local, source, destination) -> None:
    stream = header + DEVICE
    for cut in range(1, len(stream)):
        parser = ProxyHeaderParser()
        first = parser.feed(stream[:cut])
        if cut < len(header):
            assert first is None
            result = parser.feed(stream[cut:])
            assert result.rest == DEVICE
        else:
            result = first
            assert result.rest == DEVICE[:cut - len(header)]
        assert (result.version, result.local, result.source, result.destination) == (
            version, local, source, destination)
    byte_by_byte = ProxyHeaderParser()
    results = [byte_by_byte.feed(header[i:i + 1]) for i in range(len(header))]
    assert results[:-1] == [None] * (len(header) - 1) and results[-1].source == source
    assert results[-1].rest == b""


def test_encoders_produce_the_hand_written_bytes() -> None:
    assert encode_v2(("192.0.2.10", 51000), ("198.51.100.1", 5023)) == V2_TCP4
    assert encode_v2(None, None) == V2_LOCAL
    assert encode_v1(("2001:db8::7", 40001), ("2001:db8::1", 5027)) == V1_TCP6
    v6 = ProxyHeaderParser().feed(encode_v2(("2001:db8::7", 1), ("::1", 65535)))
    assert (v6.source, v6.destination) == (("2001:db8::7", 1), ("::1", 65535))


@pytest.mark.parametrize("data, message", [
    (b"GET / HTTP/1.1\r\n", "no PROXY header"),
    (DEVICE, "no PROXY header"),
    (b"PROXZ TCP4", "not a PROXY header"),
    (b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "malformed"),
    (b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "malformed"),
    (b"PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n", "malformed"),
    (b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "malformed"),
    (b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "malformed"),
    (b"PROXY TCP4 ::1 ::2 1 2\r\n", "TCP4 with addresses"),
    (b"PROXY TCP4 1.2.3.4 5.6.7.8 1 \xff\r\n", "non-ASCII"),
    (b"PROXY TCP4 " + b"1" * V1_MAX, "longer than 107"),
    (V2_SIGNATURE[:5] + b"x", "signature"),
    (V2_SIGNATURE + bytes([0x11, 0x11, 0x00, 0x0C]), "version 1"),
    (V2_SIGNATURE + bytes([0x22, 0x11, 0x00, 0x0C]), "command 2"),
    (V2_SIGNATURE + bytes([0x21, 0x11, 0x00, 0x08]) + bytes(8), "cannot hold"),
    (V2_SIGNATURE + bytes([0x21, 0x51, 0x00, 0x00]), "address family"),
    (V2_SIGNATURE + bytes([0x21, 0x11, 0x10, 0x01]), "over 4096"),
])
def test_bad_headers_raise_naming_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(ProxyHeaderError, match=message):
        ProxyHeaderParser().feed(data)


def test_an_incomplete_v1_line_waits_but_never_past_107_bytes() -> None:
    parser = ProxyHeaderParser()
    assert parser.feed(b"PROXY TCP4 " + b"1" * (V1_MAX - 12)) is None  # 106 bytes, no CRLF yet
    with pytest.raises(ProxyHeaderError):
        parser.feed(b"1")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(min_value=1, max_value=50))
def test_garbage_returns_none_or_raises_proxy_header_error(data: bytes, step: int) -> None:
    parser = ProxyHeaderParser(max_v2_length=64)
    for i in range(0, len(data), step):
        try:
            if parser.feed(data[i:i + step]) is not None:
                return
        except ProxyHeaderError:
            return
    assert len(parser._buffer) <= max(V1_MAX, 16 + 64)


@settings(max_examples=200, deadline=None)
@given(st.ip_addresses(), st.integers(0, 65535), st.integers(0, 65535), st.booleans(),
       st.binary(max_size=20))
def test_round_trip_any_address(address, sport, dport, v2, rest) -> None:
    dst = "::1" if address.version == 6 else "127.0.0.1"
    header = (encode_v2 if v2 else encode_v1)((str(address), sport), (dst, dport))
    result = ProxyHeaderParser().feed(header + rest)
    assert (result.source, result.destination, result.rest) == ((str(address), sport), (dst, dport), rest)
