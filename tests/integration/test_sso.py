"""SSO: the authorization code flow against a real provider on loopback, and JIT users."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from provisioning.sso.login import sign_in_with_claims
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.oidc_provider import FakeProvider, running_provider

PUBLIC_URL = "http://127.0.0.1:8000"
CONFIGURE = f"""mutation($input: IdentityProviderInput!) {{
  configureIdentityProvider(input: $input) {{
    identityProvider {{ id name issuer clientId scopes emailDomains jit linkByVerifiedEmail
      ownsProfile defaultSeat defaultLanguage loginUrl defaultDepartment {{ id name }}
      claimMapping {{ email firstName lastName username department }} }}
    {doc.ERRORS} }} }}"""
PROVIDERS = "{ identityProviders { id name clientId emailDomains } }"
REMOVE = f"""mutation($input: RemoveIdentityProviderInput!) {{
  removeIdentityProvider(input: $input) {{ ok {doc.ERRORS} }} }}"""
SIGN_IN_OPTIONS = """query($org: String!) {
  signInOptions(organization: $org) { providers { id name loginUrl } } }"""
LOGIN_OPTIONS = """query($org: String!, $email: String!) {
  loginOptions(organization: $org, email: $email) { password provider { id name loginUrl } } }"""
GRACE = {
    "sub": "okta|grace",
    "email": "Grace@Acme.example",
    "email_verified": True,
    "given_name": "Grace",
    "family_name": "Hopper",
}


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with running_provider() as running:
        running.next_user = dict(GRACE)
        yield running


async def configure(
    api: Api, admin: httpx.AsyncClient, provider: FakeProvider, **fields: Any
) -> dict[str, Any]:
    body = await api.gql(
        admin,
        CONFIGURE,
        {
            "input": {
                "name": "Okta",
                "issuer": provider.issuer,
                "clientId": provider.client_id,
                "clientSecret": provider.client_secret,
                **fields,
            }
        },
    )
    payload: dict[str, Any] = body["data"]["configureIdentityProvider"]
    return payload


async def sso(browser: httpx.AsyncClient, slug: str, **params: str) -> tuple[httpx.Response, str]:
    """One whole login: our login route, the provider, our callback. (response, callback)."""
    start = await browser.get(f"/auth/{slug}/login", params=params)
    assert start.status_code == 303, start.text
    async with httpx.AsyncClient() as outside:
        at_provider = await outside.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    callback = at_provider.headers["location"]
    assert callback.startswith(f"{PUBLIC_URL}/auth/{slug}/callback?")
    path = callback.removeprefix(PUBLIC_URL)
    return await browser.get(path, headers={"Accept": "application/json"}), path


async def count(api: Api, collection: str) -> int:
    return await api.deps.store.db[collection].count_documents({})


async def test_first_login_creates_the_user_with_the_providers_defaults(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    org = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]
    department = org["departments"][1]
    configured = await configure(
        api,
        admin,
        provider,
        defaultDepartmentId=department["id"],
        defaultSeat="FULL",
        defaultLanguage="de-ch",
        emailDomains=["ACME.example"],
    )
    assert configured["userErrors"] == []
    idp = configured["identityProvider"]
    assert idp["loginUrl"] == f"{PUBLIC_URL}/auth/acme/login?provider={idp['id']}"
    assert idp["scopes"] == ["openid", "email", "profile"]
    assert idp["emailDomains"] == ["acme.example"]

    browser = api.browser()
    done, _ = await sso(browser, "acme", provider=idp["id"], return_to="/welcome?x=1")
    assert done.status_code == 303
    assert done.headers["location"] == f"{PUBLIC_URL}/welcome?x=1"
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    assert me["email"] == "grace@acme.example"
    assert (me["firstName"], me["lastName"]) == ("Grace", "Hopper")
    assert (me["source"], me["status"], me["seat"]) == ("SSO", "ACTIVE", "FULL")
    assert me["department"] == department
    assert me["language"] == "de-CH"
    assert me["lastLoginAt"] is not None
    stored = await api.deps.store.users.get(org["id"], me["id"])
    assert stored is not None and stored.email_verified
    identity = await api.deps.store.identities.find(org["id"], provider.issuer, str(GRACE["sub"]))
    assert identity is not None and identity.user_id == me["id"]
    trail = await api.gql(admin, doc.AUDIT, {"targetId": me["id"]})
    actions = [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]
    assert actions == ["user.signed_in", "identity.linked", "user.created"]


async def test_later_logins_find_the_same_user(api: Api, provider: FakeProvider) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    first, second = api.browser(), api.browser()
    await sso(first, "acme")
    me1 = (await api.gql(first, doc.ME))["data"]["me"]
    provider.next_user = {**GRACE, "given_name": "Amazing Grace"}  # not owned: not copied
    done, _ = await sso(second, "acme")
    assert done.status_code == 303
    me2 = (await api.gql(second, doc.ME))["data"]["me"]
    assert me1["id"] == me2["id"]
    assert me2["firstName"] == "Grace"
    assert me2["lastLoginAt"] > me1["lastLoginAt"]
    assert await count(api, "identities") == 1


async def test_a_provider_that_owns_profiles_refreshes_them(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider, ownsProfile=True, claimMapping={"department": "groups"})
    await sso(api.browser(), "acme")
    provider.next_user = {**GRACE, "family_name": "Hopper-Murray", "groups": ["Finance", "x"]}
    browser = api.browser()
    await sso(browser, "acme")
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    assert me["lastName"] == "Hopper-Murray"
    assert me["department"]["name"] == "Finance"
    # Through the one update path: findable by the new name, and audited.
    found = await api.gql(admin, doc.USERS, {"search": "hopper-murr"})
    assert [e["node"]["id"] for e in found["data"]["users"]["edges"]] == [me["id"]]
    cursor = api.deps.store.db["audit_events"].find(
        {"target_id": me["id"], "action": "user.updated"}
    )
    [event] = [e async for e in cursor]
    assert event["changes"]["last_name"] == {"before": "Hopper", "after": "Hopper-Murray"}


async def test_claims_missing_from_the_id_token_come_from_userinfo(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    provider.drop_claims = {"email", "email_verified", "given_name", "family_name"}
    browser = api.browser()
    done, _ = await sso(browser, "acme")
    assert done.status_code == 303, done.text
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    assert (me["email"], me["lastName"]) == ("grace@acme.example", "Hopper")


async def test_fifty_concurrent_first_logins_make_one_user_and_one_identity(
    api: Api, provider: FakeProvider
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, provider)
    record = (await api.deps.store.identity_providers.list(org_id))[0]
    users = await asyncio.gather(*(sign_in_with_claims(api.deps, record, GRACE) for _ in range(50)))
    assert len({u.user.id for u in users}) == 1
    assert await api.deps.store.db["identities"].count_documents({"org_id": org_id}) == 1
    assert await api.deps.store.db["users"].count_documents({"org_id": org_id}) == 2


async def test_concurrent_first_logins_over_http_make_one_user(
    api: Api, provider: FakeProvider
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, provider)
    results = await asyncio.gather(*(sso(api.browser(), "acme") for _ in range(8)))
    assert all(done.status_code == 303 for done, _ in results)
    assert await api.deps.store.db["users"].count_documents({"org_id": org_id}) == 2


async def test_disabled_user_is_refused_with_a_clear_page(api: Api, provider: FakeProvider) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    browser = api.browser()
    await sso(browser, "acme")
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    await api.gql(admin, doc.DISABLE, {"input": {"userId": me["id"]}})
    again = api.browser()
    start = await again.get("/auth/acme/login")
    async with httpx.AsyncClient() as outside:
        back = (await outside.get(start.headers["location"])).headers["location"]
    page = await again.get(back.removeprefix(PUBLIC_URL))
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "USER_DISABLED" in page.text and page.headers["x-request-id"] in page.text
    assert "Traceback" not in page.text


async def test_domain_policy_and_jit_off_refuse_and_create_nothing(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    configured = await configure(api, admin, provider, emailDomains=["other.example"])
    users_before = await count(api, "users")
    done, _ = await sso(api.browser(), "acme")
    assert done.status_code == 403 and done.json()["error"] == "EMAIL_DOMAIN_NOT_ALLOWED"
    idp_id = configured["identityProvider"]["id"]
    changed = await configure(api, admin, provider, id=idp_id, jit=False)
    assert changed["userErrors"] == []
    done, _ = await sso(api.browser(), "acme")
    assert done.status_code == 403 and done.json()["error"] == "NOT_PROVISIONED"
    assert await count(api, "users") == users_before
    assert await count(api, "identities") == 0


async def test_link_by_verified_email_only_when_both_sides_are_verified(
    api: Api, provider: FakeProvider
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, provider, linkByVerifiedEmail=True)
    existing = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Grace", "lastName": "H", "email": "grace@acme.example"}},
    )
    user_id = existing["data"]["createUser"]["user"]["id"]
    # The existing user's email is not verified: no link, and no second account either.
    done, _ = await sso(api.browser(), "acme")
    assert done.status_code == 409 and done.json()["error"] == "EMAIL_TAKEN"
    await api.deps.store.users.update(org_id, user_id, {"email_verified": True})
    # The provider does not vouch for the email: still no link.
    provider.next_user = {**GRACE, "email_verified": False}
    done, _ = await sso(api.browser(), "acme")
    assert done.status_code == 409
    assert await count(api, "identities") == 0
    # Both verified: linked to the existing user.
    provider.next_user = dict(GRACE)
    browser = api.browser()
    done, _ = await sso(browser, "acme")
    assert done.status_code == 303
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    # The created user was PENDING: the first sign-in that proves them activates them.
    assert (me["id"], me["status"]) == (user_id, "ACTIVE")
    actions = [
        e["action"] async for e in api.deps.store.db["audit_events"].find({"target_id": user_id})
    ]
    assert {"user.activated", "identity.linked"} <= set(actions), actions
    # Another subject at the same provider with that email: the user already has their
    # identity there, so it is not linked a second time.
    provider.next_user = {**GRACE, "sub": "okta|someone-else"}
    done, _ = await sso(api.browser(), "acme")
    assert done.status_code == 409 and done.json()["error"] == "EMAIL_TAKEN"
    assert await count(api, "identities") == 1


async def test_the_provider_may_rotate_its_key_between_logins(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, provider)
    first, _ = await sso(api.browser(), "acme")
    provider.rotate_key()
    second, _ = await sso(api.browser(), "acme")
    assert (first.status_code, second.status_code) == (303, 303)


async def test_the_sign_in_page_lists_every_provider_of_the_organization(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    first = await configure(api, admin, provider, emailDomains=["acme.example"])
    second = await configure(api, admin, provider, name="Partners", emailDomains=[])
    await api.admin_of("other")
    anonymous = api.browser()
    found = await api.gql(anonymous, SIGN_IN_OPTIONS, {"org": " ACME "})
    providers = found["data"]["signInOptions"]["providers"]
    assert {(p["id"], p["name"]) for p in providers} == {
        (first["identityProvider"]["id"], first["identityProvider"]["name"]),
        (second["identityProvider"]["id"], "Partners"),
    }
    assert all(p["loginUrl"].endswith(f"/auth/acme/login?provider={p['id']}") for p in providers)
    # Another organization's, and an unknown one's, answer the same shape: nothing.
    for org in ("other", "no-such-org"):
        none = await api.gql(anonymous, SIGN_IN_OPTIONS, {"org": org})
        assert none == {"data": {"signInOptions": {"providers": []}}}, none


async def test_home_realm_discovery_and_login_by_hint(api: Api, provider: FakeProvider) -> None:
    admin, _ = await api.admin_of("acme")
    configured = await configure(api, admin, provider, emailDomains=["acme.example"])
    await configure(api, admin, provider, name="Partners", emailDomains=["partner.example"])
    anonymous = api.browser()
    found = await api.gql(anonymous, LOGIN_OPTIONS, {"org": "acme", "email": "x@acme.example"})
    option = found["data"]["loginOptions"]
    assert option["provider"]["id"] == configured["identityProvider"]["id"]
    assert option["password"] is True
    none = await api.gql(anonymous, LOGIN_OPTIONS, {"org": "acme", "email": "x@gmail.example"})
    assert none["data"]["loginOptions"]["provider"] is None
    # A sign-in page needs a button, not the provider's configuration: anyone may ask.
    leaky = await api.gql(
        anonymous,
        """query($org: String!, $email: String!) { loginOptions(organization: $org,
             email: $email) { provider { issuer clientId emailDomains } } }""",
        {"org": "acme", "email": "x@acme.example"},
    )
    assert leaky.get("data") is None and leaky["errors"], leaky
    ambiguous = await anonymous.get("/auth/acme/login")
    assert ambiguous.status_code == 404
    done, _ = await sso(anonymous, "acme", login_hint="grace@acme.example")
    assert done.status_code == 303


async def test_provider_settings_are_validated_and_the_secret_never_read(
    api: Api, provider: FakeProvider
) -> None:
    admin, org_id = await api.admin_of("acme")
    bad = await configure(
        api,
        admin,
        provider,
        issuer="http://idp.example.com",
        clientSecret="",
        scopes=["email"],
        emailDomains=["not a domain"],
        defaultDepartmentId="ffffffffffffffffffffffff",
        defaultLanguage="??",
    )
    found = {(e["field"][-1], e["code"]) for e in bad["userErrors"]}
    assert found == {
        ("issuer", "INVALID"),
        ("clientSecret", "REQUIRED"),
        ("scopes", "INVALID"),
        ("emailDomains", "INVALID"),
        ("defaultDepartmentId", "NOT_FOUND"),
        ("defaultLanguage", "INVALID"),
    }
    good = await configure(api, admin, provider, emailDomains=["acme.example"])
    clash = await configure(api, admin, provider, name="Again", emailDomains=["acme.example"])
    assert [e["code"] for e in clash["userErrors"]] == ["INVALID"]
    stored = await api.deps.store.db["identity_providers"].find_one({"org_id": org_id})
    assert stored is not None
    assert provider.client_secret not in str(stored)
    listing = await admin.post(
        "/graphql", json={"query": PROVIDERS}, headers={"X-Roster-Request": "1"}
    )
    assert provider.client_secret not in listing.text
    # Changing without a secret keeps the old one: logins still work.
    idp_id = good["identityProvider"]["id"]
    changed = await configure(api, admin, provider, id=idp_id, clientSecret=None, name="Okta 2")
    assert changed["identityProvider"]["name"] == "Okta 2"
    done, _ = await sso(api.browser(), "acme", provider=idp_id)
    assert done.status_code == 303
    trail = await api.gql(admin, doc.AUDIT, {"targetId": idp_id})
    assert provider.client_secret not in str(trail)


async def test_providers_are_per_organization(api: Api, provider: FakeProvider) -> None:
    admin_a, _ = await api.admin_of("alpha")
    admin_b, _ = await api.admin_of("beta")
    theirs = (await configure(api, admin_b, provider))["identityProvider"]["id"]
    assert (await api.gql(admin_a, PROVIDERS))["data"]["identityProviders"] == []
    removed = await api.gql(admin_a, REMOVE, {"input": {"id": theirs}})
    assert [e["code"] for e in removed["data"]["removeIdentityProvider"]["userErrors"]] == [
        "NOT_FOUND"
    ]
    changed = await configure(api, admin_a, provider, id=theirs)
    assert [e["code"] for e in changed["userErrors"]] == ["NOT_FOUND"]
    login = await api.browser().get("/auth/alpha/login", params={"provider": theirs})
    assert login.status_code == 404
    member_view = await api.gql(api.browser(), PROVIDERS)
    assert member_view["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    ok = await api.gql(admin_b, REMOVE, {"input": {"id": theirs}})
    assert ok["data"]["removeIdentityProvider"] == {"ok": True, "userErrors": []}
