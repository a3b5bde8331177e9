"""Device side: what a Ruptela tracker sends and how it reads our answers.

``RuptelaDevice(imei, transport="tcp", extended=False)``. Fixes go out as
command 1 (or 68 with ``extended=True``) packets of up to 20 records. IO
elements come from ``Fix.attributes``: ignition (251), motion (173),
power (29, V -> mV), battery (30, V -> mV), odometer (65). A fix with
``valid=False`` is sent with the no-fix coordinates 0x80000000.

No login: ``hello()`` is empty and the device counts as identified at once.
Acknowledgements (command 100, data 01) carry no serial: each acknowledges
the oldest unacknowledged packet.
"""

from __future__ import annotations

import struct
from collections import deque
from datetime import timezone
from typing import Any, Callable, Sequence

from .._checksum import crc16_kermit
from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .constants import ACK_ACCEPTED, MAX_FRAME_SIZE, NO_FIX, RECORDS_ACK_COMMAND, Command
from .encode import SMS_VIA_GPRS_COMMAND

__all__ = ["RuptelaDevice", "encode_packet", "encode_record", "DEVICE_IO"]

_U16 = struct.Struct(">H")
_HEAD = struct.Struct(">QB")
_RECORD = struct.Struct(">IBBiiHHBHB")  # time, ext, priority, lon, lat, alt, angle, sats, speed, hdop
_EXT_RECORD = struct.Struct(">IBBBiiHHBHB")
_GROUP_FORMAT = {1: "B", 2: "H", 4: "I", 8: "Q"}


def _flag(value: Any) -> int:
    return 1 if value else 0


def _millivolts(value: Any) -> int:
    return round(float(value) * 1000)


#: attribute -> (IO ID, value size, encoder)
DEVICE_IO: dict[str, tuple[int, int, Callable[[Any], int]]] = {
    "ignition": (251, 1, _flag),
    "motion": (173, 1, _flag),
    "power": (29, 2, _millivolts),
    "battery": (30, 2, _millivolts),
    "odometer": (65, 4, int),
}


def encode_packet(imei: str, command: int, data: bytes) -> bytes:
    payload = _HEAD.pack(int(imei), command) + data
    return _U16.pack(len(payload)) + payload + _U16.pack(crc16_kermit(payload))


def _io(attributes: dict[str, Any], extended: bool,
        io: dict[int, tuple[int, int]] | None = None) -> bytes:
    """The IO groups: ``Fix.attributes`` through ``DEVICE_IO``, then raw
    elements ``io`` (IO ID -> (value size, unsigned value))."""
    groups: dict[int, list[bytes]] = {1: [], 2: [], 4: [], 8: []}
    id_fmt = "H" if extended else "B"
    for key, (io_id, size, encode) in DEVICE_IO.items():
        value = attributes.get(key)
        if value is not None:
            groups[size].append(struct.pack(f">{id_fmt}{_GROUP_FORMAT[size]}", io_id, encode(value)))
    for io_id, (size, value) in (io or {}).items():
        groups[size].append(struct.pack(f">{id_fmt}{_GROUP_FORMAT[size]}", io_id, value))
    return b"".join(bytes((len(items),)) + b"".join(items) for items in groups.values())


def encode_record(fix: Fix, extended: bool = False,
                  io: dict[int, tuple[int, int]] | None = None) -> bytes:
    """One record at the protocol's resolution (1e-7 degree, 0.1 m, 0.01 degree, 1 km/h)."""
    stamp = int(fix.time.astimezone(timezone.utc).timestamp())
    if fix.valid:
        lon, lat = round(fix.lon * 1e7), round(fix.lat * 1e7)
    else:
        lon = lat = NO_FIX
    fields = (lon, lat, max(0, min(0xFFFF, round(fix.altitude_m * 10))),
              round(fix.course_deg * 100) % 36000, max(0, min(255, fix.satellites)),
              max(0, min(0xFFFF, round(fix.speed_kmh))), 10)
    if extended:
        head = _EXT_RECORD.pack(stamp, 0, 0, 0, *fields) + _U16.pack(0)
    else:
        head = _RECORD.pack(stamp, 0, 0, *fields) + b"\x00"
    return head + _io(fix.attributes, extended, io)


#: server commands the simulated tracker answers
_ANSWERS = frozenset({SMS_VIA_GPRS_COMMAND, 117})


class RuptelaDevice:
    """A simulated Ruptela tracker (see protocols/_device.py)."""

    expects_acks = True
    max_fixes_per_packet = 20

    def __init__(self, device_id: str, *, transport: str = "tcp", extended: bool = False,
                 **options: Any) -> None:
        if transport != "tcp":
            raise LocalProtocolError(f"ruptela: no {transport!r} transport")
        if not device_id.isdigit() or int(device_id) >= 1 << 64:
            raise LocalProtocolError(f"ruptela: the IMEI must be digits, got {device_id!r}")
        self.device_id = device_id
        self.extended = extended
        self.hello_acked = True
        self._next_token = 0
        self._pending: deque[int] = deque()
        self._buffer = bytearray()

    def hello(self) -> bytes:
        return b""

    def heartbeat(self) -> bytes:
        return encode_packet(self.device_id, Command.HEARTBEAT, b"")

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if not 0 < len(fixes) <= self.max_fixes_per_packet:
            raise LocalProtocolError(f"ruptela: 1..{self.max_fixes_per_packet} fixes per packet")
        data = bytes((0, len(fixes))) + b"".join(encode_record(f, self.extended) for f in fixes)
        command = Command.EXTENDED_RECORDS if self.extended else Command.RECORDS
        packet = encode_packet(self.device_id, command, data)
        if len(packet) > MAX_FRAME_SIZE:
            raise LocalProtocolError("ruptela: packet over 1024 bytes (too many attributes)")
        token = self._next_token
        self._next_token += 1
        self._pending.append(token)
        return Outgoing(packet, token, len(fixes))

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        buf = self._buffer
        while len(buf) >= 2:
            size = _U16.unpack_from(buf)[0] + 4
            if len(buf) < size:
                break
            payload = bytes(buf[2 : size - 2])
            del buf[:size]
            if (payload[:2] == bytes((RECORDS_ACK_COMMAND, ACK_ACCEPTED))
                    and self._pending):
                acks.append(DeviceAck("fixes", self._pending.popleft()))
            elif payload[:1] and payload[0] in _ANSWERS:
                acks.append(self._command(payload[0], payload[1:]))
        return acks

    def _command(self, command: int, data: bytes) -> CommandReceived:
        """108 (SMS command) -> 7 with the SMS answer text; 117 (set IO) -> 17 with status 1."""
        if command == SMS_VIA_GPRS_COMMAND:
            text = data.decode("latin-1")
            answer = encode_packet(self.device_id, Command.SMS_VIA_GPRS_RESPONSE,
                                   f"{text}: OK".encode("latin-1"))
            return CommandReceived(token=command, answer=answer, command=text)
        answer = encode_packet(self.device_id, Command.SET_IO, b"\x01")
        return CommandReceived(token=command, answer=answer, command=f"{command}:{data.hex()}")
