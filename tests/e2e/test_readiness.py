"""/readyz follows the database; /healthz only says the process answers.

The database is an embedded SecantusDB that the test starts and stops itself, and that
`roster serve` reaches through ROSTER_MONGODB_URI, as it would reach MongoDB in production.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from server.embedded import EmbeddedDatabase
from tests.e2e.processes import processes_mentioning, running_roster

pytestmark = pytest.mark.e2e

POLL_TIMEOUT_SECONDS = 30.0


def wait_for_status(
    client: httpx.Client, path: str, status: int, timeout: float = POLL_TIMEOUT_SECONDS
) -> httpx.Response:
    """Polls GET `path` (bounded) until it answers `status`; returns that response."""
    deadline = time.monotonic() + timeout
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        last = client.get(path)
        if last.status_code == status:
            return last
        time.sleep(0.25)
    seen = f"{last.status_code} {last.text}" if last is not None else "nothing"
    raise AssertionError(f"GET {path} did not answer {status} within {timeout:.0f}s: {seen}")


def test_readyz_follows_the_database(tmp_path: Path) -> None:
    database_dir = tmp_path / "database"
    database = EmbeddedDatabase(database_dir)
    try:
        database.start()
        environ = {"ROSTER_MONGODB_URI": database.uri}
        with (
            running_roster(tmp_path / "unused", tmp_path / "roster.log", environ=environ) as server,
            httpx.Client(base_url=server.base_url, timeout=10.0) as client,
        ):
            # With a URI set, `roster serve` starts no database of its own.
            assert "starting the embedded database" not in server.log()

            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json() == {"status": "ok", "database": "ok"}
            assert client.get("/healthz").status_code == 200

            database.stop()
            assert processes_mentioning(str(database_dir)) == {}

            unavailable = wait_for_status(client, "/readyz", 503)
            assert unavailable.json()["status"] == "unavailable", unavailable.text
            healthz = client.get("/healthz")
            assert healthz.status_code == 200, healthz.text
            assert healthz.json() == {"status": "ok"}

            # The same database back on the same port: ready again, without a restart.
            database = EmbeddedDatabase(database_dir, port=database.port)
            database.start()
            wait_for_status(client, "/readyz", 200)
    finally:
        database.stop()
