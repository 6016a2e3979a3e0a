"""Invitations, password reset and the outbox, with a real SMTP server (aiosmtpd) in-process."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from config.settings import Settings
from provisioning.dependencies import utc_now
from provisioning.invitations.messages import deliver_due
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.mailbox import SmtpServer, text_of
from tests.integration.outbox_wait import attempted

PUBLIC_URL = "http://roster.example:8080"  # http: the test client drops Secure cookies
ERRORS = "userErrors { field code message }"
INVITE = f"""mutation($input: InviteUserInput!) {{
  inviteUser(input: $input) {{ user {{ id status }} {ERRORS} }} }}"""
ACCEPT = f"""mutation($input: AcceptInvitationInput!) {{
  acceptInvitation(input: $input) {{ user {{ id status }} expiresAt {ERRORS} }} }}"""
REQUEST_RESET = f"""mutation($input: RequestPasswordResetInput!) {{
  requestPasswordReset(input: $input) {{ ok {ERRORS} }} }}"""
RESET = f"""mutation($input: ResetPasswordInput!) {{
  resetPassword(input: $input) {{ user {{ id status }} {ERRORS} }} }}"""
GOOD_PASSWORD = "tangerine kite 42 rowing"


@pytest.fixture
def settings(mongodb_uri: str, smtp: SmtpServer) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        public_url=PUBLIC_URL,
        smtp_url=f"smtp://127.0.0.1:{smtp.port}?from=roster%40roster.example",
    )


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def token_in(message: EmailMessage, path: str) -> str:
    found = re.search(
        re.escape(f"{PUBLIC_URL}{path}?organization=acme#token=") + r"([A-Za-z0-9_\-]+)",
        text_of(message),
    )
    assert found, text_of(message)
    return found.group(1)


async def create_user(api: Api, admin: httpx.AsyncClient, **fields: Any) -> str:
    values = {"firstName": "Ina", "lastName": "Vited", "email": "ina@acme.example", **fields}
    body = await api.gql(admin, doc.CREATE_USER, {"input": values})
    assert body["data"]["createUser"]["userErrors"] == [], body
    user_id: str = body["data"]["createUser"]["user"]["id"]
    return user_id


async def invite(api: Api, admin: httpx.AsyncClient, user_id: str, **extra: Any) -> dict[str, Any]:
    body = await api.gql(admin, INVITE, {"input": {"userId": user_id, **extra}})
    result: dict[str, Any] = body["data"]["inviteUser"]
    return result


async def accept(api: Api, token: str, password: str | None = GOOD_PASSWORD) -> dict[str, Any]:
    body = await api.gql(api.browser(), ACCEPT, {"input": {"token": token, "password": password}})
    result: dict[str, Any] = body["data"]["acceptInvitation"]
    return result


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def wait_for_mail(api: Api, smtp: SmtpServer, count: int) -> None:
    """Deliver what is due (the app's background sender may get there first) and wait."""
    await deliver_due(api.deps)
    await smtp.inbox.arrived(lambda messages: len(messages) >= count)


async def test_invitation_mail_arrives_and_its_link_works_once(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await create_user(api, admin)

    invited = await invite(api, admin, user_id, channel="email")
    assert invited["userErrors"] == [] and invited["user"]["status"] == "INVITED", invited

    await attempted(api.deps, org_id, user_id)
    [mail] = smtp.inbox.messages
    assert mail["To"] == "ina@acme.example" and mail["From"] == "roster@roster.example"
    organization = await api.deps.store.organizations.get(org_id)
    assert organization is not None
    assert organization.name in mail["Subject"] and organization.name in text_of(mail)
    token = token_in(mail, "/accept-invitation")
    assert f"{PUBLIC_URL}/accept-invitation?organization=acme#token={token}" in html_of(mail)
    assert len(token) >= 43  # 32 random bytes
    stored = await api.deps.store.db["invitation_tokens"].find_one({})
    assert stored is not None and token not in str(stored)  # only the hash is stored

    browser = api.browser()
    body = await api.gql(browser, ACCEPT, {"input": {"token": token, "password": GOOD_PASSWORD}})
    accepted = body["data"]["acceptInvitation"]
    assert accepted["userErrors"] == [] and accepted["user"]["status"] == "ACTIVE", accepted
    me = await api.gql(browser, "{ me { id status } }")
    assert me["data"]["me"] == {"id": user_id, "status": "ACTIVE"}
    user = await api.deps.store.users.get(org_id, user_id)
    assert user is not None and user.email_verified

    again = await accept(api, token, "another fine password 9")
    assert codes(again) == ["TOKEN_INVALID"] and again["user"] is None
    signed = await api.sign_in(api.browser(), "acme", "ina@acme.example", GOOD_PASSWORD)
    assert signed["data"]["signIn"]["userErrors"] == []

    [message] = await api.deps.store.outbox.for_user(org_id, user_id)
    assert (message.status, message.template, message.attempts) == ("sent", "invitation", 1)
    actions = [
        e["action"] async for e in api.deps.store.db["audit_events"].find({"target_id": user_id})
    ]
    assert {"user.invited", "user.invitation_accepted", "user.signed_in"} <= set(actions)


async def test_unknown_used_and_expired_tokens_are_alike(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    await invite(api, admin, user_id)
    await attempted(api.deps, org_id, user_id)
    token = token_in(smtp.inbox.messages[0], "/accept-invitation")
    await api.deps.store.db["invitation_tokens"].update_many(
        {}, {"$set": {"expires_at": utc_now() - timedelta(seconds=1)}}
    )
    expired = await accept(api, token)
    unknown = await accept(api, "x" * 43)
    too_long = await accept(api, "x" * 500)
    assert expired == unknown == too_long
    assert codes(expired) == ["TOKEN_INVALID"]


async def test_resend_voids_the_first_link(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    await invite(api, admin, user_id)
    await attempted(api.deps, org_id, user_id)
    again = await invite(api, admin, user_id)
    assert again["userErrors"] == [] and again["user"]["status"] == "INVITED"
    await attempted(api.deps, org_id, user_id, count=2)
    first, second = (token_in(m, "/accept-invitation") for m in smtp.inbox.messages)
    assert codes(await accept(api, first)) == ["TOKEN_INVALID"]
    assert codes(await accept(api, second)) == []


async def test_failing_smtp_keeps_the_message_queued_and_a_retry_delivers(
    api: Api, smtp: SmtpServer
) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    smtp.stop()

    invited = await invite(api, admin, user_id)
    assert invited["userErrors"] == [] and invited["user"]["status"] == "INVITED"
    [message] = await attempted(api.deps, org_id, user_id)
    assert message.status == "queued" and message.attempts == 1
    assert message.last_error and message.next_attempt_at is not None
    assert message.next_attempt_at > utc_now() + timedelta(seconds=20)  # backoff

    # Not due yet: nothing is attempted.
    assert await deliver_due(api.deps) == 0
    smtp.start()
    later = replace(api.deps, clock=lambda: utc_now() + timedelta(minutes=1))
    assert await deliver_due(later) == 1
    [mail] = smtp.inbox.messages
    [message] = await api.deps.store.outbox.for_user(org_id, user_id)
    assert (message.status, message.attempts) == ("sent", 2)
    assert message.last_error is None  # the failed attempt's error is not left behind
    assert codes(await accept(api, token_in(mail, "/accept-invitation"))) == []


async def test_invite_refusals(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    sms = await invite(api, admin, user_id, channel="sms")
    assert codes(sms) == ["REQUIRED"] and "phone" in sms["userErrors"][0]["message"]
    assert sms["userErrors"][0]["field"] == ["input", "channel"]
    assert codes(await invite(api, admin, user_id, channel="fax")) == ["INVALID"]
    no_email = await create_user(api, admin, email=None, username="nomail", phone="+442079460958")
    assert codes(await invite(api, admin, no_email, channel="email")) == ["REQUIRED"]

    other_admin, _ = await api.admin_of("globex")
    foreign = await invite(api, other_admin, user_id)
    assert codes(foreign) == ["NOT_FOUND"] and foreign["user"] is None

    assert smtp.inbox.messages == []


async def test_only_admins_invite(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    member_id = await create_user(api, admin, email="mo@acme.example", firstName="Mo")
    await api.give_password(org_id, member_id, GOOD_PASSWORD)
    member = api.browser()
    await api.sign_in(member, "acme", "mo@acme.example", GOOD_PASSWORD)
    assert codes(await invite(api, member, user_id)) == ["FORBIDDEN"]
    assert codes(await invite(api, api.browser(), user_id)) == ["FORBIDDEN"]
    assert smtp.inbox.messages == []


async def test_password_policy_on_accept(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    user_id = await create_user(api, admin, username="ina.vited")
    await invite(api, admin, user_id)
    await wait_for_mail(api, smtp, 1)
    token = token_in(smtp.inbox.messages[0], "/accept-invitation")
    for weak, code in [
        (None, "REQUIRED"),
        ("short1!", "INVALID"),
        ("password1234", "INVALID"),
        ("ina@acme.example", "INVALID"),
        ("x" * 257, "INVALID"),
    ]:
        refused = await accept(api, token, weak)
        assert codes(refused) == [code], (weak, refused)
        assert refused["userErrors"][0]["field"] == ["input", "password"]
    # A refused password does not use the link up.
    assert codes(await accept(api, token)) == []


async def test_ten_concurrent_accepts_exactly_one_wins(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    await invite(api, admin, user_id)
    await wait_for_mail(api, smtp, 1)
    token = token_in(smtp.inbox.messages[0], "/accept-invitation")
    results = await asyncio.gather(*(accept(api, token) for _ in range(10)))
    winners = [r for r in results if r["user"] is not None]
    assert len(winners) == 1
    assert sorted(c for r in results for c in codes(r)) == ["TOKEN_INVALID"] * 9


async def test_reset_revokes_sessions_and_does_not_enumerate(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    await api.give_password(org_id, user_id, "the old password 77")
    laptop, phone = api.browser(), api.browser()
    for browser in (laptop, phone):
        await api.sign_in(browser, "acme", "ina@acme.example", "the old password 77")

    answers = []
    for organization, login in [
        ("acme", "nobody@acme.example"),
        ("nowhere", "ina@acme.example"),
        ("acme", "INA@acme.example"),
    ]:
        body = await api.gql(
            api.browser(), REQUEST_RESET, {"input": {"organization": organization, "login": login}}
        )
        answers.append(body)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["data"]["requestPasswordReset"] == {"ok": True, "userErrors": []}

    await wait_for_mail(api, smtp, 1)
    assert await deliver_due(api.deps) == 0  # nothing queued for the others
    [mail] = smtp.inbox.messages
    assert mail["To"] == "ina@acme.example"
    token = token_in(mail, "/reset-password")

    weak = await api.gql(api.browser(), RESET, {"input": {"token": token, "password": "short"}})
    assert codes(weak["data"]["resetPassword"]) == ["INVALID"]
    fresh = api.browser()
    body = await api.gql(fresh, RESET, {"input": {"token": token, "password": GOOD_PASSWORD}})
    assert body["data"]["resetPassword"]["userErrors"] == [], body
    for browser in (laptop, phone):
        assert (await api.gql(browser, "{ me { id } }"))["data"]["me"] is None
    assert (await api.gql(fresh, "{ me { id } }"))["data"]["me"] == {"id": user_id}

    reused = await api.gql(
        api.browser(), RESET, {"input": {"token": token, "password": GOOD_PASSWORD}}
    )
    assert codes(reused["data"]["resetPassword"]) == ["TOKEN_INVALID"]
    old = await api.sign_in(api.browser(), "acme", "ina@acme.example", "the old password 77")
    assert [e["code"] for e in old["data"]["signIn"]["userErrors"]] == ["INVALID_CREDENTIALS"]
    new = await api.sign_in(api.browser(), "acme", "ina@acme.example", GOOD_PASSWORD)
    assert new["data"]["signIn"]["userErrors"] == []
    actions = [
        e["action"] async for e in api.deps.store.db["audit_events"].find({"target_id": user_id})
    ]
    assert {"user.password_reset_requested", "user.password_reset"} <= set(actions)


async def test_no_reset_mail_for_disabled_users(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    user_id = await create_user(api, admin)
    await api.gql(admin, doc.DISABLE, {"input": {"userId": user_id}})
    body = await api.gql(
        api.browser(),
        REQUEST_RESET,
        {"input": {"organization": "acme", "login": "ina@acme.example"}},
    )
    assert body["data"]["requestPasswordReset"]["ok"] is True
    assert await deliver_due(api.deps) == 0
    assert smtp.inbox.messages == []


async def test_reset_requests_are_rate_limited_alike(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    await create_user(api, admin)
    per_login = api.deps.limits.reset_requests_per_login
    for login in ("ina@acme.example", "nobody@acme.example"):
        answers = []
        for _ in range(per_login + 1):
            body = await api.gql(
                api.browser(), REQUEST_RESET, {"input": {"organization": "acme", "login": login}}
            )
            answers.append(body["data"]["requestPasswordReset"])
        assert all(a == {"ok": True, "userErrors": []} for a in answers[:per_login])
        assert answers[-1]["ok"] is False and codes(answers[-1]) == ["RATE_LIMITED"]


MESSAGES = """query($id: ID!) { messages(userId: $id) {
  id channel recipient template status attempts lastError createdAt sentAt } }"""


async def test_create_with_send_invitation_and_the_outbox_query(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    # Not asked to, and the organization does not send on creation: nothing is sent.
    quiet = await create_user(api, admin, email="quiet@acme.example")
    assert (await api.gql(admin, MESSAGES, {"id": quiet}))["data"]["messages"] == []
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {
            "input": {
                "firstName": "Ina",
                "lastName": "Vited",
                "email": "ina@acme.example",
                "sendInvitation": True,
            }
        },
    )
    user = body["data"]["createUser"]["user"]
    assert user["status"] == "INVITED"
    await wait_for_mail(api, smtp, 1)
    assert codes(await accept(api, token_in(smtp.inbox.messages[0], "/accept-invitation"))) == []
    sent = (await api.gql(admin, MESSAGES, {"id": user["id"]}))["data"]["messages"]
    assert [(m["channel"], m["recipient"], m["status"]) for m in sent] == [
        ("email", "ina@acme.example", "sent")
    ]
    member = await api.gql(api.browser(), MESSAGES, {"id": user["id"]})
    assert member["errors"][0]["extensions"]["code"] == "FORBIDDEN"
