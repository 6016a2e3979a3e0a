"""Self sign-up: settings, no enumeration, verification by email or text, sign-up links."""

from __future__ import annotations

import asyncio
import base64
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from config.settings import Settings
from provisioning.invitations.messages import deliver_due
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.mailbox import SmtpServer, text_of
from tests.integration.sms_gateway import GATEWAY_TOKEN, SmsGateway, running_gateway

PUBLIC_URL = "http://roster.example:8080"
ERRORS = "userErrors { field code message }"
SIGN_UP = f"""mutation($input: SignUpInput!) {{
  signUp(input: $input) {{ user {{ id }} expiresAt {ERRORS} }} }}"""
VERIFY = f"""mutation($input: VerifySignUpInput!) {{
  verifySignUp(input: $input) {{ user {{ id email status source }} {ERRORS} }} }}"""
SETTINGS = f"""mutation($input: SignupSettingsInput!) {{
  updateSignupSettings(input: $input) {{ signupSettings {{ enabled pickDepartment emailDomains
    usernameWithPhone defaultDepartment {{ id name }} defaultJobProfile {{ id }} }}
    {ERRORS} }} }}"""
CREATE_LINK = f"""mutation($input: CreateSignupLinkInput!) {{
  createSignupLink(input: $input) {{ signupLink {{ id url department {{ id name }} revokedAt
    qrCodePng qrCodeSvg }} {ERRORS} }} }}"""
REVOKE_LINK = f"""mutation($input: RevokeSignupLinkInput!) {{
  revokeSignupLink(input: $input) {{ signupLink {{ id revokedAt }} {ERRORS} }} }}"""
LINKS = "{ signupLinks { id url revokedAt department { name } } }"
OPTIONS = """query($org: String!, $link: String) { signupOptions(organization: $org, link: $link) {
  enabled usernameWithPhone emailDomains departments { name } linkDepartment { name }
  linkValid } }"""
PASSWORD = "tangerine kite 42 rowing"
PHONE = "+442079460958"


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


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def sign_up(api: Api, client: httpx.AsyncClient | None = None, **fields: Any) -> Any:
    values = {"organization": "acme", "firstName": "Sia", "lastName": "Gnup", **fields}
    body = await api.gql(client or api.browser(), SIGN_UP, {"input": values})
    return body["data"]["signUp"]


async def configure(api: Api, admin: httpx.AsyncClient, **values: Any) -> Any:
    return (await api.gql(admin, SETTINGS, {"input": values}))["data"]["updateSignupSettings"]


async def deliver(api: Api, smtp: SmtpServer, count: int) -> None:
    for _ in range(50):
        await deliver_due(api.deps)
        if len(smtp.inbox.messages) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} mails, got {len(smtp.inbox.messages)}")


def verify_token(text: str) -> str:
    found = re.search(
        re.escape(f"{PUBLIC_URL}/verify-signup?organization=acme#token=") + r"([\w\-]+)", text
    )
    assert found, text
    return found.group(1)


async def test_sign_up_is_off_by_default_and_for_unknown_organizations(api: Api) -> None:
    await api.admin_of("acme")
    assert codes(await sign_up(api, email="sia@acme.example")) == ["SIGNUP_DISABLED"]
    assert codes(await sign_up(api, organization="nowhere", email="sia@x.example")) == [
        "SIGNUP_DISABLED"
    ]
    options = (await api.gql(api.browser(), OPTIONS, {"org": "acme"}))["data"]["signupOptions"]
    assert options["enabled"] is False and options["departments"] == []
    assert await api.deps.store.db["users"].count_documents({"source": "SIGNUP"}) == 0


async def test_sign_up_verify_and_sign_in_with_the_defaults(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    org = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]
    sales, profile = org["departments"][1], org["jobProfiles"][0]
    configured = await configure(
        api,
        admin,
        enabled=True,
        defaultDepartmentId=sales["id"],
        defaultJobProfileId=profile["id"],
        emailDomains=["@ACME.example"],
    )
    assert configured["userErrors"] == []
    assert configured["signupSettings"]["emailDomains"] == ["acme.example"]
    assert configured["signupSettings"]["defaultDepartment"] == sales

    answer = await sign_up(api, email="Sia@Acme.example")
    assert answer == {"user": None, "expiresAt": None, "userErrors": []}
    await deliver(api, smtp, 1)
    mail = smtp.inbox.messages[0]
    assert mail["To"] == "sia@acme.example" and "acme" in mail["Subject"]
    token = verify_token(text_of(mail))

    browser = api.browser()
    verified = (await api.gql(browser, VERIFY, {"input": {"token": token, "password": PASSWORD}}))[
        "data"
    ]["verifySignUp"]
    assert verified["userErrors"] == []
    assert verified["user"]["status"] == "ACTIVE" and verified["user"]["source"] == "SIGNUP"
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    assert me["department"] == sales and me["seat"] == "OBSERVER"
    stored = await api.deps.store.users.get(org_id, me["id"])
    assert stored is not None and stored.email_verified and stored.job_profile_id == profile["id"]
    # The one activation event, as for an invitation accepted (test_every_way_active.py).
    events = api.deps.store.db["audit_events"].find(
        {"target_id": me["id"], "action": "user.activated"}
    )
    [event] = [e async for e in events]
    assert event["metadata"]["source"] == "SIGNUP"
    assert event["changes"]["status"] == {"before": "PENDING", "after": "ACTIVE"}

    again = await api.gql(api.browser(), VERIFY, {"input": {"token": token, "password": PASSWORD}})
    assert codes(again["data"]["verifySignUp"]) == ["TOKEN_INVALID"]
    signed = await api.sign_in(api.browser(), "acme", "sia@acme.example", PASSWORD)
    assert signed["data"]["signIn"]["userErrors"] == []


