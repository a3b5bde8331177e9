"""Device side: a Meitrack tracker that uploads buffered fixes as CCC packets.

Each packet is ``$$<flag><len>,<IMEI>,CCC,<header><records>*hh\\r\\n`` with one
0x34-byte record per fix (event 35, time interval); the server confirms it
with ``@@<same flag><len>,<IMEI>,CCC,<records>*hh\\r\\n``. The flag (``A``..``z``,
rotating) tells which packet a confirmation is for. The heartbeat is ``AAC,1``
(answered the same way). Resolution: 1e-6 degree, whole seconds, 1 km/h,
1 degree, 1 m.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError, ProtocolError
from .._records import Fix
from ._frame import split_frame
from .constants import CCC_HEADER, CCC_RECORD, EPOCH_2000, EVENT_TRACK_BY_TIME, SERVER_MARK
from .encode import encode_frame
from .framing import parse_length

__all__ = ["MeitrackDevice", "ccc_record", "aaa_report", "cce_packet", "cce_record_bytes"]

_FLAGS = [chr(c) for c in range(0x41, 0x7B) if chr(c).isalpha()]
_MAX_BUFFER = 4096
#: server frames that confirm the device's own (the rest are commands)
_SERVER_REPLIES = frozenset({"CCC", "AAC", "AFF", "D00"})
_NOWHERE = Fix(time=datetime(2025, 1, 1, tzinfo=timezone.utc), lat=0.0, lon=0.0, valid=False)
CCC_VERSION = 0x0102


def ccc_record(fix: Fix) -> bytes:
    seconds = int((fix.time.astimezone(timezone.utc) - EPOCH_2000).total_seconds())
    return CCC_RECORD.pack(
        EVENT_TRACK_BY_TIME, round(fix.lat * 1e6), round(fix.lon * 1e6), seconds,
        1 if fix.valid else 0, fix.satellites, 20, round(fix.speed_kmh),
        round(fix.course_deg) % 360, 10, round(fix.altitude_m), 0, 0, 0, 0, 0, 0, 0, 0, 410,
        1250, 0)


def aaa_report(imei: str, fix: Fix, event: int = EVENT_TRACK_BY_TIME, *, flag: str = "F",
               command: str = "AAA", io: str = "0000", analog: str = "0000|0000|0000|0190|04E2",
               cell: str = "460|0|27BD|0DD6", extra: Sequence[str] = ()) -> bytes:
    """A text report: ``AAA,<event>,<lat>,<lon>,<yyMMddHHmmss>,...,<analog>[,<extra>...]``.

    ``fix.attributes`` may carry ``rssi``, ``odometer`` (m) and ``runtime`` (s)."""
    a = fix.attributes
    moment = fix.time.astimezone(timezone.utc).strftime("%y%m%d%H%M%S")
    columns = [str(event), f"{fix.lat:.6f}", f"{fix.lon:.6f}", moment, "A" if fix.valid else "V",
               str(fix.satellites), str(a.get("rssi", 20)), f"{fix.speed_kmh:g}",
               str(round(fix.course_deg) % 360), "1.0", f"{fix.altitude_m:g}",
               str(a.get("odometer", 0)), str(a.get("runtime", 0)), cell, io, analog, *extra]
    return encode_frame(imei, command + "," + ",".join(columns), flag, mark=b"$$")


def cce_record_bytes(groups: Sequence[Sequence[tuple[int, bytes]]], index: int = 0) -> bytes:
    """One CCE record from its four groups of ``(id, value)`` (1-, 2-, 4-, N-byte values)."""
    out = bytearray()
    for size, params in zip((1, 2, 4, 0), groups):
        out.append(len(params))
        for pid, value in params:
            if size and len(value) != size:
                raise LocalProtocolError(f"meitrack device: id {pid:#x} needs {size} bytes")
            out += bytes([0xFE, pid & 0xFF]) if pid > 0xFF else bytes([pid])
            out += value if size else bytes([len(value)]) + value
    body = index.to_bytes(2, "little") + bytes(out)
    return len(body).to_bytes(2, "little") + body


def cce_packet(imei: str, records: Sequence[bytes], flag: str = "E", cache: int = 0) -> bytes:
    """``CCE,<remaining cache 4><count 2><records>`` (records from ``cce_record_bytes``)."""
    data = cache.to_bytes(4, "little") + len(records).to_bytes(2, "little") + b"".join(records)
    return encode_frame(imei, b"CCE," + data, flag, mark=b"$$")


class MeitrackDevice:
    max_fixes_per_packet = 10
    expects_acks = True

    def __init__(self, device_id: str, *, transport: str = "tcp") -> None:
        if transport not in ("tcp", "udp"):
            raise LocalProtocolError(f"meitrack device: unknown transport {transport!r}")
        if not device_id or not device_id.isalnum():
            raise LocalProtocolError(f"meitrack device: bad IMEI {device_id!r}")
        self.device_id = device_id
        self.transport = transport
        self.hello_acked = True  # no login
        self._token = 0
        #: flag -> (token, records) of packets waiting for their CCC confirmation
        self._pending: dict[str, tuple[int, int]] = {}
        #: the last fix sent (what an A10 is answered with)
        self.last_fix: Fix = _NOWHERE
        self._buffer = bytearray()

    def hello(self) -> bytes:
        return b""

    def heartbeat(self) -> bytes:
        return encode_frame(self.device_id, "AAC,1", "z", mark=b"$$")

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if not 1 <= len(fixes) <= self.max_fixes_per_packet:
            raise LocalProtocolError("meitrack device: 1 to 10 fixes per packet")
        self._token += 1
        self.last_fix = fixes[-1]
        flag = self._free_flag()
        body = CCC_HEADER.pack(CCC_VERSION, CCC_RECORD.size, len(fixes)) + b"".join(
            ccc_record(f) for f in fixes)
        self._pending[flag] = (self._token, len(fixes))
        return Outgoing(encode_frame(self.device_id, b"CCC," + body, flag, mark=b"$$"),
                        self._token, len(fixes))

    def _free_flag(self) -> str:
        """The next flag in rotation that no unconfirmed packet uses (the oldest one's
        when all are taken: its confirmation is then lost and the packet is resent)."""
        for step in range(len(_FLAGS)):
            flag = _FLAGS[(self._token + step) % len(_FLAGS)]
            if flag not in self._pending:
                return flag
        return next(iter(self._pending))

    def _command(self, parts) -> CommandReceived:
        """A server command: A10 is answered by an AAA report of the last fix, the others by
        ``<command>,OK``; both echo the command's flag (MEITRACK GPRS Protocol)."""
        if parts.command == "A10":
            answer = aaa_report(self.device_id, self.last_fix, flag=parts.flag)
        else:
            answer = encode_frame(self.device_id, f"{parts.command},OK", parts.flag, mark=b"$$")
        text = parts.command + ("," + parts.data.decode("latin-1") if parts.data else "")
        return CommandReceived(token=parts.flag, answer=answer, command=text)

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        """Server frames (``@@...``); a CCC confirmation acknowledges its packet."""
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        while True:
            start = self._buffer.find(SERVER_MARK)
            if start < 0:
                del self._buffer[:-1]
                break
            del self._buffer[:start]
            header = parse_length(self._buffer) if len(self._buffer) >= 10 else None
            if header is None:
                if len(self._buffer) >= 10:
                    del self._buffer[:2]
                    continue
                break
            size = header[0] + header[1]
            if len(self._buffer) < size:
                break
            frame = bytes(self._buffer[:size])
            del self._buffer[:size]
            acks.append(self._ack(frame))
        if len(self._buffer) > _MAX_BUFFER:
            del self._buffer[:-_MAX_BUFFER]
        return acks

    def _ack(self, frame: bytes) -> DeviceAck | CommandReceived:
        try:
            parts = split_frame(frame, SERVER_MARK)
        except ProtocolError:
            return DeviceAck("other")
        if parts.command not in _SERVER_REPLIES:
            return self._command(parts)
        pending = self._pending.get(parts.flag)
        if parts.command == "CCC" and parts.checksum_ok and pending is not None \
                and parts.data == str(pending[1]).encode():
            del self._pending[parts.flag]
            return DeviceAck("fixes", pending[0])
        return DeviceAck("other")
