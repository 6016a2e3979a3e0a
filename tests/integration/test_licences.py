"""Licence pools per product: limits under races, idempotency, revocation, isolation, events."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from provisioning.caller import Caller
from provisioning.users.write import UserDraft, create_user
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.test_partner_access import bearer, partner

CONFIGURE = f"""mutation($input: ConfigureLicencePoolInput!) {{
  configureLicencePool(input: $input) {{ licencePool {{ productKey name seats used }}
    {doc.ERRORS} }} }}"""
ASSIGN = f"""mutation($input: AssignLicenceInput!) {{
  assignLicence(input: $input) {{ user {{ id licences {{ productKey name assignedAt }} }}
    {doc.ERRORS} }} }}"""
REVOKE = f"""mutation($input: RevokeLicenceInput!) {{
  revokeLicence(input: $input) {{ user {{ id licences {{ productKey }} }} {doc.ERRORS} }} }}"""
POOLS = "{ organization { licencePools { productKey name seats used } } }"
USERS_WITH_LICENCES = """query($first: Int, $search: String) {
  users(first: $first, search: $search) { edges { node { id licences { productKey name } } } } }"""


async def users(api: Api, org_id: str, count: int, prefix: str = "u") -> list[str]:
    made = []
    for i in range(count):
        record = await create_user(
            api.deps,
            Caller.system(org_id),
            UserDraft(first_name=f"User{i}", last_name="Licensed", email=f"{prefix}{i}@x.example"),
        )
        made.append(record.id)
    return made


async def configure(
    api: Api, admin: httpx.AsyncClient, key: str, seats: int, name: str = "CRM"
) -> dict[str, Any]:
    body = await api.gql(
        admin, CONFIGURE, {"input": {"productKey": key, "name": name, "seats": seats}}
    )
    payload: dict[str, Any] = body["data"]["configureLicencePool"]
    return payload


async def assign(api: Api, admin: httpx.AsyncClient, user_id: str, key: str) -> dict[str, Any]:
    body = await api.gql(admin, ASSIGN, {"input": {"userId": user_id, "productKey": key}})
    payload: dict[str, Any] = body["data"]["assignLicence"]
    return payload


async def revoke(api: Api, admin: httpx.AsyncClient, user_id: str, key: str) -> dict[str, Any]:
    body = await api.gql(admin, REVOKE, {"input": {"userId": user_id, "productKey": key}})
    payload: dict[str, Any] = body["data"]["revokeLicence"]
    return payload


async def pools(api: Api, admin: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    body = await api.gql(admin, POOLS)
    return {p["productKey"]: p for p in body["data"]["organization"]["licencePools"]}


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def test_a_pool_limits_its_licences_and_cannot_shrink_below_use(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    created = await configure(api, admin, " CRM ", 2, "Acme CRM")
    assert created == {
        "licencePool": {"productKey": "crm", "name": "Acme CRM", "seats": 2, "used": 0},
        "userErrors": [],
    }
    a, b, c = await users(api, org_id, 3)
    first = await assign(api, admin, a, "crm")
    assert first["userErrors"] == []
    assert [(held["productKey"], held["name"]) for held in first["user"]["licences"]] == [
        ("crm", "Acme CRM")
    ]
    assert codes(await assign(api, admin, b, "crm")) == []
    over = await assign(api, admin, c, "crm")
    assert codes(over) == ["SEAT_LIMIT"]
    assert over["userErrors"][0]["field"] == ["input", "productKey"]
    assert "Acme CRM" in over["userErrors"][0]["message"]
    assert "'crm'" in over["userErrors"][0]["message"]

    shrink = await configure(api, admin, "crm", 1, "Acme CRM")
    assert codes(shrink) == ["INVALID"]
    assert shrink["userErrors"][0]["field"] == ["input", "seats"]
    assert "2 licences" in shrink["userErrors"][0]["message"]
    grown = await configure(api, admin, "crm", 3, "CRM Pro")
    assert grown["licencePool"] == {"productKey": "crm", "name": "CRM Pro", "seats": 3, "used": 2}
    assert codes(await assign(api, admin, c, "crm")) == []
    assert (await pools(api, admin))["crm"]["used"] == 3

    assert codes(await configure(api, admin, "Not a slug!", 1)) == ["INVALID"]
    assert codes(await configure(api, admin, "dialer", -1)) == ["INVALID"]
    assert codes(await assign(api, admin, a, "nothing")) == ["NOT_FOUND"]
    assert list(await pools(api, admin)) == ["crm"]


async def test_twenty_concurrent_assignments_to_a_pool_of_five_assign_exactly_five(
    api: Api,
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, "crm", 5)
    ids = await users(api, org_id, 20)

    outcomes = await asyncio.gather(*(assign(api, admin, i, "crm") for i in ids))
    assert sum(1 for o in outcomes if codes(o) == []) == 5
    assert sum(1 for o in outcomes if codes(o) == ["SEAT_LIMIT"]) == 15
    assert (await pools(api, admin))["crm"]["used"] == 5
    db = api.deps.store.db
    assert await db["licence_assignments"].count_documents({"org_id": org_id}) == 5
    assert await db["licence_events"].count_documents({"org_id": org_id}) == 5


async def test_assigning_again_is_idempotent_even_concurrently(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, "crm", 5)
    (user_id,) = await users(api, org_id, 1)
    assert codes(await assign(api, admin, user_id, "crm")) == []
    again = await assign(api, admin, user_id, "crm")
    assert again["userErrors"] == []
    assert [held["productKey"] for held in again["user"]["licences"]] == ["crm"]
    outcomes = await asyncio.gather(*(assign(api, admin, user_id, "crm") for _ in range(10)))
    assert all(codes(o) == [] for o in outcomes)

    (other,) = await users(api, org_id, 1, prefix="v")
    raced = await asyncio.gather(*(assign(api, admin, other, "crm") for _ in range(10)))
    assert all(codes(o) == [] for o in raced)
    assert (await pools(api, admin))["crm"]["used"] == 2
    db = api.deps.store.db
    assert await db["licence_assignments"].count_documents({"org_id": org_id}) == 2
    assert await db["licence_events"].count_documents({"org_id": org_id}) == 2


async def test_revoking_frees_a_seat_and_is_idempotent(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, "crm", 1)
    a, b = await users(api, org_id, 2)
    assert codes(await assign(api, admin, a, "crm")) == []
    assert codes(await assign(api, admin, b, "crm")) == ["SEAT_LIMIT"]
    revoked = await revoke(api, admin, a, "crm")
    assert revoked == {"user": {"id": a, "licences": []}, "userErrors": []}
    assert (await pools(api, admin))["crm"]["used"] == 0
    assert codes(await revoke(api, admin, a, "crm")) == []
    assert (await pools(api, admin))["crm"]["used"] == 0
    assert codes(await assign(api, admin, b, "crm")) == []
    assert codes(await revoke(api, admin, a, "unknown")) == ["NOT_FOUND"]


async def test_deleting_a_user_frees_their_licences(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, "crm", 1)
    await configure(api, admin, "dialer", 1, "Dialer")
    a, b = await users(api, org_id, 2)
    assert codes(await assign(api, admin, a, "crm")) == []
    assert codes(await assign(api, admin, a, "dialer")) == []
    deleted = await api.gql(admin, doc.DELETE, {"input": {"userId": a}})
    assert deleted["data"]["deleteUser"]["userErrors"] == []
    assert {k: p["used"] for k, p in (await pools(api, admin)).items()} == {"crm": 0, "dialer": 0}
    assert codes(await assign(api, admin, b, "crm")) == []
    events = api.deps.store.db["licence_events"].find({"org_id": org_id, "user_id": a})
    revoked = [e["product_key"] async for e in events if e["kind"] == "revoked"]
    assert sorted(revoked) == ["crm", "dialer"]


async def test_another_organizations_users_and_pools_are_unknown(api: Api) -> None:
    acme, acme_id = await api.admin_of("acme")
    globex, globex_id = await api.admin_of("globex")
    await configure(api, acme, "crm", 3)
    await configure(api, globex, "crm", 1, "Globex CRM")
    await configure(api, globex, "erp", 1, "Globex ERP")
    (acme_user,) = await users(api, acme_id, 1)
    (globex_user,) = await users(api, globex_id, 1, prefix="g")

    assert codes(await assign(api, acme, globex_user, "crm")) == ["NOT_FOUND"]
    assert codes(await revoke(api, acme, globex_user, "crm")) == ["NOT_FOUND"]
    assert codes(await assign(api, acme, acme_user, "erp")) == ["NOT_FOUND"]
    assert codes(await assign(api, acme, acme_user, "crm")) == []
    assert codes(await assign(api, globex, globex_user, "crm")) == []
    assert {k: p["used"] for k, p in (await pools(api, globex)).items()} == {"crm": 1, "erp": 0}
    assert {k: p["used"] for k, p in (await pools(api, acme)).items()} == {"crm": 1}


async def test_scopes_decide_who_may_assign_and_configure(api: Api) -> None:
    admin, _, token = await partner(api, ["users:read"])
    await configure(api, admin, "crm", 2)
    org_id = (await api.gql(admin, doc.ORGANIZATION))["data"]["organization"]["id"]
    (user_id,) = await users(api, org_id, 1)
    variables = {"input": {"userId": user_id, "productKey": "crm"}}
    for query, name in ((ASSIGN, "assignLicence"), (REVOKE, "revokeLicence")):
        response = await bearer(api, token, query, variables)
        assert codes(response.json()["data"][name]) == ["FORBIDDEN"]
    configure_variables = {"input": {"productKey": "crm", "name": "CRM", "seats": 9}}
    response = await bearer(api, token, CONFIGURE, configure_variables)
    assert codes(response.json()["data"]["configureLicencePool"]) == ["FORBIDDEN"]
    assert (await pools(api, admin))["crm"] == {
        "productKey": "crm",
        "name": "CRM",
        "seats": 2,
        "used": 0,
    }


async def test_assignments_and_revocations_write_audit_and_licence_events(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, "crm", 2)
    (user_id,) = await users(api, org_id, 1)
    assert codes(await assign(api, admin, user_id, "crm")) == []
    assert codes(await revoke(api, admin, user_id, "crm")) == []

    audit = await api.gql(admin, doc.AUDIT, {"targetId": user_id})
    events = [e["node"] for e in audit["data"]["auditEvents"]["edges"]]
    licence_events = [e for e in events if e["action"].startswith("licence.")]
    assert sorted(e["action"] for e in licence_events) == ["licence.assigned", "licence.revoked"]
    assert all(e["actorType"] == "user" and e["requestId"] for e in licence_events)

    cursor = api.deps.store.db["licence_events"].find({"org_id": org_id}).sort("_id", 1)
    stored = [e async for e in cursor]
    assert [(e["product_key"], e["user_id"], e["kind"]) for e in stored] == [
        ("crm", user_id, "assigned"),
        ("crm", user_id, "revoked"),
    ]
    assert all(e["processed_at"] is None and e["at"] is not None for e in stored)


async def test_licences_of_a_page_of_users_cost_a_constant_number_of_round_trips(
    api: Api,
) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, "crm", 100)
    await configure(api, admin, "dialer", 100, "Dialer")
    ids = await users(api, org_id, 30)
    for i, user_id in enumerate(ids):
        await assign(api, admin, user_id, "crm")
        if i % 2:
            await assign(api, admin, user_id, "dialer")

    async def round_trips(first: int) -> int:
        api.counter.commands.clear()
        body = await api.gql(admin, USERS_WITH_LICENCES, {"first": first, "search": "licensed"})
        assert body.get("errors") is None, body
        edges = body["data"]["users"]["edges"]
        assert len(edges) == first
        assert all(e["node"]["licences"][0]["productKey"] == "crm" for e in edges)
        return len(api.counter.data_commands())

    small, large = await round_trips(3), await round_trips(30)
    assert small == large
    # session + page + count + assignments + pool names
    assert large <= 5, api.counter.data_commands()


HOLDERS = """query($first: Int, $after: String) { organization { licencePools {
  productKey holders(first: $first, after: $after) {
    totalCount edges { cursor node { id email } } pageInfo { hasNextPage endCursor } } } } }"""


async def test_a_pools_holders_page_through_in_a_stable_order(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await configure(api, admin, "crm", 10)
    await configure(api, admin, "phone", 10, "Phone")
    made = await users(api, org_id, 5)
    for user_id in made[:4]:
        assert codes(await assign(api, admin, user_id, "crm")) == []
    assert codes(await assign(api, admin, made[4], "phone")) == []
    assert codes(await revoke(api, admin, made[1], "crm")) == []

    seen: list[str] = []
    after = None
    while True:
        body = await api.gql(admin, HOLDERS, {"first": 2, "after": after})
        crm = next(
            p for p in body["data"]["organization"]["licencePools"] if p["productKey"] == "crm"
        )
        holders = crm["holders"]
        assert holders["totalCount"] == 3
        seen += [e["node"]["id"] for e in holders["edges"]]
        if not holders["pageInfo"]["hasNextPage"]:
            break
        after = holders["pageInfo"]["endCursor"]
    assert seen == sorted([made[0], made[2], made[3]])

    # Holders are people: a member without users:read cannot list them.
    member_id = made[0]
    await api.give_password(org_id, member_id, "member password 12345")
    member = api.browser()
    await api.sign_in(member, "acme", "u0@x.example", "member password 12345")
    refused = await api.gql(member, HOLDERS, {"first": 2})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
