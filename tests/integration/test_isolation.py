"""Nothing of one organization is visible or changeable from another.

An id from another organization must behave exactly like an unknown id.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration import documents as doc
from tests.integration.conftest import ADMIN_PASSWORD, Api

UNKNOWN = "ffffffffffffffffffffffff"


async def two_orgs(api: Api) -> tuple[httpx.AsyncClient, httpx.AsyncClient, dict[str, Any]]:
    admin_a, _ = await api.admin_of("alpha", "admin@shared.example")
    admin_b, _ = await api.admin_of("beta", "admin@shared.example")  # same email, other org
    org_b = (await api.gql(admin_b, doc.ORGANIZATION))["data"]["organization"]
    body = await api.gql(
        admin_b,
        doc.CREATE_USER,
        {"input": {"firstName": "Bea", "lastName": "Beta", "email": "bea@beta.example"}},
    )
    assert body["data"]["createUser"]["userErrors"] == []
    org_b["bea"] = body["data"]["createUser"]["user"]["id"]
    return admin_a, admin_b, org_b


async def test_reads_see_only_the_callers_organization(api: Api) -> None:
    admin_a, _, org_b = await two_orgs(api)
    org_a = (await api.gql(admin_a, doc.ORGANIZATION))["data"]["organization"]
    assert org_a["slug"] == "alpha" and org_a["id"] != org_b["id"]
    assert {d["id"] for d in org_a["departments"]}.isdisjoint(d["id"] for d in org_b["departments"])
    assert {c["id"] for c in org_a["companies"]}.isdisjoint(c["id"] for c in org_b["companies"])
    assert org_a["seats"] == {"full": 1, "observers": 0, "limit": None}
    me = (await api.gql(admin_a, doc.ME))["data"]["me"]
    assert me["company"]["id"] == org_a["companies"][0]["id"]
    assert (await api.gql(admin_a, doc.USER, {"id": org_b["bea"]}))["data"]["user"] is None
    listing = await api.gql(admin_a, doc.USERS, {"search": "bea"})
    assert listing["data"]["users"]["totalCount"] == 0
    everyone = await api.gql(admin_a, doc.USERS, {})
    assert [e["node"]["id"] for e in everyone["data"]["users"]["edges"]] == [me["id"]]
    trail = await api.gql(admin_a, doc.AUDIT, {"targetId": org_b["bea"]})
    assert trail["data"]["auditEvents"]["totalCount"] == 0
    all_events = await api.gql(admin_a, doc.AUDIT, {})
    targets = {e["node"]["targetId"] for e in all_events["data"]["auditEvents"]["edges"]}
    assert org_b["bea"] not in targets


@pytest.mark.parametrize(
    ("document", "name", "variables"),
    [
        (doc.UPDATE_USER, "updateUser", {"firstName": "Hacked"}),
        (doc.SET_SEAT, "setUserSeat", {"seat": "FULL"}),
        (doc.DISABLE, "disableUser", {}),
        (doc.ENABLE, "enableUser", {}),
        (doc.DELETE, "deleteUser", {}),
    ],
)
async def test_mutations_on_another_organizations_user_are_not_found(
    api: Api, document: str, name: str, variables: dict[str, Any]
) -> None:
    admin_a, admin_b, org_b = await two_orgs(api)
    answers = []
    for target in (org_b["bea"], UNKNOWN):
        body = await api.gql(admin_a, document, {"input": {"userId": target, **variables}})
        assert body.get("errors") is None, body
        answers.append(body["data"][name]["userErrors"])
    assert answers[0] == answers[1]
    assert [e["code"] for e in answers[0]] == ["NOT_FOUND"]
    bea = (await api.gql(admin_b, doc.USER, {"id": org_b["bea"]}))["data"]["user"]
    assert (bea["firstName"], bea["seat"], bea["status"]) == ("Bea", "OBSERVER", "PENDING")


async def test_another_organizations_reference_data_is_not_found(api: Api) -> None:
    admin_a, _, org_b = await two_orgs(api)
    body = await api.gql(
        admin_a,
        doc.CREATE_USER,
        {
            "input": {
                "firstName": "X",
                "lastName": "Y",
                "email": "x@alpha.example",
                "departmentId": org_b["departments"][0]["id"],
                "companyId": org_b["companies"][0]["id"],
            }
        },
    )
    found = {(tuple(e["field"]), e["code"]) for e in body["data"]["createUser"]["userErrors"]}
    assert found == {
        (("input", "departmentId"), "NOT_FOUND"),
        (("input", "companyId"), "NOT_FOUND"),
    }


async def test_settings_and_emails_are_per_organization(api: Api) -> None:
    admin_a, admin_b, _ = await two_orgs(api)
    await api.gql(admin_a, doc.ORG_SETTINGS, {"input": {"seatLimit": 1, "name": "Alpha Inc"}})
    org_b = (await api.gql(admin_b, doc.ORGANIZATION))["data"]["organization"]
    assert org_b["settings"]["seatLimit"] is None and org_b["name"] == "beta"
    # bea@beta.example exists in beta only: alpha may have its own.
    body = await api.gql(
        admin_a,
        doc.CREATE_USER,
        {"input": {"firstName": "Bea", "lastName": "Alpha", "email": "bea@beta.example"}},
    )
    assert body["data"]["createUser"]["userErrors"] == []


async def test_credentials_of_one_organization_do_not_open_another(api: Api) -> None:
    await api.admin_of("alpha", "only-alpha@shared.example")
    await api.admin_of("beta")
    body = await api.sign_in(api.browser(), "beta", "only-alpha@shared.example", ADMIN_PASSWORD)
    assert [e["code"] for e in body["data"]["signIn"]["userErrors"]] == ["INVALID_CREDENTIALS"]
