"""A device's fixes over a range as JSON, GeoJSON, CSV or GPX, streamed: the
range is read in pages by its exact key (fix time), each page encoded and sent
before the next is read, so a month of fixes never sits in memory. JSON and
GeoJSON pages are built by PostgreSQL (json_agg), CSV and GPX here."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import AsyncIterator, Callable
from xml.sax.saxutils import escape

import msgspec

from storage.api_store import ApiPosition, ApiStore

__all__ = ["FORMATS", "MEDIA_TYPES", "export", "PAGE"]

PAGE = 5000
_encode = msgspec.json.Encoder().encode

MEDIA_TYPES = {
    "json": "application/json",
    "geojson": "application/geo+json",
    "csv": "text/csv",  # Litestar adds "; charset=utf-8"
    "gpx": "application/gpx+xml",
}
FORMATS = tuple(MEDIA_TYPES)

CSV_COLUMNS = ("device_id", "protocol", "fix_time", "valid", "lat", "lon", "altitude_m", "speed_kmh",
               "course_deg", "satellites", "hdop", "attributes")


async def _pages(store: ApiStore, device_id: str, start: datetime, end: datetime
                 ) -> AsyncIterator[list[ApiPosition]]:
    after = None
    while True:
        rows = await store.track(device_id, start=start, end=end, after=after, limit=PAGE)
        if rows:
            yield rows
        if len(rows) < PAGE:
            return
        after = rows[-1].fix_time


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _encode(value)[1:-1].decode()
    if isinstance(value, dict):
        return _encode(value).decode()
    return value


def _csv_page(rows: list[ApiPosition], first: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if first:
        writer.writerow(CSV_COLUMNS)
    for p in rows:
        writer.writerow([_csv_value(getattr(p, c)) for c in CSV_COLUMNS])
    return out.getvalue().encode()


def _gpx_page(rows: list[ApiPosition], first: bool) -> bytes:
    parts = []
    for p in rows:
        time = _encode(p.fix_time)[1:-1].decode()
        ele = f"<ele>{p.altitude_m!r}</ele>" if p.altitude_m is not None else ""
        parts.append(f'<trkpt lat="{p.lat!r}" lon="{p.lon!r}">{ele}<time>{time}</time></trkpt>\n')
    return "".join(parts).encode()


_PAGE_ENCODERS: dict[str, Callable[[list[ApiPosition], bool], bytes]] = {
    "csv": _csv_page, "gpx": _gpx_page}


def _head_tail(fmt: str, device_id: str) -> tuple[bytes, bytes]:
    if fmt == "json":
        return b"[", b"]"
    if fmt == "geojson":
        return b'{"type":"FeatureCollection","features":[', b"]}"
    if fmt == "gpx":
        return (('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="uvis-gateway" '
                 'xmlns="http://www.topografix.com/GPX/1/1">\n<trk><name>'
                 f"{escape(device_id)}</name><trkseg>\n").encode(), b"</trkseg></trk>\n</gpx>\n")
    return b"", b""


#: an export's range is read as this many consecutive time slices; the first page of
#: the next slice is built while the current slice is sent (PostgreSQL on another core)
SLICES = 8


async def _json_pages(store: ApiStore, device_id: str, start: datetime, end: datetime, shape: str
                      ) -> AsyncIterator[bytes]:
    """JSON arrays' contents, page by page, as PostgreSQL builds them. At most
    three pages are being built or held at once: the next page of this slice
    and the first page of the next slice, while this one is sent."""
    import asyncio

    step = (end - start) / SLICES
    bounds = [start + step * i for i in range(SLICES)] + [end]
    slices = [(bounds[i], bounds[i + 1]) for i in range(SLICES) if bounds[i] < bounds[i + 1]]

    def fetch(t0: datetime, t1: datetime, after: datetime | None) -> "asyncio.Future":
        return asyncio.ensure_future(store.track_json(device_id, start=t0, end=t1, after=after,
                                                      limit=PAGE, shape=shape))

    pending: list[asyncio.Future] = []
    first = True
    try:
        upcoming = fetch(*slices[0], None) if slices else None
        for index, (t0, t1) in enumerate(slices):
            current = upcoming
            upcoming = fetch(*slices[index + 1], None) if index + 1 < len(slices) else None
            pending = [f for f in (current, upcoming) if f is not None]
            while current is not None:
                count, last, body = await current
                current = fetch(t0, t1, last) if count == PAGE else None
                pending = [f for f in (current, upcoming) if f is not None]
                if count:
                    yield body[1:-1] if first else b"," + body[1:-1]
                    first = False
    finally:
        for future in pending:  # the client went away: leave no query behind
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def export(store: ApiStore, fmt: str, device_id: str, start: datetime,
                 end: datetime) -> AsyncIterator[bytes]:
    """The byte chunks of one export (``fmt`` in FORMATS)."""
    head, tail = _head_tail(fmt, device_id)
    if fmt in ("json", "geojson"):
        yield head
        async for chunk in _json_pages(store, device_id, start, end,
                                       "position" if fmt == "json" else "feature"):
            yield chunk
        yield tail
        return
    encode = _PAGE_ENCODERS[fmt]
    yield head
    first = True
    async for rows in _pages(store, device_id, start, end):
        yield encode(rows, first)
        first = False
    if first and fmt == "csv":
        yield encode([], True)
    yield tail


