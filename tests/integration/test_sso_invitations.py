"""Invitations into an organization that signs the user's domain in with SSO: accepting
leads to the provider, and signing in there binds the identity to the invited user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from provisioning.invitations import link_tokens
from store.invitation_tokens import INVITE
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.oidc_provider import FakeProvider, running_provider
from tests.integration.test_sso import configure

PUBLIC_URL = "http://127.0.0.1:8000"
ACCEPT = f"""mutation($input: AcceptInvitationInput!) {{
  acceptInvitation(input: $input) {{ user {{ id }} ssoLoginUrl {doc.ERRORS} }} }}"""
GRACE = {
    "sub": "okta|grace",
    "email": "grace@acme.example",
    "email_verified": True,
    "given_name": "Grace",
    "family_name": "Hopper",
}


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with running_provider() as running:
        running.next_user = dict(GRACE)
        yield running


async def invited(api: Api, admin: httpx.AsyncClient, org_id: str) -> tuple[str, str]:
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Grace", "lastName": "H", "email": "grace@acme.example"}},
    )
    user_id: str = body["data"]["createUser"]["user"]["id"]
    issued = await link_tokens.issue(api.deps, INVITE, org_id, user_id, timedelta(days=1))
    return user_id, issued.token


async def accept(api: Api, browser: httpx.AsyncClient, token: str, **extra: Any) -> Any:
    body = await api.gql(browser, ACCEPT, {"input": {"token": token, **extra}})
    return body["data"]["acceptInvitation"]


async def through_provider(browser: httpx.AsyncClient, login_url: str) -> httpx.Response:
    start = await browser.get(login_url.removeprefix(PUBLIC_URL))
    if start.status_code != 303:
        return start
    async with httpx.AsyncClient() as outside:
        at_provider = await outside.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    callback = at_provider.headers["location"].removeprefix(PUBLIC_URL)
    return await browser.get(callback, headers={"Accept": "application/json"})


async def test_accepting_leads_to_sso_and_binds_the_identity(
    api: Api, provider: FakeProvider
) -> None:
    admin, org_id = await api.admin_of("acme")
    configured = await configure(api, admin, provider, emailDomains=["acme.example"], jit=False)
    assert configured["userErrors"] == []
    user_id, token = await invited(api, admin, org_id)

    browser = api.browser()
    answer = await accept(api, browser, token)
    assert answer["userErrors"] == [] and answer["user"] is None
    login_url = answer["ssoLoginUrl"]
    assert login_url.startswith(f"{PUBLIC_URL}/auth/acme/login?")
    assert "roster_session" not in browser.cookies

    done = await through_provider(browser, login_url)
    assert done.status_code == 303, done.text
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    assert (me["id"], me["status"], me["source"]) == (user_id, "ACTIVE", "MANUAL")
    identity = await api.deps.store.identities.find(org_id, provider.issuer, "okta|grace")
    assert identity is not None and identity.user_id == user_id
    stored = await api.deps.store.users.get(org_id, user_id)
    assert stored is not None and stored.email_verified and stored.password_hash is None

    # The invitation is used up, and the binding link works once.
    assert [e["code"] for e in (await accept(api, api.browser(), token))["userErrors"]] == [
        "TOKEN_INVALID"
    ]
    replay = await api.browser().get(
        login_url.removeprefix(PUBLIC_URL), headers={"Accept": "application/json"}
    )
    assert replay.status_code == 400 and replay.json()["error"] == "INVITATION_INVALID"

    # Later logins find the same user through the identity.
    again = api.browser()
    assert (await through_provider(again, f"{PUBLIC_URL}/auth/acme/login")).status_code == 303
    assert (await api.gql(again, doc.ME))["data"]["me"]["id"] == user_id


async def test_another_account_at_the_provider_cannot_take_the_invitation(
    api: Api, provider: FakeProvider
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, provider, emailDomains=["acme.example"], jit=False)
    user_id, token = await invited(api, admin, org_id)
    answer = await accept(api, api.browser(), token)

    provider.next_user = {**GRACE, "sub": "okta|mallory", "email": "mallory@acme.example"}
    refused = await through_provider(api.browser(), answer["ssoLoginUrl"])
    assert refused.status_code == 403 and refused.json()["error"] == "EMAIL_MISMATCH"
    assert await api.deps.store.identities.find(org_id, provider.issuer, "okta|mallory") is None
    stored = await api.deps.store.users.get(org_id, user_id)
    assert stored is not None and stored.status == "PENDING"

    # The rightful person can still finish with the same link.
    provider.next_user = dict(GRACE)
    browser = api.browser()
    assert (await through_provider(browser, answer["ssoLoginUrl"])).status_code == 303
    assert (await api.gql(browser, doc.ME))["data"]["me"]["id"] == user_id


async def test_an_identity_bound_to_someone_else_is_refused(
    api: Api, provider: FakeProvider
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, provider, emailDomains=["acme.example"], jit=True)
    # Grace's provider account already signed in once and has its own (JIT) user.
    first = api.browser()
    assert (await through_provider(first, f"{PUBLIC_URL}/auth/acme/login")).status_code == 303
    other = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Grace", "lastName": "Two", "email": "grace2@acme.example"}},
    )
    other_id = other["data"]["createUser"]["user"]["id"]
    issued = await link_tokens.issue(api.deps, INVITE, org_id, other_id, timedelta(days=1))
    answer = await accept(api, api.browser(), issued.token)
    provider.next_user = {**GRACE, "email": "grace2@acme.example"}
    refused = await through_provider(api.browser(), answer["ssoLoginUrl"])
    assert refused.status_code == 409 and refused.json()["error"] == "IDENTITY_TAKEN"
    stored = await api.deps.store.users.get(org_id, other_id)
    assert stored is not None and stored.status == "PENDING"


async def test_a_binding_link_of_another_organization_is_refused(
    api: Api, provider: FakeProvider
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, provider, emailDomains=["acme.example"])
    _, token = await invited(api, admin, org_id)
    answer = await accept(api, api.browser(), token)
    other_admin, _ = await api.admin_of("globex")
    await configure(api, other_admin, provider, emailDomains=["acme.example"])
    moved = answer["ssoLoginUrl"].replace("/auth/acme/", "/auth/globex/")
    moved = moved.split("provider=")[0] + "bind=" + moved.split("bind=")[1]
    refused = await api.browser().get(
        moved.removeprefix(PUBLIC_URL), headers={"Accept": "application/json"}
    )
    assert refused.status_code == 400 and refused.json()["error"] == "INVITATION_INVALID"
