"""users(): search, filters, cursor pagination, and a constant number of round trips."""

from __future__ import annotations

from typing import Any

import httpx
from bson import ObjectId

from store.indexes import SEARCH_PREFIXES, ensure_indexes
from store.migrations import COLLECTION as MIGRATIONS
from store.users import UserFilter
from tests.integration import documents as doc
from tests.integration.conftest import Api

NAMES = [
    ("Zoë", "Ångström", "zoe@acme.example"),
    ("Zoltan", "Kiss", "zk@acme.example"),
    ("Mary", "Van der Berg", "mvdb@acme.example"),
    ("Bob", "Zeller", "bob@acme.example"),
    ("Alice", "Smith", "alice.smith@acme.example"),
]


async def seed(api: Api, admin: httpx.AsyncClient) -> dict[str, str]:
    ids = {}
    for first, last, email in NAMES:
        body = await api.gql(
            admin,
            doc.CREATE_USER,
            {"input": {"firstName": first, "lastName": last, "email": email}},
        )
        assert body["data"]["createUser"]["userErrors"] == [], body
        ids[email] = body["data"]["createUser"]["user"]["id"]
    return ids


async def emails(api: Api, admin: httpx.AsyncClient, **args: Any) -> list[str]:
    body = await api.gql(admin, doc.USERS, args)
    assert body.get("errors") is None, body
    return sorted(e["node"]["email"] for e in body["data"]["users"]["edges"])


