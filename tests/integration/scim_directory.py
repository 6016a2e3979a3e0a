"""A real scim2-server in-process: its ASGI application over an httpx2 client, for the
integration tests of the directory sync (tests/e2e runs the same server as a process).

Roster's sync reaches it through the HTTP adapter on this client
(`run_due(directory.wired(deps))`): every request of a run goes to the scim2-server
application, nothing is faked.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import httpx2
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.utils import load_default_provider

from provisioning.dependencies import Dependencies
from provisioning.sync.scim import ENTERPRISE_SCHEMA, PATCH_SCHEMA, USER_SCHEMA
from server.scim_peer import HttpScimPeers

BASE_URL = "http://directory.test/v2"
HEADERS = {"Content-Type": "application/scim+json"}


@dataclass
class ScimDirectory:
    """A scim2-server's users, and the client that reaches it."""

    http: httpx2.AsyncClient
    base_url: str = BASE_URL

    def wired(self, deps: Dependencies) -> Dependencies:
        """`deps` with the HTTP SCIM adapter on this directory's client."""
        return dataclasses.replace(deps, scim_peers=HttpScimPeers(self.http))

    async def add_person(
        self,
        user_name: str,
        *,
        email: str | None = None,
        company: str | None = "Acme Partners",
        department: str | None = None,
        phones: list[dict[str, Any]] | None = None,
        active: bool = True,
    ) -> str:
        resource: dict[str, Any] = {
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "userName": user_name,
            "name": {"givenName": user_name.title(), "familyName": "Doe"},
            "active": active,
        }
        if email:
            resource["emails"] = [{"value": email, "primary": True}]
        if phones:
            resource["phoneNumbers"] = phones
        enterprise = {"organization": company, "department": department}
        resource[ENTERPRISE_SCHEMA] = {k: v for k, v in enterprise.items() if v is not None}
        response = await self.http.post(f"{self.base_url}/Users", json=resource, headers=HEADERS)
        assert response.status_code == 201, response.text
        user_id: str = response.json()["id"]
        return user_id

    async def patch(self, user_id: str, *operations: dict[str, Any]) -> None:
        body = {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}
        response = await self.http.patch(
            f"{self.base_url}/Users/{user_id}", json=body, headers=HEADERS
        )
        assert response.status_code in (200, 204), response.text

    async def replace(self, user_id: str, path: str, value: Any) -> None:
        await self.patch(user_id, {"op": "replace", "path": path, "value": value})

    async def get(self, user_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.base_url}/Users/{user_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def users(self) -> list[dict[str, Any]]:
        response = await self.http.get(f"{self.base_url}/Users", params={"count": 1000})
        resources: list[dict[str, Any]] = response.json().get("Resources") or []
        return resources


@contextlib.asynccontextmanager
async def scim_directory() -> AsyncIterator[ScimDirectory]:
    """A new, empty scim2-server application, and a client to it."""
    app = ASGIApplication(AsyncInMemoryStorage(), load_default_provider())
    # scim2-server types the ASGI scope as a dict where httpx2 says MutableMapping.
    transport = httpx2.ASGITransport(app=cast(Any, app))
    async with httpx2.AsyncClient(transport=transport, timeout=30.0) as http:
        yield ScimDirectory(http)
