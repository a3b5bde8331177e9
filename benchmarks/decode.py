"""Decode benchmark: frames per second on one core, per protocol, through the
real connection objects (buffer + framer + decoder + records), on location
frames written by each protocol's own device encoder (protocols/*/device.py)
from fixes shaped like the fleet simulator's (ignition on). ``teltonika_io5``
is Codec 8 with five IO elements (ignition, motion, power, battery, odometer).

Each frame is fed as one chunk (what a TCP read of a tracker usually holds)
and drained with ``next_decoded`` until the connection wants more bytes, as
gateway/transports/tcp.py does. The login/handshake is fed once before timing. The
headline is GT06 (0x12 GPS+LBS) and Teltonika Codec 8 (one AVL record).

    python -m benchmarks.decode [--protocol NAME ...] [--seconds S] [--json FILE]
"""

from __future__ import annotations

import argparse
import gc
import time
from datetime import datetime, timedelta, timezone

from protocols import Fix
from protocols.registry import NAMES, get

from ._common import environment, write_json

T0 = datetime(2026, 3, 1, 8, 0, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(days=1)
DEVICE_ID = "864717003283581"
FRAMES = 2000
#: the issue's target for the headline protocols
TARGET = 300_000
HEADLINE = ("gt06", "teltonika")


#: what the fleet simulator's fixes carry (simulators/fleet.py, Track.fix)
SIMULATOR_IO = {"ignition": True}
#: a richer record: the IO elements the Teltonika device encoder knows
RICH_IO = {"ignition": True, "motion": True, "power": 12.6, "battery": 4.1}
#: extra rows: (row name, protocol, attributes)
VARIANTS = (("teltonika_io5", "teltonika", RICH_IO),)


def fixes(n: int, attributes: dict = SIMULATOR_IO) -> list[Fix]:
    """A deterministic drive: one fix a second, moving north-east."""
    out = []
    for i in range(n):
        attrs = dict(attributes)
        if attributes is RICH_IO:
            attrs["odometer"] = 123_456 + i * 14
        out.append(Fix(time=T0 + timedelta(seconds=i), lat=54.6872 + i * 1e-5,
                       lon=25.2797 + i * 1.3e-5, speed_kmh=float(30 + i % 60),
                       course_deg=float((i * 7) % 360), altitude_m=120.0, satellites=9,
                       valid=True, attributes=attrs))
    return out


def frames_for(name: str, n: int = FRAMES, attributes: dict = SIMULATOR_IO) -> tuple[bytes, list[bytes]]:
    """(hello bytes, n one-fix location frames) from the protocol's device encoder."""
    spec = get(name)
    device = spec.device(DEVICE_ID, transport=spec.transports[0])
    hello = device.hello()
    return hello, [device.encode_fixes([fix]).data for fix in fixes(n, attributes)]


def _new_connection(name: str, hello: bytes):
    conn = get(name).tcp_connection()
    if hello:
        conn.receive_data(hello)
        while conn.next_decoded(NOW) is not None:
            pass
    return conn


def run_once(name: str, hello: bytes, frames: list[bytes], rounds: int) -> tuple[float, int]:
    """(elapsed seconds, records decoded) for ``rounds`` passes over ``frames``."""
    conn = _new_connection(name, hello)
    receive, next_decoded = conn.receive_data, conn.next_decoded
    now = NOW
    records = 0
    started = time.process_time()  # CPU time: the figure is per core, whatever else runs
    for _ in range(rounds):
        for frame in frames:
            receive(frame)
            while (decoded := next_decoded(now)) is not None:
                records += len(decoded.positions) + len(decoded.events)
    return time.process_time() - started, records


def bench(name: str, seconds: float, repeats: int = 5, attributes: dict = SIMULATOR_IO) -> dict:
    hello, frames = frames_for(name, attributes=attributes)
    elapsed, records = run_once(name, hello, frames, 1)  # warm up and check
    if records < len(frames):
        raise SystemExit(f"{name}: {records} records from {len(frames)} frames")
    rounds = max(1, int(seconds / max(elapsed, 1e-6)))
    best = float("inf")
    for _ in range(repeats):
        elapsed, _ = run_once(name, hello, frames, rounds)
        best = min(best, elapsed)
    n = rounds * len(frames)
    return {"frames_per_s": round(n / best), "us_per_frame": round(best / n * 1e6, 3),
            "frame_bytes": round(sum(map(len, frames)) / len(frames), 1), "frames": n}


def main(args: argparse.Namespace) -> dict:
    names = args.protocol or list(NAMES)
    results = {}
    gc.collect()
    print(f"{'protocol':10} {'frames/s':>12} {'us/frame':>9} {'bytes':>6}")
    rows = [(name, name, SIMULATOR_IO) for name in names]
    rows += [v for v in VARIANTS if v[1] in names]
    for name, protocol, attributes in rows:
        r = bench(protocol, args.seconds, attributes=attributes)
        results[name] = r
        mark = ""
        if name in HEADLINE or name != protocol:
            mark = "  target 300,000: " + ("met" if r["frames_per_s"] >= TARGET else "MISSED")
        print(f"{name:10} {r['frames_per_s']:>12,} {r['us_per_frame']:>9.2f} {r['frame_bytes']:>6}{mark}")
    return {"protocols": results, "target_frames_per_s": TARGET, "headline": list(HEADLINE),
            "settings": {"fix_attributes": SIMULATOR_IO, "teltonika_io5_attributes": {**RICH_IO, "odometer": "m"},
                         "seconds": args.seconds, "distinct_frames": FRAMES, "repeats": "best of 5",
                         "chunking": "one frame per receive_data",
                         "clock": "process CPU time"},
            "environment": environment("none (pure decode)")}


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--protocol", nargs="*", help="default: all protocols")
    parser.add_argument("--seconds", type=float, default=0.5, help="per timed pass (best of 5)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    write_json(args.json, main(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
