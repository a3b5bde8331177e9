"""Device side of JT/T 808: authentication, heartbeat, 0x0200 / 0x0704 reports; reading 0x8001."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone
from typing import Sequence

from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError, ProtocolError
from .._records import Fix
from . import encode
from ._catalogue import ITEMS, Scalar
from ._header import parse_frame
from .constants import MsgType
from .framing import Jt808Framer

__all__ = ["Jt808Device", "encode_location_body", "encode_basic", "encode_item", "encode_scalar",
           "encode_bcd_time", "terminal_bytes"]

_BASIC = struct.Struct(">IIIIhHH")
_U16 = struct.Struct(">H")
_CST = timezone(timedelta(hours=8))


def terminal_bytes(device_id: str) -> tuple[bytes, int | None]:
    """(terminal id bytes, version): 6 BCD bytes for up to 12 digits, else the 2019 10-byte form."""
    if not device_id.isdigit() or len(device_id) > 20:
        raise LocalProtocolError(f"jt808: terminal id must be up to 20 digits, got {device_id!r}")
    if len(device_id) <= 12:
        return bytes.fromhex(device_id.rjust(12, "0")), None
    return bytes.fromhex(device_id.rjust(20, "0")), 1


def encode_bcd_time(fix_time, utc_offset: timezone = _CST) -> bytes:
    """BCD ``YYMMDDhhmmss`` in the terminal's zone (GMT+8 by default)."""
    return bytes.fromhex(fix_time.astimezone(utc_offset).strftime("%y%m%d%H%M%S"))


def encode_basic(fix: Fix, *, alarm: int = 0, status: int = 0, utc_offset: timezone = _CST) -> bytes:
    """The 28-byte location basic block: 1e-6 degrees, 0.1 km/h, local BCD time;
    status bits 1-3 (fixed, south, west) and bit 0 (ignition) come from the fix."""
    status |= 0x02 if fix.valid else 0
    if fix.attributes.get("ignition"):
        status |= 0x01
    if fix.lat < 0:
        status |= 0x04
    if fix.lon < 0:
        status |= 0x08
    body = _BASIC.pack(alarm, status, int(round(abs(fix.lat) * 1e6)), int(round(abs(fix.lon) * 1e6)),
                       int(round(fix.altitude_m)), int(round(fix.speed_kmh * 10)),
                       int(round(fix.course_deg)) % 360)
    return body + encode_bcd_time(fix.time, utc_offset)


def encode_item(item_id: int, value: bytes) -> bytes:
    """One additional-information item ``id | len | value``."""
    if not 0 <= item_id <= 0xFF or len(value) > 0xFF:
        raise LocalProtocolError(f"jt808: item 0x{item_id:02x} of {len(value)} bytes")
    return bytes((item_id, len(value))) + value


def encode_scalar(item_id: int, value) -> bytes:
    """A catalogue item from its decoded value (the inverse of its Scalar variant)."""
    spec = next((s for _, s in ITEMS[item_id].variants if isinstance(s, Scalar)), None)
    if spec is None:
        raise LocalProtocolError(f"jt808: item 0x{item_id:02x} has no scalar form")
    raw = int(round((value - spec.add) * spec.div / spec.mul))
    return encode_item(item_id, raw.to_bytes(spec.size, "big", signed=spec.signed))


def encode_location_body(fix: Fix, *, alarm: int = 0, status: int = 0,
                         items: Sequence[bytes] | None = None, utc_offset: timezone = _CST) -> bytes:
    """Basic block + items; by default 0x01 (odometer), 0x30 (rssi), 0x31 (satellites)
    from the fix, or exactly the given encoded ``items``."""
    body = encode_basic(fix, alarm=alarm, status=status, utc_offset=utc_offset)
    if items is not None:
        return body + b"".join(items)
    odometer = fix.attributes.get("odometer")
    if isinstance(odometer, int):
        body += encode_scalar(0x01, odometer - odometer % 100)
    rssi = fix.attributes.get("rssi")
    if isinstance(rssi, int):
        body += bytes((0x30, 1, rssi & 0xFF))
    return body + bytes((0x31, 1, max(0, min(255, fix.satellites))))


