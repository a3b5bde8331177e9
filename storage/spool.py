"""The local spool: an append-only, fsynced journal of batches the database
could not take (down or too slow), so they can be acknowledged anyway and
written later.

Files: ``<dir>/seg-<000001>.spool``, appended in order; a new segment starts
when the current one passes ``segment_bytes``. Each record::

    b"US" | length (u32 BE) | CRC32 of the payload (u32 BE) | payload

where the payload is one batch as msgpack (``SpoolBatch``). ``append`` writes
one record and fsyncs the file (and the directory when it created a file)
before it returns: only then may the batch's records be acknowledged.

Recovery: a crash can leave a torn record at the end of the newest segment;
``open`` finds the last whole record (length and CRC verify) and cuts the file
there. A bad record inside an older segment means the disk lost data we had
fsynced: that segment is moved to ``corrupt/`` and reported, never dropped.

Quota: ``would_exceed(n)`` tells the caller that appending n more bytes would
pass ``quota_bytes``; the caller then stops acknowledging (the batch stays in
memory, the queue fills, reading pauses) instead of losing anything.

All methods are synchronous file IO; the async wrapper runs them in a thread.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib
from datetime import datetime
from pathlib import Path
from typing import Iterator, Sequence

import msgspec

from protocols import Event, Position

__all__ = ["Spool", "SpoolBatch", "SpoolCorrupt"]

log = logging.getLogger(__name__)

MAGIC = b"US"
_HEADER = struct.Struct(">2sII")
_MAX_RECORD = 256 * 1024 * 1024


class SpoolBatch(msgspec.Struct, frozen=True, kw_only=True):
    received_at: datetime
    positions: list[Position] = []
    events: list[Event] = []
    #: (transport, raw frame) per record, for the quarantine (absent in old segments)
    p_frames: list[tuple[str, bytes] | None] = []
    e_frames: list[tuple[str, bytes] | None] = []

    @property
    def frames(self) -> tuple[list, list]:
        return self.p_frames, self.e_frames


class SpoolCorrupt(Exception):
    pass


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(SpoolBatch).decode


def frame(batch: SpoolBatch) -> bytes:
    payload = _encode(batch)
    return _HEADER.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload


def scan(data: bytes) -> tuple[list[SpoolBatch], int]:
    """The whole records at the start of ``data`` and the offset after the last one."""
    out: list[SpoolBatch] = []
    offset = 0
    while offset + _HEADER.size <= len(data):
        magic, length, crc = _HEADER.unpack_from(data, offset)
        end = offset + _HEADER.size + length
        if magic != MAGIC or length > _MAX_RECORD or end > len(data):
            break
        payload = data[offset + _HEADER.size:end]
        if zlib.crc32(payload) != crc:
            break
        try:
            out.append(_decode(payload))
        except msgspec.DecodeError:
            break
        offset = end
    return out, offset


class Spool:
    def __init__(self, directory: str | os.PathLike[str], *, quota_bytes: int = 1 << 30,
                 segment_bytes: int = 64 << 20) -> None:
        self.dir = Path(directory)
        self.quota_bytes = quota_bytes
        self.segment_bytes = segment_bytes
        self._current: Path | None = None
        self._fd: int | None = None
        self.bytes = 0
        self.cut_bytes = 0  # torn tail bytes removed at open

    # -- lifecycle -----------------------------------------------------------
    def open(self) -> "Spool":
        self.dir.mkdir(parents=True, exist_ok=True)
        segments = self.segments()
        for path in segments[:-1]:
            self._verify_sealed(path)
        segments = self.segments()
        if segments:
            self._recover_tail(segments[-1])
        self.bytes = sum(p.stat().st_size for p in self.segments())
        return self

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._current = None

    def _recover_tail(self, path: Path) -> None:
        data = path.read_bytes()
        _, good = scan(data)
        if good < len(data):
            log.warning("spool: cutting a torn tail of %d bytes from %s", len(data) - good, path.name)
            self.cut_bytes += len(data) - good
            with open(path, "r+b") as handle:
                handle.truncate(good)
                handle.flush()
                os.fsync(handle.fileno())
        if good == 0:
            path.unlink()

    def _verify_sealed(self, path: Path) -> None:
        data = path.read_bytes()
        _, good = scan(data)
        if good != len(data):
            corrupt = self.dir / "corrupt"
            corrupt.mkdir(exist_ok=True)
            path.rename(corrupt / path.name)
            log.error("spool: %s is damaged at byte %d of %d; moved to %s for inspection",
                      path.name, good, len(data), corrupt)

    # -- state ---------------------------------------------------------------
    def segments(self) -> list[Path]:
        return sorted(self.dir.glob("seg-*.spool"))

    def corrupt_segments(self) -> list[Path]:
        """Segments found damaged (moved aside at open, never dropped)."""
        return sorted((self.dir / "corrupt").glob("seg-*.spool"))

    @property
    def empty(self) -> bool:
        return self.bytes == 0

    def would_exceed(self, n: int) -> bool:
        return self.bytes + n > self.quota_bytes

    # -- writing -------------------------------------------------------------
    def append(self, positions: Sequence[Position], events: Sequence[Event],
               received_at: datetime, frames: tuple[Sequence, Sequence] | None = None) -> int:
        """Write one batch and fsync it; returns the bytes written."""
        p_frames, e_frames = frames if frames is not None else ((), ())
        record = frame(SpoolBatch(received_at=received_at, positions=list(positions),
                                  events=list(events), p_frames=list(p_frames),
                                  e_frames=list(e_frames)))
        if self.would_exceed(len(record)):
            raise SpoolFull(f"spool quota of {self.quota_bytes} bytes reached")
        fd = self._writable(len(record))
        view = memoryview(record)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        self.bytes += len(record)
        return len(record)

    def _writable(self, incoming: int) -> int:
        if self._fd is not None and self._current is not None:
            if os.fstat(self._fd).st_size + incoming <= self.segment_bytes:
                return self._fd
            self.close()
        segments = self.segments()
        number = int(segments[-1].stem.split("-")[1]) + 1 if segments else 1
        path = self.dir / f"seg-{number:06d}.spool"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._current = path
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new file's name is durable too
        finally:
            os.close(dir_fd)
        return self._fd

    # -- draining ------------------------------------------------------------
    def seal(self) -> None:
        """Close the current segment so the next append starts a new one."""
        self.close()

    def sealed_segments(self) -> list[Path]:
        return [p for p in self.segments() if p != self._current]

    def read(self, path: Path) -> Iterator[SpoolBatch]:
        batches, _ = scan(path.read_bytes())
        return iter(batches)

    def remove(self, path: Path) -> None:
        size = path.stat().st_size
        path.unlink()
        self.bytes = max(0, self.bytes - size)


class SpoolFull(Exception):
    """Appending would pass the quota: do not acknowledge, keep the batch."""
