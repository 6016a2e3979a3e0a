"""Rights are granted only by a caller who holds them, whichever way a change arrives.

Each test is an attack a partner token (or an identity provider) could try on today's
surface, refused with FORBIDDEN and nothing written; an admin doing the same is the control.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest

from config.settings import Settings
from tests.import_files import person, xlsx_bytes
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.integration_docs import INTEGRATION, SUGGEST, add_integration, record
from tests.integration.mailbox import SmtpServer
from tests.integration.scim_support import user_body
from tests.integration.test_imports_api import finished, started, upload
from tests.integration.test_invitations import (
    ACCEPT,
    GOOD_PASSWORD,
    INVITE,
    PUBLIC_URL,
    REQUEST_RESET,
    RESET,
    codes,
    token_in,
    wait_for_mail,
)
from tests.integration.test_one_time_passwords import SET_OTP
from tests.integration.test_partner_access import bearer, new_client, token_for

FORBIDDEN = "FORBIDDEN"


@pytest.fixture
def settings(mongodb_uri: str, smtp: SmtpServer) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        public_url=PUBLIC_URL,
        smtp_url=f"smtp://127.0.0.1:{smtp.port}?from=roster%40roster.example",
        rate_limit_per_client=1000,
    )


async def as_token(api: Api, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await bearer(api, token, query, variables)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def token_of(api: Api, admin: httpx.AsyncClient, scopes: list[str]) -> str:
    created = await new_client(api, admin, scopes, name=" ".join(scopes))
    client_id, secret = created["apiClient"]["clientId"], created["clientSecret"]
    response = await token_for(api.browser(), client_id, secret)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def partner(api: Api, scopes: list[str]) -> tuple[httpx.AsyncClient, str, str]:
    """An organization's admin (their browser), its id, and a token with `scopes`."""
    admin, org_id = await api.admin_of("acme")
    return admin, org_id, await token_of(api, admin, scopes)


async def admin_id(api: Api, org_id: str, email: str = "admin@acme.example") -> str:
    admin = await api.deps.store.users.find_by_email(org_id, email)
    assert admin is not None
    return admin.id


async def test_a_users_write_token_cannot_create_an_admin(api: Api) -> None:
    admin, _, token = await partner(api, ["users:write", "users:read"])
    values = {"firstName": "Eve", "lastName": "Il", "email": "eve@evil.example", "roles": ["ADMIN"]}
    data = await as_token(api, token, doc.CREATE_USER, {"input": values})
    payload = data["createUser"]
    assert payload["user"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "roles"], FORBIDDEN)
    ]
    assert await api.deps.store.db["users"].count_documents({"email": "eve@evil.example"}) == 0
    # A member is still the token's to create; the admin may create an admin.
    member = {**values, "roles": ["MEMBER"]}
    assert (await as_token(api, token, doc.CREATE_USER, {"input": member}))["createUser"][
        "userErrors"
    ] == []
    by_admin = await api.gql(
        admin, doc.CREATE_USER, {"input": {**values, "email": "second@acme.example"}}
    )
    assert by_admin["data"]["createUser"]["user"]["roles"] == ["ADMIN"]


async def test_a_users_write_token_cannot_promote_or_demote(api: Api) -> None:
    admin, org_id, token = await partner(api, ["users:write"])
    created = await as_token(
        api,
        token,
        doc.CREATE_USER,
        {"input": {"firstName": "Eve", "lastName": "Il", "email": "eve@acme.example"}},
    )
    eve = created["createUser"]["user"]["id"]
    real_admin = await admin_id(api, org_id)
    for user_id, roles in ((eve, ["ADMIN"]), (eve, ["MEMBER", "ADMIN"]), (real_admin, [])):
        data = await as_token(
            api, token, doc.UPDATE_USER, {"input": {"userId": user_id, "roles": roles}}
        )
        assert codes(data["updateUser"]) == [FORBIDDEN], (user_id, roles, data)
    stored = await api.deps.store.users.get_many(org_id, [eve, real_admin])
    assert stored[eve].roles == () and stored[real_admin].roles == ("ADMIN",)
    # An admin-scoped token holds admin rights: it may.
    admin_token = await token_of(api, admin, ["admin"])
    data = await as_token(
        api, admin_token, doc.UPDATE_USER, {"input": {"userId": eve, "roles": ["ADMIN"]}}
    )
    assert data["updateUser"]["user"]["roles"] == ["ADMIN"]


