"""The audit log filtered by action and by actor, as the console's audit page asks (issue 17)."""

from __future__ import annotations

from typing import Any

from store.indexes import ensure_indexes
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_support import access_token

ROLE = """mutation($input: CreateRoleInput!) {
  createRole(input: $input) { userErrors { code } } }"""
RENAME = """mutation($input: RenameRoleInput!) {
  renameRole(input: $input) { userErrors { code } } }"""
FILTERED = """query($action: String, $actorId: ID, $first: Int, $after: String) {
  auditEvents(action: $action, actorId: $actorId, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { action actorId } } } }"""
ME = "{ me { id } }"


async def _events(api: Api, client: Any, **variables: Any) -> dict[str, Any]:
    body = await api.gql(client, FILTERED, variables)
    assert body.get("errors") is None, body
    events: dict[str, Any] = body["data"]["auditEvents"]
    return events


async def test_audit_events_filter_by_action_and_actor(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    other, _ = await api.admin_of("acme", "second@acme.example")
    for name in ("Lead", "Coach", "Mentor"):
        made = await api.gql(admin, ROLE, {"input": {"name": name}})
        assert made["data"]["createRole"]["userErrors"] == []
    renamed = await api.gql(other, RENAME, {"input": {"name": "Lead", "newName": "Leader"}})
    assert renamed["data"]["renameRole"]["userErrors"] == []
    first_id = (await api.gql(admin, ME, {}))["data"]["me"]["id"]
    second_id = (await api.gql(other, ME, {}))["data"]["me"]["id"]

    created = await _events(api, admin, action="role.created", first=2)
    assert created["totalCount"] == 3
    assert [e["node"]["action"] for e in created["edges"]] == ["role.created"] * 2
    rest = await _events(
        api, admin, action="role.created", first=2, after=created["pageInfo"]["endCursor"]
    )
    assert [e["node"]["action"] for e in rest["edges"]] == ["role.created"]
    assert rest["pageInfo"]["hasNextPage"] is False

    by_second = await _events(api, admin, actorId=second_id)
    assert {e["node"]["actorId"] for e in by_second["edges"]} == {second_id}
    assert "role.renamed" in [e["node"]["action"] for e in by_second["edges"]]
    both = await _events(api, admin, action="role.renamed", actorId=first_id)
    assert both["totalCount"] == 0  # the other admin renamed it
    unknown = await _events(api, admin, action="no.such_action")
    assert unknown["edges"] == [] and unknown["totalCount"] == 0


async def test_the_action_and_actor_filters_use_an_index(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    made = await api.gql(admin, ROLE, {"input": {"name": "Lead"}})
    assert made["data"]["createRole"]["userErrors"] == []
    await ensure_indexes(api.deps.store.db)
    for where, index in (
        ({"action": "role.created"}, "org_action_recent"),
        ({"actor_id": "someone"}, "org_actor_recent"),
    ):
        query = {"org_id": org_id, **where}
        cursor = api.deps.store.db["audit_events"].find(query).sort("_id", -1)
        plan = str((await cursor.explain())["queryPlanner"]["winningPlan"])
        assert index in plan and "COLLSCAN" not in plan, plan


NAMED = """query($first: Int) { auditEvents(first: $first) {
  edges { node { action actorType actorId actorName } } } }"""


async def test_each_event_names_its_actor_in_a_constant_number_of_reads(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    token = await access_token(api, admin, ["users:write"])
    partner = api.browser()
    partner.headers["Authorization"] = f"Bearer {token}"
    made = await api.gql(
        partner,
        doc.CREATE_USER,
        {"input": {"firstName": "Pat", "lastName": "Ner", "email": "pat@acme.example"}},
        csrf=False,
    )
    assert made["data"]["createUser"]["userErrors"] == [], made
    for name in ("Lead", "Coach"):
        assert (await api.gql(admin, ROLE, {"input": {"name": name}}))["data"]
    api.counter.clear()
    body = await api.gql(admin, NAMED, {"first": 50})
    assert body.get("errors") is None, body
    edges = body["data"]["auditEvents"]["edges"]
    named = {(e["node"]["action"], e["node"]["actorName"]) for e in edges}
    assert ("role.created", "Ada Admin") in named
    assert ("user.created", "IdP") in named  # the API client, by its name
    # Users and clients are read once each for the whole page, whatever its length.
    reads = api.counter.data_commands_on()
    assert reads.count("find users") == 1, reads  # one read for every actor on the page
    assert reads.count("find api_clients") == 1, reads
