"""SMS invitations through the HTTP gateway adapter, and the organization's communication
settings: channels, both at once, and sending on creation."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from config.settings import Settings
from provisioning.dependencies import utc_now
from provisioning.invitations.messages import deliver_due
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.mailbox import SmtpServer
from tests.integration.outbox_wait import attempted
from tests.integration.sms_gateway import GATEWAY_TOKEN, SmsGateway, running_gateway

PUBLIC_URL = "http://roster.example:8080"
ERRORS = "userErrors { field code message }"
INVITE = f"""mutation($input: InviteUserInput!) {{
  inviteUser(input: $input) {{ user {{ id status }} {ERRORS} }} }}"""
ACCEPT = f"""mutation($input: AcceptInvitationInput!) {{
  acceptInvitation(input: $input) {{ user {{ id status }} {ERRORS} }} }}"""
SETTINGS = f"""mutation($input: CommunicationSettingsInput!) {{
  updateCommunicationSettings(input: $input) {{
    communicationSettings {{ sendOnCreate email sms }} {ERRORS} }} }}"""
MESSAGES = """query($id: ID!) { messages(userId: $id) {
  channel recipient template status attempts lastError } }"""
PHONE = "+442079460958"
PASSWORD = "tangerine kite 42 rowing"


@pytest.fixture
async def gateway() -> AsyncIterator[SmsGateway]:
    async with running_gateway() as gateway:
        yield gateway


@pytest.fixture
def settings(mongodb_uri: str, smtp: SmtpServer, gateway: SmsGateway) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        public_url=PUBLIC_URL,
        smtp_url=f"smtp://127.0.0.1:{smtp.port}?from=roster%40roster.example",
        sms_url=gateway.url,
        sms_token=GATEWAY_TOKEN,
    )


def token_in_text(text: str) -> str:
    found = re.search(
        re.escape(f"{PUBLIC_URL}/accept-invitation?organization=acme#token=") + r"([\w\-]+)", text
    )
    assert found, text
    return found.group(1)


async def create(api: Api, admin: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    values = {"firstName": "Sam", "lastName": "Text", **fields}
    body = await api.gql(admin, doc.CREATE_USER, {"input": values})
    assert body["data"]["createUser"]["userErrors"] == [], body
    user: dict[str, Any] = body["data"]["createUser"]["user"]
    return user


async def set_channels(api: Api, admin: httpx.AsyncClient, **values: bool) -> dict[str, Any]:
    body = await api.gql(admin, SETTINGS, {"input": values})
    result: dict[str, Any] = body["data"]["updateCommunicationSettings"]
    return result


async def test_sms_invitation_arrives_and_its_link_works(api: Api, gateway: SmsGateway) -> None:
    admin, org_id = await api.admin_of("acme")
    user = await create(api, admin, username="sam", phone=PHONE)
    body = await api.gql(admin, INVITE, {"input": {"userId": user["id"], "channel": "sms"}})
    assert body["data"]["inviteUser"]["userErrors"] == []
    assert body["data"]["inviteUser"]["user"]["status"] == "INVITED"
    await attempted(api.deps, org_id, user["id"])

    assert [m["to"] for m in gateway.received] == [PHONE]
    text = gateway.received[0]["text"]
    assert "Sam" in text and "acme" in text
    token = token_in_text(text)
    accepted = await api.gql(
        api.browser(), ACCEPT, {"input": {"token": token, "password": PASSWORD}}
    )
    assert accepted["data"]["acceptInvitation"]["userErrors"] == []
    again = await api.gql(api.browser(), ACCEPT, {"input": {"token": token, "password": PASSWORD}})
    assert [e["code"] for e in again["data"]["acceptInvitation"]["userErrors"]] == ["TOKEN_INVALID"]

    sent = (await api.gql(admin, MESSAGES, {"id": user["id"]}))["data"]["messages"]
    assert [(m["channel"], m["recipient"], m["status"]) for m in sent] == [("sms", PHONE, "sent")]


async def test_both_channels_carry_one_link(
    api: Api, gateway: SmsGateway, smtp: SmtpServer
) -> None:
    admin, org_id = await api.admin_of("acme")
    turned_on = await set_channels(api, admin, email=True, sms=True)
    assert turned_on["userErrors"] == []
    assert turned_on["communicationSettings"] == {"sendOnCreate": False, "email": True, "sms": True}
    both = await create(api, admin, email="both@acme.example", phone=PHONE)
    email_only = await create(api, admin, email="mail@acme.example")

    for user in (both, email_only):
        body = await api.gql(admin, INVITE, {"input": {"userId": user["id"]}})
        assert body["data"]["inviteUser"]["userErrors"] == []
    await attempted(api.deps, org_id, both["id"], count=2)
    await attempted(api.deps, org_id, email_only["id"])

    assert [m["to"] for m in gateway.received] == [PHONE]
    assert sorted(m["To"] for m in smtp.inbox.messages) == [
        "both@acme.example",
        "mail@acme.example",
    ]
    by_text = token_in_text(gateway.received[0]["text"])
    mail_to_both = next(m for m in smtp.inbox.messages if m["To"] == "both@acme.example")
    body_text = mail_to_both.get_body(("plain",))
    assert body_text is not None
    assert token_in_text(str(body_text.get_content())) == by_text

    # A resend voids the link on both channels.
    resend = await api.gql(admin, INVITE, {"input": {"userId": both["id"]}})
    assert resend["data"]["inviteUser"]["userErrors"] == []
    stale = await api.gql(
        api.browser(), ACCEPT, {"input": {"token": by_text, "password": PASSWORD}}
    )
    assert [e["code"] for e in stale["data"]["acceptInvitation"]["userErrors"]] == ["TOKEN_INVALID"]


async def test_sending_on_creation_follows_the_settings(
    api: Api, gateway: SmsGateway, smtp: SmtpServer
) -> None:
    admin, org_id = await api.admin_of("acme")
    quiet = await create(api, admin, email="quiet@acme.example")
    assert quiet["status"] == "PENDING"

    on = await set_channels(api, admin, sendOnCreate=True, email=False, sms=True)
    assert on["userErrors"] == []
    texted = await create(api, admin, email="texted@acme.example", phone=PHONE)
    assert texted["status"] == "INVITED"
    # SMS is the only channel on, but this user has no phone: their email still reaches them.
    mailed = await create(api, admin, email="mailed@acme.example")
    assert mailed["status"] == "INVITED"
    opted_out = await create(api, admin, email="later@acme.example", sendInvitation=False)
    assert opted_out["status"] == "PENDING"
    await attempted(api.deps, org_id, texted["id"])
    await attempted(api.deps, org_id, mailed["id"])

    assert [m["to"] for m in gateway.received] == [PHONE]
    assert [m["To"] for m in smtp.inbox.messages] == ["mailed@acme.example"]


async def test_settings_need_a_channel_and_an_admin(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    none = await set_channels(api, admin, email=False, sms=False)
    assert [e["code"] for e in none["userErrors"]] == ["INVALID"]
    member_id = (await create(api, admin, email="mia@acme.example"))["id"]
    await api.give_password(org_id, member_id, PASSWORD)
    member = api.browser()
    assert (await api.sign_in(member, "acme", "mia@acme.example", PASSWORD))["data"]["signIn"][
        "userErrors"
    ] == []
    refused = await set_channels(api, member, sms=True)
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    read = await api.gql(admin, "{ organization { communicationSettings { email sms } } }")
    assert read["data"]["organization"]["communicationSettings"] == {"email": True, "sms": False}


async def test_a_failing_gateway_keeps_the_text_queued_and_a_retry_delivers(
    api: Api, gateway: SmsGateway
) -> None:
    admin, org_id = await api.admin_of("acme")
    user = await create(api, admin, username="sam", phone=PHONE)
    gateway.failing = True
    body = await api.gql(admin, INVITE, {"input": {"userId": user["id"], "channel": "sms"}})
    assert body["data"]["inviteUser"]["userErrors"] == []
    await attempted(api.deps, org_id, user["id"])
    queued = (await api.gql(admin, MESSAGES, {"id": user["id"]}))["data"]["messages"]
    assert [(m["status"], m["attempts"]) for m in queued] == [("queued", 1)]
    assert queued[0]["lastError"].endswith("gateway answered 503")
    assert "carrier" not in queued[0]["lastError"]  # never the gateway's own words

    gateway.failing = False
    later = replace(api.deps, clock=lambda: utc_now() + timedelta(minutes=5))
    assert await deliver_due(later) == 1
    assert [m["to"] for m in gateway.received] == [PHONE]
    # The retry carried the same idempotency key as the failed attempt.
    assert len(set(gateway.idempotency_keys)) == 1 and len(gateway.idempotency_keys) == 2
    sent = (await api.gql(admin, MESSAGES, {"id": user["id"]}))["data"]["messages"]
    assert [(m["status"], m["attempts"], m["lastError"]) for m in sent] == [("sent", 2, None)]
