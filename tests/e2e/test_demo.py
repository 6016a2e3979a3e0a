"""`roster serve --demo`: SSO works out of the box, with no outside service, and keeps
working when the demo is started again on the same data directory."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.processes import free_port

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def running_demo(port: int, data_dir: Path, log_path: Path) -> Iterator[str]:
    """`roster serve --demo`, ready; yields the login link it prints."""
    roster = Path(sys.executable).with_name("roster")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(roster), "serve", "--demo", "--port", str(port), "--data-dir", str(data_dir)],
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
        yield login_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert "Traceback" not in log_path.read_text()


ME = "{ me { id email source roles } }"


def sign_in(login_url: str, port: int, person: str, query: str = ME) -> tuple[dict[str, Any], str]:
    """One SSO sign-in through the demo provider's form, then `query` as that person:
    (its data, the provider's origin)."""
    with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as at_provider:
        start = browser.get(login_url)
        assert start.status_code == 303
        authorize = start.headers["location"]
        assert at_provider.get(authorize).status_code == 200
        back = at_provider.post(authorize, data={"sub": person})
        done = browser.get(back.headers["location"])
        assert done.status_code == 303, done.text
        # The console's admin, signed in.
        assert done.headers["location"] == f"http://127.0.0.1:{port}/admin/users"
        assert browser.cookies, "no session after the SSO sign-in"
        me = browser.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": query},
            headers={"X-Roster-Request": "1"},
        ).json()
    parts = urlsplit(authorize)
    return me["data"], f"{parts.scheme}://{parts.netloc}"


ADMIN_VIEW = (
    "{ me { id email source roles }"
    ' integration(key: "crm") { name unlinkedAccounts { totalCount }'
    ' grace: unlinkedAccounts(search: "grace") { edges { node { matchingUser { email } } } } } }'
)


def test_demo_signs_in_through_its_own_provider(tmp_path: Path) -> None:
    port = free_port()
    with running_demo(port, tmp_path / "d", tmp_path / "demo.log") as login_url:
        assert login_url.startswith(f"http://127.0.0.1:{port}/auth/demo/login?provider=")
        me = sign_in(login_url, port, "grace")[0]["me"]
        admin_sees = sign_in(login_url, port, "admin", ADMIN_VIEW)[0]
    admin = admin_sees["me"]
    assert (me["email"], me["source"]) == ("grace@demo.example", "SSO")
    # The demo CRM's accounts, for the Integrations screens: all six wait for an admin, and
    # Grace's matches the user her first sign-in made, so the Unlinked tab offers Link.
    crm = admin_sees["integration"]
    assert crm["name"] == "Demo CRM"
    assert crm["unlinkedAccounts"]["totalCount"] == 6
    assert [edge["node"]["matchingUser"] for edge in crm["grace"]["edges"]] == [
        {"email": "grace@demo.example"}
    ]
    # The demo's admin signs in through SSO too, onto its own user: the admin pages are theirs.
    assert admin["email"] == "admin@demo.example"
    assert "ADMIN" in admin["roles"]


def test_the_demo_started_again_signs_the_same_people_in(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "d", free_port()
    with running_demo(port, data_dir, tmp_path / "first.log") as login_url:
        first_data, provider = sign_in(login_url, port, "ada")
        first = first_data["me"]

    # Started again: the provider comes back on its port, so its issuer is the same.
    with running_demo(port, data_dir, tmp_path / "second.log") as login_url:
        again_data, provider_again = sign_in(login_url, port, "ada")
        again = again_data["me"]
    assert (again["id"], provider_again) == (first["id"], provider)

    # Its port taken meanwhile: the provider moves, and ada is still ada.
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", urlsplit(provider).port or 0))
        with running_demo(port, data_dir, tmp_path / "third.log") as login_url:
            moved_data, provider_moved = sign_in(login_url, port, "ada")
            moved = moved_data["me"]
    assert provider_moved != provider
    assert moved["id"] == first["id"]
