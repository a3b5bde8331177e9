"""A fleet of simulated trackers (load generator and end-to-end test driver).

Each device speaks its protocol through the device-side encoders of
``protocols/`` (so every wire format is written once): it logs in, moves
along a plausible track, sends fixes, waits for and checks ACKs, resends what
was not acknowledged (as real trackers do) and reconnects when dropped.
A command from the gateway is answered as the vendor documents (the device
model's ``CommandReceived.answer``); ``FleetStats`` counts both.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from protocols import Fix
from protocols.registry import get as get_protocol

__all__ = ["FleetConfig", "FleetStats", "run_fleet", "Track"]


@dataclass(frozen=True)
class FleetConfig:
    protocol: str = "gt06"
    devices: int = 10
    rate: float = 1.0  # fixes per second per device
    duration: float = 30.0
    host: str = "127.0.0.1"
    port: int = 5023
    transport: str = "tcp"
    ack_timeout: float = 10.0
    first_id: int = 860000000000000
    seed: int = 1
    #: after the duration, how long to wait for outstanding ACKs
    drain_timeout: float = 15.0
    #: keep the (device_id, fix_time) of every acknowledged fix (tests)
    collect_keys: bool = False
    device_options: dict[str, Any] = field(default_factory=dict)


@dataclass
class FleetStats:
    sent: int = 0
    acked: int = 0
    resent: int = 0
    errors: int = 0
    connects: int = 0
    rejected: int = 0
    #: sessions the gateway closed (at once, or later): counted, then reconnected with backoff
    closed: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    acked_keys: set[tuple[str, datetime]] = field(default_factory=set)
    sent_keys: set[tuple[str, datetime]] = field(default_factory=set)
    pending: int = 0
    #: commands the devices read, and those they answered (CommandReceived.answer sent back)
    commands_received: int = 0
    commands_answered: int = 0
    started: float = 0.0
    elapsed: float = 0.0

    def percentile(self, q: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
        return round(ordered[index], 2)

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "acked": self.acked,
            "resent": self.resent,
            "errors": self.errors,
            "ack_latency_ms_p50": self.percentile(50),
            "ack_latency_ms_p99": self.percentile(99),
            "connects": self.connects,
            "rejected": self.rejected,
            "closed": self.closed,
            "commands_received": self.commands_received,
            "commands_answered": self.commands_answered,
            "unacked": self.pending,
            "elapsed_s": round(self.elapsed, 2),
        }


class Track:
    """A plausible, deterministic path: a vehicle cruising with gentle turns."""

    def __init__(self, rng: random.Random) -> None:
        self.lat = rng.uniform(-60.0, 60.0)
        self.lon = rng.uniform(-170.0, 170.0)
        self.course = rng.uniform(0, 360)
        self.speed = rng.uniform(20, 90)  # km/h
        self._rng = rng

    def step(self, seconds: float) -> None:
        self.course = (self.course + self._rng.uniform(-8, 8)) % 360
        self.speed = min(130.0, max(0.0, self.speed + self._rng.uniform(-3, 3)))
        metres = self.speed / 3.6 * seconds
        rad = math.radians(self.course)
        self.lat += metres * math.cos(rad) / 111_320
        self.lon += metres * math.sin(rad) / (111_320 * max(0.2, math.cos(math.radians(self.lat))))
        self.lat = max(-85.0, min(85.0, self.lat))
        if self.lon > 180:
            self.lon -= 360
        elif self.lon < -180:
            self.lon += 360

    def fix(self, when: datetime) -> Fix:
        return Fix(time=when, lat=round(self.lat, 6), lon=round(self.lon, 6),
                   speed_kmh=round(self.speed), course_deg=round(self.course), altitude_m=120.0,
                   satellites=9, attributes={"ignition": True})


class _Closed(ConnectionError):
    """The gateway closed the session (at once, or later)."""


@dataclass
class _Pending:
    data: bytes
    fixes: list[Fix]
    first_sent: float
    last_sent: float


class _SimDevice:
    """One simulated tracker: connection handling around a sans-IO Device."""

    def __init__(self, config: FleetConfig, index: int, stats: FleetStats, stop_at: float) -> None:
        self.config = config
        self.stats = stats
        self.device_id = str(config.first_id + index)
        self.spec = get_protocol(config.protocol)
        self.track = Track(random.Random(config.seed * 1_000_003 + index))
        self.stop_at = stop_at
        self.pending: dict[int, _Pending] = {}
        self.last_fix_time: datetime | None = None
        self.device: Any = None
        self.hello_event = asyncio.Event()
        self.rejected = False
        self._send: Callable[[bytes], None] | None = None
        self._hello_needs_ack = True
        self._ack_event = asyncio.Event()

    # -- fixes -----------------------------------------------------------
    def _next_fix(self) -> Fix:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        if self.last_fix_time is not None and now <= self.last_fix_time:
            now = self.last_fix_time + timedelta(seconds=1)
        self.last_fix_time = now
        self.track.step(1.0 / self.config.rate)
        return self.track.fix(now)

    def _on_data(self, data: bytes) -> None:
        try:
            acks = self.device.receive_data(data)
        except Exception:  # a reply our device model cannot parse
            self.stats.errors += 1
            return
        now = time.monotonic()
        for ack in acks:
            if ack.kind == "hello":
                self.hello_event.set()
            elif ack.kind == "rejected":
                self.rejected = True
                self.stats.rejected += 1
                self.hello_event.set()
            elif ack.kind == "command":  # protocols._commands.CommandReceived
                self.stats.commands_received += 1
                if ack.answer and self._send is not None:
                    try:
                        self._send(ack.answer)
                        self.stats.commands_answered += 1
                    except _Closed:
                        pass
            elif ack.kind == "fixes":
                entry = self.pending.pop(ack.token, None)
                if entry is None:
                    continue
                self.stats.pending -= len(entry.fixes)
                self.stats.acked += len(entry.fixes)
                if len(self.stats.latencies_ms) < 2_000_000:
                    self.stats.latencies_ms.append((now - entry.first_sent) * 1000)
                if self.config.collect_keys:
                    self.stats.acked_keys.update((self.device_id, f.time) for f in entry.fixes)
        if not self.pending:
            self._ack_event.set()

    def _send_fix(self) -> None:
        fix = self._next_fix()
        out = self.device.encode_fixes([fix])
        now = time.monotonic()
        self.stats.sent += out.count
        if self.config.collect_keys:
            self.stats.sent_keys.add((self.device_id, fix.time))
        if self.device.expects_acks:
            self.pending[out.token] = _Pending(out.data, [fix], now, now)
            self.stats.pending += out.count
            self._ack_event.clear()
        self._send(out.data)

    def _resend_overdue(self) -> None:
        now = time.monotonic()
        for entry in list(self.pending.values()):
            if now - entry.last_sent >= self.config.ack_timeout:
                entry.last_sent = now
                self.stats.resent += len(entry.fixes)
                self._send(entry.data)

    def _resend_all(self) -> None:
        now = time.monotonic()
        for entry in self.pending.values():
            entry.last_sent = now
            self.stats.resent += len(entry.fixes)
            self._send(entry.data)

    # -- session ---------------------------------------------------------
    async def run(self, start_delay: float) -> None:
        await asyncio.sleep(start_delay)
        self.device = self.spec.device(self.device_id, transport=self.config.transport,
                                       **self.config.device_options)
        # a device that starts unacknowledged waits for a login answer on every connect
        self._hello_needs_ack = not self.device.hello_acked
        backoff = 0.5
        while not self.rejected:
            if time.monotonic() >= self.stop_at and not self.pending:
                return
            if time.monotonic() >= self.stop_at + self.config.drain_timeout:
                return
            try:
                await self._session()
                backoff = 0.5
            except _Closed:
                self.stats.closed += 1
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            except (OSError, asyncio.TimeoutError, ConnectionError, RuntimeError):
                # RuntimeError: uvloop refuses writes on a transport closed under us
                self.stats.errors += 1
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _open(self) -> Any:
        loop = asyncio.get_running_loop()
        device = self

        class _Tcp(asyncio.Protocol):
            def __init__(self) -> None:
                self.lost = loop.create_future()

            def data_received(self, data: bytes) -> None:
                device._on_data(data)

            def connection_lost(self, exc: Exception | None) -> None:
                if not self.lost.done():
                    self.lost.set_result(None)

        class _Udp(asyncio.DatagramProtocol):
            def __init__(self) -> None:
                self.lost = loop.create_future()

            def datagram_received(self, data: bytes, addr: Any) -> None:
                device._on_data(data)

            def connection_lost(self, exc: Exception | None) -> None:
                if not self.lost.done():
                    self.lost.set_result(None)

        host, port = self.config.host, self.config.port
        if self.config.transport == "udp":
            transport, proto = await loop.create_datagram_endpoint(_Udp, remote_addr=(host, port))

            def send(data: bytes) -> None:
                if transport.is_closing():
                    raise _Closed("socket closed")
                transport.sendto(data)
        else:
            transport, proto = await asyncio.wait_for(
                loop.create_connection(_Tcp, host, port), timeout=10)

            def send(data: bytes) -> None:
                if transport.is_closing() or proto.lost.done():
                    raise _Closed("connection closed by the gateway")
                transport.write(data)
        self._send = send
        return transport, proto

    async def _session(self) -> None:
        transport, proto = await self._open()
        self.stats.connects += 1
        try:
            self.hello_event.clear()
            hello = self.device.hello()
            if hello:
                if self._hello_needs_ack:
                    self.device.hello_acked = False
                self._send(hello)
                if self._hello_needs_ack:
                    answered = asyncio.ensure_future(self.hello_event.wait())
                    try:
                        await asyncio.wait({answered, proto.lost}, timeout=self.config.ack_timeout,
                                           return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        answered.cancel()
                    if not self.hello_event.is_set():
                        if proto.lost.done():
                            raise _Closed("closed by the gateway before the login was answered")
                        raise asyncio.TimeoutError
                if self.rejected:
                    return
            self._resend_all()
            await self._pump(proto.lost)
        finally:
            transport.close()

    async def _pump(self, lost: asyncio.Future) -> None:
        period = 1.0 / self.config.rate
        next_fix = time.monotonic()
        while True:
            now = time.monotonic()
            if lost.done():
                raise _Closed("connection closed by the gateway")
            if now >= self.stop_at:
                if not self.pending or now >= self.stop_at + self.config.drain_timeout:
                    return
                self._resend_overdue()
                wait = min(1.0, self.stop_at + self.config.drain_timeout - now)
                acked = asyncio.ensure_future(self._ack_event.wait())
                await asyncio.wait({lost, acked}, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
                acked.cancel()
                continue
            if now >= next_fix:
                self._send_fix()
                next_fix += period
                if next_fix < now:  # we fell behind: do not burst
                    next_fix = now + period
            self._resend_overdue()
            await asyncio.wait({lost}, timeout=max(0.0, min(next_fix, self.stop_at) - time.monotonic()))


async def run_fleet(config: FleetConfig,
                    progress: Callable[[FleetStats], None] | None = None) -> FleetStats:
    """Run the fleet for ``config.duration`` seconds (plus the ACK drain)."""
    stats = FleetStats()
    stats.started = time.monotonic()
    stop_at = stats.started + config.duration
    rng = random.Random(config.seed)
    period = 1.0 / config.rate
    devices = [_SimDevice(config, i, stats, stop_at) for i in range(config.devices)]
    tasks = [asyncio.create_task(d.run(rng.uniform(0, min(period, 1.0)))) for d in devices]
    reporter = None
    if progress is not None:
        async def report() -> None:
            while True:
                await asyncio.sleep(1.0)
                stats.elapsed = time.monotonic() - stats.started
                progress(stats)
        reporter = asyncio.create_task(report())
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        if reporter is not None:
            reporter.cancel()
    stats.elapsed = time.monotonic() - stats.started
    return stats
