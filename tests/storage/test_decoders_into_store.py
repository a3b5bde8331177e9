"""Every protocol's decoder output, from its device encoder with extreme
values and from mutated and random bytes, goes through the real PostgresStore:
it is stored, repaired or quarantined, and the write never raises."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from protocols import Fix, ProtocolError
from protocols._connection import ConnectionOptions
from protocols.registry import NAMES, get
from storage.postgres import alarm_events
from storage.validate import validate_batch

NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
COUNTS: dict[str, list[int]] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    print("\ndecoders into the store (records, repaired, quarantined):",
          {p: c for p, c in sorted(COUNTS.items())})


def _decode_all(protocol: str, transport: str, chunks: list[bytes], device_id: str | None):
    spec = get(protocol)
    conn = spec.connection_for(transport)(device_id=device_id, options=ConnectionOptions())
    positions, events = [], []
    for chunk in chunks:
        if getattr(conn, "closed", False):  # a fatal error: the gateway closes, a new session starts
            conn = spec.connection_for(transport)(device_id=device_id, options=ConnectionOptions())
        try:
            if transport == "udp":
                decoded = [conn.receive_frame(chunk, NOW)]
            else:
                decoded = conn.feed(chunk, NOW)
        except ProtocolError:
            continue
        for d in decoded:
            positions.extend(d.positions)
            events.extend(d.events)
    return positions, events


def _store_all(sync_store, protocol: str, positions, events) -> None:
    store, run = sync_store
    result = run(store.write(positions, events, NOW))
    good, _, _, _ = validate_batch(positions, events, NOW)
    accounted = (result.positions_inserted + result.positions_merged + result.positions_duplicate
                 + result.events_inserted + result.events_duplicate + result.quarantined)
    assert accounted == len(positions) + len(events) + len(alarm_events(good))
    counts = COUNTS.setdefault(protocol, [0, 0, 0])
    counts[0] += len(positions) + len(events)
    counts[1] += result.repaired
    counts[2] += result.quarantined


_fixes = st.builds(
    Fix, time=st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30),
                           timezones=st.just(timezone.utc)).map(lambda t: t.replace(microsecond=0)),
    lat=st.floats(-90, 90), lon=st.floats(-180, 180), speed_kmh=st.floats(0, 400),
    course_deg=st.floats(0, 359), altitude_m=st.floats(-500, 9000), satellites=st.integers(0, 30),
    valid=st.booleans())


def _transport(protocol: str) -> str:
    return get(protocol).transports[0]


@pytest.mark.parametrize("protocol", NAMES)
@settings(max_examples=15)
@given(fixes=st.lists(_fixes, min_size=1, max_size=3), flips=st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(1, 255)), max_size=3),
    noise=st.binary(max_size=64))
def test_decoder_output_goes_into_the_store(sync_store, protocol, fixes, flips, noise) -> None:
    spec = get(protocol)
    transport = _transport(protocol)
    device = spec.device("860000000000123", transport=transport)
    hello = device.hello()
    chunks = [hello] if hello else []
    for fix in fixes:
        try:
            chunks.append(device.encode_fixes([fix]).data)
        except Exception:  # the device cannot express this fix (LocalProtocolError, ranges)
            continue
    mutated = []
    for chunk in chunks:
        data = bytearray(chunk)
        for offset, xor in flips:
            if data:
                data[offset % len(data)] ^= xor
        mutated.append(bytes(data))
    positions, events = _decode_all(protocol, transport, chunks + mutated + [noise],
                                    "860000000000123")
    _store_all(sync_store, protocol, positions, events)
