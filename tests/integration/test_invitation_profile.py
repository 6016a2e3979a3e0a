"""The accept-invitation page: a public preview of whose invitation a token is (read, not
used up), the person's own details on accepting, and updateMe for signed-in members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from provisioning.dependencies import utc_now
from store.identity_providers import ClaimMapping, IdentityProviderRecord
from store.ids import new_id
from tests.integration.conftest import Api
from tests.integration.mailbox import SmtpServer
from tests.integration.outbox_wait import attempted
from tests.integration.test_invitations import (
    GOOD_PASSWORD,
    codes,
    create_user,
    invite,
    settings,  # noqa: F401 - the fixture: SMTP and the public URL
    token_in,
)

ERRORS = "userErrors { field code message }"
PREVIEW = """query($token: String!) { invitation(token: $token) {
  state organizationName email firstName lastName ssoProvider { id name } } }"""
ACCEPT = f"""mutation($input: AcceptInvitationInput!) {{ acceptInvitation(input: $input) {{
  user {{ id status firstName lastName phone language }} ssoLoginUrl {ERRORS} }} }}"""
UPDATE_ME = f"""mutation($input: UpdateMeInput!) {{ updateMe(input: $input) {{
  user {{ id firstName lastName phone language email roles }} {ERRORS} }} }}"""
SETTINGS = f"""mutation($input: ProfileSettingsInput!) {{ updateProfileSettings(input: $input) {{
  profileSettings {{ names phone language }} {ERRORS} }} }}"""
NOTHING = {
    "state": "USED_OR_UNKNOWN",
    "organizationName": None,
    "email": None,
    "firstName": None,
    "lastName": None,
    "ssoProvider": None,
}


async def invited_token(api: Api, smtp: SmtpServer, admin: httpx.AsyncClient, org_id: str) -> str:
    user_id = await create_user(api, admin)
    await invite(api, admin, user_id, channel="email")
    await attempted(api.deps, org_id, user_id)
    return token_in(smtp.inbox.messages[-1], "/accept-invitation")


async def preview(api: Api, token: str) -> dict[str, Any]:
    body = await api.gql(api.browser(), PREVIEW, {"token": token})
    assert body.get("errors") is None, body
    result: dict[str, Any] = body["data"]["invitation"]
    return result


async def accept(api: Api, token: str, **details: Any) -> dict[str, Any]:
    variables = {"input": {"token": token, "password": GOOD_PASSWORD, **details}}
    body = await api.gql(api.browser(), ACCEPT, variables)
    assert body.get("errors") is None, body
    result: dict[str, Any] = body["data"]["acceptInvitation"]
    return result


async def test_preview_of_a_valid_token_does_not_use_it_up(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    token = await invited_token(api, smtp, admin, org_id)
    organization = await api.deps.store.organizations.get(org_id)
    assert organization is not None

    first = await preview(api, token)
    assert first == {
        "state": "VALID",
        "organizationName": organization.name,
        "email": "ina@acme.example",
        "firstName": "Ina",
        "lastName": "Vited",
        "ssoProvider": None,
    }
    assert await preview(api, token) == first  # a read: still there

    accepted = await accept(api, token)
    assert accepted["userErrors"] == [] and accepted["user"]["status"] == "ACTIVE", accepted
    used = await preview(api, token)
    assert used == await preview(api, "x" * 43) == await preview(api, "x" * 500) == NOTHING


async def test_preview_of_an_expired_token(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    token = await invited_token(api, smtp, admin, org_id)
    await api.deps.store.db["invitation_tokens"].update_many(
        {}, {"$set": {"expires_at": utc_now() - timedelta(seconds=1)}}
    )
    expired = await preview(api, token)
    assert expired["state"] == "EXPIRED" and expired["email"] == "ina@acme.example", expired
    assert codes(await accept(api, token)) == ["TOKEN_INVALID"]


async def test_preview_names_the_sso_provider(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    token = await invited_token(api, smtp, admin, org_id)
    now = api.deps.clock()
    provider = IdentityProviderRecord(
        id=new_id(),
        org_id=org_id,
        name="Okta",
        issuer="https://okta.example",
        client_id="roster",
        client_secret_sealed="",
        scopes=("openid",),
        email_domains=("acme.example",),
        jit=False,
        link_by_verified_email=False,
        owns_profile=False,
        default_department_id=None,
        default_job_profile_id=None,
        default_permission_type_id=None,
        default_seat="FULL",
        default_language=None,
        claims=ClaimMapping(),
        created_at=now,
        updated_at=now,
    )
    await api.deps.store.identity_providers.insert(provider)
    seen = await preview(api, token)
    assert seen["state"] == "VALID"
    assert seen["ssoProvider"] == {"id": provider.id, "name": "Okta"}

    # On the way to SSO the details are kept now (activation comes at the callback).
    onward = await accept(api, token, phone="+442079460958", language="fr")
    assert onward["userErrors"] == [] and onward["ssoLoginUrl"], onward
    user = await api.deps.store.users.get(org_id, await _user_id(api))
    assert user is not None and (user.phone, user.language, user.status) == (
        "+442079460958",
        "fr",
        "INVITED",
    )


async def test_accept_with_details(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    token = await invited_token(api, smtp, admin, org_id)
    accepted = await accept(
        api, token, firstName=" Inès ", lastName="Vitée", phone="+44 20 7946 0958", language="fr"
    )
    assert accepted["userErrors"] == [], accepted
    user = accepted["user"]
    assert (user["status"], user["firstName"], user["lastName"]) == ("ACTIVE", "Inès", "Vitée")
    assert (user["phone"], user["language"]) == ("+442079460958", "fr")
    found = await api.gql(admin, '{ users(search: "ines") { edges { node { id } } } }')
    assert [e["node"]["id"] for e in found["data"]["users"]["edges"]] == [user["id"]]
    event = await api.deps.store.db["audit_events"].find_one(
        {"target_id": user["id"], "action": "user.invitation_accepted"}
    )
    assert event is not None
    assert event["changes"]["first_name"] == {"before": "Ina", "after": "Inès"}


async def test_accept_refusals_leave_the_token_usable(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    token = await invited_token(api, smtp, admin, org_id)

    invalid = await accept(api, token, firstName="  ", phone="12", language="not a tag!")
    assert sorted(codes(invalid)) == ["INVALID", "INVALID", "REQUIRED"], invalid

    off = await api.gql(admin, SETTINGS, {"input": {"phone": False}})
    assert off["data"]["updateProfileSettings"]["profileSettings"]["phone"] is False, off
    forbidden = await accept(api, token, phone="+442079460958")
    assert [(e["field"], e["code"]) for e in forbidden["userErrors"]] == [
        (["input", "phone"], "FORBIDDEN")
    ]

    user_id = await _user_id(api)
    await api.deps.store.users.update(org_id, user_id, {"managed_by": "entra"})
    managed = await accept(api, token, firstName="Other")
    assert codes(managed) == ["MANAGED_EXTERNALLY"], managed

    assert (await preview(api, token))["state"] == "VALID"
    fine = await accept(api, token, language="de")
    assert fine["userErrors"] == [] and fine["user"]["language"] == "de", fine


async def _user_id(api: Api) -> str:
    doc = await api.deps.store.db["users"].find_one({"email": "ina@acme.example"})
    assert doc is not None
    return str(doc["_id"])


async def test_update_me(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    me = (await api.gql(admin, "{ me { id email roles } }"))["data"]["me"]
    body = await api.gql(
        admin, UPDATE_ME, {"input": {"firstName": "Adah", "phone": "+442079460958"}}
    )
    payload = body["data"]["updateMe"]
    assert payload["userErrors"] == [], body
    user = payload["user"]
    assert (user["firstName"], user["phone"]) == ("Adah", "+442079460958")
    assert (user["email"], user["roles"]) == (me["email"], me["roles"])
    event = await api.deps.store.db["audit_events"].find_one(
        {"target_id": me["id"], "action": "user.updated"}
    )
    assert event is not None and event["actor_id"] == me["id"], event
    assert event["changes"]["first_name"] == {"before": "Ada", "after": "Adah"}

    wrong = await api.gql(admin, UPDATE_ME, {"input": {"lastName": "", "language": "??"}})
    assert sorted(codes(wrong["data"]["updateMe"])) == ["INVALID", "REQUIRED"], wrong

    await api.gql(admin, SETTINGS, {"input": {"names": False}})
    forbidden = await api.gql(admin, UPDATE_ME, {"input": {"firstName": "Ann"}})
    assert [(e["field"], e["code"]) for e in forbidden["data"]["updateMe"]["userErrors"]] == [
        (["input", "firstName"], "FORBIDDEN")
    ]
    await api.gql(admin, SETTINGS, {"input": {"names": True}})
    await api.deps.store.users.update(org_id, me["id"], {"managed_by": "entra"})
    managed = await api.gql(admin, UPDATE_ME, {"input": {"lastName": "Other"}})
    assert codes(managed["data"]["updateMe"]) == ["MANAGED_EXTERNALLY"], managed
    language = await api.gql(admin, UPDATE_ME, {"input": {"language": "fr"}})
    assert language["data"]["updateMe"]["user"]["language"] == "fr", language

    anonymous = await api.gql(api.browser(), UPDATE_ME, {"input": {"firstName": "X"}})
    assert codes(anonymous["data"]["updateMe"]) == ["FORBIDDEN"], anonymous
    emailed = await api.gql(admin, UPDATE_ME, {"input": {"email": "x@acme.example"}})
    assert emailed.get("errors"), emailed  # not in the input
