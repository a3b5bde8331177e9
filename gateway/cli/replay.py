"""``uvis-gateway replay``: re-decode archived raw frames of one protocol
received between two times with today's decoders, and store what they yield.
Frames are replayed per original session, in arrival order, so a login earlier
in a session identifies the frames after it. Writes are idempotent (the (device, fix
time) key), so replaying twice, or replaying frames that did decode the first
time, stores nothing twice: a decoder fix can recover history. Each session is
driven by the gateway's one driver (gateway/transports/driver.py) with the
offline rules: protocol errors count as still failing, anything else is a bug
and surfaces.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

from protocols._connection import ConnectionOptions
from protocols.registry import UnknownProtocol, get as get_protocol

from ..transports.driver import SKIP, Driver, OfflineRules
from .run import configure_logging, run_loop, settings_from_args
from ..settings import SettingsError

__all__ = ["replay", "main_replay"]

MAX_SESSIONS = 10_000
BATCH_ROWS = 5000


def _time(text: str, name: str) -> datetime:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SettingsError(f"--{name}: not an ISO 8601 time: {text!r}") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


async def replay(store: Any, protocol: str, start: datetime, end: datetime) -> dict[str, int]:
    spec = get_protocol(protocol)
    sessions: OrderedDict[int, Driver] = OrderedDict()
    rules = OfflineRules()
    stats = {"frames": 0, "decoded": 0, "failed": 0, "positions": 0, "events": 0,
             "inserted": 0, "duplicates": 0}
    positions: list = []
    events: list = []

    async def flush() -> None:
        if positions or events:
            result = await store.write(positions, events, datetime.now(timezone.utc))
            stats["inserted"] += result.positions_inserted + result.events_inserted
            stats["duplicates"] += result.positions_duplicate + result.events_duplicate
            positions.clear()
            events.clear()

    after = 0
    while rows := await store.raw_frames(spec.name, start, end, after_id=after):
        for row in rows:
            after = row["id"]
            stats["frames"] += 1
            driver = sessions.pop(row["session"], None)
            if driver is None:
                factory = spec.connection_for(row["transport"]) or spec.tcp_connection
                driver = Driver(factory(device_id=row["device_id"], options=ConnectionOptions()), rules)
            sessions[row["session"]] = driver
            if len(sessions) > MAX_SESSIONS:
                sessions.popitem(last=False)
            decoded = driver.frame(bytes(row["data"]), row["received_at"])
            driver.stop = None  # archived frames stand alone: the session goes on
            if decoded is SKIP:
                stats["failed"] += 1
                continue
            stats["decoded"] += 1
            positions.extend(decoded.positions)
            events.extend(decoded.events)
            stats["positions"] += len(decoded.positions)
            stats["events"] += len(decoded.events)
            if len(positions) + len(events) >= BATCH_ROWS:
                await flush()
    await flush()
    return stats


def main_replay(args: Any) -> int:
    try:
        settings = settings_from_args(args)
        start, end = _time(args.start, "from"), _time(args.end, "to")
        protocol = get_protocol(args.protocol).name
    except (SettingsError, UnknownProtocol) as exc:
        print(f"uvis-gateway replay: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level if args.log_level else "WARNING")

    async def go() -> int:
        from ..runtime.database import open_database

        db = await open_database(settings, max_size=2)
        try:
            stats = await replay(db.store, protocol, start, end)
        finally:
            await db.close()
        print(f"replayed {stats['frames']} {protocol} frames received in [{start.isoformat()}, "
              f"{end.isoformat()}): {stats['decoded']} decoded, {stats['failed']} still failing; "
              f"{stats['positions']} positions and {stats['events']} events, "
              f"{stats['inserted']} new rows stored, {stats['duplicates']} already there")
        return 0

    return run_loop(go)
