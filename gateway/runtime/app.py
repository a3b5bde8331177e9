"""The composition root: storage, writer, listeners and API wired together.

Lifecycle in uvicorn's order: start storage, the writer, then the listeners;
on shutdown close the listeners, stop reading, flush the writer (which sends
the ACKs of what committed), close the transports, then the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from protocols._connection import ConnectionOptions
from protocols.registry import get as get_protocol

from ..transports.listener import TcpListener
from .metrics import Metrics
from .ingest import DeviceGate, Ingest
from ..settings import ListenerSettings, Settings
from ..transports.connections import ConnectionSet
from ..transports.tcp import DeviceProtocol
from ..transports.udp import DatagramListener

__all__ = ["Gateway"]

log = logging.getLogger("uvis.gateway")


class Gateway:
    def __init__(self, settings: Settings, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.conns = ConnectionSet()
        self.ports: dict[tuple[str, str], int] = {}
        self.api_port: int | None = None
        self.database_url: str | None = None
        self._servers: list[TcpListener] = []
        self._udp: list[tuple[asyncio.DatagramTransport, DatagramListener]] = []
        self._db: Any = None
        self._store: Any = None
        self._api: Any = None
        self.writer: Any = None
        self._spooling: Any = None
        self._tasks: list[asyncio.Task] = []
        self.archive: Any = None
        self.guard: Any = None
        self._ingest: Any = None
        self.timescale: Any = None
        self.spooled = False
        self.mqtt: Any = None
        #: forwarding to integrators (gateway/forward/), when destinations are configured
        self.forwarder: Any = None
        #: commands to devices (gateway/runtime/commands.py)
        self.commands: Any = None
        #: bind listeners with SO_REUSEPORT (``run --workers N``: N processes share the ports)
        self.reuse_port = False
        #: spool directories to replay besides our own (None: this is the only
        #: process: every worker-* under the spool directory; see workers.orphan_spools)
        self.spool_adopt: list | None = None

    @property
    def store(self) -> Any:
        """The storage object (Reader side) once started."""
        return self._store

    # -- start ---------------------------------------------------------------
    async def start(self) -> None:
        s = self.settings
        await self._start_storage()
        from storage.writer import BatchWriter  # the concrete writer, named here only

        sink = self._store
        spool_dir = s.spool_path()
        if spool_dir is not None:
            from storage.spool import Spool
            from storage.spooling import SpoolingSink

            from .workers import orphan_spools

            adopt = (orphan_spools(spool_dir, None) if self.spool_adopt is None
                     else self.spool_adopt)
            self._spooling = SpoolingSink(
                self._store, Spool(spool_dir, quota_bytes=s.spool_quota_bytes),
                write_timeout=s.write_timeout, observer=self.metrics,
                adopt=[Spool(path) for path in adopt])
            await self._spooling.start()
            self.metrics.spool_bytes.set_function(lambda: self._spooling.spool.bytes)
            sink = self._spooling
        self.writer = BatchWriter(
            sink, max_rows=s.batch_max_rows, max_age=s.batch_max_age,
            high_water=s.queue_high_water, low_water=s.queue_low_water, observer=self.metrics)
        await self.writer.start()
        self.writer.add_pressure_listener(self._on_pressure)
        self.metrics.queue_rows.set_function(lambda: self.writer.queue_rows)
        self.metrics.database_up.set_function(lambda: 0 if self._writes_failing() else 1)
        self.metrics.oldest_unwritten.set_function(self._oldest_unwritten)
        # allow-list mode admits allowed_devices only: a device removed from the
        # list is refused even though the database knows it
        gate = DeviceGate(s.register_unknown_devices, set(s.allowed_devices))
        gate.models = self._device_models()
        from .archive import RawArchive
        from .guard import Guard

        self.guard = Guard(s.limits, self.metrics)
        self.metrics.fd_limit.set(self.guard.fd_limit)
        self.archive = RawArchive(self._store, self.metrics, limits=s.limits)
        await self.archive.start()
        ingest = self._ingest = Ingest(self.writer.submit, gate, self.archive, s.archive_all_frames,
                                       guard=self.guard)
        from .commands import CommandRouter  # commands to devices: delivery and answers

        self.commands = CommandRouter(self._store.pool, self.database_url,
                                      sweep_interval=s.commands.sweep_interval,
                                      max_sessions=s.commands.max_sessions,
                                      mqtt_topic=s.commands.mqtt_topic,
                                      mqtt_answer_filter=s.commands.mqtt_answer_filter,
                                      metrics=self.metrics)
        for listener in s.listeners:  # every series exported from the start (0, not absent)
            self.metrics.commands_known(get_protocol(listener.protocol).name)
        await self.commands.start()
        ingest.commands = self.commands
        for listener in s.listeners:
            await self._start_listener(listener, ingest)
        if s.mqtt.brokers:
            from ..mqtt.ingest import MqttIngest

            self.mqtt = MqttIngest(s.mqtt, ingest, self.metrics)
            await self.mqtt.start()
        if s.forward.destinations:
            from ..forward.loop import ForwardService
            from ..forward.metrics import ForwardMetrics

            self.forwarder = ForwardService(s.forward, self.database_url, self._store.pool,
                                            ForwardMetrics(self.metrics.registry))
            await self.forwarder.start()
        if s.api_enabled:
            await self._start_api()

    def _device_models(self) -> Any:
        """Per-device models, looked up at login (gateway/runtime/devices.py), when a
        listener serves a protocol whose meanings depend on the model."""
        from protocols.registry import takes_model

        if not any(takes_model(listener.protocol) for listener in self.settings.listeners):
            return None
        from storage.devices import device_models

        from .devices import DeviceModels

        pool = self._store.pool
        return DeviceModels(lambda ids: device_models(pool, ids), ttl=self.settings.device_model_ttl,
                            metrics=self.metrics)

    async def _start_storage(self) -> None:
        from datetime import timedelta

        from storage.validate import Limits

        from .database import open_database

        self._db = await open_database(self.settings)
        self._store, self.database_url, self.timescale = self._db.store, self._db.url, self._db.timescale
        self._store.limits = Limits(future_margin=timedelta(seconds=self.settings.future_fix_margin))
        if self._store.late_horizon is not None:
            self._tasks.append(asyncio.get_running_loop().create_task(self._move_late_fixes()))

    async def _start_listener(self, listener: ListenerSettings, ingest: Ingest) -> None:
        spec = get_protocol(listener.protocol)
        options = ConnectionOptions(strict_checksum=listener.strict_checksum,
                                    max_frame_size=listener.max_frame_size,
                                    extra=dict(listener.options))
        metrics = self.metrics.for_listener(spec.name, listener.transport)
        loop = asyncio.get_running_loop()
        if listener.transport in ("tcp", "http"):  # HTTP protocols are framed over TCP
            factory = spec.tcp_connection
            from ..transports.tls import server_context

            server = TcpListener(
                spec.name,
                lambda: DeviceProtocol(spec.name, factory, options, listener, ingest, metrics, self.conns),
                ingest.guard, server_context(listener))
            await server.start(listener.host, listener.port, backlog=4096, reuse_port=self.reuse_port)
            self._servers.append(server)
            port = server.port
        else:
            endpoint = DatagramListener(spec.name, spec.udp_connection, options, ingest, metrics,
                                        self.settings.udp_max_sessions, self.settings.udp_session_timeout,
                                        model=listener.model)
            transport, _ = await loop.create_datagram_endpoint(
                lambda: endpoint, local_addr=(listener.host, listener.port), reuse_port=self.reuse_port)
            self._udp.append((transport, endpoint))
            port = transport.get_extra_info("sockname")[1]
        self.ports[(spec.name, listener.transport)] = port
        log.info("%s listening on %s %s:%d", spec.name, listener.transport, listener.host, port)

    async def _start_api(self) -> None:
        """The integrator API on this loop (worker 0) with a read-only pool of its own;
        ``uvis-gateway api`` runs it in processes of its own instead."""
        from api.service import ApiService

        from ..settings.api import api_config

        s = self.settings
        self._api = ApiService(api_config(s), self.database_url)
        await self._api.start(host=s.api_host, tokens=s.api.tokens, insecure=s.api.insecure,
                              health=self._health, render_metrics=self.metrics.render,
                              reuse_port=self.reuse_port)
        self.api_port = self._api.port
        self.api_host = self._api.host

    def _writes_failing(self) -> bool:
        """True while batches do not reach the database (failing, or spooled)."""
        return self.writer.failing or (self._spooling is not None and self._spooling.degraded)

    def _oldest_unwritten(self) -> float:
        """Seconds the oldest record not yet in the database has waited (queue or spool)."""
        age = self.writer.oldest_age
        if self._spooling is not None:
            age = max(age, self._spooling.backlog_age)
        return age

    async def _health(self) -> dict:
        """``status``: "ok", "degraded" (with ``problems``; still answering 200:
        devices are served and acknowledged) or "unavailable" (the database does
        not answer: 503). Never the database's error text."""
        s = self.settings
        problems: list[str] = []
        database = "ok"
        last_quarantined = None
        try:  # also the database's ping
            last_quarantined = await asyncio.wait_for(self._store.last_quarantined(), 2.0)
        except Exception as exc:
            database = "unreachable"
            log.warning("health: the database does not answer (%r)", exc)
        if self.writer.failing:
            problems.append("the writer cannot commit (retrying)")
        if self._spooling is not None and self._spooling.degraded:
            problems.append("batches go to the local spool")
        oldest = self._oldest_unwritten()
        if oldest > s.health_backlog_max_age:
            problems.append(f"the oldest record not in the database waits for {oldest:.0f} s")
        last = max(self.metrics.last_quarantine_at,
                   last_quarantined.timestamp() if last_quarantined else 0.0)
        if last and time.time() - last < s.health_quarantine_window:
            problems.append("records were quarantined in the last "
                            f"{s.health_quarantine_window:.0f} s (uvis-gateway quarantine list)")
        status = "unavailable" if database != "ok" else ("degraded" if problems else "ok")
        return {"status": status, "database": database, "problems": problems,
                "queue_rows": self.writer.queue_rows, "oldest_unwritten_seconds": round(oldest, 3),
                "connections": len(self.conns.live)}

    async def _move_late_fixes(self, period: float = 10.0) -> None:
        """Move fixes committed to positions_late into positions, off the hot path."""
        while True:
            await asyncio.sleep(period)
            try:
                while (await self._store.move_late(5000))[0]:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("moving late fixes failed (%r); will retry", exc)

    def _on_pressure(self, paused: bool) -> None:
        if not paused and not self.conns.accepting:
            return  # shutting down: the final flush must not resume reading
        if paused:
            log.warning("ingest queue above its high-water mark: pausing reads")
        else:
            log.info("ingest queue drained: resuming reads")
        self.metrics.reading_paused.set(1 if paused else 0)
        if self._ingest is not None:  # datagram and MQTT QoS 0 sources drop while paused
            self._ingest.paused = paused
        self.conns.set_paused(paused)

    # -- stop ----------------------------------------------------------------
    async def stop(self) -> None:
        """Graceful: stop accepting and reading, flush, send ACKs, close."""
        self.conns.accepting = False
        for server in self._servers:
            server.close()
        for _, endpoint in self._udp:
            endpoint.accepting = False
        self.conns.set_paused(True)
        if self.mqtt is not None:
            self.mqtt.stop_reading()
        if self.writer is not None:
            try:
                await asyncio.wait_for(self.writer.close(flush=True), self.settings.shutdown_timeout)
            except asyncio.TimeoutError:
                log.error("shutdown: the last batch did not commit within %.0f s; "
                          "its records were not acknowledged and devices will resend them",
                          self.settings.shutdown_timeout)
                await self.writer.close(flush=False)
        if self.mqtt is not None:
            await self.mqtt.close()  # the flush's PUBACKs go out first
        await self._close_transports()
        if self._spooling is not None:
            await self._spooling.close()
            self.spooled = bool(self._spooling.spooled_rows) or not self._spooling.spool.empty
            if self.spooled:
                log.warning("%d rows went to the spool during this run; %d bytes wait in %s for "
                            "the next start", self._spooling.spooled_rows,
                            self._spooling.spool.bytes, self._spooling.spool.dir)
        for transport, _ in self._udp:
            transport.close()
        for server in self._servers:
            await server.wait_closed()
        if self.archive is not None:
            await self.archive.close()
        if self.guard is not None:
            self.guard.close()
        if self._ingest is not None and self._ingest.gate.models is not None:
            await self._ingest.gate.models.close()
        if self.forwarder is not None:
            await self.forwarder.stop()
        if self.commands is not None:
            await self.commands.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._api is not None:
            await self._api.stop()
        if self._db is not None:
            await self._db.close()

    async def _close_transports(self, timeout: float = 5.0) -> None:
        live = list(self.conns.live)
        for proto in live:
            proto.close()  # close() sends what is buffered (the ACKs) first
        if await self.conns.wait_empty(timeout):
            return
        for proto in list(self.conns.live):
            if proto.transport is not None:
                proto.transport.abort()