async def test_a_users_write_token_cannot_take_an_admins_email(api: Api, smtp: SmtpServer) -> None:
    _, org_id, token = await partner(api, ["users:write"])
    real_admin = await admin_id(api, org_id)
    data = await as_token(
        api,
        token,
        doc.UPDATE_USER,
        {"input": {"userId": real_admin, "email": "attacker@evil.example"}},
    )
    assert [(e["field"], e["code"]) for e in data["updateUser"]["userErrors"]] == [
        (["input", "email"], FORBIDDEN)
    ]
    stored = await api.deps.store.users.get(org_id, real_admin)
    assert stored is not None and stored.email == "admin@acme.example"
    # The takeover's next step finds no such login: no mail goes to the attacker.
    asked = await api.gql(
        api.browser(),
        REQUEST_RESET,
        {"input": {"organization": "acme", "login": "attacker@evil.example"}},
    )
    assert asked["data"]["requestPasswordReset"]["userErrors"] == []
    assert await api.deps.store.db["outbox"].count_documents({}) == 0
    assert smtp.inbox.messages == []


async def test_only_admins_set_one_time_passwords(api: Api) -> None:
    _, org_id, token = await partner(api, ["users:write", "users:read"])
    real_admin = await admin_id(api, org_id)
    data = await as_token(
        api, token, SET_OTP, {"input": {"userId": real_admin, "password": "one time only 4 you"}}
    )
    assert codes(data["setOneTimePassword"]) == [FORBIDDEN]
    stored = await api.deps.store.users.get(org_id, real_admin)
    assert stored is not None and not stored.must_change_password


async def test_an_imports_write_token_cannot_import_rights(api: Api) -> None:
    admin, org_id, token = await partner(api, ["imports:write"])
    rows = [
        person(1, roles="ADMIN"),
        person(2, password="a fine one time secret 7"),
        # One-time password for the existing admin: refused, not merely skipped.
        person(3, email="admin@acme.example", password="a fine one time secret 8"),
        person(4, roles="MEMBER"),
    ]
    headers = {"Authorization": f"Bearer {token}"}
    payload = await started(await upload(api.browser(), xlsx_bytes(rows), headers=headers))
    assert payload["userErrors"] == []
    job_id = payload["importJob"]["id"]
    job = await finished(api, admin, job_id)
    assert (job["created"], job["failed"], job["skippedExisting"]) == (1, 3, 0), job
    errors = [
        (e["node"]["row"], e["node"]["field"], e["node"]["code"]) for e in job["rowErrors"]["edges"]
    ]
    assert errors == [
        (2, "roles", FORBIDDEN),
        (3, "oneTimePassword", FORBIDDEN),
        (4, "oneTimePassword", FORBIDDEN),
    ]
    users = api.deps.store.db["users"]
    assert await users.count_documents({"source": "IMPORT"}) == 1
    assert await users.count_documents({"roles": "ADMIN"}) == 1  # the real admin only
    stored = await api.deps.store.users.find_by_email(org_id, "admin@acme.example")
    assert stored is not None and not stored.must_change_password
    # The same file from the admin: its rows grant what the admin holds.
    again = await started(await upload(admin, xlsx_bytes(rows[:2])))
    job = await finished(api, admin, again["importJob"]["id"])
    assert (job["created"], job["failed"]) == (2, 0), job


