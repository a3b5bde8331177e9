"""The open TCP device connections of one process: pause and resume them all
on back-pressure, wait for them to close at shutdown, and join the replies a
commit releases into one write per connection per loop turn."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tcp import DeviceProtocol

__all__ = ["ConnectionSet"]


class ConnectionSet:
    """Open TCP device connections; pauses and resumes them all on back-pressure."""

    def __init__(self) -> None:
        self.live: set[DeviceProtocol] = set()
        self.paused = False
        self.accepting = True
        self._empty: asyncio.Event | None = None
        #: connections holding replies released by a commit, written at the end of the loop turn
        self._dirty: list[DeviceProtocol] = []

    def queue_reply(self, proto: "DeviceProtocol", data: bytes) -> None:
        """A reply released by a commit: the replies a connection gets from one
        commit go out in one write, all connections' at the end of the loop turn
        (under load a commit releases several ACKs per device; one write syscall
        each was a fifth of the gateway's CPU)."""
        outbox = proto._outbox
        if outbox is not None:
            outbox.append(data)
            return
        proto._outbox = [data]
        if not self._dirty:
            asyncio.get_running_loop().call_soon(self._flush_replies)
        self._dirty.append(proto)

    def _flush_replies(self) -> None:
        dirty, self._dirty = self._dirty, []
        for proto in dirty:
            proto.flush_replies()

    def discard(self, proto: "DeviceProtocol") -> None:
        self.live.discard(proto)
        if not self.live and self._empty is not None:
            self._empty.set()

    async def wait_empty(self, timeout: float) -> bool:
        """Wait until every connection is gone; False on timeout."""
        if not self.live:
            return True
        self._empty = asyncio.Event()
        try:
            await asyncio.wait_for(self._empty.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        for proto in list(self.live):
            proto.apply_pause()
