"""What an SSO login costs the database (counted by command monitoring: at most 6 MongoDB
commands for a returning login and 10 for a first one, the login route included), and why
the lookups it no longer makes are safe to keep: a provider removed or changed on one app
instance stops signing people in at once on another."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from tests.integration import documents as doc
from tests.integration.conftest import Api, running_api
from tests.integration.oidc_provider import FakeProvider, running_provider
from tests.integration.test_sso import GRACE, REMOVE, configure, sso

RETURNING_LOGIN_COMMANDS = 6
FIRST_LOGIN_COMMANDS = 10


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with running_provider() as running:
        running.next_user = dict(GRACE)
        yield running


@pytest.fixture
async def other_instance(
    api: Api, settings: Settings, fast_hasher: PasswordHasher
) -> AsyncIterator[Api]:
    """A second app instance on the same database, as behind a load balancer."""
    async with running_api(settings, fast_hasher) as other:
        yield other


async def _counted_login(api: Api, provider_id: str) -> list[str]:
    browser = api.browser()
    api.counter.clear()
    done, _ = await sso(browser, "acme", provider=provider_id)
    assert done.status_code == 303, done.text
    return api.counter.data_commands_on()


async def test_first_and_returning_logins_cost_only_the_commands_a_login_needs(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    idp = (await configure(api, admin, provider))["identityProvider"]
    await _counted_login(api, idp["id"])  # fills the caches: discovery, keys, providers
    await api.deps.store.db["identities"].delete_many({})
    await api.deps.store.db["users"].delete_many({"source": "SSO"})

    first = await _counted_login(api, idp["id"])
    returning = await _counted_login(api, idp["id"])

    assert len(first) <= FIRST_LOGIN_COMMANDS, first
    assert len(returning) <= RETURNING_LOGIN_COMMANDS, returning
    trail = await api.gql(admin, doc.AUDIT, {"targetId": None})
    actions = [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]
    # Nothing went unrecorded for the commands saved: newest first, the second login's
    # sign-in, then the first login's sign-in, link and creation.
    assert actions[:4] == ["user.signed_in", "user.signed_in", "identity.linked", "user.created"]


async def test_a_provider_removed_on_one_instance_refuses_the_next_login_on_another(
    api: Api, other_instance: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    idp = (await configure(api, admin, provider))["identityProvider"]
    await _counted_login(other_instance, idp["id"])  # the other instance now keeps it

    removed = await api.gql(admin, REMOVE, {"input": {"id": idp["id"]}})
    assert removed["data"]["removeIdentityProvider"]["userErrors"] == []

    refused, _ = await sso(other_instance.browser(), "acme", provider=idp["id"])
    assert refused.status_code == 404
    assert refused.json()["error"] == "PROVIDER_NOT_FOUND"
    # The login route refuses it too, before sending anyone to the provider.
    again = await other_instance.browser().get(
        "/auth/acme/login", params={"provider": idp["id"]}, headers={"Accept": "application/json"}
    )
    assert again.status_code == 404


async def test_a_provider_changed_on_one_instance_applies_at_once_on_another(
    api: Api, other_instance: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    idp = (await configure(api, admin, provider))["identityProvider"]
    await _counted_login(other_instance, idp["id"])  # the other instance now keeps it

    # A policy change: the other instance signs in under the new policy at once.
    narrowed = await configure(api, admin, provider, id=idp["id"], emailDomains=["other.example"])
    assert narrowed["userErrors"] == []
    refused, _ = await sso(other_instance.browser(), "acme", provider=idp["id"])
    assert (refused.status_code, refused.json()["error"]) == (403, "EMAIL_DOMAIN_NOT_ALLOWED")
    widened = await configure(api, admin, provider, id=idp["id"], emailDomains=[])
    assert widened["userErrors"] == []
    done, _ = await sso(other_instance.browser(), "acme", provider=idp["id"])
    assert done.status_code == 303, done.text

    # The client changed: a login checked against the old client is refused, not completed.
    moved = await configure(api, admin, provider, id=idp["id"], clientId="another-client")
    assert moved["userErrors"] == []
    changed, _ = await sso(other_instance.browser(), "acme", provider=idp["id"])
    assert (changed.status_code, changed.json()["error"]) == (409, "PROVIDER_CHANGED")