async def test_a_scim_client_cannot_take_an_admins_email(api: Api) -> None:
    _, org_id, token = await partner(api, ["scim"])
    real_admin = await admin_id(api, org_id)
    peer = api.browser()
    body = user_body("ada", "Ada", "Admin", email="attacker@evil.example")
    response = await peer.put(
        f"/scim/v2/Users/{real_admin}", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403, response.text
    assert "evil" not in response.text
    stored = await api.deps.store.users.get(org_id, real_admin)
    assert stored is not None and stored.email == "admin@acme.example"
    assert stored.username is None


async def invited_user(
    api: Api, admin: httpx.AsyncClient, smtp: SmtpServer, email: str
) -> tuple[str, str]:
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Tyo", "lastName": "Po", "email": email}},
    )
    user_id: str = body["data"]["createUser"]["user"]["id"]
    sent = len(smtp.inbox.messages)
    invited = await api.gql(admin, INVITE, {"input": {"userId": user_id, "channel": "email"}})
    assert invited["data"]["inviteUser"]["userErrors"] == [], invited
    await wait_for_mail(api, smtp, sent + 1)
    return user_id, token_in(smtp.inbox.messages[-1], "/accept-invitation")


async def test_correcting_an_email_voids_the_invitation_sent_to_the_typo(
    api: Api, smtp: SmtpServer
) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id, token = await invited_user(api, admin, smtp, "tyop@acme.example")
    fixed = await api.gql(
        admin, doc.UPDATE_USER, {"input": {"userId": user_id, "email": "typo@acme.example"}}
    )
    assert fixed["data"]["updateUser"]["userErrors"] == []
    body = await api.gql(
        api.browser(), ACCEPT, {"input": {"token": token, "password": GOOD_PASSWORD}}
    )
    assert codes(body["data"]["acceptInvitation"]) == ["TOKEN_INVALID"]
    stored = await api.deps.store.users.get(org_id, user_id)
    assert stored is not None and stored.status == "INVITED" and not stored.email_verified
    assert stored.password_hash is None


async def test_changing_an_email_voids_reset_links_and_clears_verified(
    api: Api, smtp: SmtpServer
) -> None:
    admin, org_id = await api.admin_of("acme")
    user_id, invitation = await invited_user(api, admin, smtp, "old@acme.example")
    accepted = await api.gql(
        api.browser(), ACCEPT, {"input": {"token": invitation, "password": GOOD_PASSWORD}}
    )
    assert accepted["data"]["acceptInvitation"]["userErrors"] == []
    await api.gql(
        api.browser(),
        REQUEST_RESET,
        {"input": {"organization": "acme", "login": "old@acme.example"}},
    )
    await wait_for_mail(api, smtp, 2)
    reset = token_in(smtp.inbox.messages[-1], "/reset-password")
    verified = await api.deps.store.users.get(org_id, user_id)
    assert verified is not None and verified.email_verified
    changed = await api.gql(
        admin, doc.UPDATE_USER, {"input": {"userId": user_id, "email": "new@acme.example"}}
    )
    assert changed["data"]["updateUser"]["userErrors"] == []
    used = await api.gql(
        api.browser(), RESET, {"input": {"token": reset, "password": "a new one entirely 5"}}
    )
    assert codes(used["data"]["resetPassword"]) == ["TOKEN_INVALID"]
    stored = await api.deps.store.users.get(org_id, user_id)
    assert stored is not None and not stored.email_verified
    assert stored.password_hash == verified.password_hash


