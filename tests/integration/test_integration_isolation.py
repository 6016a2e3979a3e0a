"""Integrations and their accounts of one organization are invisible to another.

An id from another organization must behave exactly like an unknown id.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration import integration_docs as idoc
from tests.integration.conftest import Api

UNKNOWN = "ffffffffffffffffffffffff"
T1 = "2024-05-01T10:00:00+00:00"


async def two_orgs(api: Api) -> tuple[httpx.AsyncClient, httpx.AsyncClient, dict[str, str]]:
    """alpha and beta, both with a "bullhorn" integration; beta's ids."""
    admin_a, _ = await api.admin_of("alpha")
    admin_b, _ = await api.admin_of("beta")
    await idoc.add_integration(api, admin_a, "bullhorn")
    beta_crm = await idoc.add_integration(api, admin_b, "bullhorn")
    shared = {"externalId": "same-id", "occurredAt": T1, "email": "jane.doe@shared.example"}
    await idoc.record(api, admin_a, "bullhorn", [shared])
    await idoc.record(api, admin_b, "bullhorn", [shared])
    beta_accounts = await idoc.account_ids(api, admin_b, "bullhorn")
    bea = (await idoc.create_user(api, admin_b, "bea@beta.example"))["user"]["id"]
    return (
        admin_a,
        admin_b,
        {"crm": beta_crm, "account": beta_accounts["same-id"], "user": bea},
    )


async def errors_of(body: dict[str, Any], name: str) -> list[tuple[Any, str]]:
    return [(e["field"], e["code"]) for e in idoc.data(body, name)["userErrors"]]


async def test_one_external_id_makes_one_account_per_organization(api: Api) -> None:
    admin_a, _, beta = await two_orgs(api)
    alpha_accounts = await idoc.account_ids(api, admin_a, "bullhorn")
    assert list(alpha_accounts) == ["same-id"]
    assert alpha_accounts["same-id"] != beta["account"]
    found = await api.gql(admin_a, idoc.SUGGEST, {"email": "jane.doe@shared.example"})
    suggested = [s["account"]["id"] for s in idoc.data(found, "suggestIntegrationAccounts")]
    assert suggested == [alpha_accounts["same-id"]]
    by_id = await api.gql(admin_a, idoc.ACCOUNT_BY_ID, {"id": beta["account"]})
    assert idoc.data(by_id, "integrationAccount") is None
    listing = await api.gql(admin_a, idoc.ORG_INTEGRATIONS)
    assert beta["crm"] not in {i["id"] for i in listing["data"]["organization"]["integrations"]}


async def test_another_organizations_ids_behave_like_unknown_ids(api: Api) -> None:
    admin_a, admin_b, beta = await two_orgs(api)
    alpha_user = (await idoc.create_user(api, admin_a, "al@alpha.example"))["user"]["id"]
    for target in (beta["account"], UNKNOWN):
        linked = await api.gql(
            admin_a, idoc.LINK, {"input": {"userId": alpha_user, "accountId": target}}
        )
        assert await errors_of(linked, "linkIntegrationAccount") == [
            (["input", "accountId"], "NOT_FOUND")
        ]
        unlinked = await api.gql(admin_a, idoc.UNLINK, {"input": {"accountId": target}})
        assert await errors_of(unlinked, "unlinkIntegrationAccount") == [
            (["input", "accountId"], "NOT_FOUND")
        ]
        created = await api.gql(admin_a, idoc.CREATE_FROM, {"input": {"accountId": target}})
        assert await errors_of(created, "createUserFromIntegrationAccount") == [
            (["input", "accountId"], "NOT_FOUND")
        ]
        with_links = await idoc.create_user(api, admin_a, f"x{target[:3]}@alpha.example", [target])
        assert [(e["field"], e["code"]) for e in with_links["userErrors"]] == [
            (["input", "linkAccountIds", "0"], "NOT_FOUND")
        ]
        backfill = await api.gql(
            admin_a,
            idoc.REQUEST_BACKFILL,
            {"input": {"userId": alpha_user, "integrationId": target, "since": T1}},
        )
        assert await errors_of(backfill, "requestBackfill") == [
            (["input", "integrationId"], "NOT_FOUND")
        ]
    for target in (beta["crm"], UNKNOWN):
        renamed = await api.gql(
            admin_a, idoc.UPDATE_INTEGRATION, {"input": {"id": target, "name": "Hacked"}}
        )
        assert await errors_of(renamed, "updateIntegration") == [(["input", "id"], "NOT_FOUND")]
    # Beta's user cannot be linked to from alpha either.
    alpha_accounts = await idoc.account_ids(api, admin_a, "bullhorn")
    cross = await api.gql(
        admin_a,
        idoc.LINK,
        {"input": {"userId": beta["user"], "accountId": alpha_accounts["same-id"]}},
    )
    assert await errors_of(cross, "linkIntegrationAccount") == [(["input", "userId"], "NOT_FOUND")]
    # And beta's things are as they were.
    integration = idoc.data(
        await api.gql(admin_b, idoc.INTEGRATION, {"key": "bullhorn"}), "integration"
    )
    assert integration["name"] == "Bullhorn"
    assert integration["unlinkedAccounts"]["totalCount"] == 1
