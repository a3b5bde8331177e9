"""schemathesis against the running API (``uvis-gateway api``, its own
process) from its own OpenAPI document, with a valid token: no 5xx, and every
response conforms to the document (status codes, content types, headers,
bodies). Bounded and derandomized: a few examples per operation.

Checks left out, and why: ``positive_data_acceptance`` (cursors and times are
validated for their meaning, which a schema cannot say: a random string that
is a schema-valid ``after`` is still a 400) and ``allow_header_conformance``
(Litestar answers OPTIONS on a path with a GET and a PATCH handler with the
first handler's methods only), ``use_after_free`` (``DELETE /api/v1/commands/{cid}``
cancels a queued command, which stays readable in the state ``cancelled``). The SSE stream never ends, so it is tested in
test_api_live.py instead.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest
from openapi_spec_validator import validate

from tests.integration._api import T0, event, pos, token

pytestmark = pytest.mark.integration

EXAMPLES = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
        clean_database_url, store, db_pool, tmp_path) -> None:
    await store.write([pos("0", s) for s in range(3)] + [pos("860000000000001", 1)],
                      [event("0", 1)], T0)
    secret = await token(db_pool, "schemathesis", "admin")
    port = _free_port()
    config, log = tmp_path / "uvis.toml", tmp_path / "api.log"
    config.write_text("[api]\nrate_limit = 100000.0\nrate_burst = 100000\n")
    api = subprocess.Popen([sys.executable, "-m", "gateway.cli", "api", "--config", str(config),
                            "--database-url", clean_database_url, "--api-host", "127.0.0.1",
                            "--api-port", str(port), "--log-level", "WARNING"],
                           env=dict(os.environ, PYTHONUNBUFFERED="1"), stderr=log.open("w"), text=True)
    try:
        deadline = time.monotonic() + 60
        while "API ready" not in log.read_text():
            assert time.monotonic() < deadline and api.poll() is None, "the API did not start"
            time.sleep(0.1)
        import httpx

        validate(httpx.get(f"http://127.0.0.1:{port}/openapi.json").json())
        run = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "st"), "run",
             f"http://127.0.0.1:{port}/openapi.json", "-H", f"Authorization: Bearer {secret}",
             "--max-examples", str(EXAMPLES), "--generation-deterministic", "--workers", "1",
             "--checks", "all", "--exclude-checks", "positive_data_acceptance,allow_header_conformance,use_after_free",
             "--exclude-path", "/api/v1/live/sse", "--request-timeout", "20", "--no-color"],
            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    finally:
        api.terminate()
        assert api.wait(30) == 0
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    summary = run.stdout[run.stdout.find("SUMMARY"):]
    print(summary)
    assert run.returncode == 0, run.stdout[-6000:]
    tested = re.search(r"Tested: (\d+)", summary)
    generated = re.search(r"(\d+) generated", summary)
    assert tested and int(tested[1]) == 15                    # every operation but the SSE stream
    assert generated and int(generated[1]) > 100
    assert "failure" not in summary.split("Test cases:")[1].split("\n")[1]
