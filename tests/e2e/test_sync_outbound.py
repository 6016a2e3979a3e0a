"""Outbound provisioning end to end: licence holders pushed to a real scim2-server app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from tests.e2e.scim_peers import ScimPeerProcess, ScimServer, scim_server
from tests.e2e.sync_graphql import (
    RETRY,
    data,
    directory_integration,
    error_codes,
    run_sync,
    serving,
)
from tests.integration.conftest import Api

pytestmark = pytest.mark.e2e

CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  user { id } userErrors { code message } } }"""
POOL = """mutation($input: ConfigureLicencePoolInput!) { configureLicencePool(input: $input) {
  userErrors { code message } } }"""
ASSIGN = """mutation($input: AssignLicenceInput!) { assignLicence(input: $input) {
  userErrors { code message } } }"""
REVOKE = """mutation($input: RevokeLicenceInput!) { revokeLicence(input: $input) {
  userErrors { code message } } }"""
UPDATE = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  userErrors { code message } } }"""
DISABLE = """mutation($input: DisableUserInput!) { disableUser(input: $input) {
  userErrors { code message } } }"""
LINKED = (
    """query($id: ID!) { user(id: $id) { linkedAccounts { externalId integration { key } } } }"""
)


@pytest.fixture
async def api(settings: Settings, fast_hasher: PasswordHasher) -> AsyncIterator[Api]:
    async with serving(settings, fast_hasher) as api:
        yield api


@pytest.fixture(scope="module")
def scim_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    with scim_server(tmp_path_factory.mktemp("scim") / "scim.log") as server:
        yield server


async def _licensed_user(
    api: Api, admin: httpx.AsyncClient, first: str, email: str, username: str | None = None
) -> str:
    created = await data(
        api,
        admin,
        CREATE_USER,
        {"input": {"firstName": first, "lastName": "Smith", "email": email, "username": username}},
    )
    user_id: str = created["createUser"]["user"]["id"]
    await data(api, admin, ASSIGN, {"input": {"userId": user_id, "productKey": "upvise"}})
    return user_id


def _remote(app: ScimPeerProcess, roster_id: str) -> dict[str, Any]:
    found = [u for u in app.users() if u.get("externalId") == roster_id]
    assert len(found) == 1, app.users()
    return found[0]


async def test_licence_holders_are_created_updated_and_deactivated_in_the_app(
    api: Api, scim_process: ScimServer
) -> None:
    app = scim_process.tenant()
    orphan_remote = app.add_person("someone-else", email="orphan@acme.example")
    app.add_person("dup-user", email="other@elsewhere.example")
    admin, _ = await api.admin_of("acme")
    await data(api, admin, POOL, {"input": {"productKey": "upvise", "name": "Upvise", "seats": 9}})
    upvise = await directory_integration(
        api, admin, app.base_url, key="upvise", kind="PROVISIONING", productKey="upvise"
    )
    ann = await _licensed_user(api, admin, "Ann", "ann@acme.example")
    orphan = await _licensed_user(api, admin, "Olga", "orphan@acme.example")
    await _licensed_user(api, admin, "Dee", "dee@acme.example", username="dup-user")

    dry = await run_sync(api, admin, upvise, dry_run=True)
    assert (dry["direction"], dry["created"]) == ("OUTBOUND", 2), dry
    assert len(app.users()) == 2

    first = await run_sync(api, admin, upvise)
    assert (first["status"], first["created"], first["failed"]) == ("SUCCEEDED", 1, 2), first
    assert error_codes(first) == ["REMOTE_EMAIL_EXISTS", "REMOTE_REJECTED"]
    errors = {e["node"]["code"]: e["node"] for e in first["errors"]["edges"]}
    assert errors["REMOTE_EMAIL_EXISTS"]["remoteId"] == orphan_remote
    assert errors["REMOTE_EMAIL_EXISTS"]["user"]["email"] == "orphan@acme.example"
    # The app's status and scimType only, never its own words.
    assert errors["REMOTE_REJECTED"]["message"].endswith("refused the user: HTTP 409 uniqueness")
    remote_ann = _remote(app, ann)
    assert remote_ann["active"] is True and remote_ann["userName"] == "ann@acme.example"
    linked = await data(api, admin, LINKED, {"id": ann})
    assert linked["user"]["linkedAccounts"] == [
        {"externalId": remote_ann["id"], "integration": {"key": "upvise"}}
    ]

    # A change is pushed; the events already pushed are not pushed again.
    await data(api, admin, UPDATE, {"input": {"userId": ann, "firstName": "Annie"}})
    second = await run_sync(api, admin, upvise)
    assert (second["updated"], second["created"], second["failed"]) == (1, 0, 0), second
    assert _remote(app, ann)["name"]["givenName"] == "Annie"

    # Revoking the licence deactivates the account there.
    await data(api, admin, REVOKE, {"input": {"userId": ann, "productKey": "upvise"}})
    third = await run_sync(api, admin, upvise)
    assert third["disabled"] == 1, third
    assert _remote(app, ann)["active"] is False

    # So does disabling the user.
    bea = await _licensed_user(api, admin, "Bea", "bea@acme.example")
    assert (await run_sync(api, admin, upvise))["created"] == 1
    await data(api, admin, DISABLE, {"input": {"userId": bea}})
    assert (await run_sync(api, admin, upvise))["disabled"] == 1
    assert _remote(app, bea)["active"] is False

    # The orphan is removed at the app: the one record is retried and now applies.
    app.delete(orphan_remote)
    retried = await data(
        api, admin, RETRY, {"input": {"errorId": errors["REMOTE_EMAIL_EXISTS"]["id"]}}
    )
    assert retried["retrySyncError"]["syncError"]["resolvedAt"] is not None, retried
    assert _remote(app, orphan)["emails"][0]["value"] == "orphan@acme.example"
