"""Suggestions: ranked unlinked accounts, from index lookups only."""

from __future__ import annotations

from typing import Any

import httpx

from provisioning.integrations import matching
from provisioning.integrations.names import name_fold
from tests.integration import integration_docs as idoc
from tests.integration.conftest import Api

T1 = "2024-05-01T10:00:00+00:00"
T2 = "2024-05-02T10:00:00+00:00"


async def seeded(api: Api) -> httpx.AsyncClient:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.add_integration(api, admin, "cloudcall")
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [
            {"externalId": "exact", "occurredAt": T1, "email": "john.smith@acme.example"},
            {"externalId": "local", "occurredAt": T1, "email": "john.smith@gmail.example"},
            {"externalId": "initial", "occurredAt": T1, "firstName": "J.", "lastName": "Smith"},
            {"externalId": "stranger", "occurredAt": T1, "email": "mary.jones@acme.example"},
            *(
                {"externalId": f"noise-{i}", "occurredAt": T1, "displayName": f"Person{i} Other"}
                for i in range(30)
            ),
        ],
    )
    await idoc.record(
        api,
        admin,
        "cloudcall",
        [
            {"externalId": "cc-name", "occurredAt": T1, "displayName": "Jöhn SMITH"},
            {"externalId": "cc-typo", "occurredAt": T2, "firstName": "John", "lastName": "Smyth"},
        ],
    )
    return admin


async def suggest(api: Api, admin: httpx.AsyncClient, **args: Any) -> list[dict[str, Any]]:
    body = await api.gql(admin, idoc.SUGGEST, args)
    found: list[dict[str, Any]] = idoc.data(body, "suggestIntegrationAccounts")
    return found


async def test_suggestions_are_ranked_with_reasons_and_one_best_per_integration(api: Api) -> None:
    admin = await seeded(api)
    found = await suggest(api, admin, email="John.Smith@acme.example")
    by_id = {s["account"]["externalId"]: s for s in found}
    assert [s["account"]["externalId"] for s in found] == [
        "exact",
        "local",
        "cc-name",
        "cc-typo",  # as likely as "initial", and active more recently
        "initial",
    ]
    assert by_id["exact"]["reasons"] == [matching.EXACT_EMAIL, matching.SAME_NAME]
    assert by_id["local"]["reasons"] == [matching.SAME_LOCAL_PART, matching.SAME_NAME]
    assert by_id["cc-name"]["reasons"] == [matching.SAME_NAME]
    assert by_id["initial"]["reasons"] == [matching.FIRST_INITIAL]
    assert by_id["cc-typo"]["reasons"] == [matching.LAST_TYPO]
    scores = [s["score"] for s in found]
    assert scores == sorted(scores, reverse=True) and all(0 < x < 1 for x in scores)
    assert [s["account"]["externalId"] for s in found if s["best"]] == ["exact", "cc-name"]
    assert "stranger" not in by_id


async def test_given_names_are_used_over_the_email(api: Api) -> None:
    admin = await seeded(api)
    found = await suggest(api, admin, email="jsmith@other.example", first="John", last="Smith")
    assert {s["account"]["externalId"] for s in found} >= {"exact", "cc-name", "initial"}
    assert not any(matching.EXACT_EMAIL in s["reasons"] for s in found)
    nothing = await suggest(api, admin, email="jsmith@other.example")  # no name to guess
    assert nothing == []


