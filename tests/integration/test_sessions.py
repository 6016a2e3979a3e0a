"""Password sign-in, server-side sessions, CSRF and roles."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from starlette.responses import Response

from auth.cookies import set_session_cookie
from config.settings import Settings
from tests.integration import documents as doc
from tests.integration.conftest import ADMIN_PASSWORD, Api


@pytest.fixture
def settings(mongodb_uri: str) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        login_failures_per_login=3,
        login_failures_per_address=6,
    )


def codes(body: dict[str, object]) -> list[str]:
    errors = body["data"]["signIn"]["userErrors"]  # type: ignore[index]
    return [e["code"] for e in errors]


async def member_of(
    api: Api, admin: httpx.AsyncClient, org_id: str
) -> tuple[httpx.AsyncClient, str]:
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {
            "input": {
                "firstName": "Mo",
                "lastName": "Member",
                "username": "moe",
                "phone": "+442079460958",
            }
        },
    )
    user_id = body["data"]["createUser"]["user"]["id"]
    await api.give_password(org_id, user_id, "member password 1")
    member = api.browser()
    signed = await api.sign_in(member, "acme", "MOE", "member password 1")
    assert codes(signed) == [], signed
    return member, user_id


async def test_wrong_org_login_or_password_give_the_same_answer(api: Api) -> None:
    await api.admin_of("acme")
    answers = []
    for org, login, password in [
        ("acme", "admin@acme.example", "wrong password"),
        ("acme", "nobody@acme.example", ADMIN_PASSWORD),
        ("nowhere", "admin@acme.example", ADMIN_PASSWORD),
    ]:
        body = await api.sign_in(api.browser(address=str(uuid.uuid4())), org, login, password)
        assert body["data"]["signIn"]["user"] is None
        answers.append(body["data"]["signIn"]["userErrors"])
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0]["code"] == "INVALID_CREDENTIALS"


async def test_sign_in_with_username_sets_an_http_only_lax_cookie(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    member, user_id = await member_of(api, admin, org_id)
    response = await member.post(
        "/graphql",
        json={
            "query": "mutation($i: SignInInput!) { signIn(input: $i) { user { id } expiresAt } }",
            "variables": {
                "i": {"organization": "acme", "login": "moe", "password": "member password 1"}
            },
        },
        headers={"X-Roster-Request": "1"},
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("roster_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # development over plain http
    assert response.json()["data"]["signIn"]["user"]["id"] == user_id


async def test_production_cookie_is_host_prefixed_and_secure(
    settings: Settings, fast_hasher: object
) -> None:
    production = replace(
        settings,
        env="production",
        public_url="https://roster.example.com",
        secret_key="k" * 40,
        metrics_token="m" * 32,
    )
    assert not production.problems()
    assert production.session_cookie_name == "__Host-roster_session"

    response = Response()
    set_session_cookie(response, production, "token", 60)
    header = response.headers["set-cookie"]
    assert header.startswith("__Host-roster_session=token")
    assert "Secure" in header and "HttpOnly" in header and "Path=/" in header
    assert "Domain" not in header


async def test_a_new_sign_in_replaces_the_old_session(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    old_cookie = admin.cookies["roster_session"]
    again = await api.sign_in(admin, "acme", "admin@acme.example", ADMIN_PASSWORD)
    assert codes(again) == []
    assert admin.cookies["roster_session"] != old_cookie
    stale = api.browser()
    stale.cookies.set("roster_session", old_cookie)
    assert (await api.gql(stale, doc.ME))["data"]["me"] is None


async def test_sign_out_ends_the_session(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    cookie = admin.cookies["roster_session"]
    body = await api.gql(admin, doc.SIGN_OUT)
    assert body["data"]["signOut"] == {"ok": True, "userErrors": []}
    replay = api.browser()
    replay.cookies.set("roster_session", cookie)
    assert (await api.gql(replay, doc.ME))["data"]["me"] is None


async def test_expired_session_is_not_accepted(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    past = api.deps.clock() - timedelta(seconds=1)
    await api.deps.store.db["sessions"].update_many({}, {"$set": {"expires_at": past}})
    assert (await api.gql(admin, doc.ME))["data"]["me"] is None


async def test_cookie_post_without_the_csrf_header_is_refused(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    forged = await admin.post(
        "/graphql",
        json={
            "query": doc.CREATE_USER,
            "variables": {"input": {"firstName": "E", "lastName": "V", "email": "evil@x.example"}},
        },
    )
    assert forged.status_code == 403
    assert "X-Roster-Request" in forged.text
    listing = await api.gql(admin, doc.USERS, {})
    assert listing["data"]["users"]["totalCount"] == 1
    # Without a cookie there is no ambient authority to forge: anonymous, not refused.
    anonymous = await api.browser().post("/graphql", json={"query": "{ me { id } }"})
    assert anonymous.status_code == 200
    assert anonymous.json() == {"data": {"me": None}}


async def test_failures_are_rate_limited_per_login(api: Api) -> None:
    await api.admin_of("acme")
    for _ in range(3):
        body = await api.sign_in(api.browser(), "acme", "admin@acme.example", "wrong")
        assert codes(body) == ["INVALID_CREDENTIALS"]
    # Now even the right password is refused, from any address, until the window passes.
    blocked = await api.sign_in(
        api.browser(address="10.9.9.9"), "acme", "ADMIN@acme.example", ADMIN_PASSWORD
    )
    assert codes(blocked) == ["RATE_LIMITED"]
    assert "Try again in" in blocked["data"]["signIn"]["userErrors"][0]["message"]


async def test_failures_are_rate_limited_per_client_address(api: Api) -> None:
    await api.admin_of("acme")
    attacker = "192.0.2.7"
    for i in range(6):
        body = await api.sign_in(api.browser(address=attacker), "acme", f"u{i}@acme.example", "x")
        assert codes(body) == ["INVALID_CREDENTIALS"]
    blocked = await api.sign_in(
        api.browser(address=attacker), "acme", "admin@acme.example", ADMIN_PASSWORD
    )
    assert codes(blocked) == ["RATE_LIMITED"]
    elsewhere = await api.sign_in(api.browser(), "acme", "admin@acme.example", ADMIN_PASSWORD)
    assert codes(elsewhere) == []


async def test_member_reads_only_themselves_and_cannot_manage(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    admin_id = (await api.gql(admin, doc.ME))["data"]["me"]["id"]
    member, member_id = await member_of(api, admin, org_id)
    assert (await api.gql(member, doc.ME))["data"]["me"]["id"] == member_id
    assert (await api.gql(member, doc.USER, {"id": member_id}))["data"]["user"]["id"] == member_id
    assert (await api.gql(member, doc.USER, {"id": admin_id}))["data"]["user"] is None
    listing = await api.gql(member, doc.USERS, {})
    assert listing["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    audit = await api.gql(member, doc.AUDIT, {})
    assert audit["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    created = await api.gql(
        member,
        doc.CREATE_USER,
        {"input": {"firstName": "X", "lastName": "Y", "email": "x@y.example"}},
    )
    assert [e["code"] for e in created["data"]["createUser"]["userErrors"]] == ["FORBIDDEN"]
    disable = await api.gql(member, doc.DISABLE, {"input": {"userId": admin_id}})
    assert [e["code"] for e in disable["data"]["disableUser"]["userErrors"]] == ["FORBIDDEN"]
    settings_change = await api.gql(member, doc.ORG_SETTINGS, {"input": {"seatLimit": 0}})
    assert [
        e["code"] for e in settings_change["data"]["updateOrganizationSettings"]["userErrors"]
    ] == ["FORBIDDEN"]


async def test_role_changes_apply_to_live_sessions(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    member, member_id = await member_of(api, admin, org_id)
    assert "errors" in await api.gql(member, doc.USERS, {})
    promoted = await api.gql(
        admin, doc.UPDATE_USER, {"input": {"userId": member_id, "roles": ["ADMIN"]}}
    )
    assert promoted["data"]["updateUser"]["user"]["roles"] == ["ADMIN"]
    listing = await api.gql(member, doc.USERS, {})
    assert listing.get("errors") is None and listing["data"]["users"]["totalCount"] == 2


async def test_anonymous_caller_gets_nothing(api: Api) -> None:
    await api.admin_of("acme")
    anonymous = api.browser()
    org = await api.gql(anonymous, doc.ORGANIZATION)
    assert org["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    created = await api.gql(
        anonymous,
        doc.CREATE_USER,
        {"input": {"firstName": "X", "lastName": "Y", "email": "x@y.example"}},
    )
    assert [e["code"] for e in created["data"]["createUser"]["userErrors"]] == ["FORBIDDEN"]
    assert (await api.gql(anonymous, doc.SIGN_OUT))["data"]["signOut"]["ok"] is False
