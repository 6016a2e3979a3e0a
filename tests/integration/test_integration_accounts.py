"""Integrations and the recording of their accounts' activity."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo.errors import BulkWriteError

from store.indexes import LINKED_FLAG, ensure_indexes
from store.integration_accounts import UnlinkedFilter
from store.migrations import COLLECTION as MIGRATIONS
from tests.integration import documents as doc
from tests.integration import integration_docs as idoc
from tests.integration.conftest import ADMIN_PASSWORD, Api

T1 = "2024-05-01T10:00:00+00:00"
T2 = "2024-05-02T10:00:00+00:00"
T3 = "2024-05-03T10:00:00+02:00"


def entry(external_id: str, at: str = T1, **fields: Any) -> dict[str, Any]:
    return {"externalId": external_id, "occurredAt": at, **fields}


async def stored(api: Api, external_id: str) -> dict[str, Any]:
    found = await api.deps.store.db["integration_accounts"].find_one({"external_id": external_id})
    assert found is not None
    return found


async def test_admins_create_list_rename_and_disconnect_integrations(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    crm = await idoc.add_integration(api, admin, "bullhorn")
    await idoc.add_integration(api, admin, "cloudcall")
    body = await api.gql(admin, idoc.ORG_INTEGRATIONS)
    listed = body["data"]["organization"]["integrations"]
    assert [(i["key"], i["kind"], i["connected"]) for i in listed] == [
        ("bullhorn", "ACTIVITY", True),
        ("cloudcall", "ACTIVITY", True),
    ]
    renamed = idoc.data(
        await api.gql(
            admin,
            idoc.UPDATE_INTEGRATION,
            {"input": {"id": crm, "name": "Bullhorn CRM", "connected": False}},
        ),
        "updateIntegration",
    )
    assert renamed["integration"] == {
        "id": crm,
        "key": "bullhorn",
        "name": "Bullhorn CRM",
        "connected": False,
    }
    trail = await api.gql(admin, doc.AUDIT, {"targetId": crm})
    actions = [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]
    assert actions == ["integration.updated", "integration.created"]


async def test_integration_input_is_validated(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")

    async def create(key: str, name: str, kind: str) -> list[tuple[str, str]]:
        body = await api.gql(
            admin, idoc.CREATE_INTEGRATION, {"input": {"key": key, "name": name, "kind": kind}}
        )
        payload = idoc.data(body, "createIntegration")
        return [(e["field"][-1], e["code"]) for e in payload["userErrors"]]

    assert await create("Bullhorn", "Again", "ACTIVITY") == [("key", "INVALID")]
    assert await create("has space", "X", "ACTIVITY") == [("key", "INVALID")]
    assert await create("ok", " ", "SOMETHING") == [("name", "REQUIRED"), ("kind", "INVALID")]
    assert await create("scim-app", "SCIM app", "provisioning") == []


async def test_members_cannot_manage_integrations_or_record_activity(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Mem", "lastName": "Ber", "email": "m@acme.example"}},
    )
    member_id = body["data"]["createUser"]["user"]["id"]
    await api.give_password(org_id, member_id, ADMIN_PASSWORD)
    member = api.browser()
    await api.sign_in(member, "acme", "m@acme.example", ADMIN_PASSWORD)
    created = await api.gql(
        member,
        idoc.CREATE_INTEGRATION,
        {"input": {"key": "x", "name": "X", "kind": "ACTIVITY"}},
    )
    assert idoc.codes(idoc.data(created, "createIntegration")) == ["FORBIDDEN"]
    recorded = await idoc.record(api, member, "bullhorn", [entry("e1")])
    assert (recorded["recorded"], idoc.codes(recorded)) == (0, ["FORBIDDEN"])
    assert await api.deps.store.db["integration_accounts"].count_documents({}) == 0
    looked_up = await api.gql(member, idoc.INTEGRATION, {"key": "bullhorn"})
    assert looked_up["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_recording_creates_accounts_with_their_data(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    result = await idoc.record(
        api,
        admin,
        "bullhorn",
        [
            entry("bh-1", email="Jane.Doe@Acme.example", displayName="Jane Doe"),
            entry("bh-2", firstName="Ann", lastName="Lee"),
            entry("bh-3"),
        ],
    )
    assert result == {"recorded": 3, "created": 3, "userErrors": []}
    edges = (await idoc.unlinked(api, admin, "bullhorn"))["edges"]
    accounts = {e["node"]["externalId"]: e["node"] for e in edges}
    jane = accounts["bh-1"]
    assert (jane["email"], jane["displayName"], jane["activityCount"]) == (
        "jane.doe@acme.example",
        "Jane Doe",
        1,
    )
    assert jane["lastActivityAt"].startswith("2024-05-01T10:00:00")
    assert jane["integration"]["key"] == "bullhorn" and jane["linkedUser"] is None
    assert (accounts["bh-2"]["firstName"], accounts["bh-2"]["lastName"]) == ("Ann", "Lee")
    assert accounts["bh-3"]["email"] is None
    trail = await api.gql(admin, doc.AUDIT, {"first": 1})
    assert trail["data"]["auditEvents"]["edges"][0]["node"]["action"] == (
        "integration.activity_recorded"
    )


async def test_the_same_call_twice_changes_nothing_more(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    batch = [entry("bh-1", T1, email="a@acme.example"), entry("bh-1", T2), entry("bh-2", T2)]
    first = await idoc.record(api, admin, "bullhorn", batch)
    assert (first["recorded"], first["created"]) == (3, 2)
    before = await stored(api, "bh-1")
    assert before["activity_count"] == 2
    again = await idoc.record(api, admin, "bullhorn", batch)
    assert (again["recorded"], again["created"]) == (3, 0)
    after = await stored(api, "bh-1")
    assert after == before


async def test_late_events_never_move_activity_back(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(api, admin, "bullhorn", [entry("bh-1", T2, email="new@acme.example")])
    first_seen = (await stored(api, "bh-1"))["first_seen_at"]
    late = await idoc.record(api, admin, "bullhorn", [entry("bh-1", T1, email="old@acme.example")])
    assert (late["recorded"], late["created"]) == (1, 0)
    account = await stored(api, "bh-1")
    assert account["last_activity_at"] == datetime(2024, 5, 2, 10, tzinfo=UTC)
    assert account["email"] == "new@acme.example"  # a late event's data is older
    assert account["activity_count"] == 1
    # T3 is 08:00 UTC on May 3rd: later, so it counts and its data wins.
    await idoc.record(api, admin, "bullhorn", [entry("bh-1", T3, email="newer@acme.example")])
    account = await stored(api, "bh-1")
    assert account["last_activity_at"] == datetime(2024, 5, 3, 8, tzinfo=UTC)
    assert (account["email"], account["activity_count"]) == ("newer@acme.example", 2)
    assert account["first_seen_at"] == first_seen


async def test_activity_alone_keeps_the_profile(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(api, admin, "bullhorn", [entry("bh-1", T1, email="a@acme.example")])
    await idoc.record(api, admin, "bullhorn", [entry("bh-1", T2)])
    account = await stored(api, "bh-1")
    assert (account["email"], account["activity_count"]) == ("a@acme.example", 2)
    found = await idoc.unlinked(api, admin, "bullhorn", search="a@acme")
    assert found["totalCount"] == 1


async def test_bad_entries_are_reported_and_good_ones_still_apply(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    result = await idoc.record(
        api,
        admin,
        "bullhorn",
        [
            entry("good-0"),
            entry(" ", T1),
            entry("good-2"),
            entry("bad-3", email="not an email"),
            entry("bad-4", "2024-05-01T10:00:00"),  # no offset
            entry("good-5", firstName="$where", lastName="{$gt: ''}"),
        ],
    )
    assert (result["recorded"], result["created"]) == (3, 3)
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["accounts", "1", "externalId"], "REQUIRED"),
        (["accounts", "3", "email"], "INVALID"),
        (["accounts", "4", "occurredAt"], "INVALID"),
    ]
    assert sorted(await idoc.account_ids(api, admin, "bullhorn")) == ["good-0", "good-2", "good-5"]
    dollar = await stored(api, "good-5")
    assert (dollar["first_name"], dollar["last_name"]) == ("$where", "{$gt: ''}")


async def test_more_than_a_thousand_accounts_are_refused_whole(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    result = await idoc.record(api, admin, "bullhorn", [entry(f"e{i}") for i in range(1001)])
    assert result["recorded"] == 0
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(["accounts"], "INVALID")]
    assert await api.deps.store.db["integration_accounts"].count_documents({}) == 0
    full = await idoc.record(api, admin, "bullhorn", [entry(f"e{i}") for i in range(1000)])
    assert (full["recorded"], full["created"], full["userErrors"]) == (1000, 1000, [])


async def test_unknown_and_disconnected_integrations_are_refused(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    crm = await idoc.add_integration(api, admin, "bullhorn")
    unknown = await idoc.record(api, admin, "nope", [entry("e1")])
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [
        (["integrationKey"], "NOT_FOUND")
    ]
    await api.gql(admin, idoc.UPDATE_INTEGRATION, {"input": {"id": crm, "connected": False}})
    refused = await idoc.record(api, admin, "bullhorn", [entry("e1")])
    assert refused["recorded"] == 0
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["integrationKey"], "INTEGRATION_DISCONNECTED")
    ]
    assert "disconnected" in refused["userErrors"][0]["message"]
    assert await api.deps.store.db["integration_accounts"].count_documents({}) == 0
    await api.gql(admin, idoc.UPDATE_INTEGRATION, {"input": {"id": crm, "connected": True}})
    assert (await idoc.record(api, admin, "bullhorn", [entry("e1")]))["recorded"] == 1


async def test_events_from_the_future_are_refused(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    result = await idoc.record(api, admin, "bullhorn", [entry("e1", tomorrow)])
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["accounts", "0", "occurredAt"], "INVALID")
    ]


async def test_concurrent_ingests_of_one_new_account_make_one_account(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    times = [f"2024-05-01T10:00:{s:02d}+00:00" for s in range(12)]
    results = await asyncio.gather(
        *(idoc.record(api, admin, "bullhorn", [entry("bh-new", at)]) for at in times)
    )
    assert all(r["recorded"] == 1 and r["userErrors"] == [] for r in results)
    assert sum(r["created"] for r in results) == 1
    collection = api.deps.store.db["integration_accounts"]
    assert await collection.count_documents({"external_id": "bh-new"}) == 1
    account = await stored(api, "bh-new")
    assert account["last_activity_at"] == datetime(2024, 5, 1, 10, 0, 11, tzinfo=UTC)
    assert 1 <= account["activity_count"] <= 12


async def test_a_lost_insert_race_is_retried_as_an_update(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer creates bh-2 between our miss and our insert: we update theirs."""
    admin, org_id = await api.admin_of("acme")
    integration_id = await idoc.add_integration(api, admin, "bullhorn")
    collection = api.deps.store.integration_accounts._collection
    original = collection.bulk_write
    calls: list[int] = []

    async def racing_bulk_write(operations: list[Any], **kwargs: Any) -> Any:
        calls.append(len(operations))
        if len(calls) > 1:
            return await original(operations, **kwargs)
        await original(operations[:1], **kwargs)
        await collection.insert_one(
            {
                "org_id": org_id,
                "integration_id": integration_id,
                "external_id": "bh-2",
                "first_seen_at": datetime(2024, 4, 1, tzinfo=UTC),
                "last_activity_at": datetime(2024, 4, 1, tzinfo=UTC),
                "activity_count": 1,
                "linked_user_id": None,
            }
        )
        raise BulkWriteError(
            {
                "writeErrors": [{"index": 1, "code": 11000, "errmsg": "E11000 duplicate key"}],
                "nUpserted": 1,
                "nInserted": 0,
                "nMatched": 0,
                "nModified": 0,
                "nRemoved": 0,
                "upserted": [],
                "writeConcernErrors": [],
            }
        )

    monkeypatch.setattr(collection, "bulk_write", racing_bulk_write)
    result = await idoc.record(
        api, admin, "bullhorn", [entry("bh-1", T2), entry("bh-2", T2), entry("bh-3", T2)]
    )
    assert calls == [3, 2]  # the retry starts at the failed write
    assert (result["recorded"], result["created"], result["userErrors"]) == (3, 2, [])
    assert await collection.count_documents({"external_id": "bh-2"}) == 1
    theirs = await stored(api, "bh-2")
    assert theirs["activity_count"] == 2
    assert theirs["first_seen_at"] == datetime(2024, 4, 1, tzinfo=UTC)


