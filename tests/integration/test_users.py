"""User management over GraphQL, against the real database."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.integration import documents as doc
from tests.integration.conftest import Api


async def create(api: Api, client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = await api.gql(client, doc.CREATE_USER, {"input": fields})
    assert body.get("errors") is None, body
    payload: dict[str, Any] = body["data"]["createUser"]
    return payload


async def organization(api: Api, client: httpx.AsyncClient) -> dict[str, Any]:
    body = await api.gql(client, doc.ORGANIZATION)
    assert body.get("errors") is None, body
    org: dict[str, Any] = body["data"]["organization"]
    return org


async def test_create_user_with_every_field(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org = await organization(api, admin)
    department, profile, permission = (
        org["departments"][0],
        org["jobProfiles"][0],
        org["permissionTypes"][0],
    )
    payload = await create(
        api,
        admin,
        email="Grace.Hopper@ACME.example",
        phone="+1 415 555 2671",
        firstName=" Grace ",
        lastName="Hopper",
        language="en-us",
        departmentId=department["id"],
        jobProfileId=profile["id"],
        permissionTypeId=permission["id"],
        seat="FULL",
    )
    assert payload["userErrors"] == []
    user = payload["user"]
    assert user["email"] == "grace.hopper@acme.example"
    assert user["phone"] == "+14155552671"
    assert user["firstName"] == "Grace"
    assert user["language"] == "en-US"
    assert user["department"] == department
    assert user["jobProfile"] == profile
    assert user["permissionType"] == permission
    assert user["company"]["kind"] == "OWN"
    assert (user["status"], user["seat"], user["source"]) == ("PENDING", "FULL", "MANUAL")
    fetched = await api.gql(admin, doc.USER, {"id": user["id"]})
    assert fetched["data"]["user"] == user


async def test_username_and_phone_instead_of_email(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    payload = await create(
        api, admin, username="Field.Worker", phone="+44 20 7946 0958", firstName="F", lastName="W"
    )
    assert payload["userErrors"] == []
    assert payload["user"]["username"] == "Field.Worker"
    assert payload["user"]["email"] is None


async def test_every_invalid_field_is_reported_with_its_path_and_code(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    payload = await create(
        api,
        admin,
        email="not an email",
        phone="123",
        firstName="",
        lastName="Hopper",
        language="klingon!!",
        departmentId="ffffffffffffffffffffffff",
        jobProfileId="garbage",
        roles=["SUPERUSER"],
    )
    assert payload["user"] is None
    found = {(tuple(e["field"]), e["code"]) for e in payload["userErrors"]}
    assert found == {
        (("input", "email"), "INVALID"),
        (("input", "phone"), "INVALID"),
        (("input", "firstName"), "REQUIRED"),
        (("input", "language"), "INVALID"),
        (("input", "departmentId"), "NOT_FOUND"),
        (("input", "jobProfileId"), "NOT_FOUND"),
        (("input", "roles"), "INVALID"),
    }
    users = await api.gql(admin, doc.USERS, {})
    assert users["data"]["users"]["totalCount"] == 1  # only the admin: nothing half-written


async def test_missing_contact_is_required(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    payload = await create(api, admin, firstName="No", lastName="Contact")
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "email"], "REQUIRED")
    ]
    payload = await create(api, admin, firstName="No", lastName="Phone", username="nophone")
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "phone"], "REQUIRED")
    ]


async def test_email_and_username_are_unique_case_insensitively(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    first = await create(api, admin, email="dup@acme.example", firstName="A", lastName="B")
    assert first["userErrors"] == []
    again = await create(api, admin, email="DUP@Acme.Example", firstName="C", lastName="D")
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [
        (["input", "email"], "EMAIL_TAKEN")
    ]
    phone = "+442079460958"
    one = await create(api, admin, username="Worker1", phone=phone, firstName="A", lastName="B")
    assert one["userErrors"] == []
    two = await create(api, admin, username="worker1", phone=phone, firstName="C", lastName="D")
    assert [e["code"] for e in two["userErrors"]] == ["USERNAME_TAKEN"]


async def test_update_changes_given_fields_clears_nulls_and_keeps_the_rest(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    created = await create(
        api, admin, email="e@acme.example", phone="+442079460958", firstName="Eve", lastName="E"
    )
    user_id = created["user"]["id"]
    body = await api.gql(
        admin,
        doc.UPDATE_USER,
        {"input": {"userId": user_id, "lastName": "Evans", "phone": None}},
    )
    payload = body["data"]["updateUser"]
    assert payload["userErrors"] == []
    assert payload["user"]["lastName"] == "Evans"
    assert payload["user"]["phone"] is None
    assert payload["user"]["firstName"] == "Eve"
    assert payload["user"]["email"] == "e@acme.example"
    assert payload["user"]["updatedAt"] > created["user"]["updatedAt"]


async def test_update_refuses_removing_the_only_contact_and_taken_email(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    eve = await create(api, admin, email="eve@acme.example", firstName="Eve", lastName="E")
    await create(api, admin, email="bob@acme.example", firstName="Bob", lastName="B")
    user_id = eve["user"]["id"]
    cleared = await api.gql(admin, doc.UPDATE_USER, {"input": {"userId": user_id, "email": None}})
    assert [e["code"] for e in cleared["data"]["updateUser"]["userErrors"]] == ["REQUIRED"]
    taken = await api.gql(
        admin, doc.UPDATE_USER, {"input": {"userId": user_id, "email": "BOB@acme.example"}}
    )
    assert [e["code"] for e in taken["data"]["updateUser"]["userErrors"]] == ["EMAIL_TAKEN"]
    unchanged = await api.gql(admin, doc.USER, {"id": user_id})
    assert unchanged["data"]["user"]["email"] == "eve@acme.example"


async def test_update_of_unknown_user_is_not_found(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    for unknown in ("ffffffffffffffffffffffff", "not-an-id"):
        body = await api.gql(
            admin, doc.UPDATE_USER, {"input": {"userId": unknown, "firstName": "X"}}
        )
        assert [e["code"] for e in body["data"]["updateUser"]["userErrors"]] == ["NOT_FOUND"]


async def test_seat_limit_is_enforced_and_counted(api: Api) -> None:
    admin, _ = await api.admin_of("acme")  # the admin holds one full seat
    limit = await api.gql(admin, doc.ORG_SETTINGS, {"input": {"seatLimit": 2}})
    assert limit["data"]["updateOrganizationSettings"]["userErrors"] == []
    ok = await create(api, admin, email="a@acme.example", firstName="A", lastName="A", seat="FULL")
    assert ok["userErrors"] == []
    over = await create(
        api, admin, email="b@acme.example", firstName="B", lastName="B", seat="FULL"
    )
    assert [e["code"] for e in over["userErrors"]] == ["SEAT_LIMIT"]
    observer = await create(api, admin, email="c@acme.example", firstName="C", lastName="C")
    assert observer["userErrors"] == []
    promote = await api.gql(
        admin, doc.SET_SEAT, {"input": {"userId": observer["user"]["id"], "seat": "FULL"}}
    )
    assert [e["code"] for e in promote["data"]["setUserSeat"]["userErrors"]] == ["SEAT_LIMIT"]
    demote = await api.gql(
        admin, doc.SET_SEAT, {"input": {"userId": ok["user"]["id"], "seat": "OBSERVER"}}
    )
    assert demote["data"]["setUserSeat"]["user"]["seat"] == "OBSERVER"
    promote = await api.gql(
        admin, doc.SET_SEAT, {"input": {"userId": observer["user"]["id"], "seat": "FULL"}}
    )
    assert promote["data"]["setUserSeat"]["user"]["seat"] == "FULL"
    seats = (await organization(api, admin))["seats"]
    assert seats == {"full": 2, "observers": 1, "limit": 2}


async def test_disable_revokes_sessions_blocks_sign_in_and_enable_restores(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    created = await create(
        api, admin, email="m@acme.example", firstName="M", lastName="M", roles=["MEMBER"]
    )
    user_id = created["user"]["id"]
    await api.give_password(org_id, user_id, "member password 1")
    member = api.browser()
    signed = await api.sign_in(member, "acme", "m@acme.example", "member password 1")
    assert signed["data"]["signIn"]["userErrors"] == []
    assert (await api.gql(member, doc.ME))["data"]["me"]["id"] == user_id

    disabled = await api.gql(admin, doc.DISABLE, {"input": {"userId": user_id}})
    assert disabled["data"]["disableUser"]["user"]["status"] == "DISABLED"
    assert (await api.gql(member, doc.ME))["data"]["me"] is None  # revoked at once
    again = await api.sign_in(api.browser(), "acme", "m@acme.example", "member password 1")
    assert [e["code"] for e in again["data"]["signIn"]["userErrors"]] == ["INVALID_CREDENTIALS"]

    enabled = await api.gql(admin, doc.ENABLE, {"input": {"userId": user_id}})
    assert enabled["data"]["enableUser"]["user"]["status"] == "ACTIVE"
    back = await api.sign_in(api.browser(), "acme", "m@acme.example", "member password 1")
    assert back["data"]["signIn"]["userErrors"] == []


async def test_admin_cannot_disable_delete_or_demote_themselves(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    me = (await api.gql(admin, doc.ME))["data"]["me"]
    disabled = await api.gql(admin, doc.DISABLE, {"input": {"userId": me["id"]}})
    assert [e["code"] for e in disabled["data"]["disableUser"]["userErrors"]] == ["FORBIDDEN"]
    deleted = await api.gql(admin, doc.DELETE, {"input": {"userId": me["id"]}})
    assert [e["code"] for e in deleted["data"]["deleteUser"]["userErrors"]] == ["FORBIDDEN"]
    demoted = await api.gql(
        admin, doc.UPDATE_USER, {"input": {"userId": me["id"], "roles": ["MEMBER"]}}
    )
    assert [e["code"] for e in demoted["data"]["updateUser"]["userErrors"]] == ["FORBIDDEN"]


async def test_delete_removes_personal_data_frees_the_seat_and_keeps_a_redacted_trail(
    api: Api,
) -> None:
    admin, _ = await api.admin_of("acme")
    created = await create(
        api, admin, email="gone@acme.example", firstName="Gone", lastName="Girl", seat="FULL"
    )
    user_id = created["user"]["id"]
    await api.gql(admin, doc.UPDATE_USER, {"input": {"userId": user_id, "lastName": "Away"}})
    deleted = await api.gql(admin, doc.DELETE, {"input": {"userId": user_id}})
    assert deleted["data"]["deleteUser"] == {"deletedId": user_id, "userErrors": []}
    assert (await api.gql(admin, doc.USER, {"id": user_id}))["data"]["user"] is None
    assert (await organization(api, admin))["seats"]["full"] == 1
    again = await api.gql(admin, doc.DELETE, {"input": {"userId": user_id}})
    assert [e["code"] for e in again["data"]["deleteUser"]["userErrors"]] == ["NOT_FOUND"]

    trail = await api.gql(admin, doc.AUDIT, {"targetId": user_id})
    events = [edge["node"] for edge in trail["data"]["auditEvents"]["edges"]]
    assert [e["action"] for e in events] == ["user.deleted", "user.updated", "user.created"]
    text = json.dumps(events)
    assert "gone@acme.example" not in text
    assert "Girl" not in text and "Away" not in text
    raw = await api.deps.store.db["audit_events"].find({"target_id": user_id}).to_list()
    assert "gone@acme.example" not in json.dumps(raw, default=str)
    # The same email can be used again by a new person.
    reuse = await create(api, admin, email="gone@acme.example", firstName="New", lastName="One")
    assert reuse["userErrors"] == []


async def test_every_change_is_audited_with_actor_request_id_and_diff(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    me = (await api.gql(admin, doc.ME))["data"]["me"]
    created = await create(api, admin, email="a@acme.example", firstName="Al", lastName="A")
    user_id = created["user"]["id"]
    response = await admin.post(
        "/graphql",
        json={
            "query": doc.UPDATE_USER,
            "variables": {"input": {"userId": user_id, "firstName": "Alan"}},
        },
        headers={"X-Roster-Request": "1"},
    )
    request_id = response.headers["x-request-id"]
    trail = await api.gql(admin, doc.AUDIT, {"targetId": user_id, "first": 1})
    event = trail["data"]["auditEvents"]["edges"][0]["node"]
    assert event["action"] == "user.updated"
    assert (event["actorType"], event["actorId"]) == ("user", me["id"])
    assert event["requestId"] == request_id
    assert event["changes"] == [{"field": "firstName", "before": '"Al"', "after": '"Alan"'}]
    assert trail["data"]["auditEvents"]["totalCount"] == 2
    assert trail["data"]["auditEvents"]["pageInfo"]["hasNextPage"] is True


async def test_organization_creation_is_audited(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    trail = await api.gql(admin, doc.AUDIT, {"targetId": org_id})
    events = [edge["node"] for edge in trail["data"]["auditEvents"]["edges"]]
    assert [(e["action"], e["actorType"]) for e in events] == [("organization.created", "system")]
    assert {"field": "slug", "before": None, "after": '"acme"'} in events[0]["changes"]
