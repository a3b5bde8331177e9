"""Device side: a Queclink tracker sending text ``+RESP:GTFRI`` reports.

No login: every message carries the IMEI, so ``hello()`` is empty and the
device counts as accepted at once. Fixes go out as one GTFRI with up to 15
position blocks (GL300 layout: ``<report id>,<report type>,<number>,<blocks>,
<battery %>,<send time>,<count>``); the heartbeat is ``+ACK:GTHBD``. In ack
mode (``ack=True``) the server answers each report ``+SACK:<count>$`` and the
device matches the count to the packet. Resolution: 1e-6 degree, 0.1 km/h,
1 degree of course, 0.1 m of altitude, 1 s.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timezone
from typing import Sequence

from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .constants import SACK

__all__ = ["Gl200Device", "format_block", "text_report", "MAX_BLOCKS"]

UTC = timezone.utc
MAX_BLOCKS = 15
_MAX_BUFFER = 4096
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: AT+GTRTO sub-command -> the name its +ACK carries (@Track protocol)
_RTO_SUBCOMMANDS = {"0": "GPS", "1": "RTL", "2": "READ", "3": "REBOOT", "4": "RESET",
                    "5": "PWROFF", "6": "CID", "7": "CSQ", "8": "VER", "9": "BAT"}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def format_block(fix: Fix) -> str:
    """One 12-field position block; an invalid fix leaves the GPS fields empty."""
    if not fix.valid:
        return ",,,,,,,,,,,00"
    return (f"1,{fix.speed_kmh:.1f},{round(fix.course_deg) % 360},{fix.altitude_m:.1f},"
            f"{fix.lon:.6f},{fix.lat:.6f},{_stamp(fix.time)},,,,,00")


def text_report(kind: str, imei: str, *, version: str = "270A02", name: str = "",
                head: Sequence[str] = (), fixes: Sequence[Fix] = (), tail: Sequence[str] = (),
                send_time: datetime = _EPOCH, count: str = "0001", prefix: str = "RESP",
                satellites: int | None = None) -> bytes:
    """Any text report: ``+<prefix>:<kind>,<version>,<IMEI>,<name>,<head...>,<blocks...>,
    <tail...>,<send time>,<count>$``. With ``satellites`` each block ends with the
    append mask ``01`` and the satellite count (newer firmware)."""
    blocks = [format_block(fix) for fix in fixes]
    if satellites is not None:
        blocks = [b[:-2] + f"01,{satellites}" for b in blocks]
    parts = [f"+{prefix}:{kind}", version, imei, name, *head, *blocks, *tail,
             _stamp(send_time), count]
    return (",".join(parts) + "$").encode("latin-1")


class Gl200Device:
    """A GL300-style tracker (protocol version ``1A0100``) over TCP or UDP."""

    max_fixes_per_packet = MAX_BLOCKS

    def __init__(self, device_id: str, *, transport: str = "tcp", ack: bool = False,
                 version: str = "1A0100", battery: int = 80) -> None:
        if transport not in ("tcp", "udp"):
            raise LocalProtocolError(f"gl200 device: unknown transport {transport!r}")
        if not device_id or "," in device_id or "$" in device_id:
            raise LocalProtocolError(f"gl200 device: bad device id {device_id!r}")
        self.device_id = device_id
        self.transport = transport
        self.version = version
        self.battery = battery
        self.expects_acks = bool(ack)
        self.hello_acked = True
        self._count = 0
        self._token = 0
        self._last_time = _EPOCH
        self._pending: OrderedDict[str, int] = OrderedDict()
        self._buffer = bytearray()

    def _next_count(self) -> str:
        self._count = (self._count + 1) & 0xFFFF
        return f"{self._count:04X}"

    def hello(self) -> bytes:
        return b""

    def heartbeat(self) -> bytes:
        count = self._next_count()
        return (f"+ACK:GTHBD,{self.version},{self.device_id},,{_stamp(self._last_time)},"
                f"{count}$").encode("ascii")

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if not 1 <= len(fixes) <= MAX_BLOCKS:
            raise LocalProtocolError(f"gl200 device: 1 to {MAX_BLOCKS} fixes per report")
        self._last_time = max(fix.time for fix in fixes)
        count = self._next_count()
        blocks = ",".join(format_block(fix) for fix in fixes)
        text = (f"+RESP:GTFRI,{self.version},{self.device_id},,0,0,{len(fixes)},{blocks},"
                f"{self.battery},{_stamp(self._last_time)},{count}$")
        self._token += 1
        if self.expects_acks:
            self._pending[count] = self._token
        return Outgoing(text.encode("ascii"), self._token, len(fixes))

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        """``+SACK:<count>$`` acknowledges the report with that count number; ``AT+GT`` commands
        are acknowledged with ``+ACK``."""
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        while (end := self._buffer.find(b"$")) >= 0:
            line = bytes(self._buffer[:end]).strip()
            del self._buffer[:end + 1]
            acks.append(self._ack(line))
        if len(self._buffer) > _MAX_BUFFER:
            del self._buffer[:-_MAX_BUFFER]
        return acks

    def _command(self, line: bytes) -> CommandReceived:
        """``AT+GT<cmd>=<password>,<params>,<serial>$`` -> ``+ACK:GT<cmd>,<version>,<IMEI>,,
        [<sub-command>,]<serial>,<send time>,<count>$`` (AT+GTRTO names its sub-command)."""
        text = line.decode("latin-1")
        name, _, params = text[3:].partition("=")
        fields = params.split(",")
        serial = fields[-1]
        sub = _RTO_SUBCOMMANDS.get(fields[1], fields[1]) + "," if name == "GTRTO" and len(fields) > 2 else ""
        answer = (f"+ACK:{name},{self.version},{self.device_id},,{sub}{serial},"
                  f"{_stamp(self._last_time)},{self._next_count()}$").encode("ascii")
        return CommandReceived(token=serial, answer=answer, command=text)

    def _ack(self, line: bytes) -> DeviceAck | CommandReceived:
        if line.startswith(b"AT+GT") and b"=" in line:
            return self._command(line)
        if not line.startswith(SACK):
            return DeviceAck("other")
        body = line[len(SACK):].decode("latin-1")
        token = self._pending.pop(body.upper(), None)
        return DeviceAck("fixes", token) if token is not None else DeviceAck("other")
