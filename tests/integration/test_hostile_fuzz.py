"""Every protocol's garbage through the gateway's own connection drivers
(gateway/transports/tcp.py ``DeviceProtocol``, gateway/transports/udp.py ``DatagramListener``):
random bytes, bit-flipped device-encoder frames, each split at every offset.
The drivers treat any other exception as a decoder bug (the connection is
closed, ``uvis_decoder_bugs_total`` counts it, one log line per interval):
every test here asserts that counter stays at 0.

The transports are in-memory stand-ins: the question is what the decoders
raise, not what the kernel does (the hostile socket tests cover that).
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timezone

import pytest

from gateway.runtime.guard import Guard
from gateway.settings.limits import LimitsSettings
from gateway.runtime.metrics import Metrics
from gateway.runtime.ingest import DeviceGate, Ingest
from gateway.settings import ListenerSettings
from gateway.transports.connections import ConnectionSet
from gateway.transports.tcp import DeviceProtocol
from gateway.transports.udp import DatagramListener
from protocols import Fix
from protocols._connection import ConnectionOptions
from protocols.registry import NAMES, get

FIX = Fix(time=datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc), lat=-33.865143, lon=151.2099,
          speed_kmh=72.0, course_deg=181.0, altitude_m=35.0, satellites=9,
          attributes={"ignition": True})
#: generous budgets: the point is to decode every input, not to close early
LIMITS = LimitsSettings(error_budget_frames=1_000_000, error_budget_bytes=1 << 30,
                        error_ratio=1.0, read_budget_frames=1_000_000, penalty_strikes=1 << 30)


class MemoryTransport(asyncio.Transport):
    def __init__(self, peer=("192.0.2.1", 40000)) -> None:
        super().__init__()
        self.peer = peer
        self.written = bytearray()
        self.closing = False

    def get_extra_info(self, name, default=None):
        return self.peer if name == "peername" else default

    def write(self, data) -> None:
        self.written += data

    def sendto(self, data, addr=None) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    paused = False

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def set_write_buffer_limits(self, high=None, low=None) -> None:
        pass


class Sink:
    """The writer's submit: keeps what reaches it and commits at once."""

    def __init__(self) -> None:
        self.positions = 0

    def __call__(self, positions, events, on_commit, frame=None) -> None:
        self.positions += len(positions)
        if on_commit is not None:
            on_commit()


def ingest() -> Ingest:
    return Ingest(Sink(), DeviceGate(True), guard=Guard(LIMITS))


def frames_of(name: str, transport: str) -> list[bytes]:
    """The device encoder's own frames: hello, a fix, a heartbeat (where there is one)."""
    device = get(name).device("864717003283581" if name != "osmand" else "123456",
                              transport=transport)
    out = [device.hello(), device.encode_fixes([FIX]).data]
    try:
        out.append(device.heartbeat())
    except Exception:  # some device models have no heartbeat
        pass
    return [frame for frame in out if frame]


def mutants(frame: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        data = bytearray(frame)
        for _ in range(rng.randint(1, 3)):
            bit = rng.randrange(len(data) * 8)
            data[bit // 8] ^= 1 << (bit % 8)
        out.append(bytes(data))
    return out


def tcp_inputs(name: str, transport: str, rng: random.Random) -> list[bytes]:
    frames = frames_of(name, transport)
    noise = [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))) for _ in range(40)]
    flipped = [m for f in frames for m in mutants(f, rng, 60)]
    cut = [f[: rng.randrange(1, len(f))] + f for f in frames if len(f) > 1]  # a frame cut short, then whole
    return noise + flipped + cut + [b"".join(frames) + noise[0]]


