"""The API's Prometheus metrics (a registry of its own; /metrics renders it
after the gateway's when both run in one process)."""

from __future__ import annotations

from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["ApiMetrics"]


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.requests = Counter("uvis_api_requests", "API requests by status class", ["status"],
                                registry=r)
        self.latency = Histogram("uvis_api_request_seconds", "API request duration (streams: whole)",
                                 buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
                                 registry=r)
        self.rate_limited = Counter("uvis_api_rate_limited", "requests refused by the rate limit (429)",
                                    registry=r)
        self.busy = Counter("uvis_api_busy", "requests refused: too many in flight (503)", registry=r)
        self.live_subscribers = Gauge("uvis_api_live_subscribers", "live subscribers (WebSocket, SSE)",
                                      registry=r)
        self.live_dropped = Gauge("uvis_api_live_dropped", "live subscribers dropped as too slow "
                                  "(since start)", registry=r)
        self.live_delivered = Gauge("uvis_api_live_delivered", "live messages queued for subscribers "
                                    "(since start)", registry=r)

    def observe(self, status: int, seconds: float) -> None:
        self.requests.labels(f"{status // 100}xx" if status < 1000 else "ws").inc()
        self.latency.observe(seconds)

    def bind_live(self, hub) -> None:
        self.live_subscribers.set_function(lambda: len(hub.subscribers))
        self.live_dropped.set_function(lambda: hub.dropped)
        self.live_delivered.set_function(lambda: hub.delivered)

    def render(self, before: Callable[[], bytes] | None = None) -> bytes:
        return (before() if before is not None else b"") + generate_latest(self.registry)
