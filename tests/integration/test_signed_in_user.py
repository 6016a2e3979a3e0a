"""The user a sign-in mutation answers is read as the person who just signed in: every
field a signed-in user may read of themself resolves, none fails with INTERNAL."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration import documents as doc
from tests.integration.conftest import ADMIN_PASSWORD, Api
from tests.integration.mailbox import SmtpServer, text_of
from tests.integration.test_invitations import (
    GOOD_PASSWORD,
    create_user,
    invite,
    settings,  # noqa: F401 - the fixture: SMTP and the public URL
    token_in,
    wait_for_mail,
)
from tests.integration.test_signup import configure, deliver, sign_up, verify_token

CATALOG = "department { id name } jobProfile { id name } permissionType { id name }"
SIGN_IN = f"""mutation($input: SignInInput!) {{ signIn(input: $input) {{
  user {{ id {CATALOG} }} {doc.ERRORS} }} }}"""
ACCEPT = f"""mutation($input: AcceptInvitationInput!) {{ acceptInvitation(input: $input) {{
  user {{ id {CATALOG} }} {doc.ERRORS} }} }}"""
VERIFY = f"""mutation($input: VerifySignUpInput!) {{ verifySignUp(input: $input) {{
  user {{ id {CATALOG} }} {doc.ERRORS} }} }}"""


async def catalog_of(api: Api, admin: httpx.AsyncClient) -> dict[str, Any]:
    org = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]
    return {
        "department": org["departments"][0],
        "jobProfile": org["jobProfiles"][0],
        "permissionType": org["permissionTypes"][0],
    }


def answered(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert body.get("errors") is None, body
    payload: dict[str, Any] = body["data"][field]
    assert payload["userErrors"] == [], payload
    user: dict[str, Any] = payload["user"]
    return user


async def test_sign_in_answers_the_users_catalog_fields(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    given = await catalog_of(api, admin)
    me = (await api.gql(admin, "{ me { id } }"))["data"]["me"]
    ids = {key: value["id"] for key, value in given.items()}
    updated = await api.gql(
        admin,
        doc.UPDATE_USER,
        {
            "input": {
                "userId": me["id"],
                "departmentId": ids["department"],
                "jobProfileId": ids["jobProfile"],
                "permissionTypeId": ids["permissionType"],
            }
        },
    )
    assert updated["data"]["updateUser"]["userErrors"] == [], updated

    variables = {"organization": "acme", "login": "admin@acme.example", "password": ADMIN_PASSWORD}
    body = await api.gql(api.browser(), SIGN_IN, {"input": variables})
    user = answered(body, "signIn")
    assert {key: user[key] for key in given} == given


async def test_accept_invitation_answers_the_users_catalog_fields(
    api: Api, smtp: SmtpServer
) -> None:
    admin, _ = await api.admin_of("acme")
    given = await catalog_of(api, admin)
    user_id = await create_user(
        api,
        admin,
        departmentId=given["department"]["id"],
        jobProfileId=given["jobProfile"]["id"],
        permissionTypeId=given["permissionType"]["id"],
    )
    assert (await invite(api, admin, user_id, channel="email"))["userErrors"] == []
    await wait_for_mail(api, smtp, 1)
    token = token_in(smtp.inbox.messages[0], "/accept-invitation")

    browser = api.browser()
    body = await api.gql(browser, ACCEPT, {"input": {"token": token, "password": GOOD_PASSWORD}})
    user = answered(body, "acceptInvitation")
    assert user["id"] == user_id and {key: user[key] for key in given} == given
    # The same request's caller is the new session: the cookie it set is the one used next.
    assert (await api.gql(browser, "{ me { id } }"))["data"]["me"] == {"id": user_id}


async def test_verify_sign_up_answers_the_users_catalog_fields(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    given = await catalog_of(api, admin)
    configured = await configure(
        api,
        admin,
        enabled=True,
        defaultDepartmentId=given["department"]["id"],
        defaultJobProfileId=given["jobProfile"]["id"],
        defaultPermissionTypeId=given["permissionType"]["id"],
    )
    assert configured["userErrors"] == [], configured
    assert (await sign_up(api, email="sia@acme.example"))["userErrors"] == []
    await deliver(api, smtp, 1)
    token = verify_token(text_of(smtp.inbox.messages[0]))

    body = await api.gql(
        api.browser(), VERIFY, {"input": {"token": token, "password": GOOD_PASSWORD}}
    )
    user = answered(body, "verifySignUp")
    assert {key: user[key] for key in given} == given