#: platform commands the simulated terminal answers (JT/T 808-2013 §8: 0x0001 or 0x0201)
_COMMANDS = frozenset({0x8103, 0x8105, 0x8201, 0x8202, 0x8300, 0x8500})
_IMPLEMENTED = frozenset({0x8103, 0x8105, 0x8202, 0x8300})
#: where a simulated terminal is before it sent a fix (answers 0x8201)
_NOWHERE = Fix(time=datetime(2025, 1, 1, tzinfo=timezone.utc), lat=0.0, lon=0.0, valid=False)


class Jt808Device:
    """A simulated JT/T 808 terminal (see protocols/_device.py)."""

    expects_acks = True
    max_fixes_per_packet = 16

    def __init__(self, device_id: str, *, transport: str = "tcp", **options) -> None:
        if transport != "tcp":
            raise LocalProtocolError("jt808 runs over TCP only")
        self.device_id = device_id
        self.terminal, self.version = terminal_bytes(device_id)
        self.hello_acked = False
        self._serial = 0
        self._auth_serial: int | None = None
        self._framer = Jt808Framer()
        #: the last fix sent (what 0x8201 position queries are answered with)
        self.last_fix: Fix = _NOWHERE
        self._buffer = bytearray()

    def _packet(self, msg_id: int, body: bytes) -> tuple[bytes, int]:
        serial = self._serial
        self._serial = (serial + 1) & 0xFFFF
        return encode.packet(msg_id, body, self.terminal, serial, self.version), serial

    def hello(self) -> bytes:
        data, self._auth_serial = self._packet(MsgType.AUTH, self.device_id.encode("ascii"))
        return data

    def heartbeat(self) -> bytes:
        return self._packet(MsgType.HEARTBEAT, b"")[0]

    def message(self, msg_id: int, body: bytes) -> bytes:
        """Any device -> server message (0x0200 with items, 0x0500, 0x0801, 0x0900 ...)."""
        return self._packet(msg_id, body)[0]

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if not 1 <= len(fixes) <= self.max_fixes_per_packet:
            raise LocalProtocolError(f"jt808 carries 1..{self.max_fixes_per_packet} fixes per packet")
        self.last_fix = fixes[-1]
        if len(fixes) == 1:
            data, serial = self._packet(MsgType.LOCATION, encode_location_body(fixes[0]))
        else:
            body = _U16.pack(len(fixes)) + b"\x01"
            for fix in fixes:
                item = encode_location_body(fix)
                body += _U16.pack(len(item)) + item
            data, serial = self._packet(MsgType.LOCATION_BATCH, body)
        return Outgoing(data, token=serial, count=len(fixes))

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        while (frame := self._framer.next_frame(self._buffer)) is not None:
            try:
                header, _ = parse_frame(frame)
            except ProtocolError:
                continue
            ack = self._read(header)
            if ack is not None:
                acks.append(ack)
        return acks

    def _command(self, header) -> CommandReceived:
        """A platform command: 0x8201 is answered by 0x0201 (reply serial + the last fix's
        location), any other by 0x0001 with result 0 (3 = unsupported for the ids the
        terminal does not implement), both carrying the command's serial (JT/T 808-2013)."""
        if header.msg_id == MsgType.LOCATION_QUERY:
            body = _U16.pack(header.serial) + encode_location_body(self.last_fix)
            answer = self._packet(MsgType.LOCATION_QUERY_RESPONSE, body)[0]
        else:
            result = 0 if header.msg_id in _IMPLEMENTED else 3
            body = _U16.pack(header.serial) + _U16.pack(header.msg_id) + bytes((result,))
            answer = self._packet(MsgType.TERMINAL_RESPONSE, body)[0]
        return CommandReceived(token=header.serial, answer=answer,
                               command=f"0x{header.msg_id:04X}:{header.body.hex()}")

    def _read(self, header) -> DeviceAck | CommandReceived | None:
        if header.msg_id in _COMMANDS:
            return self._command(header)
        if header.msg_id != MsgType.GENERAL_RESPONSE or len(header.body) != 5:
            return None
        reply_serial, reply_id = _U16.unpack_from(header.body, 0)[0], _U16.unpack_from(header.body, 2)[0]
        result = header.body[4]
        if reply_id == MsgType.AUTH and reply_serial == self._auth_serial:
            if result != 0:
                return DeviceAck("rejected")
            self.hello_acked = True
            return DeviceAck("hello")
        if reply_id in (MsgType.LOCATION, MsgType.LOCATION_BATCH) and result == 0:
            return DeviceAck("fixes", token=reply_serial)
        return DeviceAck("other", token=reply_serial)
