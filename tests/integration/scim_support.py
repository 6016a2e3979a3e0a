"""Helpers for the SCIM tests: an API client with the scim scope and its bearer token."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx

from tests.integration import documents as doc
from tests.integration.conftest import Api

CREATE_CLIENT = f"""mutation($input: CreateApiClientInput!) {{
  createApiClient(input: $input) {{ apiClient {{ id clientId }} clientSecret {doc.ERRORS} }} }}"""
SCIM = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


@dataclass
class ScimPeer:
    """An identity provider's view of Roster: an HTTP client carrying a scim token."""

    http: httpx.AsyncClient
    org_id: str
    admin: httpx.AsyncClient

    async def post(self, path: str, body: Any, **headers: str) -> httpx.Response:
        return await self.http.post(SCIM + path, json=body, headers=headers)

    async def put(self, path: str, body: Any, **headers: str) -> httpx.Response:
        return await self.http.put(SCIM + path, json=body, headers=headers)

    async def patch(self, path: str, operations: list[Any], **headers: str) -> httpx.Response:
        body = {"schemas": [PATCH_SCHEMA], "Operations": operations}
        return await self.http.patch(SCIM + path, json=body, headers=headers)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(SCIM + path, params=params)

    async def delete(self, path: str, **headers: str) -> httpx.Response:
        return await self.http.delete(SCIM + path, headers=headers)


async def access_token(api: Api, admin: httpx.AsyncClient, scopes: list[str]) -> str:
    body = await api.gql(admin, CREATE_CLIENT, {"input": {"name": "IdP", "scopes": scopes}})
    payload = body["data"]["createApiClient"]
    assert payload["userErrors"] == [], payload
    basic = base64.b64encode(
        f"{payload['apiClient']['clientId']}:{payload['clientSecret']}".encode()
    ).decode()
    response = await api.browser().post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def scim_peer(api: Api, slug: str = "acme", scopes: tuple[str, ...] = ("scim",)) -> ScimPeer:
    admin, org_id = await api.admin_of(slug)
    token = await access_token(api, admin, list(scopes))
    http = api.browser()
    http.headers["Authorization"] = f"Bearer {token}"
    return ScimPeer(http=http, org_id=org_id, admin=admin)


def enterprise(**values: str) -> dict[str, Any]:
    """The enterprise extension's attributes, to spread into user_body."""
    return {ENTERPRISE: values}


def user_body(
    user_name: str,
    given: str = "Barbara",
    family: str = "Jensen",
    email: str | None = None,
    external_id: str | None = None,
    active: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "active": active,
        **extra,
    }
    if email:
        body["emails"] = [{"value": email, "type": "work", "primary": True}]
    if external_id:
        body["externalId"] = external_id
    return body
