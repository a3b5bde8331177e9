"""Forwarding metrics, registered on the gateway's registry (gateway/runtime/metrics.py).

Lag is computed by every gateway from the durable cursor (not only by the
one holding the destination), so it stays true when the holder is dead.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["ForwardMetrics"]


class ForwardMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = registry or CollectorRegistry()
        lbl = ("destination",)
        self.lag_records = Gauge("uvis_forward_lag_records",
                                 "Committed records the destination has not acknowledged yet "
                                 "(counted up to 100,000 per table)", lbl, registry=r)
        self.lag_seconds = Gauge("uvis_forward_lag_seconds",
                                 "Age of the oldest committed record not yet forwarded (0: caught up)",
                                 lbl, registry=r)
        self.delivered = Counter("uvis_forward_delivered", "Messages the destination acknowledged",
                                 lbl, registry=r)
        self.retried = Counter("uvis_forward_retried", "Messages sent again after a failure", lbl,
                               registry=r)
        self.dead_lettered = Counter("uvis_forward_dead_lettered",
                                     "Messages moved to the dead letters", lbl, registry=r)
        self.dead_letters = Gauge("uvis_forward_dead_letters",
                                  "Dead letters not re-driven (uvis-gateway forward list)", lbl,
                                  registry=r)
        self.active = Gauge("uvis_forward_active",
                            "1 where this process holds the destination's forwarding loop", lbl,
                            registry=r)
