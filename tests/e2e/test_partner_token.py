"""A partner tool end to end over HTTP: `roster api-client create`, POST /oauth/token on a
running server, then GraphQL with the bearer token; once revoked, the token stops."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import run_roster, running_roster

pytestmark = pytest.mark.e2e

USERS = '{ users(search: "grace") { totalCount } }'
CREATE = (
    'mutation { createUser(input: {firstName: "Grace", lastName: "Hopper",'
    ' email: "grace@acme.example"}) { user { id } userErrors { code message } } }'
)


SIGN_IN = "mutation($i: SignInInput!) { signIn(input: $i) { userErrors { code } } }"
REVOKE = "mutation($i: RevokeApiClientInput!) { revokeApiClient(input: $i) { ok } }"


def test_client_credentials_over_http(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    admin = run_roster(
        "create-admin",
        "--org",
        "acme",
        "--email",
        "admin@acme.example",
        "--password",
        "correct horse battery",
        "--data-dir",
        data_dir,
    )
    assert admin.returncode == 0, admin.stderr
    made = run_roster(
        "api-client",
        "create",
        "--org",
        "acme",
        "--name",
        "CRM",
        "--scope",
        "users:read",
        "--scope",
        "users:write",
        "--data-dir",
        data_dir,
    )
    assert made.returncode == 0, made.stderr
    client_pk = made.stdout.split("(id ")[1].split(")")[0]
    client_id = made.stdout.split("client_id:")[1].split()[0]
    secret = made.stdout.split("client_secret:")[1].split()[0]

    with (
        running_roster(tmp_path / "data", tmp_path / "roster.log") as server,
        httpx.Client(base_url=server.base_url, timeout=30.0) as http,
    ):
        metadata = http.get("/.well-known/oauth-authorization-server").json()
        assert metadata["token_endpoint"] == f"{server.base_url}/oauth/token"
        grant = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
        assert grant.status_code == 200, grant.text
        token = grant.json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        created = http.post("/graphql", json={"query": CREATE}, headers=bearer).json()
        assert created["data"]["createUser"]["userErrors"] == [], created
        found = http.post("/graphql", json={"query": USERS}, headers=bearer).json()
        assert found["data"]["users"]["totalCount"] == 1

        # The running server holds the embedded database: the admin revokes over GraphQL.
        signed = http.post(
            "/graphql",
            json={
                "query": SIGN_IN,
                "variables": {
                    "i": {
                        "organization": "acme",
                        "login": "admin@acme.example",
                        "password": "correct horse battery",
                    }
                },
            },
        )
        assert signed.json()["data"]["signIn"]["userErrors"] == []
        revoke = http.post(
            "/graphql",
            json={"query": REVOKE, "variables": {"i": {"id": client_pk}}},
            headers={"X-Roster-Request": "1"},
        )
        assert revoke.json()["data"]["revokeApiClient"]["ok"] is True
        http.cookies.clear()
        after = http.post("/graphql", json={"query": USERS}, headers=bearer)
        assert after.status_code == 401
        assert after.headers["www-authenticate"].startswith("Bearer")
