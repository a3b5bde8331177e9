"""Device models looked up at login: what protocols/ cannot know.

Some protocols' meanings depend on the device's model, which the device does
not say (Traccar's device model): GT06 alarm codes and 0x13 status layouts by
family, Meitrack ADC scales (``protocols.registry.takes_model``). The operator
stores it with the device (attribute ``model``, ``PATCH /api/v1/devices/{id}``)
or gives a listener a default (``[[listeners]] model``); when a device logs in
on such a protocol the transport asks ``DeviceModels`` and calls the
connection's ``set_model`` (the device's model, else the listener's).

Look-ups asked in one event-loop turn go to the database in one query (a
reconnect storm costs a round trip per turn, not one per device; the same
device asked twice shares one). Answers are kept for ``ttl`` seconds in an LRU
of at most ``max_entries`` devices, so a device reconnecting soon after costs
nothing; a model changed in the database applies at the device's next login
after that. A look-up that fails or takes longer than ``timeout`` answers None
(the listener's default), is counted, logged once per interval and not cached.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable

__all__ = ["DeviceModels", "MISSING"]

log = logging.getLogger("uvis.gateway")

#: ``DeviceModels.cached`` for a device whose model is not in the cache
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__slots__": ()})()


class DeviceModels:
    """``cached(id)``: the model, None, or MISSING; ``lookup(id)``: a future of
    the model (None: none), resolved by one query per loop turn. ``fetch``:
    (device ids) -> {id: model or None} (storage/devices.py device_models)."""

    def __init__(self, fetch: Callable[[list[str]], Awaitable[dict[str, str | None]]], *,
                 ttl: float = 60.0, max_entries: int = 100_000, timeout: float = 2.0,
                 clock: Callable[[], float] = time.monotonic, metrics: Any = None) -> None:
        self._fetch = fetch
        self.ttl = ttl
        self.max_entries = max_entries
        self.timeout = timeout
        self._clock = clock
        self._metrics = metrics
        #: device id -> (model, monotonic time it was read)
        self._cache: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self._waiting: dict[str, asyncio.Future] = {}
        self._tasks: set[asyncio.Task] = set()
        self._scheduled = False
        #: database round trips and the failed ones (tests, /metrics)
        self.queries = 0
        self.failures = 0

    def __len__(self) -> int:
        return len(self._cache)

    def cached(self, device_id: str) -> Any:
        entry = self._cache.get(device_id)
        if entry is None or self._clock() - entry[1] >= self.ttl:
            self._count("miss")
            return MISSING
        self._cache.move_to_end(device_id)
        self._count("hit")
        return entry[0]

    def lookup(self, device_id: str) -> asyncio.Future:
        future = self._waiting.get(device_id)
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._waiting[device_id] = loop.create_future()
            if not self._scheduled:
                self._scheduled = True
                loop.call_soon(self._start)
        return future

    def _start(self) -> None:
        self._scheduled = False
        waiting, self._waiting = self._waiting, {}
        task = asyncio.get_running_loop().create_task(self._query(waiting))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _query(self, waiting: dict[str, asyncio.Future]) -> None:
        self.queries += 1
        try:
            found = await asyncio.wait_for(self._fetch(list(waiting)), self.timeout)
        except asyncio.CancelledError:
            for future in waiting.values():
                if not future.done():
                    future.set_result(None)
            raise
        except Exception as exc:  # noqa: BLE001 - the database: the listener's default for now
            self.failures += 1
            self._count("error")
            log.warning("device model look-up of %d devices failed (%r): listener defaults used",
                        len(waiting), exc)
            found = None
        now = self._clock()
        for device_id, future in waiting.items():
            model = found.get(device_id) if found is not None else None
            if found is not None:
                self._remember(device_id, model, now)
            if not future.done():
                future.set_result(model)

    def _remember(self, device_id: str, model: str | None, now: float) -> None:
        cache = self._cache
        cache[device_id] = (model, now)
        cache.move_to_end(device_id)
        while len(cache) > self.max_entries:
            cache.popitem(last=False)

    def _count(self, result: str) -> None:
        if self._metrics is not None:
            self._metrics.device_model_lookups.labels(result).inc()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
