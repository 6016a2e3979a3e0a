"""Licence assignment by claim: duplicates serialized before a seat is taken, crashes survived.

Every test ends by checking the pool's invariant (provisioning/licences.py): its ``used``
equals its confirmed assignments, no claim is left listed or PENDING, and ``used`` never
exceeds ``seats``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.integration.conftest import Api
from tests.integration.test_licences import assign, codes, configure, pools, revoke, users

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


async def settled(api: Api, org_id: str, key: str) -> dict[str, Any]:
    """The pool's document, after checking that it is consistent with its assignments."""
    db = api.deps.store.db
    pool = await db["licence_pools"].find_one({"org_id": org_id, "product_key": key})
    assert pool is not None
    assigned = await db["licence_assignments"].count_documents(
        {"org_id": org_id, "product_key": key, "state": {"$ne": "PENDING"}}
    )
    pending = await db["licence_assignments"].count_documents(
        {"org_id": org_id, "product_key": key, "state": "PENDING"}
    )
    assert (pool["used"], pool.get("claims", []), pending) == (assigned, [], 0)
    assert pool["used"] <= pool["seats"]
    return pool


async def holdings(api: Api, org_id: str, user_id: str) -> list[dict[str, Any]]:
    cursor = api.deps.store.db["licence_assignments"].find({"org_id": org_id, "user_id": user_id})
    return [doc async for doc in cursor]


async def events(api: Api, org_id: str, user_id: str, kind: str) -> int:
    cursor = api.deps.store.db["licence_events"].find({"org_id": org_id, "user_id": user_id})
    return sum([1 async for event in cursor if event["kind"] == kind])


async def pool_of(api: Api, admin: httpx.AsyncClient, key: str, seats: int, taken: int) -> str:
    """A pool of `seats` with `taken` of them assigned to other users: its org id."""
    await configure(api, admin, key, seats)
    org_id: str = (await api.gql(admin, "{ organization { id } }"))["data"]["organization"]["id"]
    for other in await users(api, org_id, taken, prefix=f"taken-{key}-"):
        assert codes(await assign(api, admin, other, key)) == []
    return org_id


async def test_ten_concurrent_duplicates_with_one_seat_free_make_one_assignment(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 3, 2)
    (user_id,) = await users(api, org_id, 1)

    outcomes = await asyncio.gather(*(assign(api, admin, user_id, "crm") for _ in range(10)))

    assert [codes(o) for o in outcomes] == [[]] * 10
    assert all([h["productKey"] for h in o["user"]["licences"]] in ([], ["crm"]) for o in outcomes)
    held = await holdings(api, org_id, user_id)
    assert [(h["product_key"], h["state"]) for h in held] == [("crm", "ASSIGNED")]
    assert (await settled(api, org_id, "crm"))["used"] == 3
    assert await events(api, org_id, user_id, "assigned") == 1


async def test_a_full_pool_answers_seat_limit_at_once_even_to_duplicates(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 1, 1)
    (user_id,) = await users(api, org_id, 1)

    api.counter.commands.clear()
    refused = await assign(api, admin, user_id, "crm")
    assert codes(refused) == ["SEAT_LIMIT"]
    # One reservation refused, no retry: a single update of the pool (none of the retried
    # reservations of a wait-and-see loop).
    assert api.counter.commands.count("update") <= 2, api.counter.data_commands()

    outcomes = await asyncio.gather(*(assign(api, admin, user_id, "crm") for _ in range(10)))
    assert [codes(o) for o in outcomes] == [["SEAT_LIMIT"]] * 10
    assert await holdings(api, org_id, user_id) == []
    assert (await settled(api, org_id, "crm"))["used"] == 1
    assert await events(api, org_id, user_id, "assigned") == 0


