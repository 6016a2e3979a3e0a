"""Email trust (DESIGN.md, Identity rules): an email counts as verified when a link proved
it, when the organization's own directory or identity provider set it (SCIM, directory
sync), or when an admin marked it verified (createUser/updateUser emailVerified: admins
only, audited). Changing an email by any other way makes it unverified again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from provisioning.caller import Caller
from provisioning.integrations.integrations import create_integration
from provisioning.sync.configuration import SyncSettings, configure_sync
from provisioning.sync.runs import run_sync
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_directory import ScimDirectory, scim_directory
from tests.integration.scim_support import access_token, scim_peer, user_body
from tests.integration.test_partner_access import bearer

CREATE = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  user { id email emailVerified } userErrors { field code message } } }"""
UPDATE = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  user { id email emailVerified } userErrors { field code message } } }"""
VERIFIED = "query($id: ID!) { user(id: $id) { email emailVerified } }"


@pytest.fixture
async def directory() -> AsyncIterator[ScimDirectory]:
    async with scim_directory() as directory:
        yield directory


async def events(api: Api, user_id: str, action: str) -> list[dict[str, Any]]:
    cursor = api.deps.store.db["audit_events"].find({"target_id": user_id, "action": action})
    return [e async for e in cursor]


async def verified(api: Api, admin: httpx.AsyncClient, user_id: str) -> tuple[str, bool]:
    user = (await api.gql(admin, VERIFIED, {"id": user_id}))["data"]["user"]
    return user["email"], user["emailVerified"]


async def test_an_admin_vouches_for_an_email_and_the_trail_says_so(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    plain = {"firstName": "Ada", "lastName": "Plain", "email": "ada@acme.example"}
    created = (await api.gql(admin, CREATE, {"input": plain}))["data"]["createUser"]
    assert created["userErrors"] == [] and created["user"]["emailVerified"] is False
    vouched = {"firstName": "Vic", "lastName": "Vouched", "email": "vic@acme.example"}
    body = await api.gql(admin, CREATE, {"input": {**vouched, "emailVerified": True}})
    vic = body["data"]["createUser"]["user"]
    assert vic["emailVerified"] is True
    [event] = await events(api, vic["id"], "user.created")
    assert event["changes"]["email_verified"] == {"before": None, "after": True}

    ada_id = created["user"]["id"]
    marked = await api.gql(admin, UPDATE, {"input": {"userId": ada_id, "emailVerified": True}})
    assert marked["data"]["updateUser"]["user"]["emailVerified"] is True
    [event] = await events(api, ada_id, "user.updated")
    assert event["changes"] == {"email_verified": {"before": False, "after": True}}

    # A new email is not the one vouched for: unverified, unless the admin says so again.
    moved = {"userId": ada_id, "email": "ada.l@acme.example"}
    assert (await api.gql(admin, UPDATE, {"input": moved}))["data"]["updateUser"][
        "userErrors"
    ] == []
    assert await verified(api, admin, ada_id) == ("ada.l@acme.example", False)
    again = {"userId": ada_id, "email": "ada@acme.example", "emailVerified": True}
    assert (await api.gql(admin, UPDATE, {"input": again}))["data"]["updateUser"][
        "userErrors"
    ] == []
    assert await verified(api, admin, ada_id) == ("ada@acme.example", True)
    withdrawn = {"userId": ada_id, "emailVerified": False}
    assert (await api.gql(admin, UPDATE, {"input": withdrawn}))["data"]["updateUser"][
        "userErrors"
    ] == []
    assert await verified(api, admin, ada_id) == ("ada@acme.example", False)


async def test_only_admins_vouch_for_emails(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    token = await access_token(api, admin, ["users:read", "users:write"])
    fields = {"firstName": "Pat", "lastName": "Partner", "email": "pat@acme.example"}
    response = await bearer(api, token, CREATE, {"input": {**fields, "emailVerified": True}})
    payload = response.json()["data"]["createUser"]
    assert payload["user"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "emailVerified"], "FORBIDDEN")
    ]
    created = (await bearer(api, token, CREATE, {"input": fields})).json()["data"]["createUser"]
    assert created["userErrors"] == [], created
    user_id = created["user"]["id"]
    response = await bearer(
        api, token, UPDATE, {"input": {"userId": user_id, "emailVerified": True}}
    )
    payload = response.json()["data"]["updateUser"]
    assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    assert await verified(api, admin, user_id) == ("pat@acme.example", False)
    assert await events(api, user_id, "user.updated") == []


async def test_the_identity_provider_vouches_for_the_emails_it_sets_over_scim(api: Api) -> None:
    peer = await scim_peer(api)
    # A user made here first, unverified; the provider then takes it over and renames it.
    body = await api.gql(
        peer.admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Bo", "lastName": "Here", "email": "bo@acme.example"}},
    )
    user_id = body["data"]["createUser"]["user"]["id"]
    assert await verified(api, peer.admin, user_id) == ("bo@acme.example", False)
    replaced = await peer.put(
        f"/Users/{user_id}",
        user_body("bo.new@acme.example", "Bo", "Here", email="bo.new@acme.example"),
    )
    assert replaced.status_code == 200, replaced.text
    assert await verified(api, peer.admin, user_id) == ("bo.new@acme.example", True)
    created = await peer.post(
        "/Users", user_body("cy@acme.example", "Cy", "Scim", email="cy@acme.example")
    )
    assert created.status_code == 201, created.text
    assert await verified(api, peer.admin, created.json()["id"]) == ("cy@acme.example", True)


async def test_the_directory_vouches_for_the_emails_it_sets(
    api: Api, directory: ScimDirectory
) -> None:
    admin, org_id = await api.admin_of("acme")
    caller = Caller.system(org_id)
    integration = await create_integration(api.deps, caller, "connex", "Connex", "DIRECTORY")
    settings = SyncSettings(base_url=directory.base_url, bearer_token="t")
    await configure_sync(api.deps, caller, integration.id, settings)
    remote = await directory.add_person("dee", email="dee@bidder.example")
    first = await run_sync(directory.wired(api.deps), caller, integration.id)
    assert first.created == 1, first
    user = await api.deps.store.users.find_by_email(org_id, "dee@bidder.example")
    assert user is not None and user.email_verified

    # The directory changes the email: the new one is the directory's, and trusted too.
    await directory.replace(
        remote, "emails", [{"value": "dee.new@bidder.example", "primary": True}]
    )
    second = await run_sync(directory.wired(api.deps), caller, integration.id)
    assert second.updated == 1, second
    assert await verified(api, admin, user.id) == ("dee.new@bidder.example", True)
    [event] = await events(api, user.id, "user.updated")
    assert event["changes"]["email"] == {
        "before": "dee@bidder.example",
        "after": "dee.new@bidder.example",
    }
    assert event["metadata"]["integration_id"] == integration.id
