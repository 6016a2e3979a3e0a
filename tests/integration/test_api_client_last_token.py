"""An API client's lastTokenAt: null until the token endpoint issues it a token, then when
(the console's API clients page shows it as "last used"; issue 17)."""

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
