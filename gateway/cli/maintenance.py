"""``uvis-gateway quarantine list|replay`` and ``uvis-gateway spool list|replay``.

quarantine list: what the storage boundary could not store (newest first):
id, time, source, device, reason, and the raw frame's first bytes.

quarantine replay [--id N ...]: after a decoder or validation fix, decode each
entry's raw frame again (as its device's session: the quarantined device id is
assumed) and store what it yields; an entry without a frame is stored from its
record. Entries that now store are marked replayed; those that land in the
quarantine again stay (with a new entry when the record changed).

spool list: the spool directories (this run's, other worker counts', damaged
segments in corrupt/) with their sizes and batches.

spool replay --corrupt: the whole records of every damaged segment (up to the
damage, then resynchronised at the next record that verifies) are written to
the database; the file then moves to corrupt/replayed/.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from protocols._connection import ConnectionOptions
from protocols.registry import UnknownProtocol, get as get_protocol

from ..settings import SettingsError
from ..transports.driver import SKIP, Driver, OfflineRules
from .run import configure_logging, run_loop, settings_from_args

__all__ = ["main_quarantine", "main_spool", "redecode", "salvage"]


def redecode(entry: Any) -> tuple[list, list] | None:
    """The records an entry's raw frame decodes to today, or None when it has
    no frame, or the protocol is unknown, or the frame still fails."""
    if entry["raw"] is None or not entry["protocol"]:
        return None
    try:
        spec = get_protocol(entry["protocol"])
    except UnknownProtocol:
        return None
    factory = spec.connection_for(entry["transport"] or "tcp") or spec.tcp_connection
    driver = Driver(factory(device_id=entry["device_id"], options=ConnectionOptions()), OfflineRules())
    decoded = driver.frame(bytes(entry["raw"]), entry["received_at"])  # a decoder bug surfaces
    if decoded is SKIP:
        return None
    return list(decoded.positions), list(decoded.events)


async def replay_quarantine(store: Any, ids: list[int] | None) -> dict[str, int]:
    from storage.quarantine import decode_record

    stats = {"entries": 0, "stored": 0, "quarantined_again": 0, "skipped": 0}
    for entry in await store.quarantine_entries(ids=ids, replayed=False, limit=100_000):
        stats["entries"] += 1
        records = redecode(entry)
        if records is None:
            record = decode_record(entry["kind"], bytes(entry["record"]))
            if record is None:
                stats["skipped"] += 1
                continue
            records = ([record], []) if entry["kind"] == "position" else ([], [record])
        frame = (entry["transport"] or "tcp", bytes(entry["raw"])) if entry["raw"] else None
        frames = ([frame] * len(records[0]), [frame] * len(records[1]))
        result = await store.write(records[0], records[1], entry["received_at"], frames)
        if result.quarantined:
            stats["quarantined_again"] += 1
        else:
            stats["stored"] += 1
            await store.mark_replayed(entry["id"])
    return stats


def _settings(args: Any, command: str) -> Any:
    try:
        return settings_from_args(args)
    except SettingsError as exc:
        print(f"uvis-gateway {command}: {exc}", file=sys.stderr)
        return None


def main_quarantine(args: Any) -> int:
    settings = _settings(args, "quarantine")
    if settings is None:
        return 2
    configure_logging(settings.log_level if args.log_level else "WARNING")

    async def go() -> int:
        from ..runtime.database import open_database

        db = await open_database(settings, max_size=2)
        try:
            if args.action == "list":
                rows = await db.store.quarantine_entries(limit=args.limit, replayed=None)
                for r in rows:
                    raw = bytes(r["raw"][:16]).hex() if r["raw"] is not None else "-"
                    state = " replayed" if r["replayed_at"] else ""
                    print(f"{r['id']}\t{r['quarantined_at'].isoformat()}\t{r['protocol']}/"
                          f"{r['transport'] or '-'}\t{r['device_id']}\t{r['kind']}\t{r['reason']}"
                          f"\t{raw}{state}")
                print(f"{len(rows)} entries", file=sys.stderr)
                return 0
            stats = await replay_quarantine(db.store, args.id or None)
            print(f"replayed {stats['entries']} quarantined entries: {stats['stored']} stored, "
                  f"{stats['quarantined_again']} quarantined again, {stats['skipped']} skipped")
            return 0
        finally:
            await db.close()

    return run_loop(go)


def salvage(path: Path) -> list[Any]:
    """Every whole record of a damaged segment: the records before the damage,
    then each later record that verifies (found by scanning for the marker)."""
    from storage.spool import MAGIC, scan

    data = path.read_bytes()
    batches, offset = scan(data)
    out = list(batches)
    while offset < len(data):
        nxt = data.find(MAGIC, offset + 1)
        if nxt < 0:
            break
        more, end = scan(data[nxt:])
        if more:
            out.extend(more)
            offset = nxt + end
        else:
            offset = nxt
    return out


def _spool_dirs(root: Path) -> list[Path]:
    return [root, *sorted(p for p in root.glob("worker-*") if p.is_dir())]


def main_spool(args: Any) -> int:
    settings = _settings(args, "spool")
    if settings is None:
        return 2
    root = settings.spool_path()
    if root is None:
        print("uvis-gateway spool: the spool is off in this configuration", file=sys.stderr)
        return 2
    root = Path(root)
    configure_logging(settings.log_level if args.log_level else "WARNING")
    if args.action == "list":
        return _list_spool(root)
    if not args.corrupt:
        print("uvis-gateway spool replay: the running gateway replays the spool by itself; "
              "--corrupt replays the damaged segments", file=sys.stderr)
        return 2

    async def go() -> int:
        from ..runtime.database import open_database

        db = await open_database(settings, max_size=2)
        try:
            for directory in _spool_dirs(root):
                for path in sorted((directory / "corrupt").glob("seg-*.spool")):
                    batches = salvage(path)
                    stored = quarantined = 0
                    for b in batches:
                        result = await db.store.write(b.positions, b.events, b.received_at, b.frames)
                        stored += result.positions_inserted + result.events_inserted
                        quarantined += result.quarantined
                    done = path.parent / "replayed"
                    done.mkdir(exist_ok=True)
                    path.rename(done / path.name)
                    print(f"{path}: {len(batches)} batches salvaged, {stored} new rows stored, "
                          f"{quarantined} quarantined; moved to {done}")
        finally:
            await db.close()
        return 0

    return run_loop(go)


def _list_spool(root: Path) -> int:
    from storage.spool import scan

    for directory in _spool_dirs(root):
        for label, paths in (("", sorted(directory.glob("seg-*.spool"))),
                             (" DAMAGED", sorted((directory / "corrupt").glob("seg-*.spool")))):
            for path in paths:
                data = path.read_bytes()
                batches, good = scan(data)
                rows = sum(len(b.positions) + len(b.events) for b in batches)
                when = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat()
                print(f"{path}\t{len(data)} bytes\t{len(batches)} batches\t{rows} rows\t{when}"
                      f"{label}{'' if good == len(data) else f' (whole records up to byte {good})'}")
    return 0
