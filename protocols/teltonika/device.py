"""Device side: what a Teltonika tracker sends and how it reads our answers.

``TeltonikaDevice(imei, transport="tcp", codec=Codec.CODEC_8)``. Fixes go out
as AVL packets of up to 25 records. IO elements come from ``Fix.attributes``:
ignition (239), motion (240), power (66, V -> mV), battery (67, V -> mV),
odometer (16, m). A fix with ``valid=False`` is sent with 0 satellites (that
is how the server tells it is not valid).

Acknowledgements: TCP answers carry only a count, so each one acknowledges the
oldest unacknowledged packet (tokens in order); UDP answers echo the AVL
packet ID, which is the token's low byte.
"""

from __future__ import annotations

import struct
from collections import deque
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .constants import (HANDSHAKE_ACCEPT, HANDSHAKE_REJECT, UDP_ACK_LENGTH,
                        UDP_PACKET_TYPE_DATA, UNIX_EPOCH, Codec, MessageType)
from .decode import LAYOUTS, IoLayout
from .encode import codec12_data, wrap_tcp, wrap_udp_command

__all__ = ["TeltonikaDevice", "encode_record", "encode_avl_data", "wrap_udp", "DEVICE_IO"]

_RECORD = struct.Struct(">QBiihHBH")
_UDP_HEADER = struct.Struct(">HHBBH")
_UDP_ACK = struct.Struct(">HHBBB")
_COUNT = struct.Struct(">I")
_MS = timedelta(milliseconds=1)
#: codec 16 generation type written by the encoder (7 = periodical)
GENERATION_PERIODICAL = 7


def _flag(value: Any) -> int:
    return 1 if value else 0


def _millivolts(value: Any) -> int:
    return round(float(value) * 1000)


#: attribute -> (AVL ID, value size in bytes, encoder)
DEVICE_IO: dict[str, tuple[int, int, Callable[[Any], int]]] = {
    "odometer": (16, 4, int),
    "power": (66, 2, _millivolts),
    "battery": (67, 2, _millivolts),
    "ignition": (239, 1, _flag),
    "motion": (240, 1, _flag),
}

_SIZE_INDEX = {1: 0, 2: 1, 4: 2, 8: 3}


def _io_section(attributes: dict[str, Any], lay: IoLayout,
                io: dict[int, tuple[int, int]] | None = None,
                variable: dict[int, bytes] | None = None, event: int = 0) -> bytes:
    """The IO section: ``Fix.attributes`` through ``DEVICE_IO``, then raw
    elements ``io`` (AVL ID -> (value size, unsigned value)) and, for codec 8E,
    ``variable`` (AVL ID -> bytes)."""
    groups: list[list[bytes]] = [[], [], [], []]
    for key, (io_id, size, encode) in DEVICE_IO.items():
        if key in attributes and attributes[key] is not None:
            index = _SIZE_INDEX[size]
            groups[index].append(lay.groups[index].pack(io_id, encode(attributes[key])))
    for io_id, (size, value) in (io or {}).items():
        index = _SIZE_INDEX[size]
        groups[index].append(lay.groups[index].pack(io_id, value))
    variable = variable or {}
    if variable and not lay.variable:
        raise LocalProtocolError("teltonika: variable-length elements need codec 8E")
    total = sum(len(g) for g in groups) + len(variable)
    out = [lay.event.pack(event)]
    if lay.generation:
        out.append(bytes((GENERATION_PERIODICAL,)))
    out.append(lay.count.pack(total))
    for group in groups:
        out.append(lay.count.pack(len(group)))
        out.extend(group)
    if lay.variable:
        out.append(lay.count.pack(len(variable)))
        out.extend(struct.pack(">HH", io_id, len(raw)) + raw for io_id, raw in variable.items())
    return b"".join(out)


def _millis(moment: datetime) -> int:
    return (moment - UNIX_EPOCH) // _MS


def encode_record(fix: Fix, codec: int = Codec.CODEC_8, priority: int = 0,
                  io: dict[int, tuple[int, int]] | None = None,
                  variable: dict[int, bytes] | None = None, event: int = 0) -> bytes:
    """One AVL record of codec 8, 8E or 16 (``io``/``variable``: raw elements,
    see ``_io_section``)."""
    sats = fix.satellites if fix.valid else 0
    header = _RECORD.pack(_millis(fix.time), priority, round(fix.lon * 1e7), round(fix.lat * 1e7),
                          round(fix.altitude_m), round(fix.course_deg) % 360, sats,
                          round(fix.speed_kmh))
    return header + _io_section(fix.attributes, LAYOUTS[codec], io, variable, event)


def encode_avl_data(fixes: Sequence[Fix], codec: int = Codec.CODEC_8,
                    io: dict[int, tuple[int, int]] | None = None,
                    variable: dict[int, bytes] | None = None) -> bytes:
    """The data part: codec ID | count | records | count (the same raw
    elements in every record)."""
    if not 0 < len(fixes) <= 255:
        raise LocalProtocolError("teltonika: an AVL packet carries 1..255 records")
    records = b"".join(encode_record(fix, codec, io=io, variable=variable) for fix in fixes)
    count = bytes((len(fixes),))
    return bytes((codec,)) + count + records + count


def wrap_udp(data: bytes, imei: str, packet_id: int, avl_packet_id: int) -> bytes:
    """UDP header (length, packet ID, type, AVL packet ID, IMEI) + data, no CRC."""
    ident = imei.encode("ascii")
    body = _UDP_HEADER.pack(0, packet_id & 0xFFFF, UDP_PACKET_TYPE_DATA, avl_packet_id & 0xFF,
                            len(ident))[2:] + ident + data
    return struct.pack(">H", len(body)) + body


