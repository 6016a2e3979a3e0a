"""`roster serve --demo`: SSO works out of the box, with no outside service."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import free_port

pytestmark = pytest.mark.e2e


def test_demo_signs_in_through_its_own_provider(tmp_path: Path) -> None:
    port = free_port()
    roster = Path(sys.executable).with_name("roster")
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(roster),
                "serve",
                "--demo",
                "--port",
                str(port),
                "--data-dir",
                str(tmp_path / "d"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("ROSTER_")},
                "ROSTER_CONSOLE_BUILD": "off",
            },
        )
    try:
        deadline = time.monotonic() + 60
        login_url = None
        while time.monotonic() < deadline and login_url is None:
            found = re.search(r"sign in with SSO at (\S+)", log_path.read_text())
            if found and "Uvicorn running" in log_path.read_text():
                login_url = found.group(1)
            else:
                assert process.poll() is None, log_path.read_text()
                time.sleep(0.2)
        assert login_url is not None, log_path.read_text()
        assert login_url.startswith(f"http://127.0.0.1:{port}/auth/demo/login?provider=")
        with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as at_provider:
            start = browser.get(login_url)
            assert start.status_code == 303
            authorize = start.headers["location"]
            assert at_provider.get(authorize).status_code == 200
            back = at_provider.post(authorize, data={"sub": "grace"})
            done = browser.get(back.headers["location"])
            assert done.status_code == 303
            # The console's start page, signed in.
            assert done.headers["location"] == f"http://127.0.0.1:{port}/"
            me = browser.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": "{ me { email source organization: __typename } }"},
                headers={"X-Roster-Request": "1"},
            ).json()
            assert me["data"]["me"]["email"] == "grace@demo.example"
            assert me["data"]["me"]["source"] == "SSO"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert "Traceback" not in log_path.read_text()