async def test_linked_accounts_are_not_suggested_and_first_limits(api: Api) -> None:
    admin = await seeded(api)
    ids = await idoc.account_ids(api, admin, "bullhorn")
    created = await idoc.create_user(api, admin, "john.smith@acme.example", [ids["exact"]])
    assert created["userErrors"] == []
    found = await suggest(api, admin, email="john.smith@acme.example", n=2)
    assert [s["account"]["externalId"] for s in found] == ["local", "cc-name"]
    assert found[0]["best"]
    bad = await api.gql(admin, idoc.SUGGEST, {"email": "jo"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID"
    too_many = await api.gql(admin, idoc.SUGGEST, {"email": "a@b.example", "n": 51})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID"


async def test_a_partial_email_suggests_the_accounts_it_starts(api: Api) -> None:
    admin = await seeded(api)
    found = await suggest(api, admin, email="John.Sm")
    assert [s["account"]["externalId"] for s in found] == ["exact", "local"]
    assert all(s["reasons"] == [matching.EMAIL_PREFIX] for s in found)
    assert not any(s["best"] for s in found)  # a tie in bullhorn
    one = await suggest(api, admin, email="john.smith@gm")
    assert [(s["account"]["externalId"], s["best"]) for s in one] == [("local", True)]


async def test_a_partial_name_suggests_by_name_ranked_as_a_whole_name_is(api: Api) -> None:
    admin = await seeded(api)
    found = await suggest(api, admin, email="Jöhn Smi")
    assert [s["account"]["externalId"] for s in found] == ["exact", "local", "cc-name"]
    assert all(s["reasons"] == [matching.NAME_PREFIX] for s in found)
    whole = await suggest(api, admin, email="john smith")
    by_id = {s["account"]["externalId"]: s for s in whole}
    assert by_id["cc-name"]["reasons"] == [matching.NAME_PREFIX, matching.SAME_NAME]
    assert by_id["cc-typo"]["reasons"] == [matching.LAST_TYPO]
    assert by_id["initial"]["reasons"] == [matching.FIRST_INITIAL]
    assert [s["account"]["externalId"] for s in whole if s["best"]] == ["cc-name"]
    assert whole[0]["account"]["externalId"] in {"exact", "local", "cc-name"}
    assert "stranger" not in by_id
    assert await suggest(api, admin, email="nobody here") == []


async def test_a_partial_search_leaves_out_linked_accounts_and_uses_an_index(api: Api) -> None:
    admin = await seeded(api)
    ids = await idoc.account_ids(api, admin, "bullhorn")
    created = await idoc.create_user(api, admin, "john.smith@acme.example", [ids["exact"]])
    assert created["userErrors"] == []
    found = await suggest(api, admin, email="john.smi")
    assert [s["account"]["externalId"] for s in found] == ["local"]
    api.counter.clear()
    await suggest(api, admin, email="john.smi")
    plans = [
        await api.deps.store.db[collection].find(query).explain()
        for collection, query in api.counter.finds
        if collection == "integration_accounts"
    ]
    assert plans
    for plan in plans:
        winning = str(plan["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in winning and "COLLSCAN" not in winning, winning


async def test_every_candidate_lookup_uses_an_index(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    await seeded_more(api, admin)
    collection = api.deps.store.db["integration_accounts"]
    person = matching.Person.of("john.smith@acme.example", None, None)
    lookups = matching.candidate_lookups(person)
    assert {key.split(":")[0] for key in lookups} == {"email", "local", "name", "first", "last"}
    for key in lookups:
        query = {"org_id": org_id, "match_keys": key, "linked_user_id": None}
        plan = await collection.find(query).limit(matching.CANDIDATES_PER_LOOKUP).explain()
        winning = str(plan["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in winning and "COLLSCAN" not in winning, (key, winning)
        assert "org_match_keys" in winning


async def seeded_more(api: Api, admin: httpx.AsyncClient) -> None:
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [
            {"externalId": f"e{i}", "occurredAt": T1, "email": f"user{i}.smith@acme.example"}
            for i in range(50)
        ],
    )


async def test_stored_keys_match_what_suggestions_look_up(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    await idoc.add_integration(api, admin, "bullhorn")
    await idoc.record(
        api,
        admin,
        "bullhorn",
        [{"externalId": "x", "occurredAt": T1, "firstName": "Mary-Jane", "lastName": "O'Néil"}],
    )
    stored = await api.deps.store.db["integration_accounts"].find_one({"external_id": "x"})
    assert stored is not None
    assert stored["match_keys"] == [
        f"name:{name_fold('mary jane')} {name_fold('oneil')}",
        "first:maryjane o",
        "last:oneil m",
    ]
    found = await suggest(api, admin, email="mary-jane.o'neil@acme.example")
    assert [s["reasons"] for s in found] == [[matching.SAME_NAME]]
