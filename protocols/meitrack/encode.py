"""Server -> device: ``@@<flag><length>,<IMEI>,<command>[,<data>]*hh\\r\\n``.

The length counts from the first comma through the CR LF; the checksum is
the byte sum (mod 256) from the first ``@`` through the ``*``, two uppercase
hex digits. Replies echo the flag of the device frame they answer.
"""

from __future__ import annotations

from .._checksum import sum8
from .._errors import LocalProtocolError
from .constants import SERVER_MARK

__all__ = ["encode_frame", "encode_ccc_ack", "encode_aac_ack", "encode_aff_ack",
           "encode_photo_request", "encode_command", "COMMANDS", "DEFAULT_FLAG"]

DEFAULT_FLAG = "Q"

#: command name -> command text (Traccar's encoder set)
COMMANDS: dict[str, str] = {
    "positionSingle": "A10",
    "engineStop": "C01,0,12222",
    "engineResume": "C01,0,02222",
    "alarmArm": "C01,0,22122",
    "alarmDisarm": "C01,0,22022",
    "requestPhoto": "D03,1,camera_picture.jpg",
}


def encode_frame(imei: str, content: str | bytes, flag: str = DEFAULT_FLAG,
                 mark: bytes = SERVER_MARK) -> bytes:
    """A complete frame carrying ``<IMEI>,<content>`` (the device uses ``mark=b"$$"``)."""
    if len(flag) != 1 or not 0x21 <= ord(flag) <= 0x7E or "," in flag:
        raise LocalProtocolError(f"meitrack: bad flag {flag!r}")
    if not imei or not imei.isalnum():
        raise LocalProtocolError(f"meitrack: bad IMEI {imei!r}")
    body = b"," + imei.encode("ascii") + b"," + (
        content.encode("latin-1") if isinstance(content, str) else content)
    length = len(body) + 5  # "*hh\r\n"
    head = mark + flag.encode("ascii") + str(length).encode("ascii") + body + b"*"
    return head + b"%02X\r\n" % sum8(head)


def encode_ccc_ack(imei: str, records: int, flag: str) -> bytes:
    """``CCC,<records>``: the device may delete that many buffered records."""
    return encode_frame(imei, f"CCC,{records}", flag)


def encode_aac_ack(imei: str, flag: str) -> bytes:
    return encode_frame(imei, "AAC,1", flag)


def encode_aff_ack(imei: str, serial: str, flag: str) -> bytes:
    """``AFF,<serial>``: confirms (and deletes) a report sent in confirmation mode (C03,1)."""
    return encode_frame(imei, f"AFF,{serial}", flag)


def encode_photo_request(imei: str, file_name: str, packet: int, flag: str) -> bytes:
    """``D00,<file>,<packet index>``: asks for one packet of a picture."""
    return encode_frame(imei, f"D00,{file_name},{packet}", flag)


def encode_command(imei: str, command: str, flag: str = DEFAULT_FLAG) -> bytes:
    text = COMMANDS.get(command)
    if text is None:
        raise LocalProtocolError(f"meitrack: unknown command {command!r}")
    return encode_frame(imei, text, flag)
