"""No record stops the line, none with new information is thrown away: the
storage boundary repairs, quarantines and merges, on the real database."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

import storage.postgres
from protocols import Event, Position
from storage.base import WriteResult
from storage.postgres import alarm_events
from storage.quarantine import decode_record
from storage.validate import validate_batch

from _storage_helpers import T0, ev, pos

R1 = T0 + timedelta(minutes=1)


async def _quarantine(store):
    return await store.pool.fetch(
        "SELECT kind, protocol, transport, device_id, reason, record, raw FROM quarantine ORDER BY id")


async def test_values_postgresql_refuses_are_repaired_and_named(store) -> None:
    bad = pos(second=1, speed_kmh=1e39, satellites=40_000, hdop=math.nan,
              attributes={"text": "a\x00b", "n": math.inf, "ok": 1, 7: "int key"})
    result = await store.write([bad], [ev(type="sos\x00")], R1)
    assert result == WriteResult(positions_inserted=1, events_inserted=1, repaired=2)
    [stored] = await store.track("dev1", limit=10)
    assert (stored.speed_kmh, stored.satellites, stored.hdop) == (None, None, None)
    assert stored.attributes == {"text": "a\ufffdb", "ok": 1, "7": "int key", "invalid": [
        "attributes.n", "attributes.text", "hdop", "satellites", "speed_kmh"]}
    row = await store.pool.fetchrow("SELECT type, attributes FROM events")
    assert row["type"] == "sos\ufffd" and row["attributes"]["invalid"] == ["type"]


async def test_an_unrepairable_record_is_quarantined_with_its_frame_and_the_rest_commits(store) -> None:
    good = [pos("ok", s) for s in range(3)]
    poison = pos("a\x00b", 1)
    frames = ([("tcp", b"g0"), ("tcp", b"g1"), ("http", b"GET /?id=a%00b"), ("tcp", b"g2")], [])
    result = await store.write(good[:2] + [poison] + good[2:], [], R1, frames)
    assert result == WriteResult(positions_inserted=3, quarantined=1)
    assert (await store.counts())["positions"] == 3
    [row] = await _quarantine(store)
    assert (row["kind"], row["protocol"], row["transport"], row["device_id"]) == (
        "position", "gt06", "http", "a\ufffdb")
    assert row["reason"] == "device_id holds a NUL character"
    assert bytes(row["raw"]) == b"GET /?id=a%00b"
    assert decode_record("position", bytes(row["record"])) == poison
    # the same record again (a resend) is kept once
    assert (await store.write([poison], [], R1, ([("http", b"x")], []))).quarantined == 1
    assert len(await _quarantine(store)) == 1


async def test_out_of_range_coordinates_are_quarantined(store) -> None:
    result = await store.write([pos(second=1, lat=91.0), pos(second=2, lon=math.nan)], [], R1)
    assert result == WriteResult(quarantined=2)
    reasons = [r["reason"] for r in await _quarantine(store)]
    assert reasons == ["coordinates out of range (91.0, 114.0123)",
                       "coordinates out of range (22.54321, nan)"]


async def test_a_data_error_past_validation_splits_the_batch(store, monkeypatch) -> None:
    """The safety net: should validation miss a value, the refused row is found
    by splitting and quarantined; every other row commits."""
    monkeypatch.setattr(storage.postgres, "validate_batch",
                        lambda p, e, r, limits: (list(p), list(e), [], 0))
    records = [pos("d", s) for s in range(7)]
    poison = pos("d", 3, attributes={"t": "\x00"})
    frames = ([("tcp", bytes([s])) for s in range(7)] + [("tcp", b"poison")], [("udp", b"e")])
    result = await store.write(records + [poison], [ev("d", 1)], R1, frames)
    assert result.positions_inserted == 7 and result.events_inserted == 1
    assert result.quarantined == 1
    [row] = await _quarantine(store)
    assert bytes(row["raw"]) == b"poison" and "UntranslatableCharacter" in row["reason"]


async def test_broken_clocks_are_stored_invalid_at_the_arrival_time(store) -> None:
    future = pos("clock", 0, fix_time=R1 + timedelta(days=400))
    past = pos("clock", 0, fix_time=datetime(1999, 12, 31, tzinfo=timezone.utc))
    assert (await store.write([future], [], R1)).positions_inserted == 1
    [stored] = await store.track("clock", limit=10)
    assert (stored.fix_time, stored.valid) == (R1, False)
    assert stored.attributes["timeInvalid"] == "future"
    assert stored.attributes["deviceTime"] == future.fix_time.isoformat()
    await store.write([pos("clock", 5, fix_time=R1 + timedelta(seconds=5))], [], R1)
    [latest] = await store.latest(limit=10)
    assert latest.fix_time == R1 + timedelta(seconds=5)         # not pinned in the future
    R2 = R1 + timedelta(seconds=30)
    await store.write([past], [], R2)
    track = await store.track("clock", limit=10)
    assert [(p.fix_time, p.attributes.get("timeInvalid")) for p in track] == [
        (R1, "future"), (R1 + timedelta(seconds=5), None), (R2, "past")]


async def test_an_alarm_sharing_the_fix_time_is_kept_and_a_true_resend_absorbed(store) -> None:
    location = pos("gt", 0, attributes={"ignition": True})
    sos = pos("gt", 0, attributes={"alarm": "sos", "ignition": True})   # 0x16, same GPS block
    assert (await store.write([location], [], R1)) == WriteResult(positions_inserted=1)
    assert (await store.write([sos], [], R1)) == WriteResult(positions_merged=1, events_inserted=1)
    [stored] = await store.track("gt", limit=10)
    assert stored.attributes == {"ignition": True, "alarm": "sos"}
    row = await store.pool.fetchrow("SELECT time, type, attributes FROM events")
    assert (row["time"], row["type"]) == (T0, "alarm")
    assert row["attributes"] == {"alarm": "sos", "lat": 22.54321, "lon": 114.0123}
    # the device did not get the ACK and resends the alarm: nothing new
    assert (await store.write([sos], [], R1)) == WriteResult(positions_duplicate=1,
                                                             events_duplicate=1)
    assert await store.pool.fetchval("SELECT count(*) FROM events") == 1


async def test_distinct_events_of_one_type_in_one_second_are_all_kept(store) -> None:
    shots = [ev("cam", 0, type="alarm", attributes={"alarm": "camera", "file": f"{i}.jpg"})
             for i in range(3)]
    assert await store.write([], shots, R1) == WriteResult(events_inserted=3)
    assert (await store.write([], shots[:2] + shots[:1], R1)) == WriteResult(events_duplicate=3)
    assert await store.pool.fetchval("SELECT count(*) FROM events") == 3


async def test_a_late_resend_of_a_stored_fix_is_a_duplicate(store) -> None:
    fix = pos("late", 0)
    await store.write([fix], [], T0)
    store.late_horizon = timedelta(days=7)
    result = await store.write([fix], [], T0 + timedelta(days=30))
    assert result == WriteResult(positions_duplicate=1)
    assert await store.pool.fetchval("SELECT count(*) FROM positions_late") == 0
    news = pos("late", 0, attributes={"alarm": "tow"})
    result = await store.write([news], [], T0 + timedelta(days=30))
    assert (result.positions_inserted, result.events_inserted) == (1, 1)   # kept aside
    assert await store.move_late(10) == (1, 1)                  # then merged into the fix
    [stored] = await store.track("late", limit=10)
    assert stored.attributes["alarm"] == "tow" and stored.attributes["ignition"] is True


# -- the store fuzz --------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec=None, blacklist_categories=()), max_size=40) | \
    st.sampled_from(["\x00", "a\x00", "\ud800", "x" * 5000, ""])
_number = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10 ** 120, 10 ** 120)
_leaf = st.none() | st.booleans() | _number | _text | st.binary(max_size=8)
_attrs = st.dictionaries(_text | st.integers(), st.recursive(
    _leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=30), max_size=12)
_times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                      timezones=st.just(timezone.utc)) | st.just(T0)
_maybe_number = st.none() | _number


@st.composite
def _positions(draw) -> Position:
    return Position(
        device_id=draw(st.sampled_from(["f1", "f2"]) | _text), protocol="gt06",
        fix_time=draw(_times), valid=draw(st.booleans()),
        lat=draw(st.floats(-90, 90) | _number), lon=draw(st.floats(-180, 180) | _number),
        altitude_m=draw(_maybe_number), speed_kmh=draw(_maybe_number),
        course_deg=draw(_maybe_number), satellites=draw(st.none() | st.integers(-10 ** 6, 10 ** 6)),
        hdop=draw(_maybe_number), attributes=draw(_attrs))


@st.composite
def _events(draw) -> Event:
    return Event(device_id=draw(st.sampled_from(["f1", "f2"]) | _text), protocol="gt06",
                 time=draw(_times), type=draw(st.sampled_from(["alarm", "status"]) | _text),
                 attributes=draw(_attrs))


FUZZ = {"examples": 0, "records": 0, "quarantined": 0, "repaired": 0}


@settings(max_examples=120)
@given(positions=st.lists(_positions(), max_size=6), events=st.lists(_events(), max_size=4))
def test_store_fuzz_hostile_records_are_stored_repaired_or_quarantined(
        positions, events, fuzz_store) -> None:
    """Every hostile batch goes through the real PostgresStore: the write returns
    (never raises) and accounts for every record."""
    store, run = fuzz_store
    result = run(store.write(positions, events, R1))
    good, _, _, _ = validate_batch(positions, events, R1)
    derived = len(alarm_events(good))
    accounted = (result.positions_inserted + result.positions_merged + result.positions_duplicate
                 + result.events_inserted + result.events_duplicate + result.quarantined)
    assert accounted == len(positions) + len(events) + derived
    FUZZ["examples"] += 1
    FUZZ["records"] += len(positions) + len(events)
    FUZZ["quarantined"] += result.quarantined
    FUZZ["repaired"] += result.repaired


@pytest.fixture(scope="module")
def fuzz_store(sync_store):
    """The module's store on its own loop (hypothesis drives a sync test)."""
    yield sync_store
    print(f"\nstore fuzz: {FUZZ}")


async def test_quarantine_log_lines_are_aggregated(store, caplog) -> None:
    caplog.set_level("WARNING", logger="storage.postgres")
    for i in range(5):
        await store.write([pos(f"bad\x00{i}", i)], [], R1)
    lines = [r.getMessage() for r in caplog.records if "quarantined" in r.getMessage()]
    assert lines == ["quarantined 1 record(s) since the last report; latest: gt06 position of "
                     "'bad\ufffd0': device_id holds a NUL character (uvis-gateway quarantine list)"]
    assert store._quarantined_unlogged == 4
