"""Races on SCIM Groups and Users, with real concurrent requests: group names are unique
by a unique index (case and spacing aside), and If-Match is checked in the write itself,
so that of concurrent changes from one version exactly one is applied."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient

from config.settings import Settings
from store.database import Store
from store.indexes import NAME_KEYS, ensure_indexes
from store.migrations import COLLECTION as MIGRATIONS
from store.reference import NameTaken
from store.scim import DepartmentRecord
from store.types import Document
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_support import ENTERPRISE, ScimPeer, enterprise, scim_peer, user_body

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def group_body(name: str, members: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [GROUP], "displayName": name}
    if members is not None:
        body["members"] = [{"value": m} for m in members]
    return body


def made(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def groups_named(peer: ScimPeer, name: str) -> list[dict[str, Any]]:
    listed = await peer.get("/Groups", filter=f'displayName eq "{name}"')
    resources: list[dict[str, Any]] = listed.json()["Resources"]
    return resources


def one_applied(answers: Sequence[Any], *applied: int) -> int:
    """Exactly one request was applied (its status is one of `applied`); every other one
    lost the race in its conditional write (412), or, with a delete among them, arrived
    when the resource was gone already (404: RFC 7232 §5, If-Match is ignored when the
    request would fail without it). The winner's position."""
    statuses = [a.status_code for a in answers]
    winners = [n for n, status in enumerate(statuses) if status in applied]
    assert len(winners) == 1, [a.text for a in answers]
    late = {404} if 204 in applied else set()
    assert {s for n, s in enumerate(statuses) if n != winners[0]} <= {412} | late, statuses
    return winners[0]


async def actions(api: Api, peer: ScimPeer, target: str) -> list[str]:
    trail = await api.gql(peer.admin, doc.AUDIT, {"targetId": target})
    return [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]


# ---- group names: one per organization, whatever the case ----


async def test_concurrent_creates_of_one_name_in_different_cases_make_one(api: Api) -> None:
    peer = await scim_peer(api)
    names = [
        "Research",
        "research",
        "RESEARCH",
        " research ",
        "ReSeArCh",
        "rEsearch",
        "RESEARCH ",
        "research  ",
    ]
    answers = await asyncio.gather(*(peer.post("/Groups", group_body(n)) for n in names))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 7, [a.text for a in answers]
    assert {a.json()["scimType"] for a in answers if a.status_code == 409} == {"uniqueness"}
    assert len(await groups_named(peer, "research")) == 1


async def test_a_rename_onto_another_groups_name_in_another_case_is_409(api: Api) -> None:
    peer = await scim_peer(api)
    research = made(await peer.post("/Groups", group_body("Research")))
    path = f"/Groups/{research['id']}"
    put = await peer.put(path, group_body("SALES"))  # Sales is a starter department
    assert put.status_code == 409 and put.json()["scimType"] == "uniqueness", put.text
    patch = await peer.patch(path, [{"op": "replace", "path": "displayName", "value": " sales "}])
    assert patch.status_code == 409 and patch.json()["scimType"] == "uniqueness", patch.text
    assert (await peer.get(path)).json()["displayName"] == "Research"
    # Its own name in another case is no clash.
    own = await peer.patch(path, [{"op": "replace", "path": "displayName", "value": "RESEARCH"}])
    assert own.status_code == 200 and own.json()["displayName"] == "RESEARCH", own.text


