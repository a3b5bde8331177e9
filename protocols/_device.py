"""Device side of a protocol: what a tracker sends and how it reads our replies.

Used by the simulators and by the round-trip tests, so each wire format is
written once (h11 has both CLIENT and SERVER roles). Pure: no IO, no clock.

A device object holds the device's state (serial counter, pending packets)::

    dev = spec.device("864717003283581", transport="tcp")
    hello = dev.hello()                  # login/handshake bytes, or b""
    packet = dev.encode_fixes([fix])     # -> Outgoing(data, token, count)
    acks = dev.receive_data(reply_bytes) # -> list[DeviceAck]

``token`` identifies a packet; the device acknowledges it when a reply that
acknowledges that packet arrives. ``hello_acked`` turns True once the login or
handshake was accepted (immediately for protocols without one).
"""

from __future__ import annotations

from typing import Protocol, Sequence

import msgspec

from ._records import Fix

__all__ = ["Outgoing", "DeviceAck", "Device"]


class Outgoing(msgspec.Struct, frozen=True):
    data: bytes
    token: int
    count: int = 1  # fixes carried


class DeviceAck(msgspec.Struct, frozen=True):
    kind: str  # "hello" | "fixes" | "rejected" | "other"
    token: int | None = None


class Device(Protocol):
    device_id: str
    hello_acked: bool
    #: True when the server acknowledges fix packets (NMEA without OK1 does not)
    expects_acks: bool
    #: how many fixes one packet can carry at most
    max_fixes_per_packet: int

    def hello(self) -> bytes: ...

    def heartbeat(self) -> bytes: ...

    def encode_fixes(self, fixes: Sequence[Fix]) -> Outgoing: ...

    def receive_data(self, data: bytes) -> list[DeviceAck]: ...
