"""Every way a user comes in goes through the one create path (provisioning/users/create.py):
the same `user.created` event, search terms, email trust, and activation by the
organization's communication settings (sendOnCreate: a real invitation mail, aiosmtpd).

Sources: GraphQL createUser, bulk import (a GraphQL upload, the app's worker), directory
sync (scim2-server as the directory), SCIM (POST /Users), SSO just-in-time creation, and
integration Link/Create."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from config.settings import Settings
from provisioning.caller import Caller
from provisioning.integrations.integrations import create_integration
from provisioning.invitations.messages import deliver_due
from provisioning.sso.login import sign_in_with_claims
from provisioning.sync.configuration import SyncSettings, configure_sync
from provisioning.sync.runs import run_sync
from store.identity_providers import ClaimMapping, IdentityProviderRecord
from store.ids import new_id
from tests.import_files import csv_bytes, person
from tests.integration import documents as doc
from tests.integration import integration_docs as idoc
from tests.integration.conftest import Api
from tests.integration.mailbox import SmtpServer, text_of
from tests.integration.scim_directory import ScimDirectory, scim_directory
from tests.integration.scim_support import scim_peer, user_body
from tests.integration.test_imports_api import finished, started, upload

PUBLIC_URL = "http://roster.example:8080"
SEND_ON_CREATE = """mutation { updateCommunicationSettings(input: {sendOnCreate: true}) {
  communicationSettings { sendOnCreate } userErrors { code } } }"""
EMAIL = "noor.okafor@acme.example"
# What every `user.created` event names, whatever the source.
ALWAYS = {"first_name", "last_name", "email", "email_verified", "language", "seat", "source"}


@pytest.fixture
def settings(mongodb_uri: str, smtp: SmtpServer) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        public_url=PUBLIC_URL,
        smtp_url=f"smtp://127.0.0.1:{smtp.port}?from=roster%40roster.example",
    )


@pytest.fixture
async def directory() -> AsyncIterator[ScimDirectory]:
    async with scim_directory() as directory:
        yield directory


async def send_on_create(api: Api, admin: httpx.AsyncClient) -> None:
    body = await api.gql(admin, SEND_ON_CREATE)
    assert body["data"]["updateCommunicationSettings"]["userErrors"] == [], body


async def mail_to(api: Api, smtp: SmtpServer, recipient: str, expected: bool) -> list[str]:
    """The texts of the messages `recipient` got once the outbox has delivered what is due
    (waiting for one when one is `expected`)."""
    await deliver_due(api.deps)
    if expected:
        await smtp.inbox.arrived(lambda got: any(m["To"] == recipient for m in got))
    return [text_of(m) for m in smtp.inbox.messages if m["To"] == recipient]


async def came_in(
    api: Api,
    admin: httpx.AsyncClient,
    smtp: SmtpServer,
    source: str,
    *,
    trusted: bool,
    status: str = "INVITED",
) -> dict[str, Any]:
    """The checks every way in must pass; the user's `user.created` event."""
    found = await api.gql(admin, doc.USERS, {"search": "okaf"})
    [user] = [e["node"] for e in found["data"]["users"]["edges"]]
    assert (user["email"], user["source"], user["status"]) == (EMAIL, source, status)
    by_full_name = await api.gql(admin, doc.USERS, {"search": "Noor Oka"})
    assert [e["node"]["id"] for e in by_full_name["data"]["users"]["edges"]] == [user["id"]]

    events = api.deps.store.db["audit_events"].find(
        {"target_id": user["id"], "action": "user.created"}
    )
    [event] = [e async for e in events]
    assert event["metadata"]["source"] == source
    changes = event["changes"]
    assert set(changes) >= ALWAYS, changes
    assert all(change["before"] is None for change in changes.values())
    assert "password_hash" not in changes
    assert changes["email"]["after"] == EMAIL and changes["source"]["after"] == source
    assert changes["email_verified"]["after"] is trusted

    mail = await mail_to(api, smtp, EMAIL, expected=status == "INVITED")
    if status == "INVITED":
        [text] = mail
        assert f"{PUBLIC_URL}/accept-invitation?organization=acme#token=" in text
    else:
        assert mail == []
    result: dict[str, Any] = event
    return result