async def test_concurrent_renames_of_two_groups_onto_one_name_rename_one(api: Api) -> None:
    peer = await scim_peer(api)
    first = made(await peer.post("/Groups", group_body("First")))
    second = made(await peer.post("/Groups", group_body("Second")))
    answers = await asyncio.gather(
        peer.put(f"/Groups/{first['id']}", group_body("Legal")),
        peer.put(f"/Groups/{second['id']}", group_body("LEGAL")),
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    assert len(await groups_named(peer, "legal")) == 1


async def test_concurrent_users_naming_one_new_department_share_it(api: Api) -> None:
    """A user's department text makes the department when there is none: of concurrent
    makers, one creates it and the others find it."""
    peer = await scim_peer(api)
    cases = ["Legal", "legal", "LEGAL", "Legal ", "lEGAL"]
    answers = await asyncio.gather(
        *(
            peer.post("/Users", user_body(f"u{n}@acme.example", **enterprise(department=case)))
            for n, case in enumerate(cases)
        )
    )
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    legal = await groups_named(peer, "legal")
    assert len(legal) == 1
    assert sorted(m["value"] for m in legal[0]["members"]) == sorted(
        a.json()["id"] for a in answers
    )


async def test_a_database_with_names_differing_in_case_starts_and_warns(
    settings: Settings,
    mongo_client: AsyncMongoClient[Document],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Departments stored before names were keyed: start-up (ensure_indexes, as the app's
    lifespan and `roster` commands run it) keys them under the unique index; a later name
    that folds onto an earlier one keeps working, named in a warning."""
    database = mongo_client[settings.database_name]
    sales, later, support, elsewhere = ObjectId(), ObjectId(), ObjectId(), ObjectId()
    await database["departments"].insert_many(
        [
            {"_id": sales, "org_id": "org-a", "name": "Sales", "kind": None},
            {"_id": later, "org_id": "org-a", "name": "sales ", "kind": None},
            {"_id": support, "org_id": "org-a", "name": "Support", "kind": None},
            {"_id": elsewhere, "org_id": "org-b", "name": "SALES", "kind": None},
        ]
    )
    # A database from before the keys has no record of their migration.
    await database[MIGRATIONS].delete_one({"_id": NAME_KEYS})
    try:
        with caplog.at_level(logging.WARNING, logger="roster.store"):
            await ensure_indexes(database)
        warnings = [r.getMessage() for r in caplog.records if r.name == "roster.store"]
        assert len(warnings) == 1, warnings
        assert str(later) in warnings[0] and str(sales) in warnings[0], warnings
        keys = {d["_id"]: d["name_key"] async for d in database["departments"].find()}
        assert keys == {
            sales: "sales",
            later: f"sales #{later}",
            support: "support",
            elsewhere: "sales",
        }
        scim = Store.on(database).scim
        with pytest.raises(NameTaken):
            await scim.insert_department(DepartmentRecord(str(ObjectId()), "org-a", "SALES"))
        named = await scim.department_named("org-a", " sALES")
        assert named is not None and named.id == str(sales)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="roster.store"):
            await ensure_indexes(database)  # again: nothing left to key
        assert [r for r in caplog.records if r.name == "roster.store"] == []
    finally:
        await mongo_client.drop_database(settings.database_name)


# ---- If-Match on Groups ----


async def test_concurrent_group_changes_from_one_version_one_wins(api: Api) -> None:
    peer = await scim_peer(api)
    ann = (made(await peer.post("/Users", user_body("ann@acme.example"))))["id"]
    group = made(await peer.post("/Groups", group_body("Research")))
    path, version = f"/Groups/{group['id']}", group["meta"]["version"]
    match = {"If-Match": version}
    answers = await asyncio.gather(
        *(
            peer.patch(path, [{"op": "replace", "path": "displayName", "value": f"R{n}"}], **match)
            for n in range(3)
        ),
        peer.patch(path, [{"op": "add", "path": "members", "value": [{"value": ann}]}], **match),
        peer.put(path, group_body("R-put"), **match),
        peer.put(path, group_body("Research", members=[ann]), **match),
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [412] * 5, [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    now = (await peer.get(path)).json()
    assert (now["displayName"], now.get("members")) == (
        winner["displayName"],
        winner.get("members"),
    )
    assert now["meta"]["version"] == winner["meta"]["version"] != version


async def test_concurrent_group_deletes_and_changes_from_one_version_one_wins(
    api: Api,
) -> None:
    peer = await scim_peer(api)
    ann = made(await peer.post("/Users", user_body("ann@acme.example")))["id"]
    group = made(await peer.post("/Groups", group_body("Research", members=[ann])))
    path, match = f"/Groups/{group['id']}", {"If-Match": group["meta"]["version"]}
    answers = await asyncio.gather(
        *(peer.delete(path, **match) for _ in range(4)),
        *(
            peer.patch(path, [{"op": "replace", "path": "displayName", "value": f"R{n}"}], **match)
            for n in range(2)
        ),
    )
    deleted = answers[one_applied(answers, 200, 204)].status_code == 204
    assert (await peer.get(path)).status_code == (404 if deleted else 200)
    trail = await actions(api, peer, group["id"])
    assert (trail.count("department.deleted"), trail.count("department.updated")) == (
        (1, 0) if deleted else (0, 1)
    )
    member = (await peer.get(f"/Users/{ann}")).json()
    assert (ENTERPRISE in member) is not deleted


# ---- If-Match on Users: the enable/disable step and DELETE ----


async def test_disabling_races_a_change_from_the_same_version(api: Api) -> None:
    """active:false is a write of its own after the fields: it is conditional too, so it
    cannot be applied on top of a change made from the same version."""
    peer = await scim_peer(api)
    user = made(await peer.post("/Users", user_body("cy@acme.example", "Cy", "Young")))
    path, match = f"/Users/{user['id']}", {"If-Match": user["meta"]["version"]}
    answers = await asyncio.gather(
        peer.patch(path, [{"op": "replace", "path": "active", "value": False}], **match),
        peer.patch(path, [{"op": "replace", "path": "name.givenName", "value": "Cyrus"}], **match),
        peer.put(path, user_body("cy@acme.example", "Cyril", "Young", active=False), **match),
        peer.patch(path, [{"op": "replace", "value": {"active": False}}], **match),
    )
    assert sorted(a.status_code for a in answers) == [200, 412, 412, 412], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    now = (await peer.get(path)).json()
    assert (now["active"], now["name"]["givenName"]) == (
        winner["active"],
        winner["name"]["givenName"],
    )


async def test_enabling_races_a_change_from_the_same_version(api: Api) -> None:
    peer = await scim_peer(api)
    user = made(await peer.post("/Users", user_body("di@acme.example", active=False)))
    path, match = f"/Users/{user['id']}", {"If-Match": user["meta"]["version"]}
    answers = await asyncio.gather(
        peer.patch(path, [{"op": "replace", "path": "active", "value": True}], **match),
        peer.patch(path, [{"op": "replace", "path": "name.givenName", "value": "Diana"}], **match),
    )
    assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    now = (await peer.get(path)).json()
    assert (now["active"], now["name"]["givenName"]) == (
        winner["active"],
        winner["name"]["givenName"],
    )


@pytest.mark.parametrize("active", [True, False])
async def test_concurrent_user_deletes_from_one_version_one_wins(api: Api, active: bool) -> None:
    """DELETE disables and hides (the default): of concurrent ones from one version, one
    does it, whether or not the user was already disabled."""
    peer = await scim_peer(api)
    user = made(await peer.post("/Users", user_body("ed@acme.example", active=active)))
    path = f"/Users/{user['id']}"
    answers = await asyncio.gather(
        *(peer.delete(path, **{"If-Match": user["meta"]["version"]}) for _ in range(6))
    )
    one_applied(answers, 204)
    assert (await peer.get(path)).status_code == 404
    kept = await api.deps.store.users.get(peer.org_id, user["id"])
    assert kept is not None and kept.status == "DISABLED"
    assert (await actions(api, peer, user["id"])).count("user.scim_deprovisioned") == 1


SETTINGS = """mutation($input: UpdateScimSettingsInput!) { updateScimSettings(input: $input) {
  userErrors { code } } }"""


async def test_concurrent_user_deletes_that_delete_from_one_version_one_wins(api: Api) -> None:
    peer = await scim_peer(api)
    set_delete = await api.gql(peer.admin, SETTINGS, {"input": {"deprovision": "DELETE"}})
    assert set_delete["data"]["updateScimSettings"]["userErrors"] == []
    user = made(await peer.post("/Users", user_body("fay@acme.example")))
    path, match = f"/Users/{user['id']}", {"If-Match": user["meta"]["version"]}
    answers = await asyncio.gather(
        *(peer.delete(path, **match) for _ in range(5)),
        peer.patch(path, [{"op": "replace", "path": "name.givenName", "value": "Faye"}], **match),
    )
    deleted = answers[one_applied(answers, 200, 204)].status_code == 204
    assert (await api.deps.store.users.get(peer.org_id, user["id"]) is None) == deleted
    if deleted:
        assert (await actions(api, peer, user["id"])).count("user.deleted") == 1