#: what the simulated FMB answers to a codec 12 command (texts in the FMB command list's form)
DEVICE_ANSWERS: dict[str, str] = {
    "setdigout 1": "DOUT1:1 DOUT2:IGNORED",
    "setdigout 0": "DOUT1:0 DOUT2:IGNORED",
    "getrecord": "Data Link: 1 GPRS: 1 Record sent",
    "cpureset": "Resetting CPU",
}


def answer_text(command: str) -> str:
    return DEVICE_ANSWERS.get(command, f"{command} OK" if command.isprintable() else "OK")


class TeltonikaDevice:
    """A simulated tracker (see protocols/_device.py)."""

    max_fixes_per_packet = 25
    expects_acks = True

    def __init__(self, device_id: str, *, transport: str = "tcp", codec: int = Codec.CODEC_8,
                 **options: Any) -> None:
        if transport not in ("tcp", "udp"):
            raise LocalProtocolError(f"teltonika: no {transport!r} transport")
        if codec not in LAYOUTS:
            raise LocalProtocolError(f"teltonika: the device encoder has no codec {codec:#04x}")
        self.device_id = device_id
        self.transport = transport
        self.codec = codec
        self.hello_acked = transport == "udp"
        self._next_token = 0
        self._pending: deque[int] = deque()       # TCP: tokens in send order
        self._by_avl_id: dict[int, int] = {}      # UDP: AVL packet ID -> token
        self._buffer = bytearray()

    def hello(self) -> bytes:
        if self.transport == "udp":
            return b""
        ident = self.device_id.encode("ascii")
        return struct.pack(">H", len(ident)) + ident

    def heartbeat(self) -> bytes:
        return b"\xff" if self.transport == "tcp" else b""

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) > self.max_fixes_per_packet:
            raise LocalProtocolError(f"teltonika: at most {self.max_fixes_per_packet} fixes")
        data = encode_avl_data(fixes, self.codec)
        token = self._next_token
        self._next_token += 1
        if self.transport == "tcp":
            self._pending.append(token)
            packet = wrap_tcp(data)
        else:
            self._by_avl_id[token & 0xFF] = token
            packet = wrap_udp(data, self.device_id, token, token)
        return Outgoing(packet, token, len(fixes))

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        read = self._read_udp if self.transport == "udp" else self._read_tcp
        while (ack := read()) is not None:
            if ack.kind != "other":
                acks.append(ack)
        return acks

    def _answer(self, data: bytes) -> tuple[bytes, str]:
        """A codec 12 command data field -> (the type 06 response data field, command text)."""
        text = data[7:-1].decode("latin-1")
        return codec12_data(answer_text(text).encode("ascii"), MessageType.RESPONSE), text

    def _read_tcp_command(self) -> DeviceAck | CommandReceived | None:
        buf = self._buffer
        if len(buf) < 8:
            return None
        size = 8 + int.from_bytes(buf[4:8], "big") + 4
        if len(buf) < size:
            return None
        packet = bytes(buf[:size])
        del buf[:size]
        if packet[8] != Codec.CODEC_12 or len(packet) < 8 + 8 + 4:
            return DeviceAck("other")
        data, text = self._answer(packet[8:-4])
        return CommandReceived(answer=wrap_tcp(data), command=text)

    def _read_tcp(self) -> DeviceAck | CommandReceived | None:
        buf = self._buffer
        if self.hello_acked and buf[:4] == b"\0\0\0\0":
            if len(buf) >= 9 and buf[8] == Codec.CODEC_12:
                return self._read_tcp_command()  # a codec 12 packet, not a record count
            if len(buf) < 9 and not self._pending:
                return None  # a command's start, or a count of 0 for nothing: wait
        if not self.hello_acked:
            if not buf:
                return None
            answer = bytes(buf[:1])
            del buf[:1]
            if answer == HANDSHAKE_ACCEPT:
                self.hello_acked = True
                return DeviceAck("hello")
            return DeviceAck("rejected" if answer == HANDSHAKE_REJECT else "other")
        if len(buf) < 4:
            return None
        del buf[:4]
        if not self._pending:
            return DeviceAck("other")
        return DeviceAck("fixes", self._pending.popleft())

    def _read_udp(self) -> DeviceAck | None:
        buf = self._buffer
        if len(buf) < 7:
            return None
        length, packet_id, _type, avl_id, _count = _UDP_ACK.unpack_from(buf)
        if length != UDP_ACK_LENGTH and len(buf) >= length + 2:
            return self._read_udp_command(bytes(buf[:length + 2]), packet_id, avl_id)
        if length != UDP_ACK_LENGTH:
            buf.clear()  # not an acknowledgement: drop what we cannot frame
            return DeviceAck("other")
        del buf[:7]
        token = self._by_avl_id.pop(avl_id, None)
        return DeviceAck("other") if token is None else DeviceAck("fixes", token)

    def _read_udp_command(self, datagram: bytes, packet_id: int, avl_id: int) -> DeviceAck | CommandReceived:
        del self._buffer[:len(datagram)]
        start = 8 + int.from_bytes(datagram[6:8], "big")
        data = datagram[start:]
        if len(data) < 8 or data[0] != Codec.CODEC_12:
            return DeviceAck("other")
        answer, text = self._answer(data)
        return CommandReceived(token=packet_id, answer=wrap_udp_command(
            answer, self.device_id, packet_id, avl_id), command=text)
