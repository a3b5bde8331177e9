"""Prometheus metrics of one gateway process, all named ``uvis_*``.

One ``Metrics`` object per app (its own CollectorRegistry, no module-level
state), passed explicitly; hot paths bind label children once per listener.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics", "ProtocolMetrics", "SubscriptionMetrics", "WorkerShare", "merge_expositions"]


class ProtocolMetrics:
    """Label children bound for one (protocol, transport), used per frame."""

    __slots__ = ("frames", "positions", "events", "decode_errors", "checksum_mismatches",
                 "unknown_messages", "unknown_items", "connections_open", "connections", "acks", "rejected",
                 "ack_latency", "proxy_errors", "_m", "_labels", "_refused", "_closed", "_dropped")

    def __init__(self, m: "Metrics", protocol: str, transport: str) -> None:
        labels = (protocol, transport)
        self.frames = m.frames.labels(*labels)
        self.positions = m.positions.labels(*labels)
        self.events = m.events.labels(*labels)
        self.decode_errors = m.decode_errors.labels(*labels)
        self.checksum_mismatches = m.checksum_mismatches.labels(*labels)
        self.unknown_messages = m.unknown_messages.labels(*labels)
        self.unknown_items = m.unknown_items.labels(*labels)
        self.connections_open = m.connections_open.labels(*labels)
        self.connections = m.connections.labels(*labels)
        self.acks = m.acks.labels(*labels)
        self.rejected = m.devices_rejected.labels(*labels)
        self.ack_latency = m.ack_latency.labels(*labels)
        self.proxy_errors = m.proxy_errors.labels(*labels)
        self._m = m
        self._labels = labels
        self._refused: dict[str, Any] = {}
        self._closed: dict[str, Any] = {}
        self._dropped: dict[str, Any] = {}

    def _child(self, cache: dict, metric: Any, reason: str) -> Any:
        child = cache.get(reason)
        if child is None:
            child = cache[reason] = metric.labels(*self._labels, reason)
        return child

    def refused(self, reason: str) -> None:
        """A connection refused at once (penalty, caps, file descriptors)."""
        self._child(self._refused, self._m.connections_refused, reason).inc()

    def closed(self, reason: str) -> None:
        """A connection closed by the guard (error budget, deadlines)."""
        self._child(self._closed, self._m.connections_closed, reason).inc()

    def decoder_bug(self) -> None:
        """A decoder raised something other than a ProtocolError (a bug in protocols/)."""
        self._m.decoder_bugs.labels(*self._labels).inc()

    def dropped(self, reason: str, count: int = 1) -> None:
        """Datagrams or messages dropped before decoding (back-pressure, penalty, size)."""
        self._child(self._dropped, self._m.dropped, reason).inc(count)


class SubscriptionMetrics:
    """Label children bound for one MQTT subscription, used per message."""

    __slots__ = ("messages", "bytes", "decode_errors", "redeliveries")

    def __init__(self, m: "Metrics", broker: str, subscription: str) -> None:
        self.messages = m.mqtt_messages.labels(broker, subscription)
        self.bytes = m.mqtt_bytes.labels(broker, subscription)
        self.decode_errors = m.mqtt_decode_errors.labels(broker, subscription)
        self.redeliveries = m.mqtt_redeliveries.labels(broker, subscription)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        lbl = ("protocol", "transport")
        self.frames = Counter("uvis_frames", "Frames decoded", lbl, registry=r)
        self.positions = Counter("uvis_positions", "Positions decoded", lbl, registry=r)
        self.events = Counter("uvis_events", "Events decoded", lbl, registry=r)
        self.decode_errors = Counter("uvis_decode_errors", "Frames that failed to decode", lbl, registry=r)
        self.checksum_mismatches = Counter(
            "uvis_checksum_mismatches", "Frames whose checksum did not verify", lbl, registry=r)
        self.unknown_messages = Counter(
            "uvis_unknown_messages", "Well-framed messages of an unknown type", lbl, registry=r)
        self.unknown_items = Counter(
            "uvis_unknown_items", "Items (IO elements, additional information ...) outside the "
            "protocol's catalogue, kept under their generic attribute key", lbl, registry=r)
        self.connections_open = Gauge("uvis_connections_open", "Open device connections", lbl, registry=r)
        self.connections = Counter("uvis_connections", "Device connections accepted", lbl, registry=r)
        self.acks = Counter("uvis_acks_sent", "Acknowledgements sent after commit", lbl, registry=r)
        self.devices_rejected = Counter(
            "uvis_devices_rejected", "Logins refused by the allow-list", lbl, registry=r)
        self.ack_latency = Histogram(
            "uvis_ack_latency_seconds", "From handing records to the writer to sending their ACK",
            lbl, registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.proxy_errors = Counter(
            "uvis_proxy_header_errors", "Connections closed for a missing or bad PROXY header",
            lbl, registry=r)
        self.batch_rows = Histogram(
            "uvis_batch_rows", "Rows per committed batch", registry=r,
            buckets=(1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 20000))
        self.commit_seconds = Histogram(
            "uvis_batch_commit_seconds", "Time to write and commit one batch", registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.duplicates = Counter("uvis_duplicates", "Records absorbed as true resends", registry=r)
        self.merged_positions = Counter(
            "uvis_merged_positions", "Fixes sharing a stored fix's time whose new attributes were "
            "merged into it (alarms, status reports)", registry=r)
        self.repaired_records = Counter(
            "uvis_repaired_records", "Records stored with values repaired or dropped "
            "(named in attributes.invalid)", registry=r)
        self.quarantined_records = Counter(
            "uvis_quarantined_records", "Records the database cannot take, kept in the quarantine "
            "table with their raw frame (acknowledged)", registry=r)
        self.last_quarantine = Gauge(
            "uvis_last_quarantine_timestamp_seconds", "When a record was last quarantined",
            registry=r)
        self.database_up = Gauge(
            "uvis_database_up", "1 while the writer commits to the database (0: failing, or "
            "spooling locally)", registry=r)
        self.oldest_unwritten = Gauge(
            "uvis_oldest_unwritten_seconds", "Age of the oldest record not yet committed to the "
            "database (in the queue or the spool)", registry=r)
        self.stored_positions = Counter("uvis_stored_positions", "Positions committed", registry=r)
        self.database_errors = Counter("uvis_database_errors", "Failed batch writes", registry=r)
        self.queue_rows = Gauge("uvis_ingest_queue_rows", "Rows waiting for the writer", registry=r)
        self.reading_paused = Gauge("uvis_reading_paused", "1 while reading is paused by back-pressure",
                                    registry=r)
        self.spool_bytes = Gauge("uvis_spool_bytes", "Bytes waiting in the local spool", registry=r)
        self.spooled_rows = Counter("uvis_spooled_rows", "Rows written to the local spool", registry=r)
        self.spool_replayed_rows = Counter(
            "uvis_spool_replayed_rows", "Rows replayed from the spool into the database", registry=r)
        self.raw_frames = Counter("uvis_raw_frames_archived", "Raw frames saved to raw_frames", registry=r)
        self.raw_frames_dropped = Counter(
            "uvis_raw_frames_dropped", "Raw frames not archived because the archive queue was full",
            registry=r)
        why = ("protocol", "transport", "reason")
        self.connections_refused = Counter(
            "uvis_connections_refused", "Device connections closed at once: penalty (repeated "
            "abuse from the address), fd_limit, max_connections, max_prelogin_connections, "
            "max_connections_per_address", why, registry=r)
        self.connections_closed = Counter(
            "uvis_connections_closed_by_guard", "Device connections closed for abuse: error budget, "
            "login or frame deadline", why, registry=r)
        self.dropped = Counter(
            "uvis_dropped", "Datagrams and MQTT messages dropped before decoding: backpressure "
            "(ingest queue full), penalty, oversize", why, registry=r)
        self.decoder_bugs = Counter(
            "uvis_decoder_bugs", "Inputs on which a decoder raised something other than a protocol "
            "error (a bug: the connection is closed, the bytes archived)", lbl, registry=r)
        self.fd_limit_near = Gauge(
            "uvis_fd_limit_near", "1 while open files are near RLIMIT_NOFILE (within fd_reserve): "
            "new device connections wait in the listen backlog", registry=r)
        self.accept_paused = Gauge(
            "uvis_accept_paused", "1 while device listeners do not accept (open files within "
            "fd_reserve of RLIMIT_NOFILE): new connections wait in the kernel's backlog", registry=r)
        self.fd_limit = Gauge("uvis_fd_limit", "The process's soft RLIMIT_NOFILE", registry=r)
        self.penalized_addresses = Gauge(
            "uvis_penalized_addresses", "Addresses refused for repeated abuse", registry=r)
        self.raw_frames_skipped = Counter(
            "uvis_raw_frames_skipped", "Raw frames not archived: over the per-peer or per-second "
            "budget", ("reason",), registry=r)
        self.raw_frames_truncated = Counter(
            "uvis_raw_frames_truncated", "Raw frames archived cut to archive_max_frame_bytes",
            registry=r)
        self.log_lines_suppressed = Counter(
            "uvis_log_lines_suppressed", "Log events folded into an aggregated line", registry=r)
        sub = ("broker", "subscription")
        self.mqtt_messages = Counter("uvis_mqtt_messages", "MQTT messages received", sub, registry=r)
        self.mqtt_bytes = Counter("uvis_mqtt_bytes", "MQTT payload bytes received", sub, registry=r)
        self.mqtt_decode_errors = Counter(
            "uvis_mqtt_decode_errors", "MQTT payloads that failed to decode (archived, acknowledged)",
            sub, registry=r)
        self.mqtt_redeliveries = Counter(
            "uvis_mqtt_redeliveries", "MQTT messages the broker sent again (DUP flag)", sub, registry=r)
        self.mqtt_connected = Gauge("uvis_mqtt_connected", "1 while connected to the broker",
                                    ("broker",), registry=r)
        self.device_model_lookups = Counter(
            "uvis_device_model_lookups", "Device model look-ups at login on protocols whose meanings "
            "depend on the model: hit (cache), miss (asked the database), error (failed: the "
            "listener's default)", ("result",), registry=r)
        cmd = ("protocol",)
        self.commands_sent = Counter(
            "uvis_commands_sent", "Commands written to a device's session (resends to a new "
            "session included)", cmd, registry=r)
        self.commands_answered = Counter(
            "uvis_commands_answered", "Commands a device answered (acknowledged or answered with a "
            "result)", cmd, registry=r)
        self.commands_failed = Counter(
            "uvis_commands_failed", "Commands failed: device (the device answered with a failure), "
            "encode (no bytes for this device's session)", ("protocol", "reason"), registry=r)
        self.commands_expired = Counter(
            "uvis_commands_expired", "Commands past their TTL before an answer (expired by this "
            "process's sweep)", cmd, registry=r)
        self.commands_open = Gauge(
            "uvis_commands_open", "Commands in the database waiting to be sent (queued) or for "
            "an answer (sent), read at each sweep", ("state",), registry=r)
        self.mqtt_connects = Counter("uvis_mqtt_connects", "Successful MQTT connections", ("broker",),
                                     registry=r)
        self._bound: dict[tuple[str, str], ProtocolMetrics] = {}
        #: wall-clock time of the last quarantine (0: none yet)
        self.last_quarantine_at = 0.0
        #: ``run --workers N``: this worker's share of the metrics directory (WorkerShare)
        self.share: WorkerShare | None = None

    def for_listener(self, protocol: str, transport: str) -> ProtocolMetrics:
        key = (protocol, transport)
        if key not in self._bound:
            self._bound[key] = ProtocolMetrics(self, protocol, transport)
        return self._bound[key]

    def commands_known(self, protocol: str) -> None:
        """Create the command series of ``protocol`` (exported as 0 before the first command)."""
        for counter in (self.commands_sent, self.commands_answered, self.commands_expired):
            counter.labels(protocol)
        for reason in ("device", "encode"):
            self.commands_failed.labels(protocol, reason)

    def for_subscription(self, broker: str, subscription: str) -> SubscriptionMetrics:
        return SubscriptionMetrics(self, broker, subscription)

    # BatchWriter observer hooks
    def batch_committed(self, rows: int, seconds: float, result) -> None:
        self.batch_rows.observe(rows)
        self.commit_seconds.observe(seconds)
        self._stored(result)

    def _stored(self, result) -> None:
        self.duplicates.inc(result.positions_duplicate + result.events_duplicate)
        self.stored_positions.inc(result.positions_inserted)
        if result.positions_merged:
            self.merged_positions.inc(result.positions_merged)
        if result.repaired:
            self.repaired_records.inc(result.repaired)
        if result.quarantined:
            self.quarantined_records.inc(result.quarantined)
            self.last_quarantine_at = time.time()
            self.last_quarantine.set(self.last_quarantine_at)

    def batch_failed(self, exc: BaseException, attempt: int) -> None:
        self.database_errors.inc()

    def spool_appended(self, rows: int) -> None:
        self.spooled_rows.inc(rows)

    def spool_replayed(self, rows: int) -> None:
        self.spool_replayed_rows.inc(rows)

    def spool_committed(self, result) -> None:
        self._stored(result)

    def render(self) -> bytes:
        own = generate_latest(self.registry)
        share = self.share
        if share is None or share.index != 0:
            return own
        return merge_expositions([own.decode(), *share.others()])


# -- every worker's counters (``run --workers N``) ------------------------------------------------

#: gauges whose sum over workers means nothing: how they combine instead
_GAUGE_RULES = {"uvis_database_up": min, "uvis_fd_limit": min, "uvis_oldest_unwritten_seconds": max,
                "uvis_last_quarantine_timestamp_seconds": max, "uvis_reading_paused": max,
                "uvis_fd_limit_near": max, "uvis_accept_paused": max, "uvis_mqtt_connected": max,
                "uvis_commands_open": max}


def _families(text: str) -> dict[str, list]:
    """Exposition text -> {family: [help line, type line, {sample key: value}]}, in order."""
    out: dict[str, list] = {}
    current: list | None = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            current = out.setdefault(name, [line, "", {}])
        elif line.startswith("# TYPE "):
            name = line.split(" ", 3)[2]
            current = out.setdefault(name, ["", line, {}])
            current[1] = line
        elif line and not line.startswith("#") and current is not None:
            key, _, value = line.rpartition(" ")
            try:
                current[2][key] = float(value)
            except ValueError:
                continue
    return out


def merge_expositions(texts: list[str]) -> bytes:
    """Prometheus text of several processes as one: counters and histograms
    summed, ``_created`` the earliest, gauges summed (or min/max where a sum
    means nothing, ``_GAUGE_RULES``)."""
    from prometheus_client.utils import floatToGoString

    merged: dict[str, list] = {}
    for text in texts:
        for name, (help_line, type_line, samples) in _families(text).items():
            target = merged.get(name)
            if target is None:
                merged[name] = [help_line, type_line, dict(samples)]
                continue
            kind = type_line.rsplit(" ", 1)[-1] if type_line else "untyped"
            rule = _GAUGE_RULES.get(name) if kind == "gauge" else None
            for key, value in samples.items():
                if key not in target[2]:
                    target[2][key] = value
                elif key.split("{", 1)[0].endswith("_created"):
                    target[2][key] = min(target[2][key], value)
                elif rule is not None:
                    target[2][key] = rule(target[2][key], value)
                else:
                    target[2][key] += value
    lines = []
    for help_line, type_line, samples in merged.values():
        lines += [line for line in (help_line, type_line) if line]
        lines += [f"{key} {floatToGoString(value)}" for key, value in samples.items()]
    return ("\n".join(lines) + "\n").encode()


class WorkerShare:
    """Worker ``index`` of ``run --workers N`` writes its exposition to
    ``directory/worker-<index>.prom`` every ``period`` seconds (and at stop);
    worker 0's ``Metrics.render`` sums its own with the others' (the
    equivalent of prometheus-client's multiprocess mode, with set_function
    gauges and per-app registries kept)."""

    def __init__(self, metrics: "Metrics", directory: str, index: int, period: float = 1.0) -> None:
        import os

        self.metrics = metrics
        self.directory = directory
        self.index = index
        self.period = period
        self.path = os.path.join(directory, f"worker-{index}.prom")
        self._timer: Any = None

    def start(self) -> None:
        import asyncio

        self.write()
        self._timer = asyncio.get_running_loop().call_later(self.period, self._tick)

    def _tick(self) -> None:
        import asyncio

        self.write()
        self._timer = asyncio.get_running_loop().call_later(self.period, self._tick)

    def write(self) -> None:
        import os

        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as handle:
                handle.write(generate_latest(self.metrics.registry))
            os.replace(tmp, self.path)
        except OSError:
            pass

    def others(self) -> list[str]:
        import glob

        texts = []
        for path in sorted(glob.glob(f"{self.directory}/worker-*.prom")):
            if path == self.path:
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    texts.append(handle.read())
            except OSError:
                continue
        return texts

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.write()
