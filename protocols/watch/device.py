"""Device side of the watch protocol: LK keep-alives, UD (or AL) positions; reading our replies.

``hello()`` and ``heartbeat()`` are ``LK``; the server's ``LK`` answer
acknowledges the hello. ``UD`` positions get no answer (``expects_acks``
False); with ``alarm=True`` fixes go out as ``AL`` and each ``AL`` answer
acknowledges the oldest open one. Resolution of what we write: 1e-6 degree,
whole seconds, 0.01 km/h, 0.1 degree of course, 0.1 m.
"""

from __future__ import annotations

from collections import deque
from datetime import timezone
from typing import Sequence

from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError, ProtocolError
from .._records import Fix
from . import encode
from ._catalogue import COMMAND_ACKS
from .decode import split_envelope
from .framing import WatchFramer

__all__ = ["WatchDevice", "location_content", "link_content", "message_content"]

_MAX_PENDING_BYTES = 4096


def location_content(kind: str, fix: Fix, *, battery: int = 90, gsm: int = 80,
                     status: int = 0, tumbles: int = 0) -> str:
    """A ``UD``/``AL``/``WT``... CONTENT (columns of ``_catalogue.POSITION_COLUMNS``)."""
    t = fix.time.astimezone(timezone.utc)
    steps = fix.attributes.get("steps", 0)
    return (f"{kind},{t:%d%m%y},{t:%H%M%S},{'A' if fix.valid else 'V'},"
            f"{abs(fix.lat):.6f},{'S' if fix.lat < 0 else 'N'},"
            f"{abs(fix.lon):.6f},{'W' if fix.lon < 0 else 'E'},"
            f"{fix.speed_kmh:.2f},{fix.course_deg:.1f},{fix.altitude_m:.1f},{fix.satellites},"
            f"{gsm},{battery},{steps},{tumbles},{status:08X},1,255,460,0,9346,5223,42,0")


def link_content(steps: int, tumbles: int, battery: int) -> str:
    """``LK,<steps>,<tumbles>,<battery %>``."""
    return f"LK,{steps},{tumbles},{battery}"


def message_content(kind: str, *values: object) -> str:
    """Any other CONTENT: ``<TYPE>[,<value>...]`` (health, command confirmations, INIT ...)."""
    return ",".join((kind, *(str(v) for v in values)))


class WatchDevice:
    """A simulated watch (see protocols/_device.py)."""

    max_fixes_per_packet = 1

    def __init__(self, device_id: str, *, transport: str = "tcp", manufacturer: str = "3G",
                 index: str | None = None, alarm: bool = False, **options) -> None:
        if transport != "tcp":
            raise LocalProtocolError("watch runs over TCP only")
        if not (device_id.isascii() and device_id.isalnum()) or len(device_id) > 20:
            raise LocalProtocolError(f"watch device: bad id {device_id!r}")
        self.device_id = device_id
        self.manufacturer = manufacturer
        self.index = index
        self.alarm = alarm
        self.expects_acks = alarm
        self.hello_acked = False
        self._token = 0
        self._pending: deque[int] = deque()
        self._framer = WatchFramer()
        self._buffer = bytearray()

    def _frame(self, content: str) -> bytes:
        return encode.envelope(self.manufacturer, self.device_id, content.encode("utf-8"),
                               self.index)

    def frame(self, content: str, binary: bytes | None = None) -> bytes:
        """One frame of this watch: ``content``, then ``,`` and ``binary`` escaped (voice, photo)."""
        data = content.encode("utf-8")
        if binary is not None:
            data += b"," + encode.escape(binary)
        return encode.envelope(self.manufacturer, self.device_id, data, self.index)

    def hello(self) -> bytes:
        return self._frame("LK")

    def heartbeat(self) -> bytes:
        return self._frame("LK,0,0,90")

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("watch device: exactly one fix per packet")
        data = self._frame(location_content("AL" if self.alarm else "UD", fixes[0]))
        self._token += 1
        if self.expects_acks:
            self._pending.append(self._token)
        return Outgoing(data, self._token, 1)

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        while True:
            try:
                frame = self._framer.next_frame(self._buffer)
            except ProtocolError:
                continue
            if frame is None:
                break
            acks.append(self._read(frame))
        if len(self._buffer) > _MAX_PENDING_BYTES:
            del self._buffer[:-_MAX_PENDING_BYTES]
        return acks

    def _read(self, frame: bytes) -> DeviceAck | CommandReceived:
        try:
            env = split_envelope(frame)
        except ProtocolError:
            return DeviceAck("other")
        kind = env.kind
        if kind.upper() in COMMAND_ACKS:
            # the watch confirms a command by sending its keyword back (Beesure protocol, II)
            return CommandReceived(token=kind.upper(), answer=self._frame(kind),
                                   command=env.content.decode("utf-8", "replace"))
        if kind == "LK" and not self.hello_acked:
            self.hello_acked = True
            return DeviceAck("hello")
        if kind == "AL" and self._pending:
            return DeviceAck("fixes", self._pending.popleft())
        return DeviceAck("other")
