"""Device side: a Wialon IPS tracker (simulators and tests).

TCP: ``hello()`` is the login (v2.0 ``#L#2.0;<id>;NA;<CRC16>`` or v1.1
``#L#<id>;NA``); one fix goes out as ``#D#`` (answered ``#AD#1``), several as
``#B#`` (answered ``#AB#<n>``). Answers arrive in order, so each one
acknowledges the oldest unanswered packet. UDP: every datagram carries the
id (``2.0;<id>#D#...``); no login, answers not awaited.
Resolution: minutes with 6 decimals, whole seconds, speed/course to 0.01,
height to 0.1 m.
"""

from __future__ import annotations

from collections import deque
from datetime import timezone
from typing import Sequence

from .._checksum import crc16_arc
from .._commands import CommandReceived
from .._device import DeviceAck, Outgoing
from .._errors import LocalProtocolError
from .._records import Fix
from .._text import format_dm
from .constants import CRLF

__all__ = ["WialonDevice", "body", "short_body", "params_text", "with_crc", "packet"]

_MAX_PENDING_BYTES = 4096
_MAX_FIXES = 32




def short_body(fix: Fix | None, *, date_form: str = "%d%m%y",
               time_form: str = "%H%M%S") -> str:
    """The SD body of one fix (``None``: every column ``NA``)."""
    if fix is None:
        return ";".join(["NA"] * 10)
    t = fix.time.astimezone(timezone.utc)
    return (f"{t.strftime(date_form)};{t.strftime(time_form)};{format_dm(fix.lat, 2, 6)};"
            f"{'S' if fix.lat < 0 else 'N'};{format_dm(fix.lon, 3, 6)};"
            f"{'W' if fix.lon < 0 else 'E'};{fix.speed_kmh:.2f};{fix.course_deg:.2f};"
            f"{fix.altitude_m:.1f};{fix.satellites}")


def params_text(params: Sequence[tuple[str, int, object]]) -> str:
    """``NAME:TYPE:VALUE`` items (TYPE 1 int, 2 double, 3 string), or ``NA``."""
    if not params:
        return "NA"
    return ",".join(f"{name}:{kind}:{value}" for name, kind, value in params)


def body(fix: Fix | None, *, hdop: float | None = None, inputs: int | None = None,
         outputs: int | None = None, adc: Sequence[float] = (), ibutton: str | None = None,
         params: Sequence[tuple[str, int, object]] = ()) -> str:
    """The D body of one fix: SD columns, hdop, inputs, outputs, adc, ibutton, params."""
    def na(value: object) -> str:
        return "NA" if value is None else str(value)
    return ";".join((short_body(fix), na(hdop), na(inputs), na(outputs),
                     ",".join(str(a) for a in adc) or "NA", na(ibutton), params_text(params)))


def packet(kind: str, msg: str, *, crc: bool = True, prefix: str = "") -> bytes:
    """``[prefix]#<kind>#<msg>[;CRC16]\r\n`` (B: ``|CRC16``)."""
    if crc:
        msg = with_crc(msg, "|" if kind == "B" else ";")
    return f"{prefix}#{kind}#{msg}".encode("utf-8") + CRLF


def with_crc(msg: str, separator: str = ";") -> str:
    text = msg + separator
    return f"{text}{crc16_arc(text.encode('utf-8')):04X}"


class WialonDevice:
    """A Wialon IPS tracker speaking v2.0 (default) or v1.1."""

    def __init__(self, device_id: str, *, transport: str = "tcp", version: str = "2.0",
                 password: str = "NA") -> None:
        if transport not in ("tcp", "udp"):
            raise LocalProtocolError(f"wialon device: unknown transport {transport!r}")
        if version not in ("2.0", "1.1"):
            raise LocalProtocolError(f"wialon device: unknown version {version!r}")
        if not device_id or any(c in device_id for c in "#;|\r\n"):
            raise LocalProtocolError("wialon device: bad id")
        self.device_id = device_id
        self.transport = transport
        self.version = version
        self.password = password
        self.expects_acks = transport == "tcp"
        self.hello_acked = transport == "udp"
        self.max_fixes_per_packet = _MAX_FIXES if transport == "tcp" else 1
        self._token = 0
        self._pending: deque[int] = deque()
        self._buffer = bytearray()

    def _v2(self) -> bool:
        return self.version == "2.0"

    def _packet(self, kind: str, msg: str) -> bytes:
        prefix = ""
        if self.transport == "udp":
            prefix = f"2.0;{self.device_id}" if self._v2() else self.device_id
        return f"{prefix}#{kind}#{msg}".encode("utf-8") + CRLF

    def hello(self) -> bytes:
        if self.transport == "udp":
            return b""
        if self._v2():
            return self._packet("L", with_crc(f"2.0;{self.device_id};{self.password}"))
        return self._packet("L", f"{self.device_id};{self.password}")

    def heartbeat(self) -> bytes:
        return self._packet("P", "") if self.transport == "tcp" else b""

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing:
        if not 1 <= len(fixes) <= self.max_fixes_per_packet:
            raise LocalProtocolError(f"wialon device: 1..{self.max_fixes_per_packet} fixes")
        if len(fixes) == 1:
            msg = body(fixes[0])
            data = self._packet("D", with_crc(msg) if self._v2() else msg)
        else:
            msg = "|".join(body(f) for f in fixes)
            data = self._packet("B", with_crc(msg, "|") if self._v2() else msg)
        self._token += 1
        if self.expects_acks:
            self._pending.append(self._token)
        return Outgoing(data, self._token, len(fixes))

    def receive_data(self, data: bytes) -> list[DeviceAck | CommandReceived]:
        self._buffer += data
        acks: list[DeviceAck | CommandReceived] = []
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end]).strip()
            del self._buffer[: end + 1]
            if line:
                acks.append(self._answer(line))
        if len(self._buffer) > _MAX_PENDING_BYTES:
            del self._buffer[:-_MAX_PENDING_BYTES]
        return acks

    def _command(self, line: bytes) -> CommandReceived:
        """A text command line: answered with a ``#M#`` message (the Wialon IPS way for a
        device to send text to the server), ``<command>: OK``."""
        text = line.decode("utf-8", "replace")
        reply = f"{text}: OK"
        answer = self._packet("M", with_crc(reply) if self._v2() else reply)
        return CommandReceived(answer=answer, command=text)

    def _answer(self, line: bytes) -> DeviceAck | CommandReceived:
        if not line.startswith(b"#"):
            return self._command(line)
        if line == b"#AL#1":
            self.hello_acked = True
            return DeviceAck("hello")
        if line.startswith(b"#AL#"):
            return DeviceAck("rejected")
        accepted = line in (b"#AD#1", b"#ASD#1") or (
            line.startswith(b"#AB#") and line[4:].isdigit() and int(line[4:]) > 0)
        if accepted and self._pending:
            return DeviceAck("fixes", self._pending.popleft())
        if line.startswith((b"#AD#", b"#ASD#", b"#AB#")) and self._pending:
            self._pending.popleft()  # refused: the packet will not be acknowledged
        return DeviceAck("other")
