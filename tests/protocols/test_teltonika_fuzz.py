"""Teltonika: random and mutated input either decodes or raises ProtocolError,
and the connection's buffer stays bounded."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import Fix, ProtocolError
from protocols._connection import ConnectionOptions
from protocols.teltonika import Codec, TeltonikaConnection, TeltonikaDevice, TeltonikaUdpConnection
from _harness import feed_garbage

NOW = datetime(2024, 3, 1, 12, 30, tzinfo=timezone.utc)
IMEI = "864275071234567"
LIMIT = 32 * 1024


def _valid_packet(codec: int) -> bytes:
    fix = Fix(time=datetime(2024, 1, 1, tzinfo=timezone.utc), lat=1.0, lon=2.0,
              attributes={"ignition": True, "odometer": 5})
    return TeltonikaDevice(IMEI, codec=codec).encode_fixes([fix, fix]).data


PACKETS = [_valid_packet(c) for c in (Codec.CODEC_8, Codec.CODEC_8E, Codec.CODEC_16)]


def _feed_all(conn: TeltonikaConnection, chunks: list[bytes]) -> None:
    feed_garbage(conn, chunks, NOW, LIMIT)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=6))
def test_random_stream(chunks):
    _feed_all(TeltonikaConnection(device_id=IMEI), chunks)


@settings(max_examples=300, deadline=None)
@given(index=st.sampled_from(range(3)), data=st.data())
def test_mutated_packets_framed(index, data):
    packet = bytearray(PACKETS[index])
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(8, len(packet) - 1))
        packet[pos] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(12, len(packet)))
    conn = TeltonikaConnection(device_id=IMEI, options=ConnectionOptions(strict_checksum=False))
    try:
        conn.receive_frame(bytes(packet[:cut]), NOW)
    except ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_frames_and_datagrams(blob):
    for conn in (TeltonikaConnection(device_id=IMEI), TeltonikaUdpConnection()):
        try:
            conn.receive_frame(blob, NOW)
        except ProtocolError:
            pass


@settings(max_examples=200, deadline=None)
@given(codec=st.sampled_from([0x07, 0x08, 0x0C, 0x0D, 0x8E, 0x10]), body=st.binary(max_size=200))
def test_random_data_part_per_codec(codec, body):
    data = bytes([codec]) + body
    header = bytes.fromhex("0000") + bytes([1, 0x22]) + len(IMEI).to_bytes(2, "big") + IMEI.encode()
    try:
        TeltonikaUdpConnection().receive_frame(len(header + data).to_bytes(2, "big") + header + data, NOW)
    except ProtocolError:
        pass


def test_endless_handshake_length_is_bounded():
    conn = TeltonikaConnection()
    try:
        for _ in range(100):
            conn.feed(b"\x00\x00\x00\x00\x00\x00\x7f\xf0" + b"\x00" * 1000, NOW)
    except ProtocolError:
        pass
    assert conn.buffered <= LIMIT + 1008
