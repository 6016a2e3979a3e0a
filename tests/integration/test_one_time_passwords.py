"""One-time passwords: an admin sets one, the user must choose their own at first sign-in."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.integration import documents as doc
from tests.integration.conftest import Api

ERRORS = "userErrors { field code message }"
SET_OTP = f"""mutation($input: SetOneTimePasswordInput!) {{
  setOneTimePassword(input: $input) {{ user {{ id status }} {ERRORS} }} }}"""
CHANGE = f"""mutation($input: ChangePasswordInput!) {{
  changePassword(input: $input) {{ user {{ id email }} expiresAt {ERRORS} }} }}"""
ONE_TIME = "otter lantern 7 maple"
CHOSEN = "quiet harbour 93 violet"


async def new_user(api: Api, admin: httpx.AsyncClient, email: str = "otto@acme.example") -> str:
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Otto", "lastName": "Time", "email": email}},
    )
    assert body["data"]["createUser"]["userErrors"] == [], body
    user_id: str = body["data"]["createUser"]["user"]["id"]
    return user_id


async def set_otp(api: Api, client: httpx.AsyncClient, user_id: str, password: str) -> Any:
    body = await api.gql(client, SET_OTP, {"input": {"userId": user_id, "password": password}})
    return body["data"]["setOneTimePassword"]


async def change(
    api: Api, client: httpx.AsyncClient, current: str, new: str, login: str = "otto@acme.example"
) -> Any:
    variables = {
        "input": {
            "organization": "acme",
            "login": login,
            "currentPassword": current,
            "newPassword": new,
        }
    }
    return (await api.gql(client, CHANGE, variables))["data"]["changePassword"]


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def test_one_time_password_must_be_changed_at_first_sign_in(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await new_user(api, admin)
    result = await set_otp(api, admin, user_id, ONE_TIME)
    assert result["userErrors"] == []
    assert result["user"]["status"] == "ACTIVE"

    browser = api.browser()
    refused = (await api.sign_in(browser, "acme", "otto@acme.example", ONE_TIME))["data"]["signIn"]
    assert codes(refused) == ["PASSWORD_CHANGE_REQUIRED"]
    assert refused["user"] is None
    assert "roster_session" not in browser.cookies
    me = await api.gql(browser, "{ me { id } }")
    assert me["data"]["me"] is None

    changed = await change(api, browser, ONE_TIME, CHOSEN)
    assert changed["userErrors"] == []
    assert changed["user"]["id"] == user_id
    me = await api.gql(browser, "{ me { id } }")
    assert me["data"]["me"]["id"] == user_id

    # The one-time password is gone; the chosen one signs in directly.
    again = api.browser()
    old = (await api.sign_in(again, "acme", "otto@acme.example", ONE_TIME))["data"]["signIn"]
    assert codes(old) == ["INVALID_CREDENTIALS"]
    ok = (await api.sign_in(again, "acme", "otto@acme.example", CHOSEN))["data"]["signIn"]
    assert ok["userErrors"] == [] and ok["user"]["id"] == user_id

    events = await api.deps.store.audit.page(org_id, user_id, None, 50)
    actions = [e.action for e in events]
    assert "user.one_time_password_set" in actions and "user.password_changed" in actions


async def test_change_password_checks_the_policy_and_the_current_password(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    user_id = await new_user(api, admin)
    assert (await set_otp(api, admin, user_id, ONE_TIME))["userErrors"] == []
    browser = api.browser()

    wrong = await change(api, browser, "not the password at all", CHOSEN)
    assert codes(wrong) == ["INVALID_CREDENTIALS"]
    weak = await change(api, browser, ONE_TIME, "password1234")
    assert codes(weak) == ["INVALID"]
    assert weak["userErrors"][0]["field"] == ["input", "newPassword"]
    same = await change(api, browser, ONE_TIME, ONE_TIME)
    assert codes(same) == ["INVALID"]
    assert "roster_session" not in browser.cookies
    # Still a one-time password: nothing changed.
    still = (await api.sign_in(browser, "acme", "otto@acme.example", ONE_TIME))["data"]["signIn"]
    assert codes(still) == ["PASSWORD_CHANGE_REQUIRED"]


async def test_set_one_time_password_rules(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await new_user(api, admin)

    assert codes(await set_otp(api, admin, user_id, "short")) == ["INVALID"]
    assert codes(await set_otp(api, admin, user_id, "otto@acme.example")) == ["INVALID"]
    assert codes(await set_otp(api, admin, "0" * 24, ONE_TIME)) == ["NOT_FOUND"]

    # A member may not set anyone's password, not even their own this way.
    member_id = await new_user(api, admin, "mia@acme.example")
    await api.give_password(org_id, member_id, CHOSEN)
    member = api.browser()
    signed = (await api.sign_in(member, "acme", "mia@acme.example", CHOSEN))["data"]["signIn"]
    assert signed["userErrors"] == []
    assert codes(await set_otp(api, member, user_id, ONE_TIME)) == ["FORBIDDEN"]

    # A disabled user gets no password.
    disabled = await api.gql(admin, doc.DISABLE, {"input": {"userId": user_id}})
    assert disabled["data"]["disableUser"]["userErrors"] == []
    assert codes(await set_otp(api, admin, user_id, ONE_TIME)) == ["INVALID"]
    user = await api.deps.store.users.get(org_id, user_id)
    assert user is not None and user.password_hash is None


async def test_setting_a_one_time_password_ends_the_users_sessions(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await new_user(api, admin)
    await api.give_password(org_id, user_id, CHOSEN)
    browser = api.browser()
    assert (await api.sign_in(browser, "acme", "otto@acme.example", CHOSEN))["data"]["signIn"][
        "userErrors"
    ] == []
    assert (await api.gql(browser, "{ me { id } }"))["data"]["me"]["id"] == user_id

    assert (await set_otp(api, admin, user_id, ONE_TIME))["userErrors"] == []
    assert (await api.gql(browser, "{ me { id } }"))["data"]["me"] is None


async def test_concurrent_changes_one_wins(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    user_id = await new_user(api, admin)
    assert (await set_otp(api, admin, user_id, ONE_TIME))["userErrors"] == []
    choices = [f"{CHOSEN} {n}" for n in range(5)]
    results = await asyncio.gather(
        *(change(api, api.browser(), ONE_TIME, choice) for choice in choices)
    )
    winners = [r for r in results if r["userErrors"] == []]
    assert len(winners) == 1, results
    winner = choices[results.index(winners[0])]
    assert all(codes(r) == ["INVALID_CREDENTIALS"] for r in results if r is not winners[0])
    ok = (await api.sign_in(api.browser(), "acme", "otto@acme.example", winner))["data"]["signIn"]
    assert ok["userErrors"] == []
