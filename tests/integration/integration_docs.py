"""GraphQL documents and helpers for the integration-account tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import Api

ERRORS = "userErrors { field code message }"
ACCOUNT = """id externalId email displayName firstName lastName firstSeenAt lastActivityAt
  activityCount linkedAt integration { id key } linkedUser { id email }"""

CREATE_INTEGRATION = f"""mutation($input: CreateIntegrationInput!) {{
  createIntegration(input: $input) {{ integration {{ id key name kind connected }} {ERRORS} }} }}"""
UPDATE_INTEGRATION = f"""mutation($input: UpdateIntegrationInput!) {{
  updateIntegration(input: $input) {{ integration {{ id key name connected }} {ERRORS} }} }}"""
RECORD = f"""mutation($input: RecordIntegrationActivityInput!) {{
  recordIntegrationActivity(input: $input) {{ recorded created {ERRORS} }} }}"""
LINK = f"""mutation($input: LinkIntegrationAccountInput!) {{
  linkIntegrationAccount(input: $input) {{ user {{ id }} {ERRORS} }} }}"""
UNLINK = f"""mutation($input: UnlinkIntegrationAccountInput!) {{
  unlinkIntegrationAccount(input: $input) {{ user {{ id }} {ERRORS} }} }}"""
CREATE_FROM = f"""mutation($input: CreateUserFromIntegrationAccountInput!) {{
  createUserFromIntegrationAccount(input: $input) {{
    user {{ id email firstName lastName source seat linkedAccounts {{ id }} }} {ERRORS} }} }}"""
CREATE_USER = f"""mutation($input: CreateUserInput!) {{
  createUser(input: $input) {{
    user {{ id email linkedAccounts {{ id externalId }} }} {ERRORS} }} }}"""
REQUEST_BACKFILL = f"""mutation($input: RequestBackfillInput!) {{
  requestBackfill(input: $input) {{
    backfillRequest {{ id since status requestedAt completedAt message
      integration {{ key }} account {{ externalId }} user {{ id }} }} {ERRORS} }} }}"""
COMPLETE_BACKFILL = f"""mutation($input: CompleteBackfillInput!) {{
  completeBackfill(input: $input) {{
    backfillRequest {{ id status completedAt message }} {ERRORS} }} }}"""
BACKFILLS = """query($key: String!, $status: BackfillStatus, $first: Int, $after: String) {
  backfillRequests(integrationKey: $key, status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id since status account { externalId } user { id } } } } }"""
INTEGRATION = f"""query($key: String!, $search: String, $first: Int, $after: String) {{
  integration(key: $key) {{ id key name kind connected
    unlinkedAccounts(search: $search, first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {ACCOUNT} }} }} }}
  }} }}"""
ACCOUNT_BY_ID = f"query($id: ID!) {{ integrationAccount(id: $id) {{ {ACCOUNT} }} }}"
SUGGEST = """query($email: String!, $first: String, $last: String, $n: Int) {
  suggestIntegrationAccounts(email: $email, firstName: $first, lastName: $last, first: $n) {
    score reasons best account { id externalId email integration { key } } } }"""
GUESS = "query($email: String!) { guessName(email: $email) { firstName lastName } }"
USER_LINKS = """query($id: ID!) { user(id: $id) { id
  linkedAccounts { id externalId integration { key } }
  connectionStatus { linked integration { key } account { externalId } } } }"""
ORG_INTEGRATIONS = "{ organization { integrations { id key kind connected } } }"


def data(body: dict[str, Any], name: str) -> Any:
    assert body.get("errors") is None, body
    return body["data"][name]


async def add_integration(
    api: Api, admin: httpx.AsyncClient, key: str, kind: str = "ACTIVITY"
) -> str:
    body = await api.gql(
        admin,
        CREATE_INTEGRATION,
        {"input": {"key": key, "name": key.title(), "kind": kind}},
    )
    payload = data(body, "createIntegration")
    assert payload["userErrors"] == [], payload
    integration_id: str = payload["integration"]["id"]
    return integration_id


async def record(
    api: Api, admin: httpx.AsyncClient, key: str, accounts: list[dict[str, Any]]
) -> dict[str, Any]:
    body = await api.gql(admin, RECORD, {"input": {"integrationKey": key, "accounts": accounts}})
    payload: dict[str, Any] = data(body, "recordIntegrationActivity")
    return payload


async def unlinked(api: Api, admin: httpx.AsyncClient, key: str, **args: Any) -> dict[str, Any]:
    body = await api.gql(admin, INTEGRATION, {"key": key, **args})
    integration = data(body, "integration")
    assert integration is not None, body
    connection: dict[str, Any] = integration["unlinkedAccounts"]
    return connection


async def account_ids(api: Api, admin: httpx.AsyncClient, key: str) -> dict[str, str]:
    """external id -> account id, of every unlinked account of the integration."""
    connection = await unlinked(api, admin, key, first=100)
    return {e["node"]["externalId"]: e["node"]["id"] for e in connection["edges"]}


async def create_user(
    api: Api, admin: httpx.AsyncClient, email: str, links: list[str] | None = None
) -> dict[str, Any]:
    variables: dict[str, Any] = {"input": {"firstName": "Test", "lastName": "User", "email": email}}
    if links is not None:
        variables["input"]["linkAccountIds"] = links
    payload: dict[str, Any] = data(await api.gql(admin, CREATE_USER, variables), "createUser")
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]
