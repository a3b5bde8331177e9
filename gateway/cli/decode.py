"""``uvis-gateway decode``: hex lines of one device session -> JSON lines.

Contract: ../shared/contracts/decode-cli.md. The session is driven by the
gateway's one driver (gateway/transports/driver.py) with the offline rules:
protocol errors are reported with a short hex prefix, anything else is a bug
and surfaces. Imports only the protocol layer, the driver and msgspec, so it
starts fast on one capture at a time.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import IO, Any, Iterable

import msgspec

from protocols._connection import ConnectionOptions
from protocols._json import event_dict, position_dict
from protocols._records import Decoded
from protocols.registry import UnknownProtocol, get

from ..transports.driver import SKIP, Driver, OfflineRules

__all__ = ["run_decode", "DecodeUsageError"]


class DecodeUsageError(Exception):
    """Bad arguments (exit status 2)."""


def _parse_now(text: str | None) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise DecodeUsageError(f"--now: not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class _Session:
    """One device session as the decode command replays it."""

    def __init__(self, protocol: str, transport: str, framed: bool, device: str | None,
                 options: ConnectionOptions, model: str | None = None) -> None:
        try:
            spec = get(protocol)
        except UnknownProtocol as exc:
            raise DecodeUsageError(str(exc)) from None
        factory = spec.connection_for(transport)
        if factory is None:
            raise DecodeUsageError(
                f"protocol {spec.name!r} is not supported over {transport} "
                f"(it runs over {', '.join(spec.transports)})")
        if model and not hasattr(factory, "set_model"):
            raise DecodeUsageError(f"--model: the meanings of {spec.name} do not depend on the "
                                   "device model")
        self._factory = factory
        self._options = options
        self._stream = transport != "udp" and not framed
        self._assumed = device
        self._model = model or None
        self.rules = OfflineRules()
        self.driver = Driver(self._connection(device), self.rules)

    def _connection(self, device: str | None) -> Any:
        conn = self._factory(device_id=device, options=self._options)
        if self._model is not None:
            conn.set_model(self._model)  # as the gateway does once the device is known
        return conn

    @property
    def conn(self) -> Any:
        return self.driver.conn

    def _renew(self) -> None:
        """After a fatal error: a fresh connection that keeps the identity."""
        self.driver.conn = self._connection(self.conn.device_id or self._assumed)

    def decode(self, data: bytes, now: datetime) -> tuple[list[Decoded], str | None]:
        driver = self.driver
        if not self._stream:
            decoded = driver.frame(data, now)
            driver.stop = None  # a frame stands alone: the connection is kept
            return ([], self.rules.take_error()) if decoded is SKIP else ([decoded], None)
        out: list[Decoded] = []
        driver.receive(data)
        while True:
            decoded = driver.next(now)
            if driver.stop is not None:  # a fatal error: the rest of this line is dropped
                driver.stop = None
                self._renew()
                break
            if decoded is None:
                break
            if decoded is not SKIP:
                out.append(decoded)
        return out, self.rules.take_error()


def _line_result(decoded: list[Decoded], error: str | None) -> dict[str, Any]:
    if error is not None:
        return {"positions": [], "events": [], "reply": None, "error": error}
    replies = b"".join(d.reply for d in decoded if d.reply)
    return {
        "positions": [position_dict(p) for d in decoded for p in d.positions],
        "events": [event_dict(e) for d in decoded for e in d.events],
        "reply": replies.hex() if replies else None,
        "error": None,
    }


def _enc_hook(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    raise NotImplementedError(type(value))


def run_decode(protocol: str, transport: str, framed: bool, assume_device: str | None,
               now: str | None, lines: Iterable[str], out: IO[bytes],
               strict_checksum: bool = False, model: str | None = None) -> int:
    moment = _parse_now(now)
    session = _Session(protocol, transport, framed, assume_device,
                       ConnectionOptions(strict_checksum=strict_checksum), model)
    encoder = msgspec.json.Encoder(enc_hook=_enc_hook)
    for raw in lines:
        text = raw.strip()
        try:
            data = bytes.fromhex(text)
        except ValueError:
            result = _line_result([], "invalid hex input line")
        else:
            result = _line_result(*session.decode(data, moment))
        out.write(encoder.encode(result) + b"\n")
        out.flush()
    return 0


def main(args: Any) -> int:
    source = sys.stdin if args.file in (None, "-") else open(args.file, encoding="ascii", errors="replace")
    try:
        return run_decode(args.protocol, args.transport, args.framed, args.assume_device,
                          args.now, source, sys.stdout.buffer, args.strict_checksum,
                          getattr(args, "model", None))
    except DecodeUsageError as exc:
        print(f"uvis-gateway decode: {exc}", file=sys.stderr)
        return 2
    finally:
        if source is not sys.stdin:
            source.close()
