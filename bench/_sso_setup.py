"""Setting up bench.sso_login, in the benchmark's own process: the seeded organization, the
provider process (fast, or the certified one under Node), the server process, and the
identity provider configured in Roster over GraphQL."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from bench import _processes as processes
from bench._processes import ROOT, dependencies, http_request
from bench._sso_relying_parties import ORGANIZATION, SESSION_COOKIE

DATABASE = "bench_sso_login"
EMAIL_DOMAIN = "bench.example"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
ADMIN_PASSWORD = "bench password, not a secret"  # noqa: S105
CLIENT_ID = "roster-bench"
CLIENT_SECRET = "roster-bench-client-secret"  # noqa: S105
NODE_PROVIDER = ROOT / "tests" / "e2e" / "oidc"
START_TIMEOUT_SECONDS = 60.0


async def seed(uri: str) -> None:
    """The organization and its admin."""
    from provisioning.admins import create_admin

    async with dependencies(uri, DATABASE) as deps:
        await create_admin(deps, ORGANIZATION, ADMIN_EMAIL, ADMIN_PASSWORD)


def _graphql(
    port: int, query: str, variables: dict[str, Any], cookie: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    headers = {"Content-Type": "application/json", "X-Roster-Request": "1"}
    if cookie:
        headers["Cookie"] = cookie
    body = json.dumps({"query": query, "variables": variables}).encode()
    status, answer_headers, answer = http_request(port, "POST", "/graphql", body, headers)
    if status != 200:
        raise RuntimeError(f"/graphql answered {status}: {answer!r}")
    data: dict[str, Any] = json.loads(answer)
    if data.get("errors"):
        raise RuntimeError(f"/graphql errors: {data['errors']}")
    return data["data"], answer_headers.get_all("set-cookie") or []


def configure_provider(port: int, issuer: str) -> str:
    """Signs the admin in and adds the provider over GraphQL; its id."""
    signed_in, cookies = _graphql(
        port,
        "mutation($input: SignInInput!) { signIn(input: $input) { user { id }"
        " userErrors { code message } } }",
        {"input": {"organization": ORGANIZATION, "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}},
    )
    session = next(
        (c.split(";", 1)[0] for c in cookies if c.startswith(f"{SESSION_COOKIE}=")), None
    )
    if session is None or signed_in["signIn"]["userErrors"]:
        raise RuntimeError(f"the admin could not sign in: {signed_in}")
    configured, _ = _graphql(
        port,
        "mutation($input: IdentityProviderInput!) { configureIdentityProvider(input: $input) {"
        " identityProvider { id loginUrl } userErrors { field code message } } }",
        {
            "input": {
                "name": "bench provider",
                "issuer": issuer,
                "clientId": CLIENT_ID,
                "clientSecret": CLIENT_SECRET,
                "emailDomains": [EMAIL_DOMAIN],
            }
        },
        session,
    )
    payload = configured["configureIdentityProvider"]
    if payload["userErrors"]:
        raise RuntimeError(f"configureIdentityProvider: {payload['userErrors']}")
    provider_id: str = payload["identityProvider"]["id"]
    return provider_id


def start_provider(kind: str, port: int, redirect_uris: list[str]) -> subprocess.Popen[bytes]:
    """The fast provider (`bench._provider`), or the certified oidc-provider under Node."""
    if kind == "fast":
        command = [
            sys.executable, "-m", "bench._provider", "--port", str(port),
            "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
        ]  # fmt: skip
    else:
        _install_node_provider()
        command = [
            "node", str(NODE_PROVIDER / "provider.mjs"), "--port", str(port),
            "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
            "--email-domain", EMAIL_DOMAIN,
        ]  # fmt: skip
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _install_node_provider() -> None:
    """`npm ci` in tests/e2e/oidc, as the end-to-end tests do, unless it is there already."""
    if (NODE_PROVIDER / "node_modules" / "oidc-provider").is_dir():
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"],
        cwd=NODE_PROVIDER,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )


def wait_for_provider(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the provider exited with code {process.returncode}")
        try:
            if http_request(port, "GET", "/.well-known/openid-configuration", None, {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the provider did not start in time")


def start_server(
    uri: str, port: int, app: str, issuer: str, baseline_client: str
) -> subprocess.Popen[bytes]:
    """The API server, told where the baselines' provider is."""
    return processes.start_server(
        uri,
        port,
        app,
        DATABASE,
        {
            "BENCH_SSO_ISSUER": issuer,
            "BENCH_SSO_CLIENT_ID": CLIENT_ID,
            "BENCH_SSO_CLIENT_SECRET": CLIENT_SECRET,
            "BENCH_SSO_BASELINE_CLIENT": baseline_client,
        },
    )