async def test_users_competing_for_the_last_seat_leave_exactly_one_winner(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 3, 2)
    rivals = await users(api, org_id, 6)

    # Each rival three times over, interleaved: duplicates and competitors at once.
    calls = [user_id for _ in range(3) for user_id in rivals]
    outcomes = await asyncio.gather(*(assign(api, admin, u, "crm") for u in calls))

    by_user: dict[str, set[tuple[str, ...]]] = {u: set() for u in rivals}
    for user_id, outcome in zip(calls, outcomes, strict=True):
        by_user[user_id].add(tuple(codes(outcome)))
    winners = [u for u, answers in by_user.items() if () in answers]
    assert len(winners) == 1, by_user
    assert by_user[winners[0]] == {()}
    assert all(by_user[u] == {("SEAT_LIMIT",)} for u in rivals if u != winners[0])
    assert (await settled(api, org_id, "crm"))["used"] == 3
    for user_id in rivals:
        expected = 1 if user_id == winners[0] else 0
        assert len(await holdings(api, org_id, user_id)) == expected
        assert await events(api, org_id, user_id, "assigned") == expected


async def test_five_concurrent_revocations_return_the_seat_once(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 3, 1)
    a, b, c = await users(api, org_id, 3)
    assert codes(await assign(api, admin, a, "crm")) == []
    assert codes(await assign(api, admin, b, "crm")) == []

    outcomes = await asyncio.gather(*(revoke(api, admin, a, "crm") for _ in range(5)))

    assert [(codes(o), o["user"]["licences"]) for o in outcomes] == [([], [])] * 5
    assert (await settled(api, org_id, "crm"))["used"] == 2
    assert await events(api, org_id, a, "revoked") == 1
    # The one seat that came back is free, and only one.
    assert codes(await assign(api, admin, c, "crm")) == []
    assert codes(await assign(api, admin, a, "crm")) == ["SEAT_LIMIT"]
    assert (await pools(api, admin))["crm"]["used"] == 3


async def test_assignments_and_revocations_racing_keep_the_count_exact(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 3, 0)
    people = await users(api, org_id, 5)
    for user_id in people[:2]:
        assert codes(await assign(api, admin, user_id, "crm")) == []

    calls = [
        (assign if (i + j) % 3 else revoke)(api, admin, user_id, "crm")
        for i in range(4)
        for j, user_id in enumerate(people)
    ]
    outcomes = await asyncio.gather(*calls)

    assert {tuple(codes(o)) for o in outcomes} <= {(), ("SEAT_LIMIT",)}
    pool = await settled(api, org_id, "crm")
    held_in_all = 0
    for user_id in people:
        held = len(await holdings(api, org_id, user_id))
        assigned = await events(api, org_id, user_id, "assigned")
        revoked = await events(api, org_id, user_id, "revoked")
        # Every change is one event: what a user holds is what their events add up to.
        assert held == assigned - revoked
        held_in_all += held
    assert pool["used"] == held_in_all


async def test_a_crashed_claim_that_took_the_last_seat_is_reclaimed_by_its_own_retry(
    api: Api,
) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 2, 1)
    (user_id,) = await users(api, org_id, 1)
    await crash_after_reserving(api, org_id, "crm", user_id, "crashed-claim")

    outcome = await assign(api, admin, user_id, "crm")

    assert codes(outcome) == []
    assert [h["productKey"] for h in outcome["user"]["licences"]] == ["crm"]
    held = await holdings(api, org_id, user_id)
    assert [h["state"] for h in held] == ["ASSIGNED"]
    assert held[0]["claim"] != "crashed-claim"
    assert (await settled(api, org_id, "crm"))["used"] == 2


async def test_a_crashed_claim_does_not_keep_the_last_seat_from_someone_else(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 2, 1)
    crashed, other = await users(api, org_id, 2)
    await crash_after_reserving(api, org_id, "crm", crashed, "crashed-claim")

    outcomes = await asyncio.gather(*(assign(api, admin, other, "crm") for _ in range(5)))

    assert [codes(o) for o in outcomes] == [[]] * 5
    assert await holdings(api, org_id, crashed) == []
    assert len(await holdings(api, org_id, other)) == 1
    assert (await settled(api, org_id, "crm"))["used"] == 2
    # And the crashed user's own next assignment finds the pool full, honestly.
    assert codes(await assign(api, admin, crashed, "crm")) == ["SEAT_LIMIT"]


