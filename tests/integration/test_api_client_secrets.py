"""API clients as the console shows them: lastTokenAt (null until the token endpoint issues the
client a token, then when) and a rotated secret that replaces the old one at once (issue 17)."""

from __future__ import annotations

from datetime import datetime

from tests.integration.conftest import Api
from tests.integration.scim_support import access_token

CLIENTS = "{ apiClients { name createdAt lastTokenAt } }"
CREATE = """mutation($input: CreateApiClientInput!) {
  createApiClient(input: $input) { userErrors { code } } }"""


async def test_last_token_at_is_set_when_a_token_is_issued(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    made = await api.gql(admin, CREATE, {"input": {"name": "Idle", "scopes": ["users:read"]}})
    assert made["data"]["createApiClient"]["userErrors"] == []
    await access_token(api, admin, ["users:read"])  # creates "IdP" and gets it a token
    listed = {c["name"]: c for c in (await api.gql(admin, CLIENTS, {}))["data"]["apiClients"]}
    assert listed["Idle"]["lastTokenAt"] is None
    used = listed["IdP"]["lastTokenAt"]
    assert used is not None
    assert datetime.fromisoformat(used) >= datetime.fromisoformat(listed["IdP"]["createdAt"])


ROTATE = """mutation($input: RotateApiClientSecretInput!) {
  rotateApiClientSecret(input: $input) {
    apiClient { id clientId } clientSecret userErrors { code field } } }"""
CREATE_FULL = """mutation($input: CreateApiClientInput!) {
  createApiClient(input: $input) { apiClient { id clientId } clientSecret userErrors { code } } }"""
REVOKE = """mutation($input: RevokeApiClientInput!) {
  revokeApiClient(input: $input) { userErrors { code } } }"""
AUDIT = """{ auditEvents(action: "api_client.secret_rotated") { edges { node { targetId } } } }"""


async def _grant(api: Api, client_id: str, secret: str) -> int:
    response = await api.browser().post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    return response.status_code


async def test_a_rotated_secret_replaces_the_old_one_at_once(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    made = (await api.gql(admin, CREATE_FULL, {"input": {"name": "T", "scopes": ["scim"]}}))[
        "data"
    ]["createApiClient"]
    client = made["apiClient"]
    assert await _grant(api, client["clientId"], made["clientSecret"]) == 200
    rotated = (await api.gql(admin, ROTATE, {"input": {"id": client["id"]}}))["data"][
        "rotateApiClientSecret"
    ]
    assert rotated["userErrors"] == [] and rotated["apiClient"] == client
    assert rotated["clientSecret"] != made["clientSecret"]
    assert await _grant(api, client["clientId"], rotated["clientSecret"]) == 200
    assert await _grant(api, client["clientId"], made["clientSecret"]) in (400, 401)
    events = (await api.gql(admin, AUDIT, {}))["data"]["auditEvents"]["edges"]
    assert [e["node"]["targetId"] for e in events] == [client["id"]]

    await api.gql(admin, REVOKE, {"input": {"id": client["id"]}})
    refused = (await api.gql(admin, ROTATE, {"input": {"id": client["id"]}}))["data"][
        "rotateApiClientSecret"
    ]
    assert refused["clientSecret"] is None
    assert refused["userErrors"] == [{"code": "NOT_FOUND", "field": ["input", "id"]}]
