"""Every way a user is disabled goes through the one status path
(provisioning/users/status.py): the same `user.disabled` event (its source in the
metadata), the user's signed-in session refused on its next request, and their data kept.

Sources: GraphQL disableUser, SCIM PATCH active=false, and the directory sync (scim2-server
as the directory) deactivating a person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from provisioning.caller import Caller
from provisioning.integrations.integrations import create_integration
from provisioning.sync.configuration import SyncSettings, configure_sync
from provisioning.sync.runs import confirm_sync_run, run_sync
from store.sync_runs import AWAITING_CONFIRMATION, SUCCEEDED
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_directory import ScimDirectory, scim_directory
from tests.integration.scim_support import scim_peer, user_body

EMAIL = "noor.okafor@acme.example"
PASSWORD = "a long pass phrase of Noor"


@pytest.fixture
async def directory() -> AsyncIterator[ScimDirectory]:
    async with scim_directory() as directory:
        yield directory


async def signed_in(api: Api, org_id: str, user_id: str) -> httpx.AsyncClient:
    """A browser with a session of the user (who gets a password, ACTIVE)."""
    await api.give_password(org_id, user_id, PASSWORD)
    client = api.browser()
    result = await api.sign_in(client, "acme", EMAIL, PASSWORD)
    assert result["data"]["signIn"]["userErrors"] == [], result
    me = await api.gql(client, doc.ME)
    assert me["data"]["me"]["id"] == user_id
    return client


async def went_out(
    api: Api,
    admin: httpx.AsyncClient,
    session: httpx.AsyncClient,
    org_id: str,
    user_id: str,
    source: str,
) -> dict[str, Any]:
    """The checks every way out must pass; the user's `user.disabled` event."""
    me = await api.gql(session, doc.ME)
    assert me.get("data") is None or me["data"]["me"] is None, me
    assert await api.deps.store.sessions.delete_for_user(org_id, user_id) == 0

    found = await api.gql(admin, doc.USER, {"id": user_id})
    user = found["data"]["user"]
    assert (user["status"], user["email"], user["firstName"]) == ("DISABLED", EMAIL, "Noor")

    events = api.deps.store.db["audit_events"].find(
        {"target_id": user_id, "action": "user.disabled"}
    )
    [event] = [e async for e in events]
    assert event["metadata"]["source"] == source
    assert event["changes"]["status"] == {"before": "ACTIVE", "after": "DISABLED"}
    assert "password_hash" not in event["changes"]
    result: dict[str, Any] = event
    return result


async def test_graphql_disable_user(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Noor", "lastName": "Okafor", "email": EMAIL}},
    )
    user_id = body["data"]["createUser"]["user"]["id"]
    session = await signed_in(api, org_id, user_id)
    body = await api.gql(admin, doc.DISABLE, {"input": {"userId": user_id}})
    assert body["data"]["disableUser"]["userErrors"] == [], body
    event = await went_out(api, admin, session, org_id, user_id, "MANUAL")
    assert event["actor_type"] == "user"


async def test_scim_active_false(api: Api) -> None:
    peer = await scim_peer(api)
    response = await peer.post("/Users", user_body(EMAIL, "Noor", "Okafor", email=EMAIL))
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    session = await signed_in(api, peer.org_id, user_id)
    response = await peer.patch(
        f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": False}]
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    await went_out(api, peer.admin, session, peer.org_id, user_id, "SCIM")


async def test_directory_sync_deactivates(api: Api, directory: ScimDirectory) -> None:
    admin, org_id = await api.admin_of("acme")
    caller = Caller.system(org_id)
    integration = await create_integration(api.deps, caller, "connex", "Connex", "DIRECTORY")
    settings = SyncSettings(base_url=directory.base_url, bearer_token="t")
    await configure_sync(api.deps, caller, integration.id, settings)
    person = await directory.add_person("noor", email=EMAIL)
    await directory.replace(person, "name", {"givenName": "Noor", "familyName": "Okafor"})
    run = await run_sync(directory.wired(api.deps), caller, integration.id)
    assert (run.created, run.failed) == (1, 0), run
    [user] = (await api.gql(admin, doc.USERS, {"search": "okaf"}))["data"]["users"]["edges"]
    user_id = user["node"]["id"]
    session = await signed_in(api, org_id, user_id)
    await directory.replace(person, "active", False)
    held = await run_sync(directory.wired(api.deps), caller, integration.id)
    assert held.status == AWAITING_CONFIRMATION, held  # 1 of 1: above the threshold
    run = await confirm_sync_run(directory.wired(api.deps), caller, held.id)
    assert (run.status, run.disabled, run.failed) == (SUCCEEDED, 1, 0), run
    event = await went_out(api, admin, session, org_id, user_id, "DIRECTORY")
    assert event["metadata"]["integration_id"] == integration.id
