"""Server -> device: replies and commands (plain ASCII, no line ending)."""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["ack_v4", "heartbeat_reply", "ack_r12", "command"]


def _utc(now: datetime) -> datetime:
    return now.astimezone(timezone.utc)


def ack_v4(device_id: str, kind: str, now: datetime) -> bytes:
    """Answer to V1 and NBR: ``*HQ,<id>,V4,<type>,<yyyyMMddHHmmss>#``."""
    return f"*HQ,{device_id},V4,{kind},{_utc(now):%Y%m%d%H%M%S}#".encode("ascii")


def heartbeat_reply(manufacturer: str, device_id: str, kind: str) -> bytes:
    """The heartbeat echoed up to its type field: ``*HQ,<id>,HTBT#``."""
    return f"*{manufacturer},{device_id},{kind}#".encode("ascii", "replace")


def ack_r12(device_id: str, now: datetime) -> bytes:
    """Optional answer to other positions (``extra["ack"]``): ``*HQ,<id>,R12,<HHmmss>#``."""
    return f"*HQ,{device_id},R12,{_utc(now):%H%M%S}#".encode("ascii")


def command(device_id: str, name: str, now: datetime, *params: str) -> bytes:
    """``*HQ,<id>,<cmd>,<HHmmss>[,<params>]#``, e.g. ``command(id, "S20", now, "1", "1")``."""
    tail = "".join(f",{p}" for p in params)
    return f"*HQ,{device_id},{name},{_utc(now):%H%M%S}{tail}#".encode("ascii")
