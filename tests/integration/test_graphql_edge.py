"""The GraphQL edge: limits, masking with a request id, introspection, GraphiQL, GET."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from resolvers.root import schema_sdl
from server.app import create_app
from store.types import Document
from tests.integration import documents as doc
from tests.integration.conftest import Api, WithLifespanState


@contextlib.asynccontextmanager
async def app_client(
    settings: Settings, hasher: PasswordHasher
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, hasher=hasher)
    async with app.router.lifespan_context(app) as state:
        assert state is not None
        transport = httpx.ASGITransport(app=WithLifespanState(app, dict(state)))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def test_committed_sdl_matches_the_live_schema() -> None:
    committed = (Path(__file__).parents[2] / "schema" / "schema.graphql").read_text()
    assert committed == schema_sdl(), (
        "run `python -m resolvers.export` and commit schema/schema.graphql"
    )


async def test_unexpected_errors_are_masked_with_the_request_id_in_the_log(
    api: Api, mongo_client: AsyncMongoClient[Document], caplog: pytest.LogCaptureFixture
) -> None:
    admin, _ = await api.admin_of("acme")
    await mongo_client.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": 1},
            "data": {"failCommands": ["aggregate"], "errorCode": 8000, "appName": "roster"},
        }
    )
    try:
        with caplog.at_level(logging.ERROR, logger="roster.graphql"):
            response = await admin.post(
                "/graphql",
                json={"query": "{ users { totalCount } }"},
                headers={"X-Roster-Request": "1"},
            )
    finally:
        await mongo_client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    body = response.json()
    request_id = response.headers["x-request-id"]
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    assert "8000" not in response.text and "aggregate" not in response.text
    assert any(request_id in record.getMessage() for record in caplog.records)
    metrics = await admin.get("/metrics")
    assert "roster_graphql_masked_errors_total 1.0" in metrics.text


async def test_validation_errors_are_not_masked(api: Api) -> None:
    body = await api.gql(api.browser(), "{ me { nope } }")
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]


async def test_depth_alias_and_token_limits(
    settings: Settings, fast_hasher: PasswordHasher
) -> None:
    tight = replace(settings, max_query_depth=2, max_aliases=3, max_tokens=200)
    async with app_client(tight, fast_hasher) as client:
        deep = await client.post("/graphql", json={"query": "{ users { edges { node { id } } } }"})
        assert "exceeds maximum operation depth" in deep.json()["errors"][0]["message"]
        aliases = " ".join(f"a{i}: me {{ id }}" for i in range(4))
        many = await client.post("/graphql", json={"query": f"{{ {aliases} }}"})
        assert "aliases" in many.json()["errors"][0]["message"].lower()
        long_query = "{ " + " ".join("__typename" for _ in range(300)) + " }"
        tokens = await client.post("/graphql", json={"query": long_query})
        assert "token" in tokens.json()["errors"][0]["message"].lower()
        fine = await client.post("/graphql", json={"query": "{ me { id } }"})
        assert fine.json() == {"data": {"me": None}}


async def test_introspection_and_graphiql_only_in_development(
    settings: Settings,
    fast_hasher: PasswordHasher,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A browser at /graphql gets the console (its GraphiQL route), under the console's CSP,
    # not strawberry's page of scripts from a CDN.
    (tmp_path / "index.html").write_text('<!doctype html><div id="app"></div>')
    monkeypatch.setenv("ROSTER_CONSOLE_DIST", str(tmp_path))
    introspect = {"query": "{ __schema { queryType { name } } }"}
    async with app_client(settings, fast_hasher) as client:
        ide = await client.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 200 and '<div id="app">' in ide.text
        assert "script-src 'self'" in ide.headers["content-security-policy"]
        assert "cdn" not in ide.text.lower() and "unpkg" not in ide.text.lower()
        open_schema = await client.post("/graphql", json=introspect)
        assert open_schema.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    production = replace(
        settings,
        env="production",
        public_url="https://roster.example.com",
        secret_key="k" * 40,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
    )
    async with app_client(production, fast_hasher) as client:
        ide = await client.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 404 and 'id="app"' not in ide.text
        closed = await client.post("/graphql", json=introspect)
        assert "introspection" in closed.json()["errors"][0]["message"].lower()


async def test_no_mutation_over_get(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    response = await admin.get(
        "/graphql",
        params={"query": "mutation { signOut { ok } }"},
        headers={"X-Roster-Request": "1"},
    )
    assert response.status_code == 405
    still_signed_in = await api.gql(admin, doc.ME)
    assert still_signed_in["data"]["me"] is not None


async def test_health_and_readiness(api: Api) -> None:
    client = api.browser()
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_cors_names_its_origins(settings: Settings, fast_hasher: PasswordHasher) -> None:
    configured = replace(settings, cors_origins=("https://app.example.com",))
    preflight_headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-roster-request",
    }
    async with app_client(configured, fast_hasher) as client:
        allowed = await client.options(
            "/graphql", headers={"Origin": "https://app.example.com", **preflight_headers}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        refused = await client.options(
            "/graphql", headers={"Origin": "https://evil.example", **preflight_headers}
        )
        assert "access-control-allow-origin" not in refused.headers


async def test_a_repeated_query_is_parsed_and_validated_once(api: Api) -> None:
    app: Any = api.transport.app
    graphql = next(route.endpoint for route in app.app.routes if route.path == "/graphql")
    documents = graphql.schema.documents
    client = api.browser()
    query = f"{{ me {{ id }} __typename }} # {uuid.uuid4()}"
    await api.gql(client, query)
    hits, misses = documents.cache_info()
    prepared = documents.prepare(query)
    validated = prepared.errors
    assert validated == []
    await api.gql(client, query)
    assert documents.cache_info() == (hits + 2, misses)  # our lookup above, and the request
    assert prepared.errors is validated  # not validated again


async def test_graphql_response_media_type_and_request_errors(api: Api) -> None:
    client = api.browser()
    accept = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
    ok = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=accept)
    assert ok.status_code == 200
    assert ok.headers["content-type"] == "application/graphql-response+json"
    assert ok.json() == {"data": {"me": None}}
    invalid = await client.post("/graphql", json={"query": "{ me { nope } }"}, headers=accept)
    assert invalid.status_code == 400
    assert "data" not in invalid.json() and invalid.json()["errors"]
    # Plain application/json keeps the 200 that older clients expect.
    legacy = await client.post("/graphql", json={"query": "{ me { nope } }"})
    assert legacy.status_code == 200 and legacy.headers["content-type"] == "application/json"