async def test_a_claim_that_crashed_before_reserving_only_delays_nothing(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 1, 0)
    (user_id,) = await users(api, org_id, 1)
    await api.deps.store.db["licence_assignments"].insert_one(
        pending(org_id, "crm", user_id, "crashed-claim")
    )

    outcomes = await asyncio.gather(*(assign(api, admin, user_id, "crm") for _ in range(5)))

    assert [codes(o) for o in outcomes] == [[]] * 5
    assert [h["state"] for h in await holdings(api, org_id, user_id)] == ["ASSIGNED"]
    assert (await settled(api, org_id, "crm"))["used"] == 1


async def test_a_claim_confirmed_just_before_a_crash_keeps_its_seat(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 1, 0)
    await pool_of(api, admin, "dialer", 1, 0)
    holder, other = await users(api, org_id, 2)
    for key in ("crm", "dialer"):
        await crash_after_confirming(api, org_id, key, holder, f"confirmed-{key}")

    # A refused reservation settles the stale listed claim: its seat stays the holder's.
    assert codes(await assign(api, admin, other, "crm")) == ["SEAT_LIMIT"]
    assert (await settled(api, org_id, "crm"))["used"] == 1
    assert codes(await assign(api, admin, holder, "crm")) == []
    # Revocations, with the claim still listed, give the seat back once.
    outcomes = await asyncio.gather(*(revoke(api, admin, holder, "dialer") for _ in range(3)))
    assert [codes(o) for o in outcomes] == [[]] * 3
    assert (await settled(api, org_id, "dialer"))["used"] == 0
    assert codes(await assign(api, admin, other, "dialer")) == []
    assert (await settled(api, org_id, "dialer"))["used"] == 1


async def test_assignments_made_before_claims_still_count_and_revoke(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    org_id = await pool_of(api, admin, "crm", 1, 0)
    holder, other = await users(api, org_id, 2)
    db = api.deps.store.db
    await db["licence_assignments"].insert_one(
        {"org_id": org_id, "product_key": "crm", "user_id": holder, "assigned_at": LONG_AGO}
    )
    await db["licence_pools"].update_one(
        {"org_id": org_id, "product_key": "crm"}, {"$inc": {"used": 1}}
    )

    again = await assign(api, admin, holder, "crm")
    assert codes(again) == []
    assert [h["productKey"] for h in again["user"]["licences"]] == ["crm"]
    assert codes(await assign(api, admin, other, "crm")) == ["SEAT_LIMIT"]
    outcomes = await asyncio.gather(*(revoke(api, admin, holder, "crm") for _ in range(3)))
    assert [codes(o) for o in outcomes] == [[]] * 3
    assert (await settled(api, org_id, "crm"))["used"] == 0
    assert codes(await assign(api, admin, other, "crm")) == []


def pending(org_id: str, key: str, user_id: str, claim: str) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "product_key": key,
        "user_id": user_id,
        "state": "PENDING",
        "claim": claim,
        "claimed_at": LONG_AGO,
    }


async def crash_after_reserving(api: Api, org_id: str, key: str, user_id: str, claim: str) -> None:
    """What a request that died between taking a seat and confirming leaves behind."""
    db = api.deps.store.db
    await db["licence_assignments"].insert_one(pending(org_id, key, user_id, claim))
    free = await db["licence_pools"].find_one({"org_id": org_id, "product_key": key})
    assert free is not None and free["used"] < free["seats"]
    taken = await db["licence_pools"].update_one(
        {"org_id": org_id, "product_key": key, "used": free["used"]},
        {
            "$inc": {"used": 1},
            "$push": {"claims": {"id": claim, "user_id": user_id, "at": LONG_AGO}},
        },
    )
    assert taken.modified_count == 1


async def crash_after_confirming(api: Api, org_id: str, key: str, user_id: str, claim: str) -> None:
    """What a request that died between confirming and unlisting its claim leaves behind."""
    db = api.deps.store.db
    await db["licence_assignments"].insert_one(
        {
            "org_id": org_id,
            "product_key": key,
            "user_id": user_id,
            "state": "ASSIGNED",
            "claim": claim,
            "assigned_at": LONG_AGO,
        }
    )
    await db["licence_pools"].update_one(
        {"org_id": org_id, "product_key": key},
        {
            "$inc": {"used": 1},
            "$push": {"claims": {"id": claim, "user_id": user_id, "at": LONG_AGO}},
        },
    )
