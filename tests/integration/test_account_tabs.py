"""An integration's Linked tab: its linked accounts, searchable and paged, each with its user."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration import documents as doc
from tests.integration import integration_docs as idoc
from tests.integration.conftest import ADMIN_PASSWORD, Api

T1 = "2024-05-01T10:00:00+00:00"
LINKED = f"""query($key: String!, $search: String, $first: Int, $after: String) {{
  integration(key: $key) {{
    linkedAccounts(search: $search, first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage endCursor }}
      edges {{ cursor node {{ {idoc.ACCOUNT} }} }} }}
  }} }}"""


async def linked(api: Api, client: httpx.AsyncClient, **args: Any) -> dict[str, Any]:
    body = await api.gql(client, LINKED, {"key": "bullhorn", **args})
    connection: dict[str, Any] = idoc.data(body, "integration")["linkedAccounts"]
    return connection


async def seeded(api: Api) -> tuple[httpx.AsyncClient, str]:
    admin, org_id = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    people = [("zoe.angstrom", "Zoë", "Ångström"), ("mary.berg", "Mary", "Berg")]
    people += [(f"person{i}", f"Per{i}", "Son") for i in range(4)]
    accounts = [
        {"externalId": f"BH-{local}", "occurredAt": T1, "email": f"{local}@acme.example"}
        for local, _, _ in people
    ]
    accounts.append({"externalId": "BH-free", "occurredAt": T1, "email": "zoe.free@acme.example"})
    await idoc.record(api, admin, "bullhorn", accounts)
    ids = await idoc.account_ids(api, admin, "bullhorn")
    for local, _, _ in people:
        created = await idoc.create_user(api, admin, f"{local}@acme.example", [ids[f"BH-{local}"]])
        assert created["userErrors"] == [], created
    return admin, org_id


async def test_linked_accounts_are_searchable_and_paged_with_their_users(api: Api) -> None:
    admin, _ = await seeded(api)
    found = await linked(api, admin, search="ZOE")
    assert [e["node"]["externalId"] for e in found["edges"]] == ["BH-zoe.angstrom"]
    assert found["edges"][0]["node"]["linkedUser"]["email"] == "zoe.angstrom@acme.example"
    assert found["totalCount"] == 1
    assert (await linked(api, admin, search="berg"))["totalCount"] == 1
    seen: list[str] = []
    after = None
    while True:
        page = await linked(api, admin, first=4, after=after)
        assert page["totalCount"] == 6
        seen += [e["node"]["externalId"] for e in page["edges"]]
        assert all(e["node"]["linkedUser"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 6 and "BH-free" not in seen
    searched = await linked(api, admin, search="per", first=2)
    rest = await linked(api, admin, search="per", first=2, after=searched["pageInfo"]["endCursor"])
    assert searched["totalCount"] == rest["totalCount"] == 4
    names = [e["node"]["externalId"] for e in searched["edges"] + rest["edges"]]
    assert sorted(names) == [f"BH-person{i}" for i in range(4)]


async def test_linked_accounts_follow_the_unlinked_rights_and_use_an_index(api: Api) -> None:
    admin, org_id = await seeded(api)
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Mem", "lastName": "Ber", "email": "m@acme.example"}},
    )
    member_id = body["data"]["createUser"]["user"]["id"]
    await api.give_password(org_id, member_id, ADMIN_PASSWORD)
    member = api.browser()
    await api.sign_in(member, "acme", "m@acme.example", ADMIN_PASSWORD)
    refused = await api.gql(member, LINKED, {"key": "bullhorn"})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    api.counter.clear()
    await linked(api, admin, search="zoe")
    await linked(api, admin)
    finds = [q for c, q in api.counter.finds if c == "integration_accounts"]
    assert finds
    for query in finds:
        plan = await api.deps.store.db["integration_accounts"].find(query).explain()
        winning = str(plan["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in winning and "COLLSCAN" not in winning, winning


MATCHING = """query($key: String!) { integration(key: $key) {
  unlinkedAccounts { edges { node { externalId matchingUser { id email } } } } } }"""


async def test_link_create_links_the_user_who_has_the_email(api: Api) -> None:
    admin, org_id = await seeded(api)
    ann = await idoc.create_user(api, admin, "ann@acme.example")
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [{"externalId": "BH-ann", "occurredAt": T1, "email": "Ann@acme.example"}],
    )
    body = await api.gql(admin, MATCHING, {"key": "bullhorn"})
    rows = {
        e["node"]["externalId"]: e["node"]["matchingUser"]
        for e in idoc.data(body, "integration")["unlinkedAccounts"]["edges"]
    }
    assert rows == {
        "BH-ann": {"id": ann["user"]["id"], "email": "ann@acme.example"},
        "BH-free": None,
    }
    users_before = await api.deps.store.db["users"].count_documents({"org_id": org_id})
    ids = await idoc.account_ids(api, admin, "bullhorn")
    body = await api.gql(admin, idoc.CREATE_FROM, {"input": {"accountId": ids["BH-ann"]}})
    payload = idoc.data(body, "createUserFromIntegrationAccount")
    assert payload["userErrors"] == []
    assert payload["user"]["id"] == ann["user"]["id"]
    assert payload["user"]["linkedAccounts"] == [{"id": ids["BH-ann"]}]
    assert await api.deps.store.db["users"].count_documents({"org_id": org_id}) == users_before


async def test_link_create_names_the_user_who_already_holds_an_account(api: Api) -> None:
    admin, org_id = await seeded(api)
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [{"externalId": "BH-zoe-2", "occurredAt": T1, "email": "zoe.angstrom@acme.example"}],
    )
    ids = await idoc.account_ids(api, admin, "bullhorn")
    users_before = await api.deps.store.db["users"].count_documents({"org_id": org_id})
    body = await api.gql(admin, idoc.CREATE_FROM, {"input": {"accountId": ids["BH-zoe-2"]}})
    payload = idoc.data(body, "createUserFromIntegrationAccount")
    assert [e["code"] for e in payload["userErrors"]] == ["ALREADY_LINKED"]
    assert "zoe.angstrom@acme.example" in payload["userErrors"][0]["message"]
    assert payload["user"] is None
    assert await api.deps.store.db["users"].count_documents({"org_id": org_id}) == users_before
    created = await api.gql(admin, idoc.CREATE_FROM, {"input": {"accountId": ids["BH-free"]}})
    made = idoc.data(created, "createUserFromIntegrationAccount")
    assert made["userErrors"] == [] and made["user"]["email"] == "zoe.free@acme.example"


PREVIEW = """query($ids: [ID!]!) { connectionStatusPreview(accountIds: $ids) {
  linked integration { key } account { externalId } } }"""


async def test_connection_status_preview_for_a_selection(api: Api) -> None:
    admin, _ = await seeded(api)  # bullhorn is in use: its accounts are linked
    await idoc.add_integration(api, admin, "cloudcall")  # not in use
    await idoc.record(api, admin, "cloudcall", [{"externalId": "CC-1", "occurredAt": T1}])
    bullhorn = await idoc.account_ids(api, admin, "bullhorn")
    cloudcall = await idoc.account_ids(api, admin, "cloudcall")
    body = await api.gql(admin, PREVIEW, {"ids": [bullhorn["BH-free"], cloudcall["CC-1"]]})
    assert idoc.data(body, "connectionStatusPreview") == [
        {"linked": True, "integration": {"key": "bullhorn"}, "account": {"externalId": "BH-free"}}
    ]
    body = await api.gql(admin, PREVIEW, {"ids": [cloudcall["CC-1"]]})
    assert idoc.data(body, "connectionStatusPreview") == [
        {"linked": False, "integration": {"key": "bullhorn"}, "account": None}
    ]
    unknown = await api.gql(admin, PREVIEW, {"ids": ["000000000000000000000000"]})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    too_many = await api.gql(admin, PREVIEW, {"ids": [cloudcall["CC-1"]] * 51})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID"
    anonymous = await api.gql(api.browser(), PREVIEW, {"ids": []})
    assert anonymous["errors"][0]["extensions"]["code"] in {"UNAUTHENTICATED", "FORBIDDEN"}
