"""Device side: a TK103 tracker speaking the fixed-ID ``(...)`` form (simulators, tests).

``hello()`` is the handshake ``(<ID>BP00HSO)`` (answered ``(<ID>AP01HSO)``),
``heartbeat()`` the same handshake; each fix goes out as one ``BR00`` frame,
which the server never acknowledges (``expects_acks`` False). Resolution of
what we write: minutes with 4 decimals (1/600000 degree), whole seconds,
speed to 0.1 km/h (0-999.9), course to 0.01 degree; no altitude.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from .._text import format_dm
from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .framing import find_end

__all__ = ["Tk103Device", "position_frame", "comma_frame"]

_MAX_PENDING_BYTES = 4096
#: command word -> answer word (_answers.py)
_ANSWERED = {"AP00": "BP04", "AR00": "BS08", "AV00": "BV00", "AV01": "BV01", "AT00": "BT00"}
_NOWHERE = Fix(time=datetime(2025, 1, 1, tzinfo=timezone.utc), lat=0.0, lon=0.0, valid=False)


def position_frame(device_id: str, fix: Fix, *, command: str = "BR00", odometer: int = 0,
                   prefix: str = "", status: str | None = None, temperature: float | None = None,
                   tail: str = "") -> bytes:
    """``(<ID><CMD>[prefix]<yymmdd><A|V><lat><N|S><lon><E|W><speed:5><hhmmss><course:6>
    <status:8>L<odo>[+ddd.d][tail])``; ``prefix`` is the BO01 alarm digit, BP05's IMEI
    or BQ81's ``,ALARM,n,x,``; ``status`` defaults to the ignition bit of the fix."""
    t = fix.time.astimezone(timezone.utc)
    lat, south = format_dm(fix.lat, 2), fix.lat < 0
    lon, west = format_dm(fix.lon, 3), fix.lon < 0
    speed = min(max(fix.speed_kmh, 0.0), 999.9)
    if status is None:
        status = f"0{1 if fix.attributes.get('ignition') else 0}000000"
    temp = "" if temperature is None else f"{temperature:+06.1f}"
    text = (f"({device_id}{command}{prefix}{t:%y%m%d}{'A' if fix.valid else 'V'}{lat}{'S' if south else 'N'}"
            f"{lon}{'W' if west else 'E'}{speed:05.1f}{t:%H%M%S}{fix.course_deg % 360:06.2f}"
            f"{status}L{odometer:08X}{temp}{tail})")
    return text.encode("ascii")


def comma_frame(imei: str, command: str, fix: Fix, *, extra: Sequence[str] = ()) -> bytes:
    """``(<IMEI>,<CMD>,<ddmmyy>,<A|V>,<lat><N|S>,<lon><E|W>,<km/h>,<hhmmss>,<course>,
    <altitude m>,<satellites>[,extra...])`` (the ZC/DW comma form)."""
    t = fix.time.astimezone(timezone.utc)
    lat = format_dm(fix.lat, 2) + ("S" if fix.lat < 0 else "N")
    lon = format_dm(fix.lon, 3) + ("W" if fix.lon < 0 else "E")
    fields = [f"{t:%d%m%y}", "A" if fix.valid else "V", lat, lon, f"{fix.speed_kmh:.1f}",
              f"{t:%H%M%S}", f"{fix.course_deg:.2f}", f"{fix.altitude_m:.2f}",
              str(fix.satellites), *extra]
    return f"({imei},{command},{','.join(fields)})".encode("ascii")


class Tk103Device:
    """A TK103 tracker: handshake, then one BR00 frame per fix."""

    max_fixes_per_packet = 1
    expects_acks = False

    def __init__(self, device_id: str, *, transport: str = "tcp") -> None:
        if transport not in ("tcp", "udp"):
            raise LocalProtocolError(f"tk103 device: unknown transport {transport!r}")
        if not device_id.isdigit() or len(device_id) > 20:
            raise LocalProtocolError("tk103 device: the ID is a string of digits")
        self.device_id = device_id
        self.transport = transport
        self.hello_acked = False
        self._token = 0
        self._buffer = bytearray()
        #: the last fix sent (the BP04 answer carries it)
        self.last_fix: Fix = _NOWHERE

    def hello(self) -> bytes:
        return f"({self.device_id}BP00HSO)".encode("ascii")

    def heartbeat(self) -> bytes:
        return self.hello()

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if len(fixes) != 1:
            raise LocalProtocolError("tk103 device: exactly one fix per packet")
        self._token += 1
        self.last_fix = fixes[0]
        return Outgoing(position_frame(self.device_id, fixes[0]), self._token, 1)

    def _command(self, text: str) -> CommandReceived:
        """AP00 -> BP04 + the last fix, AR00 -> BS08, AV00x / AV01x -> BV00x / BV01x (the TK103
        document's answer words), AT00 -> BT00."""
        word, body = text[:4], text[4:]
        if word == "AP00":
            answer = position_frame(self.device_id, self.last_fix, command="BP04")
        else:
            answer = f"({self.device_id}{_ANSWERED[word]}{body})".encode("ascii")
        return CommandReceived(token=word, answer=answer, command=text)

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        """``(<ID>AP01HSO)`` and ``(<ID>AP05)`` accept the session; other frames are commands."""
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        buf = self._buffer
        while (start := buf.find(b"(")) >= 0:
            del buf[:start]
            end = find_end(buf)
            if end < 0:
                break
            body = bytes(buf[1:end])
            del buf[:end + 1]
            word = body[len(self.device_id.encode()):] if body.startswith(
                self.device_id.encode()) else b""
            if word in (b"AP01HSO", b"AP05"):
                self.hello_acked = True
                acks.append(DeviceAck("hello"))
            elif word[:4].decode("ascii", "replace") in _ANSWERED:
                acks.append(self._command(word.decode("ascii", "replace")))
            else:
                acks.append(DeviceAck("other"))
        if b"(" not in buf:
            buf.clear()
        if len(buf) > _MAX_PENDING_BYTES:
            del buf[:-_MAX_PENDING_BYTES]
        return acks
