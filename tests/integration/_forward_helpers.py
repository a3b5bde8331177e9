"""Helpers of the forwarding tests: a local webhook receiver that checks
signatures, records that go through the real store, a broker probe."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import time
from datetime import UTC, datetime, timedelta

from aiohttp import web

from protocols import Event, Position

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
SECRET = "s3cret"


def pos(device: str, second: int, **kw) -> Position:
    fields = dict(device_id=device, protocol="gt06", fix_time=T0 + timedelta(seconds=second),
                  valid=True, lat=22.5 + second / 1000, lon=114.0, speed_kmh=12.5,
                  attributes={"n": second})
    fields.update(kw)
    return Position(**fields)


def event(device: str, second: int, type: str = "overspeed") -> Event:
    return Event(device_id=device, protocol="gt06", time=T0 + timedelta(seconds=second),
                 type=type, attributes={"limit": 80})


def key_of(message: dict) -> tuple[str, str, str]:
    """(kind, device, time) of a forwarded uvis message."""
    return (message["kind"], message["device_id"],
            message.get("fix_time") or message.get("time"))


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


async def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


def in_order_per_device(messages: list[dict]) -> bool:
    last: dict[str, str] = {}
    for m in messages:
        if m["kind"] != "position":
            continue
        if m["device_id"] in last and m["fix_time"] <= last[m["device_id"]]:
            return False
        last[m["device_id"]] = m["fix_time"]
    return True


class Receiver:
    """An HTTP receiver on 127.0.0.1: checks X-UVIS-Signature, keeps every
    message (``messages``, in arrival order), answers ``status``."""

    def __init__(self, secret: str | None = SECRET) -> None:
        self.secret = secret
        self.status = 200
        self.messages: list[dict] = []
        self.requests: list[web.Request] = []
        self.bad_signatures = 0
        self.keys: list[str] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(request)
        if self.secret is not None:
            expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(request.headers.get("X-UVIS-Signature", ""), expected):
                self.bad_signatures += 1
                return web.Response(status=401)
        if self.status != 200:
            return web.Response(status=self.status)
        self.keys.append(request.headers.get("Idempotency-Key", ""))
        if body:
            data = json.loads(body)
            self.messages.extend(data if isinstance(data, list) else [data])
        return web.Response(text="ok")

    async def start(self, port: int = 0) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port or self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"
