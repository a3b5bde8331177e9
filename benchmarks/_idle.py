"""Idle devices for the connections benchmark (one process of several): N GT06
connections that log in and then only send a heartbeat (0x13) every
``--interval`` seconds. Touches ``--ready`` once all are logged in and holds
them until ``--stop`` exists.

    python -m benchmarks._idle --port P --devices N --first-id ID --ready F --stop F
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
from pathlib import Path

from protocols.registry import get


class _Idle(asyncio.Protocol):
    def __init__(self, device) -> None:
        self.device = device
        self.transport = None
        self.hello = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        for ack in self.device.receive_data(data):
            if ack.kind == "hello" and not self.hello.done():
                self.hello.set_result(True)

    def connection_lost(self, exc) -> None:
        if not self.hello.done():
            self.hello.set_result(False)


async def run(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    spec = get(args.protocol)
    conns: list[_Idle] = []
    for i in range(args.devices):
        device = spec.device(str(args.first_id + i), transport="tcp")
        _, proto = await loop.create_connection(lambda d=device: _Idle(d), args.host, args.port)
        proto.transport.write(device.hello())
        conns.append(proto)
        if i % 500 == 499:
            await asyncio.sleep(0)  # let the logins be answered as we go
    ok = await asyncio.wait_for(asyncio.gather(*(c.hello for c in conns)), 120)
    Path(args.ready).write_text(str(sum(ok)))
    rng = random.Random(args.first_id)
    next_beat = {id(c): loop.time() + rng.uniform(0, args.interval) for c in conns}
    while not os.path.exists(args.stop):
        now = loop.time()
        for c in conns:
            if next_beat[id(c)] <= now and not c.transport.is_closing():
                c.transport.write(c.device.heartbeat())
                next_beat[id(c)] = now + args.interval
        await asyncio.sleep(0.2)
    for c in conns:
        c.transport.close()


def cli() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--protocol", default="gt06")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--devices", type=int, required=True)
    p.add_argument("--first-id", type=int, default=860000000000000)
    p.add_argument("--interval", type=float, default=30.0, help="seconds between heartbeats")
    p.add_argument("--ready", required=True)
    p.add_argument("--stop", required=True)
    args = p.parse_args()
    import uvloop

    uvloop.run(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