async def test_a_known_email_gets_the_same_answer_and_its_owner_a_notice(
    api: Api, smtp: SmtpServer
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, enabled=True)
    users_before = await api.deps.store.db["users"].count_documents({})

    known = await sign_up(api, email="admin@acme.example", firstName="Eve", lastName="Dropper")
    new = await sign_up(api, email="new@acme.example")
    assert known == new == {"user": None, "expiresAt": None, "userErrors": []}
    await deliver(api, smtp, 2)
    by_recipient = {m["To"]: m for m in smtp.inbox.messages}
    notice = text_of(by_recipient["admin@acme.example"])
    assert "already has an account" in notice and "verify-signup" not in notice
    assert "verify-signup?organization=acme#token=" in text_of(by_recipient["new@acme.example"])
    assert await api.deps.store.db["users"].count_documents({}) == users_before + 1
    admin_user = await api.deps.store.users.find_by_email(org_id, "admin@acme.example")
    assert admin_user is not None and admin_user.first_name == "Ada"

    # Signing up again before confirming resends the link; the first one stops working.
    first = verify_token(text_of(by_recipient["new@acme.example"]))
    assert (await sign_up(api, email="new@acme.example"))["userErrors"] == []
    await deliver(api, smtp, 3)
    second = verify_token(text_of(smtp.inbox.messages[-1]))
    assert first != second
    stale = await api.gql(api.browser(), VERIFY, {"input": {"token": first, "password": PASSWORD}})
    assert codes(stale["data"]["verifySignUp"]) == ["TOKEN_INVALID"]
    fresh = await api.gql(api.browser(), VERIFY, {"input": {"token": second, "password": PASSWORD}})
    assert fresh["data"]["verifySignUp"]["userErrors"] == []


async def test_rules_domains_departments_and_username_with_phone(
    api: Api, gateway: SmsGateway
) -> None:
    admin, org_id = await api.admin_of("acme")
    org = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]
    support = org["departments"][2]
    await configure(api, admin, enabled=True, emailDomains=["acme.example"])

    assert codes(await sign_up(api, email="sia@elsewhere.example")) == ["INVALID"]
    assert codes(await sign_up(api, email="not-an-email")) == ["INVALID"]
    assert codes(await sign_up(api, email="a@acme.example", firstName="")) == ["REQUIRED"]
    picked = await sign_up(api, email="p@acme.example", departmentId=support["id"])
    assert codes(picked) == ["INVALID"] and picked["userErrors"][0]["field"] == [
        "input",
        "departmentId",
    ]
    assert codes(await sign_up(api, username="sia", phone=PHONE)) == ["REQUIRED"]

    await configure(api, admin, pickDepartment=True, usernameWithPhone=True)
    assert (await sign_up(api, email="p@acme.example", departmentId=support["id"]))[
        "userErrors"
    ] == []
    stored = await api.deps.store.users.find_by_email(org_id, "p@acme.example")
    assert stored is not None and stored.department_id == support["id"]
    assert codes(await sign_up(api, email="q@acme.example", departmentId="0" * 24)) == ["NOT_FOUND"]

    assert codes(await sign_up(api, username="sia")) == ["REQUIRED"]
    assert (await sign_up(api, username="sia", phone=PHONE))["userErrors"] == []
    await deliver_due(api.deps)
    for _ in range(300):  # the background sender, rung by the queue, may have it in flight
        if gateway.received:
            break
        await asyncio.sleep(0.05)
    assert [m["to"] for m in gateway.received] == [PHONE]
    token = verify_token(gateway.received[0]["text"])
    verified = await api.gql(
        api.browser(), VERIFY, {"input": {"token": token, "password": PASSWORD}}
    )
    assert verified["data"]["verifySignUp"]["userErrors"] == []
    texted = await api.deps.store.users.find_by_username(org_id, "sia")
    assert texted is not None and texted.status == "ACTIVE" and not texted.email_verified

    options = (await api.gql(api.browser(), OPTIONS, {"org": "acme"}))["data"]["signupOptions"]
    assert options["enabled"] and options["usernameWithPhone"]
    assert [d["name"] for d in options["departments"]] == [d["name"] for d in org["departments"]]


