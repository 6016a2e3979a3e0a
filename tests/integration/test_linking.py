"""Linking accounts to users, creating users from them, connection status and backfills."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.integration import documents as doc
from tests.integration import integration_docs as idoc
from tests.integration.conftest import Api

T1 = "2024-05-01T10:00:00+00:00"


async def seeded(api: Api) -> tuple[httpx.AsyncClient, str, dict[str, str]]:
    """acme, with two integrations and unlinked accounts in each: (admin, org id, ids)."""
    admin, org_id = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.add_integration(api, admin, "cloudcall")
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [
            {"externalId": "bh-1", "occurredAt": T1, "email": "jane.doe@acme.example"},
            {"externalId": "bh-2", "occurredAt": T1, "displayName": "Ann Lee"},
            {"externalId": "bh-3", "occurredAt": T1, "email": "no.name.here@x.example"},
            {"externalId": "bh-4", "occurredAt": T1, "email": "jsmith@acme.example"},
        ],
    )
    await idoc.record(
        api,
        admin,
        "cloudcall",
        [{"externalId": "cc-1", "occurredAt": T1, "firstName": "Jane", "lastName": "Doe"}],
    )
    ids = await idoc.account_ids(api, admin, "bullhorn")
    ids.update(await idoc.account_ids(api, admin, "cloudcall"))
    return admin, org_id, ids


async def link(api: Api, admin: httpx.AsyncClient, user_id: str, account_id: str) -> list[str]:
    body = await api.gql(admin, idoc.LINK, {"input": {"userId": user_id, "accountId": account_id}})
    return idoc.codes(idoc.data(body, "linkIntegrationAccount"))


async def user_links(api: Api, admin: httpx.AsyncClient, user_id: str) -> dict[str, Any]:
    user: dict[str, Any] = idoc.data(await api.gql(admin, idoc.USER_LINKS, {"id": user_id}), "user")
    return user


async def test_link_then_unlink(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    assert await link(api, admin, jane, ids["bh-1"]) == []
    assert await link(api, admin, jane, ids["bh-1"]) == []  # again: nothing changes
    assert await link(api, admin, jane, ids["cc-1"]) == []
    links = await user_links(api, admin, jane)
    assert sorted(a["externalId"] for a in links["linkedAccounts"]) == ["bh-1", "cc-1"]
    account = idoc.data(
        await api.gql(admin, idoc.ACCOUNT_BY_ID, {"id": ids["bh-1"]}), "integrationAccount"
    )
    assert account["linkedUser"]["id"] == jane and account["linkedAt"] is not None
    remaining = await idoc.account_ids(api, admin, "bullhorn")
    assert "bh-1" not in remaining and len(remaining) == 3

    body = await api.gql(admin, idoc.UNLINK, {"input": {"accountId": ids["bh-1"]}})
    assert idoc.data(body, "unlinkIntegrationAccount") == {"user": {"id": jane}, "userErrors": []}
    again = await api.gql(admin, idoc.UNLINK, {"input": {"accountId": ids["bh-1"]}})
    assert idoc.codes(idoc.data(again, "unlinkIntegrationAccount")) == ["INVALID"]
    assert "bh-1" in await idoc.account_ids(api, admin, "bullhorn")
    trail = await api.gql(admin, doc.AUDIT, {"targetId": ids["bh-1"]})
    actions = [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]
    assert actions == ["integration_account.unlinked", "integration_account.linked"]


async def test_an_account_linked_to_someone_else_is_already_linked(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    other = (await idoc.create_user(api, admin, "other@acme.example"))["user"]["id"]
    assert await link(api, admin, jane, ids["bh-1"]) == []
    assert await link(api, admin, other, ids["bh-1"]) == ["ALREADY_LINKED"]


async def test_one_account_per_integration_per_user(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    assert await link(api, admin, jane, ids["bh-1"]) == []
    assert await link(api, admin, jane, ids["bh-2"]) == ["ALREADY_LINKED"]
    assert await link(api, admin, jane, ids["cc-1"]) == []


async def test_unknown_ids_are_not_found(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    unknown = "ffffffffffffffffffffffff"
    body = await api.gql(admin, idoc.LINK, {"input": {"userId": jane, "accountId": unknown}})
    errors = idoc.data(body, "linkIntegrationAccount")["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["input", "accountId"], "NOT_FOUND")]
    assert await link(api, admin, unknown, ids["bh-1"]) == ["NOT_FOUND"]
    assert await link(api, admin, jane, "not-an-id") == ["NOT_FOUND"]


async def test_two_admins_linking_one_account_at_once_one_wins(api: Api) -> None:
    admin, _, ids = await seeded(api)
    second_admin, _ = await api.admin_of("acme", "second@acme.example")
    users = [
        (await idoc.create_user(api, admin, f"u{i}@acme.example"))["user"]["id"] for i in range(6)
    ]
    outcomes = await asyncio.gather(
        *(
            link(api, admin if i % 2 else second_admin, user, ids["bh-1"])
            for i, user in enumerate(users)
        )
    )
    assert sorted(outcomes) == [[]] + [["ALREADY_LINKED"]] * 5
    winner = users[outcomes.index([])]
    account = await api.deps.store.db["integration_accounts"].find_one({"external_id": "bh-1"})
    assert account is not None and account["linked_user_id"] == winner


async def test_concurrent_links_of_one_integration_to_one_user_leave_one(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    accounts = [ids[k] for k in ("bh-1", "bh-2", "bh-3", "bh-4")]
    outcomes = await asyncio.gather(*(link(api, admin, jane, a) for a in accounts))
    assert sorted(outcomes) == [[]] + [["ALREADY_LINKED"]] * 3
    links = await user_links(api, admin, jane)
    assert len(links["linkedAccounts"]) == 1


async def test_create_user_links_accounts_in_the_same_step(api: Api) -> None:
    admin, _, ids = await seeded(api)
    created = await idoc.create_user(
        api, admin, "jane.doe@acme.example", [ids["bh-1"], ids["cc-1"]]
    )
    assert created["userErrors"] == []
    assert sorted(a["externalId"] for a in created["user"]["linkedAccounts"]) == ["bh-1", "cc-1"]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unknown", (["input", "linkAccountIds", "1"], "NOT_FOUND")),
        ("linked", (["input", "linkAccountIds", "1"], "ALREADY_LINKED")),
        ("same_integration", (["input", "linkAccountIds", "1"], "INVALID")),
        ("twice", (["input", "linkAccountIds", "1"], "INVALID")),
    ],
)
async def test_create_user_with_a_bad_link_creates_no_user(
    api: Api, case: str, expected: tuple[list[str], str]
) -> None:
    admin, _, ids = await seeded(api)
    if case == "linked":
        other = (await idoc.create_user(api, admin, "other@acme.example"))["user"]["id"]
        assert await link(api, admin, other, ids["bh-2"]) == []
    second = {
        "unknown": "ffffffffffffffffffffffff",
        "linked": ids["bh-2"],
        "same_integration": ids["bh-2"],
        "twice": ids["cc-1"],
    }[case]
    first = ids["cc-1"] if case == "twice" else ids["bh-1"]
    created = await idoc.create_user(api, admin, "jane.doe@acme.example", [first, second])
    assert created["user"] is None
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [expected]
    listing = await api.gql(admin, doc.USERS, {"search": "jane.doe"})
    assert listing["data"]["users"]["totalCount"] == 0
    assert "bh-1" in await idoc.account_ids(api, admin, "bullhorn")


async def test_a_link_lost_after_the_insert_removes_the_user_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, org_id, ids = await seeded(api)
    thief = (await idoc.create_user(api, admin, "thief@acme.example"))["user"]["id"]
    accounts = api.deps.store.integration_accounts
    original = accounts.link

    async def link_after_a_rival(org: str, account_id: str, user_id: str, now: Any) -> Any:
        if account_id == ids["cc-1"]:
            await original(org, account_id, thief, now)  # another admin, a moment earlier
        return await original(org, account_id, user_id, now)

    monkeypatch.setattr(accounts, "link", link_after_a_rival)
    created = await idoc.create_user(
        api, admin, "jane.doe@acme.example", [ids["bh-1"], ids["cc-1"]]
    )
    assert created["user"] is None
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [
        (["input", "linkAccountIds", "1"], "ALREADY_LINKED")
    ]
    assert await api.deps.store.users.find_by_email(org_id, "jane.doe@acme.example") is None
    assert "bh-1" in await idoc.account_ids(api, admin, "bullhorn")  # its link was undone
    seats = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]["seats"]
    assert seats["observers"] == 1  # the thief only


async def test_link_create_makes_the_user_from_the_account(api: Api) -> None:
    admin, _, ids = await seeded(api)

    async def create_from(account_id: str, **extra: Any) -> dict[str, Any]:
        body = await api.gql(admin, idoc.CREATE_FROM, {"input": {"accountId": account_id, **extra}})
        payload: dict[str, Any] = idoc.data(body, "createUserFromIntegrationAccount")
        return payload

    jane = await create_from(ids["bh-1"])
    assert jane["userErrors"] == []
    user = jane["user"]
    assert (user["email"], user["firstName"], user["lastName"]) == (
        "jane.doe@acme.example",
        "Jane",
        "Doe",
    )
    assert (user["source"], user["seat"]) == ("INTEGRATION", "OBSERVER")
    assert user["linkedAccounts"] == [{"id": ids["bh-1"]}]
    assert idoc.codes(await create_from(ids["bh-1"])) == ["ALREADY_LINKED"]

    # Ann Lee has a name but no email: nothing to sign in with.
    assert idoc.codes(await create_from(ids["bh-2"])) == ["REQUIRED"]
    # jsmith@: no name can be guessed, so the admin gives one.
    nameless = await create_from(ids["bh-4"])
    assert [(e["field"], e["code"]) for e in nameless["userErrors"]] == [
        (["input", "firstName"], "REQUIRED"),
        (["input", "lastName"], "REQUIRED"),
    ]
    named = await create_from(ids["bh-4"], firstName="John", lastName="Smith", seat="FULL")
    assert named["userErrors"] == [] and named["user"]["seat"] == "FULL"
    # cc-1 is Jane Doe without an email, but is of another integration: still no email.
    assert idoc.codes(await create_from(ids["cc-1"])) == ["REQUIRED"]


async def test_link_create_with_an_email_in_use_links_that_user(api: Api) -> None:
    # Issue 16: the person exists, so Link/Create links them (test_account_tabs.py).
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    body = await api.gql(admin, idoc.CREATE_FROM, {"input": {"accountId": ids["bh-1"]}})
    payload = idoc.data(body, "createUserFromIntegrationAccount")
    assert payload["userErrors"] == [] and payload["user"]["id"] == jane
    assert "bh-1" not in await idoc.account_ids(api, admin, "bullhorn")


async def test_connection_status_lists_integrations_in_use(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    bob = (await idoc.create_user(api, admin, "bob@acme.example"))["user"]["id"]
    assert (await user_links(api, admin, jane))["connectionStatus"] == []
    assert await link(api, admin, bob, ids["bh-2"]) == []
    status = (await user_links(api, admin, jane))["connectionStatus"]
    assert status == [{"linked": False, "integration": {"key": "bullhorn"}, "account": None}]
    assert await link(api, admin, jane, ids["bh-1"]) == []
    status = (await user_links(api, admin, jane))["connectionStatus"]
    assert status == [
        {"linked": True, "integration": {"key": "bullhorn"}, "account": {"externalId": "bh-1"}}
    ]


async def test_deleting_a_user_frees_their_accounts(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example", [ids["bh-1"]]))["user"][
        "id"
    ]
    deleted = await api.gql(admin, doc.DELETE, {"input": {"userId": jane}})
    assert deleted["data"]["deleteUser"]["userErrors"] == []
    assert "bh-1" in await idoc.account_ids(api, admin, "bullhorn")
    other = (await idoc.create_user(api, admin, "other@acme.example"))["user"]["id"]
    assert await link(api, admin, other, ids["bh-1"]) == []


async def test_backfill_requests_from_request_to_done(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example", [ids["bh-1"]]))["user"][
        "id"
    ]
    integration = idoc.data(
        await api.gql(admin, idoc.INTEGRATION, {"key": "bullhorn"}), "integration"
    )
    crm = integration["id"]

    async def request(user_id: str, integration_id: str, since: str) -> dict[str, Any]:
        body = await api.gql(
            admin,
            idoc.REQUEST_BACKFILL,
            {"input": {"userId": user_id, "integrationId": integration_id, "since": since}},
        )
        payload: dict[str, Any] = idoc.data(body, "requestBackfill")
        return payload

    first = await request(jane, crm, "2024-04-01T00:00:00+00:00")
    assert first["userErrors"] == []
    backfill = first["backfillRequest"]
    assert (backfill["status"], backfill["account"], backfill["user"]) == (
        "PENDING",
        {"externalId": "bh-1"},
        {"id": jane},
    )
    later = await request(jane, crm, "2024-04-15T00:00:00+00:00")
    earlier = await request(jane, crm, "2024-03-01T00:00:00+00:00")
    assert later["backfillRequest"]["id"] == earlier["backfillRequest"]["id"] == backfill["id"]
    assert later["backfillRequest"]["since"].startswith("2024-04-01")  # never narrowed
    assert earlier["backfillRequest"]["since"].startswith("2024-03-01")  # widened

    pending = idoc.data(
        await api.gql(admin, idoc.BACKFILLS, {"key": "bullhorn"}), "backfillRequests"
    )
    assert pending["totalCount"] == 1
    assert pending["edges"][0]["node"]["account"] == {"externalId": "bh-1"}

    async def complete(status: str, message: str | None = None) -> dict[str, Any]:
        body = await api.gql(
            admin,
            idoc.COMPLETE_BACKFILL,
            {"input": {"id": backfill["id"], "status": status, "message": message}},
        )
        payload: dict[str, Any] = idoc.data(body, "completeBackfill")
        return payload

    assert idoc.codes(await complete("PENDING")) == ["INVALID"]
    done = await complete("DONE", "42 calls re-sent")
    assert done["backfillRequest"]["status"] == "DONE"
    assert done["backfillRequest"]["message"] == "42 calls re-sent"
    assert (await complete("DONE"))["userErrors"] == []  # again: nothing changes
    assert idoc.codes(await complete("FAILED")) == ["INVALID"]
    empty = idoc.data(await api.gql(admin, idoc.BACKFILLS, {"key": "bullhorn"}), "backfillRequests")
    assert empty["totalCount"] == 0
    history = await api.gql(admin, idoc.BACKFILLS, {"key": "bullhorn", "status": "DONE"})
    assert idoc.data(history, "backfillRequests")["totalCount"] == 1
    fresh = await request(jane, crm, "2024-05-01T00:00:00+00:00")
    assert fresh["backfillRequest"]["id"] != backfill["id"]
    trail = await api.gql(admin, doc.AUDIT, {"targetId": backfill["id"]})
    actions = [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]
    assert actions == ["backfill.completed", "backfill.requested", "backfill.requested"]


async def test_backfill_needs_a_linked_account_and_a_past_date(api: Api) -> None:
    admin, _, ids = await seeded(api)
    jane = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    integration = idoc.data(
        await api.gql(admin, idoc.INTEGRATION, {"key": "bullhorn"}), "integration"
    )

    async def request(since: str, integration_id: str = integration["id"]) -> list[tuple[Any, str]]:
        body = await api.gql(
            admin,
            idoc.REQUEST_BACKFILL,
            {"input": {"userId": jane, "integrationId": integration_id, "since": since}},
        )
        errors = idoc.data(body, "requestBackfill")["userErrors"]
        return [(e["field"], e["code"]) for e in errors]

    assert await request("2024-01-01T00:00:00+00:00") == [(["input", "integrationId"], "NOT_FOUND")]
    assert await link(api, admin, jane, ids["bh-1"]) == []
    assert await request("2999-01-01T00:00:00+00:00") == [(["input", "since"], "INVALID")]
    assert await request("2024-01-01T00:00:00+00:00", "ffffffffffffffffffffffff") == [
        (["input", "integrationId"], "NOT_FOUND")
    ]
    assert await request("2024-01-01T00:00:00+00:00") == []
    unknown = await api.gql(admin, idoc.BACKFILLS, {"key": "nope"})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_page_of_users_with_links_costs_a_constant_number_of_round_trips(
    api: Api,
) -> None:
    admin, org_id = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.add_integration(api, admin, "cloudcall")
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [{"externalId": f"bh-{i}", "occurredAt": T1} for i in range(100)],
    )
    ids = await idoc.account_ids(api, admin, "bullhorn")
    from provisioning.caller import Caller
    from provisioning.integrations.linking import link_account
    from provisioning.users.write import UserDraft, create_user

    caller = Caller.system(org_id)
    for i in range(100):
        user = await create_user(
            api.deps,
            caller,
            UserDraft(first_name=f"User{i}", last_name="Load", email=f"u{i}@acme.example"),
        )
        if i % 2 == 0:
            await link_account(api.deps, caller, user.id, ids[f"bh-{i}"])

    query = """query($first: Int) { users(first: $first, search: "load") { edges { node {
      id linkedAccounts { externalId integration { key } }
      connectionStatus { linked integration { key } account { externalId } } } } } }"""

    async def round_trips(first: int) -> int:
        api.counter.commands.clear()
        body = await api.gql(admin, query, {"first": first})
        assert body.get("errors") is None, body
        edges = body["data"]["users"]["edges"]
        assert len(edges) == first
        linked = [e for e in edges if e["node"]["linkedAccounts"]]
        assert len(linked) == first // 2
        assert all(
            e["node"]["connectionStatus"][0]["linked"] == bool(e["node"]["linkedAccounts"])
            for e in edges
        )
        assert all(len(e["node"]["connectionStatus"]) == 1 for e in edges)  # cloudcall unused
        return len(api.counter.data_commands())

    small, large = await round_trips(4), await round_trips(100)
    assert small == large
    # session + page + count + linked accounts + integrations (by id) + the organization's
    # integrations + one "any linked?" per integration
    assert large <= 8, api.counter.data_commands()


async def test_a_client_with_users_read_sees_linked_accounts(api: Api) -> None:
    from tests.integration.test_partner_access import bearer, new_client, token_for

    admin, _, ids = await seeded(api)
    user_id = (await idoc.create_user(api, admin, "jane.doe@acme.example"))["user"]["id"]
    assert await link(api, admin, user_id, ids["bh-1"]) == []
    created = await new_client(api, admin, ["users:read"], name="Reader")
    grant = await token_for(
        api.browser(), created["apiClient"]["clientId"], created["clientSecret"]
    )
    read = await bearer(api, grant.json()["access_token"], idoc.USER_LINKS, {"id": user_id})
    accounts = read.json()["data"]["user"]["linkedAccounts"]
    assert [a["externalId"] for a in accounts] == ["bh-1"]
