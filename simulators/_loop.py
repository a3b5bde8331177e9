"""The simulators' event loop runner (uvloop where available): simulators
need the protocols' device side and a broker client, not the gateway."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

__all__ = ["run_loop"]


def run_loop(main: Callable[[], Awaitable]) -> object:
    try:
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())