async def test_search_is_a_case_and_accent_insensitive_prefix(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await seed(api, admin)
    assert await emails(api, admin, search="zo") == ["zk@acme.example", "zoe@acme.example"]
    assert await emails(api, admin, search="ANGSTR") == ["zoe@acme.example"]
    assert await emails(api, admin, search="berg") == ["mvdb@acme.example"]
    assert await emails(api, admin, search="mary van") == ["mvdb@acme.example"]
    assert await emails(api, admin, search="alice.s") == ["alice.smith@acme.example"]
    assert await emails(api, admin, search="Z") == [
        "bob@acme.example",
        "zk@acme.example",
        "zoe@acme.example",
    ]
    assert await emails(api, admin, search="nobody") == []


async def test_search_with_a_filter_matches_one_term_not_two(api: Api) -> None:
    # A range on an array field is met by any two terms ("zoe" >= "mary", "angstrom" <
    # "mary~") unless one term must meet both bounds; a status filter made the planner show it.
    admin, _ = await api.admin_of("acme")
    await seed(api, admin)
    assert await emails(api, admin, search="mary", status="PENDING") == ["mvdb@acme.example"]
    assert await emails(api, admin, search="zo", seat="OBSERVER") == [
        "zk@acme.example",
        "zoe@acme.example",
    ]


async def test_search_uses_the_index(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await seed(api, admin)
    # The embedded database's planner uses an index only when the query's fields are the
    # leading fields of one: the store asks for the search alone and applies the status,
    # the seat and a search longer than the stored prefixes to what it finds.
    page = await api.deps.store.users.page(org_id, UserFilter(search_prefix="zo"), None, 1)
    for after in (None, {"$gt": ObjectId(page[0].id)}):
        query = UserFilter(search_prefix="zo", seat="OBSERVER").query(org_id)
        if after is not None:
            query["_id"] = after
        cursor = api.deps.store.db["users"].find(query).sort("_id", 1)
        plan = str((await cursor.explain())["queryPlanner"]["winningPlan"])
        assert "org_search_prefixes" in plan, plan
        assert "COLLSCAN" not in plan


async def test_the_tabs_without_a_search_use_an_index(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await seed(api, admin)
    for where in (
        UserFilter(seat="OBSERVER"),
        UserFilter(status="PENDING"),
        UserFilter(status="PENDING", seat="OBSERVER"),
    ):
        cursor = api.deps.store.db["users"].find(where.query(org_id)).sort("_id", 1)
        plan = str((await cursor.explain())["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in plan and "COLLSCAN" not in plan, plan


async def test_a_search_longer_than_the_stored_prefixes_still_matches_one_term(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    for first, last, email in [
        ("Ann", "Lee", "ann.lee.from.the.accounts.office@acme.example"),
        ("Ann", "Lee", "ann.lee.from.the.accounts.team@acme.example"),
    ]:
        body = await api.gql(
            admin,
            doc.CREATE_USER,
            {"input": {"firstName": first, "lastName": last, "email": email}},
        )
        assert body["data"]["createUser"]["userErrors"] == [], body
    assert await emails(api, admin, search="ann.lee.from.the.accounts.t") == [
        "ann.lee.from.the.accounts.team@acme.example"
    ]
    assert await emails(api, admin, search="ann.lee.from.the.accounts.") == [
        "ann.lee.from.the.accounts.office@acme.example",
        "ann.lee.from.the.accounts.team@acme.example",
    ]


async def test_filters_by_status_and_seat(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    ids = await seed(api, admin)
    await api.gql(admin, doc.DISABLE, {"input": {"userId": ids["bob@acme.example"]}})
    await api.gql(
        admin, doc.SET_SEAT, {"input": {"userId": ids["zk@acme.example"], "seat": "FULL"}}
    )
    assert await emails(api, admin, status="DISABLED") == ["bob@acme.example"]
    assert await emails(api, admin, seat="FULL") == ["admin@acme.example", "zk@acme.example"]
    assert await emails(api, admin, seat="FULL", status="PENDING") == ["zk@acme.example"]


async def test_cursor_pagination_walks_every_user_once(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await seed(api, admin)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = await api.gql(admin, doc.USERS, {"first": 2, "after": after})
        connection = body["data"]["users"]
        assert connection["totalCount"] == 6
        seen += [e["node"]["email"] for e in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == 6


async def test_page_size_is_bounded(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    body = await api.gql(admin, doc.USERS, {"first": 101})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    garbage = await api.gql(admin, doc.USERS, {"after": "!!!not-a-cursor"})
    assert garbage.get("errors") is None
    assert garbage["data"]["users"]["totalCount"] == 1


async def test_a_page_of_100_users_costs_a_constant_number_of_round_trips(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    org = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]
    departments = [d["id"] for d in org["departments"]]
    profiles = [p["id"] for p in org["jobProfiles"]]
    permissions = [p["id"] for p in org["permissionTypes"]]
    # Seed directly: the point is the read path, and 100 createUser calls would be slow here.
    from provisioning.caller import Caller
    from provisioning.users.write import UserDraft, create_user

    for i in range(100):
        await create_user(
            api.deps,
            Caller.system(org_id),
            UserDraft(
                first_name=f"User{i}",
                last_name="Load",
                email=f"u{i}@acme.example",
                department_id=departments[i % len(departments)],
                job_profile_id=profiles[i % len(profiles)],
                permission_type_id=permissions[i % len(permissions)],
            ),
        )

    async def round_trips(first: int) -> int:
        api.counter.commands.clear()
        body = await api.gql(admin, doc.USERS, {"first": first, "search": "load"})
        assert body.get("errors") is None, body
        edges = body["data"]["users"]["edges"]
        assert len(edges) == first
        assert all(e["node"]["department"] and e["node"]["company"] for e in edges)
        return len(api.counter.data_commands())

    small, large = await round_trips(5), await round_trips(100)
    assert small == large
    # session + page + count + 4 loaders (department, job profile, permission type, company)
    assert large <= 7, api.counter.data_commands()


async def test_users_stored_before_the_prefixes_are_found_after_start_up(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await seed(api, admin)
    users = api.deps.store.db["users"]
    await users.update_many({"org_id": org_id}, {"$unset": {"search_prefixes": ""}})
    assert await emails(api, admin, search="zo") == []
    # A database from before the prefixes has no record of their migration.
    await api.deps.store.db[MIGRATIONS].delete_one({"_id": SEARCH_PREFIXES})
    await ensure_indexes(api.deps.store.db)
    assert await emails(api, admin, search="zo") == ["zk@acme.example", "zoe@acme.example"]


async def test_a_finished_migration_does_not_scan_again_at_start_up(api: Api) -> None:
    """The app's start-up ran the migrations once; the next start reads their records and
    leaves users and accounts alone (no query without an index at every start)."""
    await ensure_indexes(api.deps.store.db)  # the first start, if this database is new
    api.counter.clear()
    await ensure_indexes(api.deps.store.db)
    scanned = {"users", "integration_accounts", "departments", "companies"}
    reads_or_writes = [
        c
        for c in api.counter.data_commands_on()
        if c.split(" ")[0] in ("find", "update") and c.split(" ")[-1] in scanned
    ]
    assert reads_or_writes == []


async def test_a_page_without_total_count_counts_nothing(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await seed(api, admin)
    page_only = "query { users(first: 2) { edges { node { email } } pageInfo { hasNextPage } } }"
    api.counter.clear()
    body = await api.gql(admin, page_only)
    assert body.get("errors") is None, body
    assert body["data"]["users"]["pageInfo"]["hasNextPage"] is True
    assert "count" not in api.counter.data_commands(), api.counter.data_commands_on()
    assert "aggregate" not in api.counter.data_commands(), api.counter.data_commands_on()

    api.counter.clear()
    counted = await api.gql(
        admin,
        "query { users(first: 2, seat: OBSERVER) { totalCount edges { node { email } } } }",
    )
    assert counted["data"]["users"]["totalCount"] == 5, counted
    assert {"count", "aggregate"} & set(api.counter.data_commands())