def feed_tcp(name: str, transport: str, stream: bytes, splits: list[int], shared: tuple) -> None:
    spec = get(name)
    listener = ListenerSettings(protocol=name, transport=transport, port=0, idle_timeout=0)
    proto = DeviceProtocol(name, spec.tcp_connection, ConnectionOptions(), listener, shared[0],
                           shared[1], ConnectionSet())
    transport = MemoryTransport()
    proto.connection_made(transport)
    assert proto.conn is not None  # admitted
    last = 0
    for cut in splits + [len(stream)]:
        if transport.closing:  # a closed socket delivers nothing more
            break
        if cut > last:
            proto.data_received(stream[last:cut])
            last = cut
    proto.connection_lost(None)


@pytest.mark.parametrize("name", NAMES)
async def test_tcp_garbage_raises_only_protocol_errors(name: str) -> None:
    spec = get(name)
    transport = "http" if "http" in spec.transports else "tcp"
    rng = random.Random(name)
    metrics = Metrics()
    shared = (ingest(), metrics.for_listener(name, transport))
    for stream in tcp_inputs(name, transport, rng):
        feed_tcp(name, transport, stream, [], shared)                   # whole
        if len(stream) <= 80:
            for cut in range(1, len(stream)):                           # split at every offset
                feed_tcp(name, transport, stream, [cut], shared)
        else:
            feed_tcp(name, transport, stream, sorted(rng.sample(range(1, len(stream)), 8)), shared)
    stream = b"".join(frames_of(name, transport))
    before = shared[0].submit.positions
    feed_tcp(name, transport, stream, list(range(1, len(stream))), shared)  # byte by byte
    assert shared[0].submit.positions == before + 1  # the clean session still decodes its fix
    assert metrics.decoder_bugs.labels(name, transport)._value.get() == 0
    assert metrics.decode_errors.labels(name, transport)._value.get() > 0


@pytest.mark.parametrize("name", [n for n in NAMES if "udp" in get(n).transports])
async def test_udp_garbage_raises_only_protocol_errors(name: str) -> None:
    spec = get(name)
    rng = random.Random(name + "/udp")
    metrics = Metrics()
    listener = DatagramListener(name, spec.udp_connection, ConnectionOptions(), ingest(),
                                metrics.for_listener(name, "udp"), 1000, 600.0)
    listener.connection_made(MemoryTransport())
    frames = frames_of(name, "udp")
    datagrams = ([bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 1200))) for _ in range(40)]
                 + [m for f in frames for m in mutants(f, rng, 60)]
                 + [f[:cut] for f in frames for cut in range(len(f))])
    for i, datagram in enumerate(datagrams):
        listener.datagram_received(datagram, ("192.0.2.%d" % (i % 200 + 1), 40000 + i))
    assert metrics.decoder_bugs.labels(name, "udp")._value.get() == 0
    assert metrics.decode_errors.labels(name, "udp")._value.get() > 0


