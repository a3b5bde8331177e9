"""Server -> device: replies and commands in the ``[MF*ID[*IDX]*LEN*CONTENT]`` envelope."""

from __future__ import annotations

from datetime import datetime

from .._commands import Command, CommandError, check_supported
from .constants import ESCAPED

__all__ = ["envelope", "escape", "command", "message_text", "SUPPORTED_COMMANDS",
           "encode_typed_command", "answer_serial"]


def escape(data: bytes) -> bytes:
    """Binary content (AMR voice) with ``} [ ] , *`` escaped as ``7D 01..05``."""
    for raw, escaped in ESCAPED:  # '}' first, so the escapes' own 7D bytes survive
        data = data.replace(raw, escaped)
    return data


def envelope(manufacturer: str, device_id: str, content: bytes, index: str | None = None) -> bytes:
    """``[<MF>*<ID>[*<IDX>]*<len>*<content>]``, len = 4 lowercase hex digits of the content."""
    head = f"[{manufacturer}*{device_id}*" + (f"{index}*" if index is not None else "")
    return head.encode("ascii") + b"%04x*" % len(content) + content + b"]"


def command(manufacturer: str, device_id: str, content: str, *, indexed: bool = False) -> bytes:
    """A server command, e.g. ``command("SG", id, "UPLOAD,60")``; ``3G`` devices get ``SG``,
    devices that use an index get ``0001``."""
    maker = "SG" if manufacturer == "3G" else manufacturer
    return envelope(maker, device_id, content.encode("utf-8"), "0001" if indexed else None)


def message_text(text: str) -> str:
    """``MESSAGE,<text as UTF-16BE hex>`` content."""
    return "MESSAGE," + text.encode("utf-16-be").hex()


#: command type -> command content. Sources: Beesure "GPS SeTracker Server Protocol"
#: (www.4p-touch.com/beesure-gps-setracker-server-protocol.html), section II: CR locate now,
#: UPLOAD,<seconds> upload interval, RESET restart; the watch confirms each by sending its
#: keyword back (``[SG*<ID>*0006*UPLOAD]``); /work/shared/protocols/watch.md. None: built
#: from the parameters.
SUPPORTED_COMMANDS: dict[str, str | None] = {
    "positionSingle": "CR",
    "positionPeriodic": None,   # UPLOAD,<seconds>
    "rebootDevice": "RESET",
    "custom": None,             # text: the content (e.g. "SOS1,123456"); hex: as is
}


def _content(cmd: Command) -> str:
    if cmd.type == "positionPeriodic":
        return f"UPLOAD,{cmd.interval(10, 86400)}"
    if cmd.type == "custom":
        text = cmd.text()
        if "[" in text or "]" in text:
            raise CommandError("watch: custom text must not contain brackets")
        return text
    return SUPPORTED_COMMANDS[cmd.type] or ""


def encode_typed_command(cmd: Command, device_id: str, *, now: datetime | None = None,
                         manufacturer: str = "SG", indexed: bool = False,
                         **_options: object) -> bytes:
    """``[<MF>*<ID>[*0001]*<len>*<content>]`` addressed the way the watch talks
    (``manufacturer`` and ``indexed``: WatchConnection keeps both)."""
    check_supported("watch", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "custom" and (raw := cmd.raw()) is not None:
        return raw
    return command(manufacturer, device_id, _content(cmd), indexed=indexed)


def answer_serial(cmd: Command, **_options: object) -> str | None:
    """The keyword the watch sends back (upper case)."""
    if cmd.type == "custom" and cmd.raw() is not None:
        return None
    return _content(cmd).split(",", 1)[0].upper()
