"""GraphQL operations the sync end-to-end tests send, and small helpers around them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from server.app import create_app
from tests.e2e.scim_peers import TOKEN
from tests.integration.conftest import Api, CommandCounter, WithLifespanState


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, hasher: PasswordHasher, sync_every_seconds: float = 3600.0
) -> AsyncIterator[Api]:
    """The whole app in-process with its lifespan (as tests/integration's `api` fixture),
    its scheduler period chosen by the test."""
    counter = CommandCounter()
    app = create_app(
        settings, hasher=hasher, mongo_listeners=[counter], sync_every_seconds=sync_every_seconds
    )
    async with app.router.lifespan_context(app) as state:
        assert state is not None
        transport = httpx.ASGITransport(app=WithLifespanState(app, dict(state)))
        api = Api(transport=transport, deps=state["deps"], counter=counter)
        try:
            yield api
        finally:
            for client in api.clients:
                await client.aclose()
            with contextlib.suppress(Exception):
                await api.deps.store.db.client.drop_database(settings.database_name)


RUN_FIELDS = """id status direction trigger dryRun read created updated disabled skipped failed
    message cursorFrom cursorTo
    errors(first: 50) { totalCount edges { node {
      id externalId code message record remoteId resolvedAt user { id email } } } }"""

CREATE_INTEGRATION = """mutation($input: CreateIntegrationInput!) {
  createIntegration(input: $input) {
  integration { id key } userErrors { code message field } } }"""
CONFIGURE = """mutation($input: ConfigureSyncInput!) { configureSync(input: $input) {
  integration { id cursor syncSettings { baseUrl hasBearerToken disableThreshold productKey } }
  userErrors { code message field } } }"""
RUN = f"""mutation($input: RunSyncInput!) {{ runSync(input: $input) {{
  syncRun {{ {RUN_FIELDS} }} userErrors {{ code message field }} }} }}"""
CONFIRM = f"""mutation($input: ConfirmSyncRunInput!) {{ confirmSyncRun(input: $input) {{
  syncRun {{ {RUN_FIELDS} }} userErrors {{ code message field }} }} }}"""
SYNC_COMPANY = f"""mutation($input: SyncCompanyInput!) {{ syncCompany(input: $input) {{
  syncRun {{ {RUN_FIELDS} }} userErrors {{ code message field }} }} }}"""
RESET = """mutation($input: ResetSyncCursorInput!) { resetSyncCursor(input: $input) {
  integration { id cursor } userErrors { code message field } } }"""
RETRY = """mutation($input: RetrySyncErrorInput!) { retrySyncError(input: $input) {
  syncError { id code resolvedAt } userErrors { code message field } } }"""
USERS = """query { users(first: 100) { edges { node {
  id email firstName lastName status source managedBy company { id name } } } } }"""
INTEGRATION = """query($key: String!) { integration(key: $key) { id cursor
  syncRuns(first: 10) { totalCount edges { node { id status trigger } } } } }"""


async def data(api: Api, client: httpx.AsyncClient, query: str, variables: Any) -> Any:
    body = await api.gql(client, query, variables)
    assert "errors" not in body, body
    return body["data"]


async def directory_integration(
    api: Api,
    admin: httpx.AsyncClient,
    base_url: str,
    *,
    key: str = "connex",
    kind: str = "DIRECTORY",
    token: str = TOKEN,
    **settings: Any,
) -> str:
    created = await data(
        api, admin, CREATE_INTEGRATION, {"input": {"key": key, "name": "ConneX", "kind": kind}}
    )
    integration_id: str = created["createIntegration"]["integration"]["id"]
    configured = await data(
        api,
        admin,
        CONFIGURE,
        {
            "input": {
                "integrationId": integration_id,
                "baseUrl": base_url,
                "bearerToken": token,
                **settings,
            }
        },
    )
    assert configured["configureSync"]["userErrors"] == [], configured
    return integration_id


async def run_sync(
    api: Api, client: httpx.AsyncClient, integration_id: str, dry_run: bool = False
) -> dict[str, Any]:
    answer = await data(
        api, client, RUN, {"input": {"integrationId": integration_id, "dryRun": dry_run}}
    )
    assert answer["runSync"]["userErrors"] == [], answer
    run: dict[str, Any] = answer["runSync"]["syncRun"]
    return run


def error_codes(run: dict[str, Any]) -> list[str]:
    return sorted(edge["node"]["code"] for edge in run["errors"]["edges"])


async def users_by_email(api: Api, client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    answer = await data(api, client, USERS, {})
    return {
        edge["node"]["email"]: edge["node"]
        for edge in answer["users"]["edges"]
        if edge["node"]["email"]
    }
