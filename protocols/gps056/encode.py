"""GPS056 frames in both directions: the server's ASCII answers, the device's frames."""

from __future__ import annotations

from .constants import LOCATION, LOGIN, REPLY_PREFIX, STATUS

__all__ = ["reply", "packet"]


def reply(kind: str, suffix: str, imei: str, echo: bytes = b"") -> bytes:
    """``*LGSA_xx<IMEI>1#``, ``*GPSA_xx<IMEI><echo>#``, ``*SYSA_xx<IMEI>#``."""
    tail = {LOGIN: b"1", LOCATION: echo, STATUS: b""}[kind]
    return b"*" + f"{REPLY_PREFIX[kind]}{suffix}{imei}".encode("ascii") + tail + b"#"


def packet(kind: str, suffix: str, imei: str, body: bytes) -> bytes:
    """``$$LL<kind><suffix><IMEI><body>#`` with LL = 22 + len(body)."""
    head = f"{kind}{suffix}{imei}".encode("ascii")
    size = len(head) + len(body)
    if len(head) != 22 or size > 99:
        raise ValueError("gps056: bad type/IMEI or body too long")
    return b"$$" + f"{size:02d}".encode("ascii") + head + body + b"#"
