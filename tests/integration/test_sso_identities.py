"""Admins see and manage users' login identities: User.identities, linkIdentity and
unlinkIdentity, against the real provider on loopback (tests/integration/oidc_provider)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.oidc_provider import FakeProvider, running_provider
from tests.integration.test_sso import GRACE, configure, sso

IDENTITY = "issuer subject email linkedAt lastUsedAt provider { id name }"
IDENTITIES = f"query($id: ID!) {{ user(id: $id) {{ id identities {{ {IDENTITY} }} }} }}"
MY_IDENTITIES = f"{{ me {{ id identities {{ {IDENTITY} }} }} }}"
LINK = f"""mutation($input: LinkIdentityInput!) {{
  linkIdentity(input: $input) {{ identity {{ {IDENTITY} }} {doc.ERRORS} }} }}"""
UNLINK = f"""mutation($input: UnlinkIdentityInput!) {{
  unlinkIdentity(input: $input) {{ identity {{ {IDENTITY} }} {doc.ERRORS} }} }}"""


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with running_provider() as running:
        running.next_user = dict(GRACE)
        yield running


async def _grace_signs_in(api: Api, provider: FakeProvider) -> tuple[httpx.AsyncClient, str]:
    """Grace's first SSO sign-in (created just in time, no password): (browser, user id)."""
    browser = api.browser()
    done, _ = await sso(browser, "acme")
    assert done.status_code == 303, done.text
    me = (await api.gql(browser, doc.ME))["data"]["me"]
    return browser, str(me["id"])


async def _identities(api: Api, client: httpx.AsyncClient, user_id: str) -> list[dict[str, Any]]:
    body = await api.gql(client, IDENTITIES, {"id": user_id})
    assert "errors" not in body, body
    found: list[dict[str, Any]] = body["data"]["user"]["identities"]
    return found


async def _audit_actions(api: Api, admin: httpx.AsyncClient, user_id: str) -> list[str]:
    trail = await api.gql(admin, doc.AUDIT, {"targetId": user_id})
    return [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]


async def test_an_admin_sees_links_and_unlinks_identities_and_the_last_way_in_stays(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    idp = (await configure(api, admin, provider))["identityProvider"]
    _, grace = await _grace_signs_in(api, provider)

    [first] = await _identities(api, admin, grace)
    assert (first["issuer"], first["subject"]) == (provider.issuer, "okta|grace")
    assert first["email"] == "grace@acme.example"
    assert first["provider"] == {"id": idp["id"], "name": "Okta"}
    assert first["linkedAt"] is not None
    assert first["lastUsedAt"] is not None and first["lastUsedAt"] >= first["linkedAt"]

    linked = await api.gql(
        admin,
        LINK,
        {
            "input": {
                "userId": grace,
                "providerId": idp["id"],
                "subject": " okta|grace-2 ",
                "email": "Grace.H@Acme.example",
            }
        },
    )
    payload = linked["data"]["linkIdentity"]
    assert payload["userErrors"] == []
    assert payload["identity"]["subject"] == "okta|grace-2"
    assert payload["identity"]["email"] == "grace.h@acme.example"
    assert payload["identity"]["lastUsedAt"] is None
    # Linking it again changes nothing (and records nothing).
    again = await api.gql(
        admin,
        LINK,
        {"input": {"userId": grace, "providerId": idp["id"], "subject": "okta|grace-2"}},
    )
    assert again["data"]["linkIdentity"]["userErrors"] == []

    # The linked subject signs in as Grace: not a new user (EMAIL_TAKEN), not refused.
    provider.next_user = {**GRACE, "sub": "okta|grace-2"}
    browser = api.browser()
    done, _ = await sso(browser, "acme")
    assert done.status_code == 303, done.text
    assert (await api.gql(browser, doc.ME))["data"]["me"]["id"] == grace
    second = {i["subject"]: i for i in await _identities(api, admin, grace)}["okta|grace-2"]
    assert second["lastUsedAt"] is not None

    unlinked = await api.gql(
        admin,
        UNLINK,
        {"input": {"userId": grace, "issuer": provider.issuer, "subject": "okta|grace"}},
    )
    assert unlinked["data"]["unlinkIdentity"]["userErrors"] == []
    assert unlinked["data"]["unlinkIdentity"]["identity"]["subject"] == "okta|grace"
    assert [i["subject"] for i in await _identities(api, admin, grace)] == ["okta|grace-2"]
    trail = await api.gql(admin, doc.AUDIT, {"targetId": grace})
    events = [e["node"] for e in trail["data"]["auditEvents"]["edges"]]
    actions = [e["action"] for e in events]
    assert actions.count("identity.linked") == 2  # the first sign-in's, and the admin's
    assert actions[0] == "identity.unlinked"
    assert events[0]["changes"] == [
        {"field": "identity", "before": f'"{provider.issuer}#okta|grace"', "after": None}
    ]
    assert events[0]["actorType"] == "user" and events[0]["actorId"] is not None

    # Grace has no password: her remaining identity is her last way in.
    last = await api.gql(
        admin,
        UNLINK,
        {"input": {"userId": grace, "issuer": provider.issuer, "subject": "okta|grace-2"}},
    )
    assert [e["code"] for e in last["data"]["unlinkIdentity"]["userErrors"]] == ["LAST_WAY_IN"]
    assert len(await _identities(api, admin, grace)) == 1
    assert (await _audit_actions(api, admin, grace)).count("identity.unlinked") == 1

    # With a password she has another way in: then it may go.
    org_id = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]["id"]
    await api.give_password(org_id, grace, "a long password for grace")
    gone = await api.gql(
        admin,
        UNLINK,
        {"input": {"userId": grace, "issuer": provider.issuer, "subject": "okta|grace-2"}},
    )
    assert gone["data"]["unlinkIdentity"]["userErrors"] == []
    assert await _identities(api, admin, grace) == []


