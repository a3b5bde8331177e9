"""Commands to devices and the devices' answers: the model every protocol shares.

A ``Command`` names one of Traccar's command types (so integrations move over)
with its parameters and an ``id``: the serial or correlation number the
protocol's encoder puts on the wire where the protocol has one (JT808 header
serial, GT06 server flag, Queclink count number, Galileosky command number,
Meitrack data flag ...). Each protocol's ``encode.py`` declares the types it
supports (``SUPPORTED_COMMANDS``: type -> the vendor's command, as data) and
builds the exact bytes with ``encode_typed_command(command, device_id, ...)``:
sans-IO, and time, when the wire carries one, comes in as ``now``.

A ``CommandAnswer`` is what a device said back, as its decoder recognised it:
the correlation the answer carries (``serial``: an int, the echoed command word
or flag, or None when the protocol has none and answers come in order), whether
the protocol says it succeeded (``ok``, None when it does not say), the answer as
text or hex, and its decoded meaning.

Parameters (Traccar's keys are accepted too):

* ``positionPeriodic``: ``interval`` (seconds; Traccar's ``frequency``)
* ``outputControl``: ``index`` (1-based output number), ``on`` (bool; Traccar's
  ``data`` "1"/"0")
* ``custom``: ``data`` (the vendor's command text, passed through) or ``hex``
  (bytes passed through as they are: the whole frame for binary protocols)
"""

from __future__ import annotations

from typing import Any

import msgspec

from ._errors import LocalProtocolError

__all__ = [
    "COMMAND_TYPES", "Command", "CommandAnswer", "CommandError", "CommandReceived",
    "check_supported", "text_or_hex",
]

#: Traccar's names of the command types we carry
COMMAND_TYPES: tuple[str, ...] = (
    "engineStop", "engineResume", "positionSingle", "positionPeriodic", "positionStop",
    "rebootDevice", "outputControl", "alarmArm", "alarmDisarm", "custom",
)

#: longest custom payload accepted (text or hex bytes); every protocol has a smaller frame limit
MAX_CUSTOM = 1024
#: longest reporting interval accepted by the model (a day); protocols narrow it
MAX_INTERVAL = 86_400


class CommandError(LocalProtocolError):
    """A command this protocol cannot carry (type unsupported, parameter missing or out of range)."""


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """One command to a device (see the module docstring for ``params``)."""

    type: str
    params: dict[str, Any] = {}
    #: serial / correlation put on the wire where the protocol has one (masked to its width)
    id: int = 0

    def interval(self, low: int = 1, high: int = MAX_INTERVAL) -> int:
        """``interval`` (or ``frequency``) in whole seconds, within [low, high]."""
        raw = self.params.get("interval", self.params.get("frequency"))
        value = _integer(raw, "interval")
        if not low <= value <= high:
            raise CommandError(f"{self.type}: interval {value} s outside {low}..{high}")
        return value

    def index(self, low: int = 1, high: int = 8) -> int:
        value = _integer(self.params.get("index"), "index")
        if not low <= value <= high:
            raise CommandError(f"{self.type}: output index {value} outside {low}..{high}")
        return value

    def on(self) -> bool:
        raw = self.params.get("on", self.params.get("data"))
        if isinstance(raw, bool):
            return raw
        if raw in (1, "1", "on", "true"):
            return True
        if raw in (0, "0", "off", "false"):
            return False
        raise CommandError(f"{self.type}: 'on' must be true/false or 1/0, got {raw!r}")

    def text(self) -> str:
        """The custom command's text (printable ASCII, no line breaks)."""
        raw = self.params.get("data")
        if not isinstance(raw, str) or not raw or len(raw) > MAX_CUSTOM:
            raise CommandError("custom: 'data' must be a non-empty text up to "
                               f"{MAX_CUSTOM} characters (or give 'hex')")
        if not raw.isascii() or not raw.isprintable():
            raise CommandError(f"custom: 'data' must be printable ASCII, got {raw!r}")
        return raw

    def raw(self) -> bytes | None:
        """The custom command's ``hex`` payload as bytes, or None when it is text."""
        raw = self.params.get("hex")
        if raw is None:
            return None
        try:
            data = bytes.fromhex(raw) if isinstance(raw, str) else b""
        except ValueError:
            data = b""
        if not data or len(data) > MAX_CUSTOM:
            raise CommandError(f"custom: 'hex' must be 1..{MAX_CUSTOM} bytes of hex, got {raw!r}")
        return data


def _integer(raw: Any, name: str) -> int:
    if isinstance(raw, bool):
        raise CommandError(f"'{name}' must be an integer, got {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    raise CommandError(f"'{name}' must be an integer, got {raw!r}")


def check_supported(protocol: str, command: Command, supported: Any) -> None:
    """Raise ``CommandError`` unless ``command.type`` is one of ``supported``'s keys."""
    if command.type not in supported:
        known = ", ".join(sorted(supported))
        raise CommandError(f"{protocol}: command type {command.type!r} not supported "
                           f"(supported: {known})")


class CommandAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """What a device answered to a command."""

    protocol: str
    device_id: str | None = None
    #: the correlation the answer carries (serial, echoed flag or command word); None: in order
    serial: int | str | None = None
    #: the command (message id, command word) the answer names, when it names one
    reply_to: str | None = None
    #: True/False when the protocol says whether it succeeded, None when it does not
    ok: bool | None = None
    text: str | None = None
    hex: str | None = None
    #: the decoded meaning ("success", "unsupported", the answer's fields ...)
    meaning: str | None = None


def text_or_hex(raw: bytes) -> tuple[str | None, str | None]:
    """Printable ASCII (tabs and line breaks allowed) as text, stripped; anything else as hex."""
    if raw.isascii():
        text = raw.decode("ascii")
        if text.replace("\r", "").replace("\n", "").replace("\t", "").isprintable():
            return text.strip(), None
    return None, raw.hex()


class CommandReceived(msgspec.Struct, frozen=True, kw_only=True):
    """Device side (``Device.receive_data`` returns it among its ``DeviceAck``s, with the
    same ``kind``/``token`` shape): a command arrived; ``answer`` holds the bytes the
    device sends back, ``token`` the command's correlation where the protocol has one."""

    kind: str = "command"
    token: int | str | None = None
    answer: bytes = b""
    #: the command as the device read it (text, or hex for binary commands)
    command: str = ""
