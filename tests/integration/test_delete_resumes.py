"""deleteUser is several writes: one that fails part-way (SecantusDB's failCommand fail point
on the app's client, appName "roster", failing the audit trail's redaction) leaves the user
marked deleting and DISABLED, signed out and unable to sign in, and the next deleteUser
finishes it: the user, their sessions and personal data in the audit trail gone, one
user.deleted event."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from store.types import Document
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.test_outages import UNEXPECTED, failing

EMAIL = "noor.okafor@acme.example"
PASSWORD = "a long pass phrase of Noor"


async def test_a_failed_delete_is_finished_by_the_next(
    api: Api, mongo_client: AsyncMongoClient[Document]
) -> None:
    admin, org_id = await api.admin_of("acme")
    body = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Noor", "lastName": "Okafor", "email": EMAIL}},
    )
    assert body["data"]["createUser"]["userErrors"] == [], body
    user_id = body["data"]["createUser"]["user"]["id"]
    await api.give_password(org_id, user_id, PASSWORD)
    session = api.browser()
    signed = await api.sign_in(session, "acme", EMAIL, PASSWORD)
    assert signed["data"]["signIn"]["userErrors"] == [], signed

    how: dict[str, Any] = {"failCommands": ["update"], **UNEXPECTED}
    async with failing(mongo_client, how):
        failed = await admin.post(
            "/graphql",
            json={"query": doc.DELETE, "variables": {"input": {"userId": user_id}}},
            headers={"X-Roster-Request": "1"},
        )
    assert failed.status_code >= 500 or "errors" in failed.json(), failed.text
    half = await api.deps.store.users.get(org_id, user_id)
    assert half is not None and half.status == "DISABLED"
    assert (await api.gql(session, doc.ME))["data"]["me"] is None
    again = await api.sign_in(api.browser(), "acme", EMAIL, PASSWORD)
    assert again["data"]["signIn"]["userErrors"], again

    body = await api.gql(admin, doc.DELETE, {"input": {"userId": user_id}})
    assert body["data"]["deleteUser"] == {"deletedId": user_id, "userErrors": []}, body
    assert await api.deps.store.users.get(org_id, user_id) is None
    audit = api.deps.store.db["audit_events"]
    assert await audit.count_documents({"target_id": user_id, "changes.email.after": EMAIL}) == 0
    [deleted] = [e async for e in audit.find({"target_id": user_id, "action": "user.deleted"})]
    assert deleted["changes"]["status"] == {"before": "ACTIVE", "after": None}

    gone = await api.gql(admin, doc.DELETE, {"input": {"userId": user_id}})
    assert [e["code"] for e in gone["data"]["deleteUser"]["userErrors"]] == ["NOT_FOUND"]


async def test_a_delete_failing_at_the_seat_counter_gives_the_seat_back_once(
    api: Api, mongo_client: AsyncMongoClient[Document]
) -> None:
    """The full seat is counted on the organization, another document than the user's: a
    delete that fails between the two is finished by the next, and the seat comes back
    exactly once (another user can take the organization's only seat; not two)."""
    admin, _ = await api.admin_of("acme")
    limit = await api.gql(
        admin, doc.ORG_SETTINGS, {"input": {"seatLimit": 2}}
    )  # the admin's and one
    assert limit["data"]["updateOrganizationSettings"]["userErrors"] == [], limit
    ids = []
    for first in ("Noor", "Omar", "Pia"):
        body = await api.gql(
            admin,
            doc.CREATE_USER,
            {"input": {"firstName": first, "lastName": "Okafor", "email": f"{first}@acme.example"}},
        )
        ids.append(body["data"]["createUser"]["user"]["id"])
    noor, omar, pia = ids
    seat = await api.gql(admin, doc.SET_SEAT, {"input": {"userId": noor, "seat": "FULL"}})
    assert seat["data"]["setUserSeat"]["userErrors"] == [], seat

    # The organization's counter is the one plain `update` of a delete: fail it.
    async with failing(mongo_client, {"failCommands": ["update"], **UNEXPECTED}):
        failed = await admin.post(
            "/graphql",
            json={"query": doc.DELETE, "variables": {"input": {"userId": noor}}},
            headers={"X-Roster-Request": "1"},
        )
    assert failed.status_code >= 500 or "errors" in failed.json(), failed.text
    body = await api.gql(admin, doc.DELETE, {"input": {"userId": noor}})
    assert body["data"]["deleteUser"] == {"deletedId": noor, "userErrors": []}, body

    taken = await api.gql(admin, doc.SET_SEAT, {"input": {"userId": omar, "seat": "FULL"}})
    assert taken["data"]["setUserSeat"]["userErrors"] == [], taken
    over = await api.gql(admin, doc.SET_SEAT, {"input": {"userId": pia, "seat": "FULL"}})
    assert [e["code"] for e in over["data"]["setUserSeat"]["userErrors"]] == ["SEAT_LIMIT"]