async def test_a_subject_held_by_another_user_is_identity_taken(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    idp = (await configure(api, admin, provider))["identityProvider"]
    _, grace = await _grace_signs_in(api, provider)
    me = (await api.gql(admin, doc.ME))["data"]["me"]

    taken = await api.gql(
        admin,
        LINK,
        {"input": {"userId": me["id"], "providerId": idp["id"], "subject": "okta|grace"}},
    )
    errors = taken["data"]["linkIdentity"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [("IDENTITY_TAKEN", ["input", "subject"])]
    assert await _identities(api, admin, me["id"]) == []
    assert [i["subject"] for i in await _identities(api, admin, grace)] == ["okta|grace"]

    # Bad input is typed, not a 500.
    bad = await api.gql(
        admin,
        LINK,
        {"input": {"userId": me["id"], "providerId": idp["id"], "subject": " ", "email": "x"}},
    )
    codes = {e["code"] for e in bad["data"]["linkIdentity"]["userErrors"]}
    assert codes == {"REQUIRED", "INVALID"}
    unknown = await api.gql(
        admin, LINK, {"input": {"userId": me["id"], "providerId": "nope", "subject": "s"}}
    )
    assert [e["code"] for e in unknown["data"]["linkIdentity"]["userErrors"]] == ["NOT_FOUND"]


async def test_a_member_sees_only_their_own_identities_and_cannot_link_or_unlink(
    api: Api, provider: FakeProvider
) -> None:
    admin, _ = await api.admin_of("acme")
    idp = (await configure(api, admin, provider))["identityProvider"]
    admin_id = (await api.gql(admin, doc.ME))["data"]["me"]["id"]
    held = await api.gql(
        admin, LINK, {"input": {"userId": admin_id, "providerId": idp["id"], "subject": "okta|ada"}}
    )
    assert held["data"]["linkIdentity"]["userErrors"] == []
    grace_browser, grace = await _grace_signs_in(api, provider)

    mine = (await api.gql(grace_browser, MY_IDENTITIES))["data"]["me"]["identities"]
    assert [i["subject"] for i in mine] == ["okta|grace"]
    others = await api.gql(grace_browser, IDENTITIES, {"id": admin_id})
    # The user itself is hidden from a member today; were it shown, its identities are not.
    assert "errors" not in others, others
    assert (others["data"]["user"] or {}).get("identities", []) == []

    link = await api.gql(
        grace_browser,
        LINK,
        {"input": {"userId": grace, "providerId": idp["id"], "subject": "okta|mallory"}},
    )
    assert [e["code"] for e in link["data"]["linkIdentity"]["userErrors"]] == ["FORBIDDEN"]
    unlink = await api.gql(
        grace_browser,
        UNLINK,
        {"input": {"userId": admin_id, "issuer": provider.issuer, "subject": "okta|ada"}},
    )
    assert [e["code"] for e in unlink["data"]["unlinkIdentity"]["userErrors"]] == ["FORBIDDEN"]
    assert [i["subject"] for i in await _identities(api, admin, admin_id)] == ["okta|ada"]
    assert [i["subject"] for i in await _identities(api, admin, grace)] == ["okta|grace"]


async def test_unlinking_an_identity_ends_the_sessions_it_opened_and_only_those(
    api: Api, provider: FakeProvider
) -> None:
    """An identity unlinked (say, linked by mistake to someone else's account at the
    provider) must not keep the sessions it opened: they end at once; the user's other
    sessions (their password's, another identity's) stay."""
    admin, _ = await api.admin_of("acme")
    idp = (await configure(api, admin, provider))["identityProvider"]
    by_first, grace = await _grace_signs_in(api, provider)
    linked = await api.gql(
        admin,
        LINK,
        {"input": {"userId": grace, "providerId": idp["id"], "subject": "okta|grace-2"}},
    )
    assert linked["data"]["linkIdentity"]["userErrors"] == []
    provider.next_user = {**GRACE, "sub": "okta|grace-2"}
    by_second = api.browser()
    done, _ = await sso(by_second, "acme")
    assert done.status_code == 303, done.text

    unlinked = await api.gql(
        admin,
        UNLINK,
        {"input": {"userId": grace, "issuer": provider.issuer, "subject": "okta|grace-2"}},
    )
    assert unlinked["data"]["unlinkIdentity"]["userErrors"] == []

    refused = await api.gql(by_second, doc.ME)
    assert refused["data"]["me"] is None, refused
    kept = await api.gql(by_first, doc.ME)
    assert kept["data"]["me"]["id"] == grace
    events = (await api.gql(admin, doc.AUDIT, {"targetId": grace}))["data"]["auditEvents"]
    assert events["edges"][0]["node"]["action"] == "identity.unlinked"
