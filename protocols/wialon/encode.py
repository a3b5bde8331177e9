"""Server -> device: answers (each ends with CR LF) and Traccar's commands."""

from __future__ import annotations

from .constants import CRLF

__all__ = ["encode_answer", "encode_command", "COMMANDS"]


def encode_answer(kind: str, code: str = "") -> bytes:
    """``#<kind>#<code>\\r\\n``, e.g. ``#AL#1``, ``#AD#1``, ``#AB#3``, ``#AP#``."""
    return b"#%s#%s%s" % (kind.encode("ascii"), code.encode("ascii"), CRLF)


#: Traccar's commands: plain text lines (not wrapped in #M#)
COMMANDS = {
    "reboot": "reboot",
    "version": "VER?",
}


def encode_command(text: str) -> bytes:
    """``reboot``, ``USSD:<code>``, ``VER?``, ``L<n>=<0|1>`` (output control) + CR LF."""
    return text.encode("utf-8") + CRLF


def encode_output(index: int, on: bool) -> bytes:
    return encode_command(f"L{index}={1 if on else 0}")
