"""A database outage is a 503 with Retry-After and a JSON body in the route's own shape,
counted in /metrics; any other unexpected failure is a JSON 500 with the request id.

The outage is SecantusDB's failCommand fail point, limited to the app's client (appName
"roster"): every command it names fails, as when the server shuts down or the connection
drops, while the test's own client still works.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from store.types import Document
from tests.integration.conftest import Api, running_api
from tests.integration.scim_support import access_token

DATA_COMMANDS = ["find", "aggregate", "findAndModify", "update", "insert", "delete"]
SHUTTING_DOWN: dict[str, Any] = {"errorCode": 91}  # ShutdownInProgress
DROPPED: dict[str, Any] = {"closeConnection": True}
UNEXPECTED: dict[str, Any] = {"errorCode": 8000}


@contextlib.asynccontextmanager
async def failing(
    mongo_client: AsyncMongoClient[Document], how: dict[str, Any]
) -> AsyncIterator[None]:
    await mongo_client.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": "alwaysOn",
            "data": {"failCommands": DATA_COMMANDS, "appName": "roster", **how},
        }
    )
    try:
        yield
    finally:
        await mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


def assert_unavailable(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["x-request-id"]
    body: dict[str, Any] = response.json()
    assert "Traceback" not in response.text and "pymongo" not in response.text
    return body


@pytest.mark.parametrize("how", [SHUTTING_DOWN, DROPPED], ids=["shutting-down", "dropped"])
async def test_a_signed_in_graphql_request_gets_503_unavailable(
    api: Api, mongo_client: AsyncMongoClient[Document], how: dict[str, Any]
) -> None:
    admin, _ = await api.admin_of("acme")
    async with failing(mongo_client, how):
        response = await admin.post(
            "/graphql", json={"query": "{ me { email } }"}, headers={"X-Roster-Request": "1"}
        )
    body = assert_unavailable(response)
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "UNAVAILABLE",
        "requestId": response.headers["x-request-id"],
    }
    assert "unavailable" in error["message"]
    metrics = await admin.get("/metrics")
    assert "roster_database_unavailable_total 1" in metrics.text, metrics.text
    assert 'roster_http_responses_total{route="/graphql",status="503"} 1' in metrics.text


async def test_an_anonymous_mutation_gets_503_unavailable(
    api: Api, mongo_client: AsyncMongoClient[Document]
) -> None:
    await api.admin_of("acme")
    async with failing(mongo_client, SHUTTING_DOWN):
        response = await api.browser().post(
            "/graphql",
            json={
                "query": """mutation { signIn(input: {organization: "acme",
                  login: "admin@acme.example", password: "whatever it is"}) { user { id } } }"""
            },
            headers={"X-Roster-Request": "1"},
        )
    body = assert_unavailable(response)
    assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE", body


async def test_a_token_request_gets_an_oauth_503(
    api: Api, mongo_client: AsyncMongoClient[Document]
) -> None:
    await api.admin_of("acme")
    async with failing(mongo_client, SHUTTING_DOWN):
        response = await api.browser().post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        )
    body = assert_unavailable(response)
    assert body["error"] == "temporarily_unavailable", body
    assert response.headers["x-request-id"] in body["error_description"]


async def test_a_scim_request_gets_a_scim_503(
    api: Api, mongo_client: AsyncMongoClient[Document]
) -> None:
    admin, _ = await api.admin_of("acme")
    token = await access_token(api, admin, ["scim"])
    async with failing(mongo_client, DROPPED):
        response = await api.browser().get(
            "/scim/v2/Users", headers={"Authorization": f"Bearer {token}"}
        )
    body = assert_unavailable(response)
    assert response.headers["content-type"].startswith("application/scim+json")
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], body
    assert body["status"] == "503"


async def test_an_unexpected_failure_outside_graphql_is_a_json_500_with_the_request_id(
    api: Api, mongo_client: AsyncMongoClient[Document]
) -> None:
    admin, _ = await api.admin_of("acme")
    async with failing(mongo_client, UNEXPECTED):
        response = await admin.post(
            "/graphql", json={"query": "{ me { email } }"}, headers={"X-Roster-Request": "1"}
        )
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error == {
        "message": "Internal server error",
        "extensions": {"code": "INTERNAL", "requestId": response.headers["x-request-id"]},
    }
    assert "8000" not in response.text


async def test_a_database_that_never_answers_is_a_503_when_the_deadline_passes(
    settings: Settings, fast_hasher: PasswordHasher, mongo_client: AsyncMongoClient[Document]
) -> None:
    """A database that takes the command and sits on it (blockConnection) would hold the
    request for ever; ROSTER_REQUEST_TIMEOUT_SECONDS bounds it."""
    quick = dataclasses.replace(settings, request_timeout_seconds=5)
    async with running_api(quick, fast_hasher) as api:
        admin, _ = await api.admin_of("acme")
        stalled = {"blockConnection": True, "blockTimeMS": 40_000}
        async with failing(mongo_client, stalled):
            response = await admin.post(
                "/graphql", json={"query": "{ me { email } }"}, headers={"X-Roster-Request": "1"}
            )
        # Without the deadline the command would answer after 40 s, and the request 200.
        body = assert_unavailable(response)
        assert body["errors"][0]["extensions"]["code"] == "UNAVAILABLE", body
