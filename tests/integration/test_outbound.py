"""URLs an admin configures do not reach Roster's own network, and a peer's answer is not
read back through a sync error.

Production refuses a private, loopback or link-local address written into a URL (a typed
userError) and, at each connection, every address a name resolves to (DNS rebinding);
development allows loopback, where these tests' peers listen; the allow-list lets an
on-premise peer through.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.admins import create_admin
from provisioning.api_clients import create_api_client
from provisioning.caller import Caller
from tests.e2e.sync_graphql import CONFIGURE, CREATE_INTEGRATION, RUN, data, serving
from tests.integration.conftest import ADMIN_PASSWORD, Api

SECRET = "internal-only-4f1c9a"  # what a service inside the network would answer


@dataclass
class InternalService:
    """An HTTP service on loopback that answers `status` with a body holding SECRET, and
    counts the connections it gets."""

    status: int = 500
    connections: int = 0
    server: asyncio.Server | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            body = f'{{"detail": "{SECRET}", "token": "{SECRET}"}}'.encode()
            writer.write(
                f"HTTP/1.1 {self.status} Whatever\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def internal_service(status: int = 500) -> AsyncIterator[InternalService]:
    service = InternalService(status)
    service.server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    try:
        yield service
    finally:
        service.server.close()
        await service.server.wait_closed()


def production_of(settings: Settings, **changes: Any) -> Settings:
    return replace(
        settings,
        env="production",
        public_url="https://roster.example.com",
        secret_key="k" * 40,
        metrics_token="m" * 32,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        **changes,
    )


async def admin_client(api: Api) -> httpx.AsyncClient:
    """A bearer client with the admin scope (production's cookies need https)."""
    created = await create_admin(api.deps, "acme", "admin@acme.example", ADMIN_PASSWORD)
    client = await create_api_client(
        api.deps, Caller.system(created.organization.id), "ops", ["admin"]
    )
    basic = base64.b64encode(f"{client.client.client_id}:{client.secret}".encode()).decode()
    answer = await api.browser().post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200, answer.text
    browser = api.browser()
    browser.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return browser


async def directory(api: Api, admin: httpx.AsyncClient, key: str = "connex") -> str:
    created = await data(
        api, admin, CREATE_INTEGRATION, {"input": {"key": key, "name": key, "kind": "DIRECTORY"}}
    )
    integration_id: str = created["createIntegration"]["integration"]["id"]
    return integration_id


async def configure(
    api: Api, admin: httpx.AsyncClient, integration_id: str, base_url: str
) -> list[tuple[str, list[str]]]:
    answer = await data(
        api,
        admin,
        CONFIGURE,
        {"input": {"integrationId": integration_id, "baseUrl": base_url, "bearerToken": "t"}},
    )
    return [(e["code"], e["field"]) for e in answer["configureSync"]["userErrors"]]


async def run(api: Api, admin: httpx.AsyncClient, integration_id: str) -> dict[str, Any]:
    answer = await data(api, admin, RUN, {"input": {"integrationId": integration_id}})
    assert answer["runSync"]["userErrors"] == [], answer
    result: dict[str, Any] = answer["runSync"]["syncRun"]
    return result


def loopback_name() -> str | None:
    """A host name (not `localhost`) that resolves to a non-public address here, as a name
    an attacker controls would after rebinding; None if the machine has none."""
    name = socket.gethostname()
    try:
        found = socket.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
    except OSError:
        return None
    public = any(ipaddress.ip_address(info[4][0]).is_global for info in found)
    return None if public or name == "localhost" else name


async def test_production_refuses_internal_addresses_when_configured(
    settings: Settings, fast_hasher: PasswordHasher
) -> None:
    async with serving(production_of(settings), fast_hasher) as api:
        admin = await admin_client(api)
        integration_id = await directory(api, admin)
        for url in (
            "https://127.0.0.1:8000/scim/v2",
            "https://localhost/scim/v2",
            "https://2130706433/scim/v2",
            "https://[::ffff:127.0.0.1]/scim",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.7/scim/v2",
        ):
            errors = await configure(api, admin, integration_id, url)
            assert errors == [("FORBIDDEN", ["input", "baseUrl"])], (url, errors)
        config = await api.deps.store.db["sync_configs"].count_documents({})
        assert config == 0
        # An identity provider's issuer is held to the same rule.
        body = await api.gql(
            admin,
            """mutation($input: IdentityProviderInput!) {
                 configureIdentityProvider(input: $input) { userErrors { code field } } }""",
            {
                "input": {
                    "name": "Inside",
                    "issuer": "https://192.168.0.10/realms/x",
                    "clientId": "roster",
                    "clientSecret": "s",
                }
            },
        )
        assert "errors" not in body, body
        errors = body["data"]["configureIdentityProvider"]["userErrors"]
        assert {"code": "FORBIDDEN", "field": ["input", "issuer"]} in errors


async def test_production_refuses_a_name_that_resolves_inside_at_connection(
    settings: Settings, fast_hasher: PasswordHasher
) -> None:
    async with (
        internal_service(200) as service,
        serving(production_of(settings), fast_hasher) as api,
    ):
        admin = await admin_client(api)
        integration_id = await directory(api, admin)
        # As if the name had resolved to a public address when it was configured, and to
        # this machine now: the stored URL is the address itself.
        assert await configure(api, admin, integration_id, "https://peer.example/scim") == []
        await api.deps.store.db["sync_configs"].update_one(
            {}, {"$set": {"base_url": f"https://127.0.0.1:{service.port}/scim"}}
        )
        refused = await run(api, admin, integration_id)
        assert refused["status"] == "FAILED"
        assert "ADDRESS_NOT_ALLOWED" in refused["message"], refused
        name = loopback_name()
        if name is not None:
            assert await configure(api, admin, integration_id, f"https://{name}:1/scim") == []
            await api.deps.store.db["sync_configs"].update_one(
                {}, {"$set": {"base_url": f"https://{name}:{service.port}/scim"}}
            )
            again = await run(api, admin, integration_id)
            assert "ADDRESS_NOT_ALLOWED" in again["message"], again
        assert service.connections == 0
        assert SECRET not in str(refused)


async def test_the_allow_list_lets_an_on_premise_peer_through(
    settings: Settings, fast_hasher: PasswordHasher
) -> None:
    allowed = production_of(settings, outbound_allowed_hosts=("127.0.0.0/8",))
    async with internal_service(200) as service, serving(allowed, fast_hasher) as api:
        admin = await admin_client(api)
        integration_id = await directory(api, admin)
        url = f"https://127.0.0.1:{service.port}/scim"
        assert await configure(api, admin, integration_id, url) == []
        tried = await run(api, admin, integration_id)
        # It was reached (plain http answers a TLS hello): not refused by the policy.
        assert service.connections == 1
        assert tried["status"] == "FAILED" and "ADDRESS_NOT_ALLOWED" not in tried["message"]


@pytest.mark.parametrize(("status", "reason"), [(500, "SERVER_ERROR"), (404, "NOT_A_SCIM")])
async def test_a_peers_answer_is_not_read_back_through_the_sync_error(
    api: Api, status: int, reason: str
) -> None:
    admin, _ = await api.admin_of("acme")
    async with internal_service(status) as service:
        integration_id = await directory(api, admin)
        url = f"http://127.0.0.1:{service.port}/internal"  # development: loopback is allowed
        assert await configure(api, admin, integration_id, url) == []
        failed = await run(api, admin, integration_id)
    assert service.connections >= 1
    assert failed["status"] == "FAILED"
    assert f"answered {status} ({reason}" in failed["message"], failed
    assert SECRET not in str(failed)
    stored = await api.deps.store.db["sync_runs"].find_one({})
    assert stored is not None and SECRET not in str(stored)
