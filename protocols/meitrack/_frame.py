"""One Meitrack frame split into its parts (both directions: ``$$`` and ``@@``)."""

from __future__ import annotations

import msgspec

from .._checksum import sum8
from .._errors import MalformedError
from .framing import parse_length

__all__ = ["Frame", "split_frame"]

_HEX = frozenset(b"0123456789abcdefABCDEF")


class Frame(msgspec.Struct, frozen=True):
    flag: str
    imei: str
    command: str
    #: bytes after ``<command>,`` up to the ``*`` (or the end when the checksum is missing)
    data: bytes
    #: True/False when a checksum is present, None when the frame has none
    checksum_ok: bool | None


def split_frame(frame: bytes, mark: bytes = b"$$") -> Frame:
    if not frame.startswith(mark) or len(frame) < 6:
        raise MalformedError("meitrack: not a frame", data=frame)
    header = parse_length(frame)
    if header is None:
        raise MalformedError("meitrack: bad length field", data=frame)
    comma = header[0]
    end = len(frame) - 2 if frame.endswith(b"\r\n") else len(frame)
    checksum_ok: bool | None = None
    if end - comma >= 4 and frame[end - 3] == 0x2A and _HEX.issuperset(frame[end - 2:end]):
        checksum_ok = sum8(frame[:end - 2]) == int(frame[end - 2:end], 16)
        end -= 3
    imei_end = frame.find(b",", comma + 1, end)
    if imei_end < 0:
        raise MalformedError("meitrack: no command", data=frame)
    command_end = frame.find(b",", imei_end + 1, end)
    if command_end < 0:
        command_end = end
    imei = frame[comma + 1:imei_end]
    command = frame[imei_end + 1:command_end]
    if not imei or not imei.isalnum() or not command or not command.isalnum():
        raise MalformedError("meitrack: bad identity or command", data=frame)
    if not 0x21 <= frame[2] <= 0x7E or frame[2] == 0x2C:  # the flag is echoed in replies
        raise MalformedError("meitrack: bad flag", data=frame)
    return Frame(chr(frame[2]), imei.decode("ascii"), command.decode("ascii"),
                 frame[command_end + 1:end], checksum_ok)
