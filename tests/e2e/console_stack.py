"""The console end to end: the built console (once per session), a real `roster serve` on the
embedded database with a real SMTP server (aiosmtpd) for its mail, an admin made by `roster
create-admin`, and tests/e2e/browser/console.mjs to click and type through the pages in
Debian's chromium (Playwright) with axe-core on every screen.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.console_build import console_dir, ensure_console_built
from tests.e2e.processes import (
    RosterServer,
    create_admin,
    free_port,
    roster_environment,
    running_roster,
)
from tests.e2e.sso_stack import graphql, node_with_packages
from tests.integration.mailbox import SmtpServer

BROWSER_DIR = Path(__file__).parent / "browser"
CONSOLE_SCRIPT = BROWSER_DIR / "console.mjs"
CHROMIUM = Path("/usr/bin/chromium")
SCRIPT_TIMEOUT_SECONDS = 90.0
STEP_TIMEOUT_MS = 15_000
MAIL_TIMEOUT_SECONDS = 30.0

ORG = "acme"
ADMIN_EMAIL = "ada@acme.example"
ADMIN_PASSWORD = "correct horse battery staple"


@functools.cache
def node_and_console() -> str:
    """`node` with the browser packages installed, and the console built (once a session)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    node = node_with_packages(BROWSER_DIR, "playwright-core")
    node_with_packages(BROWSER_DIR, "axe-core")
    node_with_packages(BROWSER_DIR, "jsqr")
    log = Path(console_dir() / "dist-build.log")
    with log.open("w") as out:
        built = ensure_console_built(
            environ=roster_environment({"ROSTER_CONSOLE_BUILD": "auto"}), out=out
        )
    assert built, f"the console did not build:\n{log.read_text()}"
    return node


@dataclass
class ConsoleStack:
    roster: RosterServer
    smtp: SmtpServer
    node: str
    shots: Path

    @contextlib.contextmanager
    def admin(self) -> Iterator[httpx.Client]:
        """An httpx client signed in as the admin (cookie session, CSRF header on posts)."""
        with httpx.Client(base_url=self.roster.base_url, timeout=30.0) as client:
            signed = self.gql(
                client,
                SIGN_IN,
                {"input": {"organization": ORG, "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}},
            )["signIn"]
            assert signed["userErrors"] == [], signed
            yield client

    def gql(self, client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return graphql(client, query, variables)

    def create_user(self, admin: httpx.Client, first: str, email: str, **more: Any) -> str:
        """A user made through createUser (no invitation unless `more` asks); their id."""
        draft: dict[str, Any] = {"firstName": first, "lastName": "Example", "email": email}
        draft |= {"sendInvitation": False, **more}
        created = self.gql(admin, CREATE_USER, {"input": draft})["createUser"]
        assert created["userErrors"] == [], created
        user_id: str = created["user"]["id"]
        return user_id

    def mail_link(self, to: str, path: str, count: int = 1) -> str:
        """The link to `path` in the `count`-th email to `to` (waits for it, bounded)."""
        pattern = (
            re.escape(f"{self.roster.base_url}{path}?organization={ORG}#token=")
            + r"[A-Za-z0-9_\-]+"
        )

        def links(messages: list[EmailMessage]) -> list[str]:
            return [
                found.group(0)
                for message in messages
                if to in str(message["To"]) and (found := re.search(pattern, text_of(message)))
            ]

        try:
            messages = self.smtp.inbox.wait_until(
                lambda got: len(links(got)) >= count, MAIL_TIMEOUT_SECONDS
            )
        except AssertionError as missing:
            raise AssertionError(f"{missing} (to {to}, {path})\n{self.roster.log()}") from None
        return links(messages)[count - 1]

    def browse(self, steps: list[dict[str, Any]]) -> dict[str, Any]:
        """Runs the steps in a fresh browser; the report (fails the test when a step failed)."""
        steps_file = self.shots / f"steps-{time.monotonic_ns()}.json"
        steps_file.write_text(json.dumps(steps))
        try:
            completed = subprocess.run(
                [
                    self.node,
                    str(CONSOLE_SCRIPT),
                    "--base",
                    self.roster.base_url,
                    "--steps",
                    str(steps_file),
                    "--shots",
                    str(self.shots),
                    "--executable",
                    str(CHROMIUM),
                    "--timeout-ms",
                    str(STEP_TIMEOUT_MS),
                ],
                cwd=BROWSER_DIR,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=SCRIPT_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            pytest.fail(f"console.mjs ran past {SCRIPT_TIMEOUT_SECONDS:.0f}s: {error.stdout!r}")
        assert completed.stdout.strip(), f"console.mjs printed nothing:\n{completed.stderr}"
        report: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
        assert completed.returncode == 0 and "error" not in report, (
            f"the browser story failed:\n{json.dumps(report, indent=2)}\n{completed.stderr}"
            f"\n{self.roster.log()}"
        )
        assert report["csp"] == [], report["csp"]
        assert report["blocked"] == [], report["blocked"]
        return report


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain", "html"))
    assert part is not None
    return str(part.get_content())


def assert_accessible(report: dict[str, Any]) -> None:
    """axe-core found no serious or critical problem on any screen the story checked."""
    screens = {name: found for name, found in report["axe"].items() if ":" not in name}
    assert screens, "the story checked no screen"
    assert all(found == [] for found in screens.values()), json.dumps(screens, indent=2)


@contextlib.contextmanager
def console_stack(tmp_path: Path) -> Iterator[ConsoleStack]:
    node = node_and_console()
    data_dir = tmp_path / "data"
    shots = tmp_path / "screens"
    shots.mkdir()
    smtp = SmtpServer(free_port())
    smtp.start()
    try:
        with running_roster(
            data_dir,
            tmp_path / "roster.log",
            environ={"ROSTER_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}"},
        ) as roster:
            create_admin(data_dir, ORG, ADMIN_EMAIL, ADMIN_PASSWORD)
            yield ConsoleStack(roster=roster, smtp=smtp, node=node, shots=shots)
    finally:
        smtp.stop()


SIGN_IN = """
mutation ($input: SignInInput!) {
  signIn(input: $input) { user { id } userErrors { code message } }
}
"""
CREATE_USER = """
mutation ($input: CreateUserInput!) {
  createUser(input: $input) { user { id } userErrors { code message } }
}
"""
INVITE_USER = """
mutation ($input: InviteUserInput!) {
  inviteUser(input: $input) { userErrors { code message } }
}
"""
CONFIGURE_PROVIDER = """
mutation ($input: IdentityProviderInput!) {
  configureIdentityProvider(input: $input) { identityProvider { id } userErrors { code message } }
}
"""
SET_ONE_TIME_PASSWORD = """
mutation ($input: SetOneTimePasswordInput!) {
  setOneTimePassword(input: $input) { userErrors { code message } }
}
"""
