"""The embedded database of `roster serve`: shared with the operator's commands while the
server runs, ended with the server even after a SIGKILL, and restarted when it dies."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from server.embedded import answers
from tests.e2e.processes import (
    RosterServer,
    descendants,
    free_port,
    kill_all,
    processes_mentioning,
    roster_environment,
    run_roster,
    running_roster,
    venv_script,
    wait_gone,
)
from tests.e2e.test_readiness import wait_for_status
from tests.e2e.test_restart import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CREATE_USER,
    CSRF,
    ORG,
    graphql,
    signed_in,
)

pytestmark = pytest.mark.e2e

# The requirement: after a kill -9, `roster serve` on the same directory is ready
# again within this.
RESTART_BOUND_SECONDS = 10.0
WRITERS = 3
WRITES_PER_WRITER = 30  # with the admin, within one page of 100


def database_child(server: RosterServer) -> tuple[int, str]:
    databases = {
        pid: line for pid, line in descendants(server.process.pid).items() if "secantusd-py" in line
    }
    assert len(databases) == 1, databases
    [(pid, line)] = databases.items()
    return pid, line


def create_admin(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_roster(
        "create-admin",
        "--org",
        ORG,
        "--email",
        ADMIN_EMAIL,
        "--password",
        ADMIN_PASSWORD,
        "--data-dir",
        str(data_dir),
    )


def test_commands_use_the_database_of_the_running_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_roster(data_dir, tmp_path / "roster.log") as server:
        record = json.loads((data_dir / "roster-server.json").read_text())
        assert record["pid"] == server.process.pid, record
        assert record["public_url"] == server.base_url, record

        created = create_admin(data_dir)
        assert created.returncode == 0, f"{created.stdout}\n{created.stderr}"
        assert f"admin {ADMIN_EMAIL} created" in created.stdout, created.stdout
        assert f"using the database of roster serve (pid {server.process.pid})" in created.stderr
        assert "starting the embedded database" not in created.stderr, created.stderr

        # A second command, and the token endpoint is the running server's, not port 8000.
        client = run_roster(
            "api-client",
            "create",
            "--org",
            ORG,
            "--name",
            "crm",
            "--scope",
            "users:read",
            "--data-dir",
            str(data_dir),
        )
        assert client.returncode == 0, f"{client.stdout}\n{client.stderr}"
        assert f"token endpoint: {server.base_url}/oauth/token" in client.stdout, client.stdout

        with signed_in(server) as admin:
            me = graphql(admin, "{ me { email } }", {})
            assert me["me"] == {"email": ADMIN_EMAIL}
        # Still only the server's own database on the directory.
        assert len(processes_mentioning(str(data_dir / "db"))) == 1
    assert not (data_dir / "roster-server.json").exists(), "the record outlived a clean stop"


def test_a_killed_server_takes_its_database_along_and_starts_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "roster.log"
    with running_roster(data_dir, log, expected_code=-signal.SIGKILL) as server:
        database = dict([database_child(server)])
        server.process.kill()
        server.process.wait(timeout=10)
        left = wait_gone(database)
        assert left == {}, f"the database outlived a SIGKILL of roster serve: {left}"
        assert processes_mentioning(str(data_dir)) == {}
        # The record of the killed server is stale: the next start must not trust it.
        assert (data_dir / "roster-server.json").exists()

    started = time.monotonic()
    with running_roster(data_dir, log, ready_timeout=RESTART_BOUND_SECONDS) as server:
        took = time.monotonic() - started
        print(f"ready {took:.1f} s after a kill -9 of the previous server")
        assert database_child(server)
        created = create_admin(data_dir)
        assert created.returncode == 0, f"{created.stdout}\n{created.stderr}"


def test_a_second_server_on_the_same_directory_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_roster(data_dir, tmp_path / "roster.log") as server:
        second = subprocess.run(
            [str(venv_script("roster")), "serve", "--port", "1", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=roster_environment(),
            timeout=60,
            check=False,
        )
        assert second.returncode != 0
        assert f"roster serve (pid {server.process.pid}" in second.stderr, second.stderr
        assert "already runs on" in second.stderr, second.stderr
        assert "Traceback" not in second.stderr, second.stderr


def test_a_killed_database_is_restarted_and_keeps_every_acknowledged_write(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    created = create_admin(data_dir)
    assert created.returncode == 0, created.stderr
    with running_roster(data_dir, tmp_path / "roster.log") as server:
        acknowledged: list[str] = []
        lock = threading.Lock()
        first_write = threading.Event()

        def write(writer: int, admin: httpx.Client) -> None:
            for n in range(WRITES_PER_WRITER):
                email = f"w{writer}-{n}@acme.example"
                variables = {"input": {"firstName": "W", "lastName": "N", "email": email}}
                try:
                    response = admin.post(
                        "/graphql",
                        json={"query": CREATE_USER, "variables": variables},
                        headers=CSRF,
                    )
                except httpx.TransportError:
                    continue
                first_write.set()
                if response.status_code != 200:
                    assert response.status_code == 503, response.text
                    assert response.headers["retry-after"], response.headers
                    continue
                body = response.json()
                if body.get("errors") or body["data"]["createUser"]["userErrors"]:
                    continue
                with lock:
                    acknowledged.append(email)

        sessions = contextlib.ExitStack()
        admins = [sessions.enter_context(signed_in(server)) for _ in range(WRITERS)]
        writers = [threading.Thread(target=write, args=(w, admins[w])) for w in range(WRITERS)]
        for thread in writers:
            thread.start()
        assert first_write.wait(60)
        statuses: list[int] = []
        watching = threading.Event()

        def watch_readiness() -> None:
            with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
                while not watching.is_set():
                    statuses.append(client.get("/readyz").status_code)
                    time.sleep(0.05)

        watcher = threading.Thread(target=watch_readiness)
        watcher.start()
        pid, _ = database_child(server)
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        try:
            with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
                deadline = time.monotonic() + 60
                while 503 not in statuses and time.monotonic() < deadline:
                    time.sleep(0.05)
                wait_for_status(client, "/readyz", 200, timeout=60)
                print(f"ready again {time.monotonic() - killed_at:.1f} s after the SIGKILL")
        finally:
            watching.set()
            watcher.join(timeout=30)
        assert 503 in statuses, statuses
        for thread in writers:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in writers)
        sessions.close()

        new_pid, _ = database_child(server)
        assert new_pid != pid
        assert "restarting it in" in server.log_path.read_text()
        assert acknowledged, "no write was acknowledged"
        with signed_in(server) as admin:
            found = graphql(
                admin,
                "{ users(first: 100) { edges { node { email } } } }",
                {},
            )
            emails = {edge["node"]["email"] for edge in found["users"]["edges"]}
        missing = set(acknowledged) - emails
        assert not missing, f"acknowledged writes lost: {sorted(missing)}"


def test_an_orphaned_database_holding_the_directory_is_stopped_with_a_message(
    tmp_path: Path,
) -> None:
    """What a server killed before it could stop its database (an older Roster) left."""
    data_dir = tmp_path / "data"
    storage = (data_dir / "db").resolve()
    storage.mkdir(parents=True)
    port = free_port()
    orphan_command = (
        f"'{venv_script('secantusd-py')}' --storage-path '{storage}' --host 127.0.0.1"
        f" --port {port} --log-level WARNING >/dev/null 2>&1 &"
    )
    # The shell exits at once: its background child is handed to init, an orphan.
    subprocess.run(["sh", "-c", orphan_command], check=True, timeout=30)
    orphans: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not answers(
            f"mongodb://127.0.0.1:{port}/?directConnection=true"
        ):
            time.sleep(0.2)
        orphans = processes_mentioning(str(storage))
        assert len(orphans) == 1, orphans

        with running_roster(data_dir, tmp_path / "roster.log") as server:
            log = server.log_path.read_text()
            [pid] = orphans
            assert f"the embedded database (pid {pid}) of a Roster that is gone" in log, log
            assert wait_gone(orphans) == {}
            assert database_child(server)
    finally:
        kill_all(orphans)