async def test_other_write_errors_are_not_retried(api: Api) -> None:
    """Only a lost insert race (duplicate key) is retried; any other failure of the write is
    an unexpected error, answered masked, after exactly one attempt."""
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    server = api.deps.store.db.client.admin
    await server.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": 1},
            "data": {"failCommands": ["update"], "errorCode": 2, "appName": "roster"},
        }
    )
    api.counter.commands.clear()
    try:
        body = await api.gql(
            admin, idoc.RECORD, {"input": {"integrationKey": "bullhorn", "accounts": [entry("e")]}}
        )
    finally:
        await server.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert api.counter.commands.count("update") == 1
    assert await api.deps.store.integration_accounts._collection.count_documents({}) == 0


async def test_unlinked_accounts_search_and_pagination(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [
            entry(
                "BH-100", email="zoe.angstrom@acme.example", firstName="Zoë", lastName="Ångström"
            ),
            entry("BH-101", displayName="Mary Van der Berg"),
            entry("CC-200", email="bob@partner.example"),
            *(entry(f"N-{i}") for i in range(5)),
        ],
    )

    async def externals(search: str) -> list[str]:
        connection = await idoc.unlinked(api, admin, "bullhorn", search=search)
        return sorted(e["node"]["externalId"] for e in connection["edges"])

    assert await externals("ANGSTR") == ["BH-100"]
    assert await externals("zoe.ang") == ["BH-100"]
    assert await externals("berg") == ["BH-101"]
    assert await externals("mary van") == ["BH-101"]
    assert await externals("bh-1") == ["BH-100", "BH-101"]
    assert await externals("bob@") == ["CC-200"]
    assert await externals("nobody") == []

    seen: list[str] = []
    after = None
    while True:
        page = await idoc.unlinked(api, admin, "bullhorn", first=3, after=after)
        assert page["totalCount"] == 8
        seen += [e["node"]["externalId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 8
    too_many = await api.gql(admin, idoc.INTEGRATION, {"key": "bullhorn", "first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID"


async def test_unlinked_listing_uses_an_index(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    integration_id = await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(
        api, admin, "bullhorn", [entry(f"e{i}", email=f"u{i}@x.example") for i in range(20)]
    )
    collection = api.deps.store.db["integration_accounts"]
    after = ObjectId()
    for where in (
        UnlinkedFilter(integration_id),
        UnlinkedFilter(integration_id, search_prefix="u1"),
        UnlinkedFilter(integration_id, linked=True),
    ):
        for query in (where.query(org_id), where.query(org_id, after)):
            plan = str((await collection.find(query).sort("_id", 1).explain())["queryPlanner"])
            assert "IXSCAN" in plan and "COLLSCAN" not in plan, plan


async def test_guess_name(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    guess = await api.gql(admin, idoc.GUESS, {"email": "mary-jane.o'neil@acme.example"})
    assert guess["data"]["guessName"] == {"firstName": "Mary-Jane", "lastName": "O'Neil"}
    none = await api.gql(admin, idoc.GUESS, {"email": "info@acme.example"})
    assert none["data"]["guessName"] == {"firstName": None, "lastName": None}
    anonymous = await api.gql(api.browser(), idoc.GUESS, {"email": "a.b@c.example"})
    assert anonymous["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_linked_page_after_a_cursor_reads_from_the_cursor_on(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    integration_id = await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(
        api, admin, "bullhorn", [entry(f"e{i}", email=f"u{i}@x.example") for i in range(20)]
    )
    accounts = api.deps.store.integration_accounts
    ids = [
        a.id for a in await accounts.page_unlinked(org_id, UnlinkedFilter(integration_id), None, 50)
    ]
    now = datetime.now(UTC)
    for number, account_id in enumerate(ids):
        assert await accounts.link(org_id, account_id, f"user-{number}", now) is not None
    linked = UnlinkedFilter(integration_id, linked=True)
    last_page = await accounts.page_unlinked(org_id, linked, ids[16], 10)
    assert [a.id for a in last_page] == ids[17:]
    query = linked.query(org_id, ObjectId(ids[16]))
    plan = await api.deps.store.db["integration_accounts"].find(query).sort("_id", 1).explain()
    # The three accounts after the cursor (and the key that ends the range), not all twenty.
    assert plan["executionStats"]["totalKeysExamined"] <= 4, plan["executionStats"]


async def test_accounts_stored_before_the_linked_flag_get_it_at_start_up(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    integration_id = await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(api, admin, "bullhorn", [entry(f"e{i}") for i in range(3)])
    accounts = api.deps.store.integration_accounts
    unlinked = UnlinkedFilter(integration_id)
    first = (await accounts.page_unlinked(org_id, unlinked, None, 1))[0]
    await accounts.link(org_id, first.id, "user-1", datetime.now(UTC))
    db = api.deps.store.db
    await db["integration_accounts"].update_many({}, {"$unset": {"linked": ""}})
    # A database from before the flag has no record of its migration.
    await db[MIGRATIONS].delete_one({"_id": LINKED_FLAG})
    await ensure_indexes(db)
    linked = await accounts.page_unlinked(
        org_id, UnlinkedFilter(integration_id, linked=True), None, 9
    )
    assert [a.id for a in linked] == [first.id]
    assert len(await accounts.page_unlinked(org_id, unlinked, None, 9)) == 2