async def test_unlinked_accounts_are_for_admins_and_integration_writers(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await add_integration(api, admin, "crm")
    recorded = await record(
        api,
        admin,
        "crm",
        [{"externalId": "c-1", "occurredAt": "2026-01-05T10:00:00Z", "email": "x@acme.example"}],
    )
    assert recorded["userErrors"] == [], recorded
    suggest = {"email": "x@acme.example"}
    seen: dict[str, tuple[Any, Any]] = {}
    for scopes in (["users:read"], ["integrations:write"]):
        token = await token_of(api, admin, scopes)
        listing = (await bearer(api, token, INTEGRATION, {"key": "crm"})).json()
        ranked = (await bearer(api, token, SUGGEST, suggest)).json()
        seen[scopes[0]] = (listing, ranked)
    listing, ranked = seen["users:read"]
    assert listing["data"]["integration"] is None
    assert ranked["data"] is None
    for body in (listing, ranked):
        assert [e["extensions"]["code"] for e in body["errors"]] == [FORBIDDEN], body
        assert "c-1" not in str(body)
    listing, ranked = seen["integrations:write"]
    assert listing["data"]["integration"]["unlinkedAccounts"]["totalCount"] == 1
    assert [s["account"]["externalId"] for s in ranked["data"]["suggestIntegrationAccounts"]] == [
        "c-1"
    ]


async def test_a_token_for_a_scope_the_client_lacks_is_invalid_scope(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    reader = await new_client(api, admin, ["users:read"], name="reader")
    boss = await new_client(api, admin, ["admin"], name="boss")

    async def ask(created: dict[str, Any], scope: str) -> httpx.Response:
        client_id, secret = created["apiClient"]["clientId"], created["clientSecret"]
        return await token_for(api.browser(), client_id, secret, scope=scope)

    for scope in ("users:write", "users:read users:write", "admin", "no-such-scope"):
        refused = await ask(reader, scope)
        assert refused.status_code == 400, (scope, refused.text)
        assert refused.json()["error"] == "invalid_scope", refused.text
        assert "access_token" not in refused.json()
    narrowed = await ask(reader, "users:read")
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "users:read"
    # The admin scope holds every other: a narrower token is granted, and works.
    narrow_admin = await ask(boss, "users:read")
    assert narrow_admin.status_code == 200, narrow_admin.text
    assert narrow_admin.json()["scope"] == "users:read"
    token = narrow_admin.json()["access_token"]
    listed = await as_token(api, token, doc.USERS, {})
    assert listed["users"]["totalCount"] == 1
    created = await bearer(
        api,
        token,
        doc.CREATE_USER,
        {"input": {"firstName": "N", "lastName": "O", "email": "n@o.example"}},
    )
    assert [e["code"] for e in created.json()["data"]["createUser"]["userErrors"]] == [FORBIDDEN]


async def test_a_users_write_token_cannot_disable_or_delete_an_admin(api: Api) -> None:
    admin, org_id, token = await partner(api, ["users:write"])
    real_admin = await admin_id(api, org_id)
    disabled = await as_token(api, token, doc.DISABLE, {"input": {"userId": real_admin}})
    assert codes(disabled["disableUser"]) == [FORBIDDEN], disabled
    deleted = await as_token(api, token, doc.DELETE, {"input": {"userId": real_admin}})
    assert codes(deleted["deleteUser"]) == [FORBIDDEN], deleted
    stored = await api.deps.store.users.get(org_id, real_admin)
    assert stored is not None and stored.status == "ACTIVE"
    assert (await api.gql(admin, "{ me { id } }"))["data"]["me"] == {"id": real_admin}
    # A member is theirs to disable and delete; an admin-scoped token may do both to admins.
    created = await as_token(
        api,
        token,
        doc.CREATE_USER,
        {"input": {"firstName": "Mo", "lastName": "Ember", "email": "mo@acme.example"}},
    )
    member = created["createUser"]["user"]["id"]
    disabled = await as_token(api, token, doc.DISABLE, {"input": {"userId": member}})
    assert disabled["disableUser"]["user"]["status"] == "DISABLED"
    deleted = await as_token(api, token, doc.DELETE, {"input": {"userId": member}})
    assert deleted["deleteUser"]["deletedId"] == member
    admin_token = await token_of(api, admin, ["admin"])
    disabled = await as_token(api, admin_token, doc.DISABLE, {"input": {"userId": real_admin}})
    assert disabled["disableUser"]["user"]["status"] == "DISABLED"
