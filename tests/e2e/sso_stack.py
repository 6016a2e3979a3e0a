"""Roster and the OpenID-certified `oidc-provider` (npm, run with Node) as real processes,
wired together for the end-to-end SSO tests.

`sso_stack(tmp_path, node)` starts tests/e2e/oidc/provider.mjs
(waiting until its discovery document answers), starts `roster serve` with
ROSTER_PUBLIC_URL on the same loopback address, makes the admin with `roster create-admin`
while it runs, signs the admin in and configures the
provider over GraphQL. Everything is on 127.0.0.1 (never `localhost`: cookies and
redirect URIs must see one host name throughout), every wait has a deadline, and every
process is stopped on the way out, test failure or not.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.processes import RosterServer, create_admin, free_port, running_roster, tail

HERE = Path(__file__).parent
OIDC_DIR = HERE / "oidc"
PROVIDER_SCRIPT = OIDC_DIR / "provider.mjs"
HOST = "127.0.0.1"
NPM_TIMEOUT_SECONDS = 120.0
PROVIDER_READY_TIMEOUT_SECONDS = 20.0
PROVIDER_STOP_TIMEOUT_SECONDS = 10.0

ORG = "acme"
EMAIL_DOMAIN = "acme.example"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
ADMIN_PASSWORD = "correct horse battery"
CLIENT_ID = "roster-e2e"
CLIENT_SECRET = "roster-e2e-client-secret"
CSRF = {"X-Roster-Request": "1"}

SIGN_IN = """
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { user { id email } userErrors { field code message } }
}"""
CONFIGURE_PROVIDER = """
mutation Configure($input: IdentityProviderInput!) {
  configureIdentityProvider(input: $input) {
    identityProvider { id loginUrl }
    userErrors { field code message }
  }
}"""


# ---- npm -----------------------------------------------------------------------------------


def _pinned_version(directory: Path, package: str) -> str:
    manifest: dict[str, Any] = json.loads((directory / "package.json").read_text())
    version: str = manifest["dependencies"][package]
    return version


def _installed_version(directory: Path, package: str) -> str | None:
    manifest = directory / "node_modules" / package / "package.json"
    if not manifest.exists():
        return None
    installed: dict[str, Any] = json.loads(manifest.read_text())
    version: str = installed["version"]
    return version


def node_with_packages(directory: Path, package: str) -> str:
    """The path of `node`, with `directory`'s npm packages installed from its lockfile
    (`npm ci`) when `package` is missing or not at its pinned version."""
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("the e2e SSO tests need Node.js and npm on PATH (node and npm were not found)")
    if _installed_version(directory, package) != _pinned_version(directory, package):
        try:
            installed = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=directory,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT_SECONDS,
                check=False,
                # playwright-core downloads nothing, but say so in case a later version would.
                env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"},
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm ci in {directory} took more than {NPM_TIMEOUT_SECONDS:.0f}s")
        assert installed.returncode == 0, (
            f"npm ci in {directory} failed ({installed.returncode}):"
            f"\n{installed.stdout}\n{installed.stderr}"
        )
    assert _installed_version(directory, package) == _pinned_version(directory, package)
    return node


# ---- the Node provider ---------------------------------------------------------------------


@dataclass
class NodeProvider:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    @property
    def issuer(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log(self) -> str:
        return tail(self.log_path)

    def wait_ready(self, timeout: float = PROVIDER_READY_TIMEOUT_SECONDS) -> None:
        """Until the discovery document answers 200 naming our issuer."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        url = f"{self.issuer}/.well-known/openid-configuration"
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                code = self.process.poll()
                if code is not None:
                    raise AssertionError(
                        f"provider.mjs exited with code {code} before it was ready:\n{self.log()}"
                    )
                try:
                    response = client.get(url)
                except httpx.TransportError as error:
                    last = f"{type(error).__name__}: {error}"
                else:
                    if response.status_code == 200 and response.json()["issuer"] == self.issuer:
                        return
                    last = f"{response.status_code} {response.text[:300]}"
                time.sleep(0.1)
        raise AssertionError(
            f"oidc-provider was not ready within {timeout:.0f}s (last: {last}):\n{self.log()}"
        )

    def stop(self) -> None:
        """SIGTERM (the script closes its server), then SIGKILL, each wait bounded."""
        for step in (self.process.terminate, self.process.kill):
            if self.process.poll() is not None:
                return
            step()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=PROVIDER_STOP_TIMEOUT_SECONDS)


@contextlib.contextmanager
def running_node_provider(node: str, redirect_uri: str, log_path: Path) -> Iterator[NodeProvider]:
    port = free_port(HOST)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                node,
                str(PROVIDER_SCRIPT),
                "--port",
                str(port),
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                CLIENT_SECRET,
                "--redirect-uri",
                redirect_uri,
                "--email-domain",
                EMAIL_DOMAIN,
            ],
            cwd=OIDC_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    provider = NodeProvider(process=process, port=port, log_path=log_path)
    try:
        provider.wait_ready()
        yield provider
    finally:
        provider.stop()


# ---- Roster ---------------------------------------------------------------------------------


def graphql(
    client: httpx.Client, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A cookie-authenticated GraphQL POST (with the CSRF header); its `data`."""
    response = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=CSRF
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@dataclass
class SsoStack:
    roster: RosterServer
    provider: NodeProvider
    provider_id: str
    login_url: str
    provider_log: Path

    def logs(self) -> str:
        return (
            f"--- roster serve ---\n{self.roster.log()}\n"
            f"--- oidc-provider ---\n{self.provider.log()}"
        )


def configure_provider(roster: RosterServer, provider: NodeProvider) -> tuple[str, str]:
    """Signs the admin in and adds the provider; (its id, its login URL)."""
    with httpx.Client(base_url=roster.base_url, timeout=30.0) as admin:
        signed = graphql(
            admin,
            SIGN_IN,
            {"input": {"organization": ORG, "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}},
        )["signIn"]
        assert signed["userErrors"] == [], signed
        configured = graphql(
            admin,
            CONFIGURE_PROVIDER,
            {
                "input": {
                    "name": "oidc-provider (Node)",
                    "issuer": provider.issuer,
                    "clientId": provider.client_id,
                    "clientSecret": provider.client_secret,
                    "emailDomains": [EMAIL_DOMAIN],
                }
            },
        )["configureIdentityProvider"]
    assert configured["userErrors"] == [], configured
    identity_provider: dict[str, str] = configured["identityProvider"]
    return identity_provider["id"], identity_provider["loginUrl"]


@contextlib.contextmanager
def sso_stack(tmp_path: Path, node: str) -> Iterator[SsoStack]:
    data_dir = tmp_path / "data"
    roster_port = free_port(HOST)
    public_url = f"http://{HOST}:{roster_port}"
    provider_log = tmp_path / "oidc-provider.log"
    with (
        running_node_provider(node, f"{public_url}/auth/{ORG}/callback", provider_log) as provider,
        running_roster(
            data_dir,
            tmp_path / "roster.log",
            port=roster_port,
            environ={"ROSTER_PUBLIC_URL": public_url},
        ) as roster,
    ):
        create_admin(data_dir, ORG, ADMIN_EMAIL, ADMIN_PASSWORD)
        provider_id, login_url = configure_provider(roster, provider)
        yield SsoStack(
            roster=roster,
            provider=provider,
            provider_id=provider_id,
            login_url=login_url,
            provider_log=provider_log,
        )
