"""Server -> device: replies and commands of the TK103 protocol (ASCII, no line ending)."""

from __future__ import annotations

from .._errors import LocalProtocolError

__all__ = [
    "encode_handshake_reply", "encode_login_reply", "encode_command", "single_position",
    "periodic", "stop_periodic", "engine_stop", "engine_resume", "output", "reboot", "version",
]


def _frame(device_id: str, body: str) -> bytes:
    return f"({device_id}{body})".encode("ascii")


def encode_handshake_reply(device_id: str) -> bytes:
    """BP00 -> ``(<ID>AP01HSO)``."""
    return _frame(device_id, "AP01HSO")


def encode_login_reply(device_id: str) -> bytes:
    """BP05 -> ``(<ID>AP05)``."""
    return _frame(device_id, "AP05")


def encode_command(device_id: str, word: str, body: str = "") -> bytes:
    if len(word) != 4 or not word.isalnum():
        raise LocalProtocolError(f"tk103: bad command word {word!r}")
    return _frame(device_id, word + body)


def single_position(device_id: str) -> bytes:
    return encode_command(device_id, "AP00")


def periodic(device_id: str, interval_s: int) -> bytes:
    """``(<ID>AR00<interval 4 hex>0000)``."""
    if not 0 < interval_s <= 0xFFFF:
        raise LocalProtocolError(f"tk103: interval {interval_s} s out of range")
    return encode_command(device_id, "AR00", f"{interval_s:04X}0000")


def stop_periodic(device_id: str) -> bytes:
    return encode_command(device_id, "AR00", "00000000")


def engine_stop(device_id: str) -> bytes:
    return encode_command(device_id, "AV01", "0")


def engine_resume(device_id: str) -> bytes:
    return encode_command(device_id, "AV01", "1")


def output(device_id: str, state: int) -> bytes:
    return encode_command(device_id, "AV00", str(int(bool(state))))


def reboot(device_id: str) -> bytes:
    return encode_command(device_id, "AT00")


def version(device_id: str) -> bytes:
    return encode_command(device_id, "AP07")
