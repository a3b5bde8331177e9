"""The decode command as the contract (../shared/contracts/decode-cli.md) says."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from gateway.cli.decode import DecodeUsageError, run_decode
from protocols import Fix
from protocols.registry import get as get_protocol

FIX = Fix(time=datetime(2025, 5, 20, 10, 20, 30, tzinfo=timezone.utc), lat=54.94535, lon=24.01762,
          speed_kmh=12.0, course_deg=270.0, satellites=9)


def decode(lines: list[str], protocol: str = "gt06", **kw) -> list[dict]:
    out = io.BytesIO()
    assert run_decode(protocol, kw.pop("transport", "tcp"), kw.pop("framed", False),
                      kw.pop("assume_device", None), kw.pop("now", None), lines, out, **kw) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def gt06_session() -> tuple[bytes, bytes]:
    device = get_protocol("gt06").device("864717003283581")
    return device.hello(), device.encode_fixes([FIX]).data


def test_one_object_per_line_with_session_state() -> None:
    login, location = gt06_session()
    results = decode([login.hex(), location.hex().upper()])
    assert len(results) == 2
    assert results[0]["positions"] == [] and results[0]["error"] is None
    assert results[0]["reply"] is not None and results[0]["reply"].startswith("78780501")
    position = results[1]["positions"][0]
    assert position["device_id"] == "864717003283581" and position["protocol"] == "gt06"
    assert position["fix_time"] == "2025-05-20T10:20:30.000Z"
    assert (position["lat"], position["lon"]) == (pytest.approx(54.94535, abs=1e-6),
                                                  pytest.approx(24.01762, abs=1e-6))
    assert position["speed_kmh"] == 12.0 and position["course_deg"] == 270.0
    assert position["valid"] is True
    assert results[1]["reply"].startswith("787805") and results[1]["error"] is None


def test_without_login_no_records_unless_assumed() -> None:
    _, location = gt06_session()
    assert decode([location.hex()])[0]["positions"] == []
    assumed = decode([location.hex()], assume_device="000000000000000")[0]["positions"]
    assert [p["device_id"] for p in assumed] == ["000000000000000"]


def test_stream_chunks_stay_buffered_until_a_frame_completes() -> None:
    login, location = gt06_session()
    stream = login + location
    cut = len(login) + 5
    results = decode([stream[:cut].hex(), stream[cut:].hex()])
    assert results[0]["positions"] == [] and results[0]["reply"] is not None
    assert len(results[1]["positions"]) == 1


def test_a_bad_line_never_stops_the_command() -> None:
    login, location = gt06_session()
    results = decode([login.hex(), "zz-not-hex", location.hex()], framed=True)
    assert results[1]["error"] == "invalid hex input line" and results[1]["positions"] == []
    assert len(results[2]["positions"]) == 1


def test_framed_garbage_reports_an_error_and_later_lines_decode() -> None:
    login, location = gt06_session()
    results = decode([login.hex(), "78780d01ffff", location.hex()], framed=True)
    assert results[1]["error"] and results[1]["positions"] == [] and results[1]["reply"] is None
    assert len(results[2]["positions"]) == 1


def test_unknown_protocol_and_transport_are_usage_errors() -> None:
    with pytest.raises(DecodeUsageError, match="unknown protocol"):
        decode([], protocol="nosuch")
    with pytest.raises(DecodeUsageError, match="not supported over udp"):
        decode([], protocol="gt06", transport="udp")


def test_t55_is_an_alias_of_nmea() -> None:
    line = b"$GPRMC,102030.000,A,5456.7210,N,02401.0572,E,6.48,270.00,200525,,*00"
    results = decode([b"$PGID,123456789012345*0F".hex(), line.hex()], protocol="t55", framed=True)
    assert results[1]["positions"][0]["protocol"] == "nmea"
    assert results[1]["positions"][0]["device_id"] == "123456789012345"


def test_command_line_exit_status_and_light_start_up() -> None:
    run = subprocess.run([sys.executable, "-m", "gateway.cli", "decode", "--protocol", "nosuch"],
                         input="", capture_output=True, text=True)
    assert run.returncode == 2 and "unknown protocol" in run.stderr
    probe = ("import sys, io; from gateway.cli import main; sys.stdin = io.StringIO('');"
             "main(['decode', '--protocol', 'gt06']);"
             "heavy = [m for m in ('asyncpg', 'aiohttp', 'psycopg', 'uvloop', 'asyncio', 'storage')"
             " if m in sys.modules]; print(heavy)")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_model_flag_decodes_a_heartbeat_with_the_model_family() -> None:
    from protocols.gt06 import device as gt06_device
    from protocols.gt06._device_messages import encode_status

    lines = [gt06_device.encode_login("864717003283581", 1).hex(),
             encode_status(2, alarm=0x00, language=0x7C).hex()]  # LW*: 00 7C is 12.4 V
    base = {"status": 70, "ignition": True, "charge": True, "blocked": False, "armed": False,
            "batteryLevel": 100, "rssi": 4}
    now = "2024-01-01T00:00:00Z"
    without = decode(lines, now=now)[1]["events"]
    with_model = decode(lines, now=now, model="LW4G")[1]["events"]
    assert [e["attributes"] for e in without] == [base]
    assert [e["attributes"] for e in with_model] == [{**base, "power": 12.4}]
    assert with_model[0]["type"] == without[0]["type"] == "status"


def test_model_flag_refused_for_a_protocol_without_models() -> None:
    with pytest.raises(DecodeUsageError, match="h02 do not depend on the device model"):
        decode(["2a48512c"], protocol="h02", model="LW4G")
    run = subprocess.run([sys.executable, "-m", "gateway.cli", "decode", "--protocol", "h02",
                          "--model", "X", "-"], input="", capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr == "uvis-gateway decode: --model: the meanings of h02 do not depend on the " \
                         "device model\n"