def test_osmand_time_past_the_calendar_is_a_protocol_error() -> None:
    """9999-12-31T23:59:59-01:00 is past datetime.max in UTC: it raised OverflowError."""
    from protocols import MalformedError
    from protocols.osmand._values import parse_iso

    with pytest.raises(MalformedError, match="out of range"):
        parse_iso("9999-12-31T23:59:59-01:00")
    conn = get("osmand").tcp_connection()
    request = (b"GET /?id=123456&timestamp=9999-12-31T23:59:59-01:00&lat=1&lon=2 HTTP/1.1\r\n"
               b"Host: x\r\n\r\n")
    (decoded,) = conn.feed(request, datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert decoded.reply == b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    assert decoded.positions == ()


async def test_a_connection_decodes_at_most_its_read_budget_per_loop_turn() -> None:
    """300 fixes in one read: 100 frames this turn (the login and 99 fixes),
    reading paused so other connections get theirs, the rest in later turns."""
    limits = LimitsSettings(read_budget_frames=100)
    sink = Sink()
    ingest_ = Ingest(sink, DeviceGate(True), guard=Guard(limits))
    device = get("gt06").device("864717003283581")
    stream = device.hello() + b"".join(
        device.encode_fixes([Fix(time=datetime.fromtimestamp(1_700_000_000 + i, timezone.utc),
                                 lat=1.0, lon=2.0)]).data for i in range(300))
    listener = ListenerSettings(protocol="gt06", port=0, idle_timeout=0)
    proto = DeviceProtocol("gt06", get("gt06").tcp_connection, ConnectionOptions(max_frame_size=1 << 20),
                           listener, ingest_, Metrics().for_listener("gt06", "tcp"), ConnectionSet())
    transport = MemoryTransport()
    proto.connection_made(transport)
    proto.data_received(stream)
    assert (sink.positions, transport.paused) == (99, True)
    await asyncio.sleep(0)
    assert (sink.positions, transport.paused) == (199, True)
    await asyncio.sleep(0)
    assert (sink.positions, transport.paused) == (299, True)
    await asyncio.sleep(0)
    assert (sink.positions, transport.paused) == (300, False)
    proto.connection_lost(None)


async def test_a_decoder_bug_closes_only_that_connection_without_a_traceback(caplog) -> None:
    class Buggy:
        device_id = None
        last_frame = b""
        buffered = 0

        def __init__(self, options=None) -> None:
            pass

        def receive_data(self, data: bytes) -> None:
            self.last_frame = data

        def next_decoded(self, now):
            raise IndexError("index out of range")

    metrics = Metrics()
    listener = ListenerSettings(protocol="gt06", port=0, idle_timeout=0)
    protos = [DeviceProtocol("gt06", Buggy, ConnectionOptions(), listener, ingest(),
                             metrics.for_listener("gt06", "tcp"), ConnectionSet()) for _ in range(2)]
    transports = [MemoryTransport(), MemoryTransport()]
    for proto, transport in zip(protos, transports):
        proto.connection_made(transport)
    protos[0].data_received(b"\x78\x78")
    assert [t.closing for t in transports] == [True, False]
    assert metrics.decoder_bugs.labels("gt06", "tcp")._value.get() == 1
    (line,) = [r for r in caplog.records if "decoder bugs" in r.getMessage()]
    assert line.exc_info is None and line.levelname == "ERROR"
    assert line.getMessage().endswith("decoder bugs (exceptions that are not protocol errors): "
                                      "IndexError: index out of range")


async def test_a_large_first_read_with_a_valid_login_is_not_over_the_byte_budget() -> None:
    """A login followed by a backlog bigger than error_budget_bytes in one read
    (a device emptying its memory): served, not closed; garbage that large is."""
    sink = Sink()
    ingest_ = Ingest(sink, DeviceGate(True), guard=Guard(LimitsSettings()))
    device = get("gt06").device("864717003283581")
    backlog = b"".join(device.encode_fixes([Fix(time=datetime.fromtimestamp(1_700_000_000 + i, timezone.utc),
                                                lat=1.0, lon=2.0)]).data for i in range(2500))
    assert len(backlog) > LimitsSettings().error_budget_bytes
    metrics = Metrics()
    listener = ListenerSettings(protocol="gt06", port=0, idle_timeout=0)
    protos, transports = [], []
    for _ in range(2):
        protos.append(DeviceProtocol("gt06", get("gt06").tcp_connection, ConnectionOptions(max_frame_size=1 << 20),
                                     listener, ingest_, metrics.for_listener("gt06", "tcp"), ConnectionSet()))
        transports.append(MemoryTransport())
        protos[-1].connection_made(transports[-1])
    protos[0].data_received(device.hello() + backlog)
    protos[1].data_received(bytes(len(backlog)))          # zeros: no frame at all
    for _ in range(12):
        await asyncio.sleep(0)
    assert (transports[0].closing, sink.positions) == (False, 2500)
    assert transports[1].closing is True
    assert metrics.connections_closed.labels("gt06", "tcp", "error_budget")._value.get() == 1
