"""A directory holds no admin rights: it may not change an admin's email (a reset link
would go to the new one), and an email it does change voids the links sent to the old."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from tests.e2e.scim_peers import ScimServer, scim_server
from tests.e2e.sync_graphql import (
    data,
    directory_integration,
    error_codes,
    run_sync,
    serving,
    users_by_email,
)
from tests.integration.conftest import Api

pytestmark = pytest.mark.e2e

UPDATE_ROLES = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  user { id roles } userErrors { code message field } } }"""
INVITE = """mutation($input: InviteUserInput!) { inviteUser(input: $input) {
  user { id status } userErrors { code message field } } }"""


@pytest.fixture
async def api(settings: Settings, fast_hasher: PasswordHasher) -> AsyncIterator[Api]:
    async with serving(settings, fast_hasher) as api:
        yield api


@pytest.fixture(scope="module")
def scim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    with scim_server(tmp_path_factory.mktemp("scim") / "scim.log") as server:
        yield server


async def test_a_directory_cannot_move_an_admins_email_and_voids_others_links(
    api: Api, scim: ScimServer
) -> None:
    directory = scim.tenant()
    ada = directory.add_person("ada", email="ada@bidder.example")
    bob = directory.add_person("bob", email="bob@bidder.example")
    admin, org_id = await api.admin_of("acme")
    integration_id = await directory_integration(api, admin, directory.base_url)
    first = await run_sync(api, admin, integration_id)
    assert (first["status"], first["created"]) == ("SUCCEEDED", 2), first
    users = await users_by_email(api, admin)
    ada_id, bob_id = users["ada@bidder.example"]["id"], users["bob@bidder.example"]["id"]
    promoted = await data(
        api, admin, UPDATE_ROLES, {"input": {"userId": ada_id, "roles": ["ADMIN"]}}
    )
    assert promoted["updateUser"]["user"]["roles"] == ["ADMIN"], promoted
    invited = await data(api, admin, INVITE, {"input": {"userId": bob_id, "channel": "email"}})
    assert invited["inviteUser"]["userErrors"] == [], invited
    tokens = api.deps.store.db["invitation_tokens"]
    assert await tokens.count_documents({"user_id": bob_id, "used_at": None}) == 1

    directory.patch(ada, "emails", [{"value": "attacker@evil.example", "primary": True}])
    directory.patch(bob, "emails", [{"value": "robert@bidder.example", "primary": True}])
    second = await run_sync(api, admin, integration_id)
    assert (second["updated"], second["failed"]) == (1, 1), second
    assert error_codes(second) == ["FORBIDDEN"]
    users = await users_by_email(api, admin)
    assert "ada@bidder.example" in users and "attacker@evil.example" not in users
    assert "robert@bidder.example" in users
    # The invitation went to bob's old address: it no longer works.
    assert await tokens.count_documents({"user_id": bob_id, "used_at": None}) == 0
    # The new address is the organization's directory's own: trusted (DESIGN.md, Identity).
    bob_now = await api.deps.store.users.get(org_id, bob_id)
    assert bob_now is not None and bob_now.email_verified