async def test_settings_are_for_admins_and_check_their_references(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    bad = await configure(api, admin, defaultDepartmentId="0" * 24, emailDomains=["not a domain"])
    assert sorted((e["field"][-1], e["code"]) for e in bad["userErrors"]) == [
        ("defaultDepartmentId", "NOT_FOUND"),
        ("emailDomains", "INVALID"),
    ]
    member = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Mia", "lastName": "M", "email": "mia@acme.example"}},
    )
    await api.give_password(org_id, member["data"]["createUser"]["user"]["id"], PASSWORD)
    browser = api.browser()
    await api.sign_in(browser, "acme", "mia@acme.example", PASSWORD)
    assert codes(await configure(api, browser, enabled=True)) == ["FORBIDDEN"]
    assert codes(await sign_up(api, email="x@acme.example")) == ["SIGNUP_DISABLED"]


async def test_sign_up_links_preselect_a_department_and_can_be_revoked(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, enabled=True)
    org = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]
    support = org["departments"][2]

    made = (await api.gql(admin, CREATE_LINK, {"input": {"departmentId": support["id"]}}))["data"][
        "createSignupLink"
    ]
    assert made["userErrors"] == []
    link = made["signupLink"]
    assert link["url"].startswith(f"{PUBLIC_URL}/signup/acme?link=")
    assert link["department"] == support
    png = base64.b64decode(link["qrCodePng"].removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert link["qrCodeSvg"].startswith("<svg") and "</svg>" in link["qrCodeSvg"]
    code = link["url"].split("link=")[1]

    options = (await api.gql(api.browser(), OPTIONS, {"org": "acme", "link": code}))["data"][
        "signupOptions"
    ]
    assert options["linkValid"] is True and options["linkDepartment"] == {"name": support["name"]}
    assert (await sign_up(api, email="l@acme.example", signupLink=code))["userErrors"] == []
    stored = await api.deps.store.users.find_by_email(org_id, "l@acme.example")
    assert stored is not None and stored.department_id == support["id"]

    revoked = (await api.gql(admin, REVOKE_LINK, {"input": {"id": link["id"]}}))["data"][
        "revokeSignupLink"
    ]
    assert revoked["userErrors"] == [] and revoked["signupLink"]["revokedAt"] is not None
    refused = await sign_up(api, email="m@acme.example", signupLink=code)
    assert codes(refused) == ["TOKEN_INVALID"]
    assert codes(await sign_up(api, email="m@acme.example", signupLink="nope")) == ["TOKEN_INVALID"]
    assert await api.deps.store.users.find_by_email(org_id, "m@acme.example") is None
    listed = (await api.gql(admin, LINKS))["data"]["signupLinks"]
    assert [(item["id"], item["revokedAt"] is not None) for item in listed] == [(link["id"], True)]

    # Another organization's admin neither sees nor revokes it, and the code is not theirs.
    other, _ = await api.admin_of("globex")
    assert (await api.gql(other, LINKS))["data"]["signupLinks"] == []
    foreign = (await api.gql(other, REVOKE_LINK, {"input": {"id": link["id"]}}))["data"][
        "revokeSignupLink"
    ]
    assert codes(foreign) == ["NOT_FOUND"]


async def test_sign_ups_are_rate_limited_per_address(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, enabled=True)
    limit = api.deps.limits.signups_per_address
    same_address = api.browser("203.0.113.9")
    results = [
        await sign_up(api, same_address, email=f"r{n}@acme.example") for n in range(limit + 1)
    ]
    assert all(r["userErrors"] == [] for r in results[:limit])
    assert codes(results[limit]) == ["RATE_LIMITED"]
    other_address = api.browser("203.0.113.10")
    assert (await sign_up(api, other_address, email="other@acme.example"))["userErrors"] == []


async def test_concurrent_sign_ups_of_one_email_make_one_user(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    await configure(api, admin, enabled=True)
    answers = await asyncio.gather(
        *(sign_up(api, api.browser(f"198.51.100.{n}"), email="same@acme.example") for n in range(8))
    )
    assert all(a["userErrors"] == [] for a in answers)
    assert await api.deps.store.db["users"].count_documents({"email": "same@acme.example"}) == 1
