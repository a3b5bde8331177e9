"""Device side: what a Galileosky terminal sends and how it reads our answers.

``GalileoDevice(imei)``: ``hello()`` is the head packet (hardware and firmware
versions, IMEI, device id); fixes go out as main packets of up to 20 records
(record number 0x10, time 0x20, coordinates 0x30, speed/course 0x33,
altitude 0x34, HDOP 0x35, and from ``Fix.attributes`` power 0x41 and battery
0x42 in volts, odometer 0xD4). The server answers ``02`` + the packet's CRC,
which is how the terminal knows which packet was accepted.
"""

from __future__ import annotations

import struct
from collections import defaultdict, deque
from datetime import timezone
from typing import Any, Sequence

from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .constants import REPLY_MAIN, Header
from .encode import wrap

__all__ = ["GalileoDevice", "encode_head", "encode_record", "encode_tag"]

_RECORD = struct.Struct("<BHBIBBiiBHHBhBB")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")


def encode_head(imei: str, *, hw: int = 0x82, fw: int = 0x13, device_number: int = 1) -> bytes:
    ident = imei.encode("ascii")
    if len(ident) != 15 or not imei.isdigit():
        raise LocalProtocolError(f"galileo: the IMEI must be 15 digits, got {imei!r}")
    return wrap(bytes((0x01, hw, 0x02, fw, 0x03)) + ident + b"\x04" + _U16.pack(device_number))


def _millivolts(value: Any) -> int:
    return max(0, min(0xFFFF, round(float(value) * 1000)))


def encode_tag(tag: int, value: bytes) -> bytes:
    """One raw tag: fixed-size tags as is, 0xE1/0xEA with a 1-byte length,
    0xFE (extended tags) with a 2-byte length."""
    if tag == 0xFE:
        return b"\xfe" + _U16.pack(len(value)) + value
    if tag in (0xE1, 0xEA):
        return bytes((tag, len(value))) + value
    return bytes((tag,)) + value


def encode_record(fix: Fix, index: int, tags: Sequence[tuple[int, bytes]] = ()) -> bytes:
    """One record at the protocol's resolution (1e-6 degree, 0.1 km/h, 0.1 degree, 1 m),
    then the raw ``tags`` ((tag, value bytes), in the order given)."""
    flags = (0 if fix.valid else 0x20) | max(0, min(15, fix.satellites))
    out = _RECORD.pack(
        0x10, index & 0xFFFF, 0x20, int(fix.time.astimezone(timezone.utc).timestamp()),
        0x30, flags, round(fix.lat * 1e6), round(fix.lon * 1e6),
        0x33, max(0, min(0xFFFF, round(fix.speed_kmh * 10))), round(fix.course_deg * 10) % 3600,
        0x34, max(-32768, min(32767, round(fix.altitude_m))),
        0x35, 10)
    attrs = fix.attributes
    if attrs.get("power") is not None:
        out += b"\x41" + _U16.pack(_millivolts(attrs["power"]))
    if attrs.get("battery") is not None:
        out += b"\x42" + _U16.pack(_millivolts(attrs["battery"]))
    if attrs.get("odometer") is not None:
        out += b"\xd4" + _U32.pack(int(attrs["odometer"]) & 0xFFFFFFFF)
    return out + b"".join(encode_tag(tag, value) for tag, value in tags)


class GalileoDevice:
    """A simulated Galileosky terminal (see protocols/_device.py)."""

    expects_acks = True
    max_fixes_per_packet = 20

    def __init__(self, device_id: str, *, transport: str = "tcp", **options: Any) -> None:
        if transport != "tcp":
            raise LocalProtocolError(f"galileo: no {transport!r} transport")
        self.device_id = device_id
        self._head = encode_head(device_id)
        self.hello_acked = False
        self._index = 0
        self._next_token = 0
        self._by_crc: dict[bytes, deque[int]] = defaultdict(deque)
        self._buffer = bytearray()

    def hello(self) -> bytes:
        return self._head

    def heartbeat(self) -> bytes:
        return self._head

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if not 0 < len(fixes) <= self.max_fixes_per_packet:
            raise LocalProtocolError(f"galileo: 1..{self.max_fixes_per_packet} fixes per packet")
        records = []
        for fix in fixes:
            records.append(encode_record(fix, self._index))
            self._index += 1
        packet = wrap(b"".join(records))
        token = self._next_token
        self._next_token += 1
        self._by_crc[packet[-2:]].append(token)
        return Outgoing(packet, token, len(fixes))

    def _command(self, packet: bytes) -> CommandReceived | None:
        """A command packet (0x01 with 0xE0 number and 0xE1 text): answered with a packet of
        the same tags, 0xE1 = ``<command> OK`` (the user manual's command exchange)."""
        at = 3 + 16 + 3  # after 0x03 IMEI (15) and 0x04 device number (2)
        if len(packet) < at + 9 or packet[at] != 0xE0 or packet[at + 5] != 0xE1:
            return None
        number = packet[at + 1:at + 5]
        text = packet[at + 7:at + 7 + packet[at + 6]].decode("latin-1")
        reply = f"{text} OK".encode("latin-1")[:255]
        tags = (packet[3:at] + b"\xe0" + number + b"\xe1" + bytes((len(reply),)) + reply)
        return CommandReceived(token=int.from_bytes(number, "little"), answer=wrap(tags),
                               command=text)

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        buf = self._buffer
        while len(buf) >= 3:
            if buf[0] == Header.MAIN:  # a command packet: header, length, tags, CRC
                size = 3 + ((buf[1] | buf[2] << 8) & 0x7FFF) + 2
                if len(buf) < size:
                    break
                command = self._command(bytes(buf[:size]))
                del buf[:size]
                if command is not None:
                    acks.append(command)
                continue
            kind, crc = buf[0], bytes(buf[1:3])
            del buf[:3]
            if kind != REPLY_MAIN:
                continue
            if not self.hello_acked and crc == self._head[-2:]:
                self.hello_acked = True
                acks.append(DeviceAck("hello"))
            elif self._by_crc.get(crc):
                acks.append(DeviceAck("fixes", self._by_crc[crc].popleft()))
        return acks
