"""Data outlives the server: `roster create-admin`, `roster serve`, a user created over HTTP,
a restart on the same data dir, and the user is still there."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.processes import RosterServer, processes_mentioning, run_roster, running_roster

pytestmark = pytest.mark.e2e

ORG = "acme"
ADMIN_EMAIL = "admin@acme.example"
ADMIN_PASSWORD = "correct horse battery"
CSRF = {"X-Roster-Request": "1"}

SIGN_IN = """
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { user { id email } userErrors { code } }
}"""
CREATE_USER = """
mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { user { id email } userErrors { code message } }
}"""
FIND_USERS = """
query Find($search: String) {
  users(search: $search) { totalCount edges { node { id email firstName lastName } } }
}"""


def graphql(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=CSRF)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@contextlib.contextmanager
def signed_in(server: RosterServer) -> Iterator[httpx.Client]:
    """A new client (its own cookie jar) signed in as the admin, closed at the end."""
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        data = graphql(
            client,
            SIGN_IN,
            {"input": {"organization": ORG, "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}},
        )
        assert data["signIn"]["userErrors"] == [], data
        assert data["signIn"]["user"]["email"] == ADMIN_EMAIL
        assert client.cookies.get("roster_session"), "signIn set no roster_session cookie"
        yield client


def find(client: httpx.Client, search: str) -> dict[str, Any]:
    users: dict[str, Any] = graphql(client, FIND_USERS, {"search": search})["users"]
    return users


def test_users_survive_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "roster.log"

    created = run_roster(
        "create-admin",
        "--org",
        ORG,
        "--email",
        ADMIN_EMAIL,
        "--password",
        ADMIN_PASSWORD,
        "--name",
        "Ada Admin",
        "--data-dir",
        str(data_dir),
    )
    assert created.returncode == 0, f"{created.stdout}\n{created.stderr}"
    assert f"organization {ORG} created (id " in created.stdout, created.stdout
    assert f"admin {ADMIN_EMAIL} created (id " in created.stdout, created.stdout
    assert "starting the embedded database" in created.stderr, created.stderr
    assert processes_mentioning(str(data_dir)) == {}, "create-admin left its database running"

    with running_roster(data_dir, log) as server, signed_in(server) as admin:
        # The session cookie authenticates; without the CSRF header a POST is refused.
        refused = admin.post("/graphql", json={"query": "{ me { email } }"})
        assert refused.status_code == 403, refused.text
        assert "X-Roster-Request" in refused.text

        data = graphql(
            admin,
            CREATE_USER,
            {"input": {"firstName": "Grace", "lastName": "Hopper", "email": "grace@acme.example"}},
        )
        assert data["createUser"]["userErrors"] == [], data
        grace_id = data["createUser"]["user"]["id"]
        assert data["createUser"]["user"]["email"] == "grace@acme.example"
        old_session = admin.cookies.get("roster_session")
        assert old_session

    with running_roster(data_dir, log) as server:
        # Sessions are stored in the database, so the first session outlives the restart too.
        with httpx.Client(base_url=server.base_url, timeout=30.0) as old_browser:
            old_browser.cookies.set("roster_session", old_session)
            me = graphql(old_browser, "{ me { email } }", {})
            assert me["me"] == {"email": ADMIN_EMAIL}, me

        with signed_in(server) as admin:
            users = find(admin, "grace")
            assert users["totalCount"] == 1, users
            assert users["edges"] == [
                {
                    "node": {
                        "id": grace_id,
                        "email": "grace@acme.example",
                        "firstName": "Grace",
                        "lastName": "Hopper",
                    }
                }
            ]
            everyone = {edge["node"]["email"] for edge in find(admin, "")["edges"]}
            assert everyone == {ADMIN_EMAIL, "grace@acme.example"}, everyone


def test_create_admin_refuses_a_short_password(tmp_path: Path) -> None:
    refused = run_roster(
        "create-admin",
        "--org",
        ORG,
        "--email",
        ADMIN_EMAIL,
        "--password",
        "short",
        "--data-dir",
        str(tmp_path / "data"),
    )
    assert refused.returncode != 0, f"{refused.stdout}\n{refused.stderr}"
    assert "password" in refused.stderr, refused.stderr
    assert "at least 12 characters" in refused.stderr, refused.stderr
    assert "created" not in refused.stdout, refused.stdout
    assert "Traceback" not in refused.stderr, refused.stderr
    assert processes_mentioning(str(tmp_path / "data")) == {}, "the database was left running"