async def test_graphql_create_user(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    await send_on_create(api, admin)
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Noor", "lastName": "Okafor", "email": EMAIL}},
    )
    assert body["data"]["createUser"]["userErrors"] == [], body
    assert body["data"]["createUser"]["user"]["status"] == "INVITED"
    event = await came_in(api, admin, smtp, "MANUAL", trusted=False)
    assert event["actor_type"] == "user"


async def test_import(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    await send_on_create(api, admin)
    row = person(1, email=EMAIL, first="Noor", last="Okafor")
    payload = await started(await upload(admin, csv_bytes([row]), "people.csv"))
    job = await finished(api, admin, payload["importJob"]["id"])
    assert (job["status"], job["created"]) == ("DONE", 1), job
    event = await came_in(api, admin, smtp, "IMPORT", trusted=False)
    assert event["metadata"]["importJobId"] == job["id"]


async def test_directory_sync(api: Api, smtp: SmtpServer, directory: ScimDirectory) -> None:
    admin, org_id = await api.admin_of("acme")
    await send_on_create(api, admin)
    caller = Caller.system(org_id)
    integration = await create_integration(api.deps, caller, "connex", "Connex", "DIRECTORY")
    settings = SyncSettings(base_url=directory.base_url, bearer_token="t")
    await configure_sync(api.deps, caller, integration.id, settings)
    await directory.add_person("noor", email=EMAIL)
    await directory.replace(
        (await directory.users())[0]["id"], "name", {"givenName": "Noor", "familyName": "Okafor"}
    )
    run = await run_sync(directory.wired(api.deps), caller, integration.id)
    assert (run.created, run.failed) == (1, 0), run
    event = await came_in(api, admin, smtp, "DIRECTORY", trusted=True)
    assert event["metadata"]["integration_id"] == integration.id


async def test_scim(api: Api, smtp: SmtpServer) -> None:
    peer = await scim_peer(api)
    await send_on_create(api, peer.admin)
    response = await peer.post("/Users", user_body(EMAIL, "Noor", "Okafor", email=EMAIL))
    assert response.status_code == 201, response.text
    assert response.json()["active"] is True
    await came_in(api, peer.admin, smtp, "SCIM", trusted=True)


async def test_sso_first_sign_in(api: Api, smtp: SmtpServer) -> None:
    admin, org_id = await api.admin_of("acme")
    await send_on_create(api, admin)
    now = api.deps.clock()
    provider = IdentityProviderRecord(
        id=new_id(),
        org_id=org_id,
        name="Okta",
        issuer="https://okta.example",
        client_id="roster",
        client_secret_sealed="",
        scopes=("openid",),
        email_domains=(),
        jit=True,
        link_by_verified_email=False,
        owns_profile=True,
        default_department_id=None,
        default_job_profile_id=None,
        default_permission_type_id=None,
        default_seat="OBSERVER",
        default_language=None,
        claims=ClaimMapping(),
        created_at=now,
        updated_at=now,
    )
    await api.deps.store.identity_providers.insert(provider)
    claims = {
        "sub": "okta|noor",
        "email": EMAIL,
        "email_verified": True,
        "given_name": "Noor",
        "family_name": "Okafor",
    }
    signed_in = await sign_in_with_claims(api.deps, provider, claims)
    assert signed_in.user.email == EMAIL
    # Signed in already: active, so no invitation; the provider vouched for the email.
    await came_in(api, admin, smtp, "SSO", trusted=True, status="ACTIVE")


async def test_link_create(api: Api, smtp: SmtpServer) -> None:
    admin, _ = await api.admin_of("acme")
    await send_on_create(api, admin)
    await idoc.add_integration(api, admin, "bullhorn")
    account = {"externalId": "bh-1", "occurredAt": "2024-05-01T10:00:00+00:00", "email": EMAIL}
    await idoc.record(
        api, admin, "bullhorn", [{**account, "firstName": "Noor", "lastName": "Okafor"}]
    )
    ids = await idoc.account_ids(api, admin, "bullhorn")
    body = await api.gql(admin, idoc.CREATE_FROM, {"input": {"accountId": ids["bh-1"]}})
    payload = idoc.data(body, "createUserFromIntegrationAccount")
    assert payload["userErrors"] == [], payload
    await came_in(api, admin, smtp, "INTEGRATION", trusted=False)
