"""Device side of H02: text ``V1`` reports (or binary ``$`` reports); reading our answers.

Resolution of what we write: minutes with 4 decimals (1/600000 degree),
whole seconds, speed in knots with 2 decimals (text) or whole knots
(binary), whole degrees of course. Text ``V1`` is answered with
``*HQ,<id>,V4,V1,<time>#``; binary reports only with ``R12`` when the
server is configured to (``ack=True``).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timezone
from typing import Sequence

from .._binary import encode_bcd
from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .._text import format_dm
from .constants import KNOT_KMH, STATUS_IDLE

__all__ = ["H02Device", "encode_v1", "encode_binary", "encode_heartbeat", "format_dm"]

_MAX_PENDING_BYTES = 4096
_IGNITION = 1 << 10
#: server messages that are replies, not commands
_SERVER_REPLIES = frozenset({b"V4", b"R12", b"HTBT", b"V0"})
#: where a simulated device is before its first fix (command answers carry it)
_NOWHERE = Fix(time=datetime(2025, 1, 1, tzinfo=timezone.utc), lat=0.0, lon=0.0, valid=False)




def _status(fix: Fix) -> int:
    ignition = fix.attributes.get("ignition")
    return STATUS_IDLE | _IGNITION if ignition else STATUS_IDLE


def encode_v1(device_id: str, fix: Fix, *, manufacturer: str = "HQ", kind: str = "V1",
              answer: Sequence[str] = (), status: int | None = None,
              tail: Sequence[str] = ()) -> bytes:
    """``*HQ,<id>,<kind>[,<answer>...],<hhmmss>,<A|V>,<lat>,<N|S>,<lon>,<E|W>,<knots>,
    <course>,<ddmmyy>,<status>[,<tail>...]#``; ``kind="V4"`` with ``answer`` is a
    command answer carrying a position; ``tail`` the fields after the status."""
    t = fix.time.astimezone(timezone.utc)
    word = _status(fix) if status is None else status
    head = ",".join((kind, *answer))
    extra = "".join("," + f for f in tail)
    return (f"*{manufacturer},{device_id},{head},{t:%H%M%S},{'A' if fix.valid else 'V'},"
            f"{format_dm(fix.lat, 2)},{'S' if fix.lat < 0 else 'N'},"
            f"{format_dm(fix.lon, 3)},{'W' if fix.lon < 0 else 'E'},"
            f"{fix.speed_kmh / KNOT_KMH:.2f},{round(fix.course_deg) % 360},{t:%d%m%y},"
            f"{word:08X}{extra}#").encode("ascii")


def encode_heartbeat(device_id: str, battery: int | None = None) -> bytes:
    """``*HQ,<id>,HTBT[,<battery %>]#``."""
    return f"*HQ,{device_id},HTBT{'' if battery is None else f',{battery}'}#".encode("ascii")


def encode_binary(device_id: str, fix: Fix, *, battery: int = 100) -> bytes:
    """A 32-byte report (10-digit id) or the 42-byte form (15-digit IMEI)."""
    t = fix.time.astimezone(timezone.utc)
    if len(device_id) <= 10:
        head, tail = encode_bcd(device_id, 5), b"\xff\x00\x00"
    else:
        head, tail = encode_bcd((device_id + "0")[:16].ljust(16, "0"), 8), bytes(10)
    lat = format_dm(fix.lat, 2).replace(".", "")
    lon = format_dm(fix.lon, 3).replace(".", "")
    flags = (0x2 if fix.valid else 0) | (0x4 if fix.lat >= 0 else 0) | (0x8 if fix.lon >= 0 else 0)
    knots = min(999, round(fix.speed_kmh / KNOT_KMH))
    body = (f"{t:%H%M%S%d%m%y}{lat}").encode("ascii")
    return (b"$" + head + bytes.fromhex(body.decode()) + bytes((battery,))
            + bytes.fromhex(f"{lon}{flags:x}{knots:03d}{round(fix.course_deg) % 360:03d}")
            + _status(fix).to_bytes(4, "big") + tail)


class H02Device:
    """A simulated H02 tracker (see protocols/_device.py)."""

    max_fixes_per_packet = 1

    def __init__(self, device_id: str, *, transport: str = "tcp", binary: bool = False,
                 ack: bool = False, **options) -> None:
        if transport not in ("tcp", "udp"):
            raise LocalProtocolError(f"h02 device: unknown transport {transport!r}")
        if not (device_id.isascii() and device_id.isdigit()) or len(device_id) > 15:
            raise LocalProtocolError(f"h02 device: id must be up to 15 digits, got {device_id!r}")
        self.device_id = device_id
        self.transport = transport
        self.binary = binary
        self.expects_acks = ack or not binary
        self.hello_acked = True  # H02 has no login
        self._token = 0
        self._pending: deque[int] = deque()
        self._buffer = bytearray()
        #: the last fix sent (command answers carry it)
        self.last_fix: Fix = _NOWHERE

    def hello(self) -> bytes:
        return b""

    def heartbeat(self) -> bytes:
        return f"*HQ,{self.device_id},HTBT#".encode("ascii")

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("h02 device: exactly one fix per packet")
        encoder = encode_binary if self.binary else encode_v1
        data = encoder(self.device_id, fixes[0])
        self.last_fix = fixes[0]
        self._token += 1
        if self.expects_acks:
            self._pending.append(self._token)
        return Outgoing(data, self._token, 1)

    def _command(self, fields: list[bytes]) -> CommandReceived:
        """``*HQ,<id>,<word>,<HHMMSS>,<params>#`` -> ``V4,<word>,DONE,<HHMMSS>,<position>``
        with the last fix (the H02 document's answer form)."""
        word, stamp = fields[2].decode("latin-1"), fields[3].decode("latin-1")
        answer = encode_v1(self.device_id, self.last_fix, kind="V4", answer=(word, "DONE", stamp))
        return CommandReceived(token=f"{word},{stamp}", answer=answer,
                               command=b",".join(fields[2:]).decode("latin-1"))

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        """``V4,V1`` (text) or ``R12`` (binary) answers acknowledge the oldest open report;
        server commands (a word and a 6-digit time) are answered with ``V4``."""
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        while (end := self._buffer.find(b"#")) >= 0:
            start = self._buffer.find(b"*", 0, end)
            message = bytes(self._buffer[start + 1:end]) if start >= 0 else b""
            del self._buffer[: end + 1]
            fields = message.split(b",")
            ack = fields[2:4] == [b"V4", b"V1"] if not self.binary else fields[2:3] == [b"R12"]
            if (len(fields) >= 4 and fields[2] not in _SERVER_REPLIES and len(fields[3]) == 6
                    and fields[3].isdigit()):
                acks.append(self._command(fields))
            elif ack and self._pending:
                acks.append(DeviceAck("fixes", self._pending.popleft()))
            elif message:
                acks.append(DeviceAck("other"))
        if len(self._buffer) > _MAX_PENDING_BYTES:
            del self._buffer[:-_MAX_PENDING_BYTES]
        return acks
