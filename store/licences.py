"""Licence pools, their assignments, and the licence events a sync worker consumes.

Three collections:

- ``licence_pools``: one per (org_id, product_key), unique. ``seats`` is the size of the
  pool and ``used`` a counter of the seats taken. ``used`` only moves through a
  conditional ``$inc`` (take a seat only where ``used < seats``), so concurrent
  assignments can never push it above ``seats``. ``claims`` lists the in-flight claims
  that hold a seat ({id, user_id, at}): a seat taken for a claim is pushed with the
  ``$inc`` in one update, and given back (``$pull`` with ``$inc: -1``) or kept (``$pull``
  alone) in one update, so that whoever settles a claim does so exactly once.
- ``licence_assignments``: one per (org_id, product_key, user_id), unique, with a
  ``state``: PENDING while an assignment is being made (``claim``, ``claimed_at``), then
  ASSIGNED (``assigned_at``). Documents written before claims existed have neither
  ``state`` nor ``claim`` and count as ASSIGNED. Every reader of assignments skips PENDING
  ones. The claim is inserted before a seat is taken, so the unique index serializes
  duplicate assignments of one licence to one user: a duplicate never touches ``used``.
- ``licence_events``: an append-only queue for outbound provisioning (pushing licensed
  users to downstream apps, e.g. over SCIM). One document per change::

      {org_id, product_key, user_id, kind: "assigned" | "revoked", at, processed_at: null}

  A sync worker reads the unprocessed events oldest first (index ``unprocessed``), acts
  on them, and sets ``processed_at``; events are never deleted by Roster itself, and they
  carry no personal data beyond the user id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.types import Document

ASSIGNED, REVOKED = "assigned", "revoked"
# The state of an assignment document (an absent state is ASSIGNED_STATE).
PENDING, ASSIGNED_STATE = "PENDING", "ASSIGNED"
# Assignments a user holds, not claims still being made: every reader filters by it. An
# $in rather than `$ne: PENDING`, so that index org_product_state serves it.
CONFIRMED: Document = {"state": {"$in": [ASSIGNED_STATE, None]}}


@dataclass(frozen=True)
class SeatClaim:
    """A seat of the pool held by an in-flight claim (``claims`` on the pool document)."""

    id: str
    user_id: str
    at: datetime


@dataclass(frozen=True)
class PoolRecord:
    id: str
    org_id: str
    product_key: str
    name: str
    seats: int
    used: int
    claims: tuple[SeatClaim, ...] = ()


@dataclass(frozen=True)
class AssignmentRecord:
    org_id: str
    product_key: str
    user_id: str
    assigned_at: datetime
    # The claim that made it; None for assignments made before claims existed.
    claim: str | None = None


@dataclass(frozen=True)
class ClaimRecord:
    """The assignment document of a user and a pool, in whichever state it is."""

    claim: str | None
    state: str
    claimed_at: datetime | None


class SeatsBelowUse(Exception):
    """A pool cannot shrink below the number of licences it has assigned."""


def _pool(doc: Document) -> PoolRecord:
    return PoolRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        product_key=doc["product_key"],
        name=doc["name"],
        seats=doc["seats"],
        used=doc.get("used", 0),
        claims=tuple(
            SeatClaim(id=c["id"], user_id=c["user_id"], at=c["at"]) for c in doc.get("claims", [])
        ),
    )


def _assignment(doc: Document) -> AssignmentRecord:
    return AssignmentRecord(
        org_id=doc["org_id"],
        product_key=doc["product_key"],
        user_id=doc["user_id"],
        assigned_at=doc["assigned_at"],
        claim=doc.get("claim"),
    )


def _mine(org_id: str, product_key: str, user_id: str) -> Document:
    return {"org_id": org_id, "product_key": product_key, "user_id": user_id}


def _confirmed(doc: Document) -> bool:
    """CONFIRMED, checked on a document read by a filter without it."""
    return doc.get("state") != PENDING


def _claimed(org_id: str, product_key: str, user_id: str, claim: str | None) -> Document:
    """The assignment of one claim, looked up by the claim first (index claim): the
    embedded database's planner serves a filter no index covers by its first clause that
    has one, and (org, product, user) with more clauses would be served by org_id alone."""
    return {"claim": claim, **_mine(org_id, product_key, user_id)}


class Licences:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._pools = db["licence_pools"]
        self._assignments = db["licence_assignments"]
        self._events = db["licence_events"]

    # ------------------------------------------------------------------ pools

    async def get_pool(self, org_id: str, product_key: str) -> PoolRecord | None:
        doc = await self._pools.find_one({"org_id": org_id, "product_key": product_key})
        return _pool(doc) if doc else None

    async def list_pools(self, org_id: str) -> list[PoolRecord]:
        cursor = self._pools.find({"org_id": org_id}).sort("product_key", 1)
        return [_pool(doc) async for doc in cursor]

    async def configure_pool(
        self, org_id: str, product_key: str, name: str, seats: int, now: datetime
    ) -> tuple[PoolRecord | None, PoolRecord]:
        """Creates or changes a pool: (before, after); before is None for a new pool.

        The filter only matches while ``used <= seats``, so the check and the change are one
        atomic update; a pool whose use is above ``seats`` makes the upsert collide with the
        unique index, which is SeatsBelowUse.
        """
        try:
            before = await self._pools.find_one_and_update(
                {"org_id": org_id, "product_key": product_key, "used": {"$lte": seats}},
                {
                    "$set": {"name": name, "seats": seats, "updated_at": now},
                    "$setOnInsert": {"used": 0, "created_at": now},
                },
                upsert=True,
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError as error:
            raise SeatsBelowUse(product_key) from error
        after = await self.get_pool(org_id, product_key)
        assert after is not None  # just written; pools are never deleted
        return (_pool(before) if before else None), after

    async def reserve(self, pool: PoolRecord, user_id: str, claim: str, now: datetime) -> bool:
        """Takes one seat of `pool` for the claim if one is free and the pool still has the
        size it was read with; one conditional update, race-free. (Not `$expr: used <
        seats`: with an operator at its top the embedded database's planner reads every
        pool there is.)"""
        result = await self._pools.update_one(
            {
                "_id": ObjectId(pool.id),  # first: a point lookup
                "org_id": pool.org_id,
                "seats": pool.seats,
                "used": {"$lt": pool.seats},
            },
            {
                "$inc": {"used": 1},
                "$push": {"claims": {"id": claim, "user_id": user_id, "at": now}},
            },
        )
        return result.modified_count == 1

    async def keep_seat(self, org_id: str, product_key: str, claim: str) -> None:
        """The claim's seat now belongs to its confirmed assignment: no longer listed."""
        await self._pools.update_one(
            {"org_id": org_id, "product_key": product_key, "claims.id": claim},
            {"$pull": {"claims": {"id": claim}}},
        )

    async def release_claim(self, org_id: str, product_key: str, claim: str) -> bool:
        """Gives the claim's seat back if it still holds one; True for the one call that did."""
        result = await self._pools.update_one(
            {"org_id": org_id, "product_key": product_key, "claims.id": claim},
            {"$pull": {"claims": {"id": claim}}, "$inc": {"used": -1}},
        )
        return result.modified_count == 1

    async def release(self, org_id: str, product_key: str) -> None:
        """Gives back the seat of an assignment just deleted (by the call that deleted it)."""
        await self._pools.update_one(
            {"org_id": org_id, "product_key": product_key}, {"$inc": {"used": -1}}
        )

    # ------------------------------------------------------------ assignments

    async def claim(self, org_id: str, product_key: str, user_id: str, now: datetime) -> str | None:
        """Inserts a PENDING assignment: its claim id, or None if the user and pool have one."""
        claim = str(ObjectId())
        try:
            await self._assignments.insert_one(
                {
                    **_mine(org_id, product_key, user_id),
                    "state": PENDING,
                    "claim": claim,
                    "claimed_at": now,
                }
            )
        except DuplicateKeyError:
            return None
        return claim

    async def confirm(
        self, org_id: str, product_key: str, user_id: str, claim: str, now: datetime
    ) -> bool:
        """PENDING to ASSIGNED; False if the claim is gone (abandoned as stale meanwhile)."""
        result = await self._assignments.update_one(
            {**_claimed(org_id, product_key, user_id, claim), "state": PENDING},
            {"$set": {"state": ASSIGNED_STATE, "assigned_at": now}, "$unset": {"claimed_at": ""}},
        )
        return result.modified_count == 1

    async def abandon(self, org_id: str, product_key: str, user_id: str, claim: str) -> bool:
        """Removes the PENDING claim; True for the one call that removed it."""
        result = await self._assignments.delete_one(
            {**_claimed(org_id, product_key, user_id, claim), "state": PENDING}
        )
        return result.deleted_count == 1

    async def get_claim(self, org_id: str, product_key: str, user_id: str) -> ClaimRecord | None:
        doc = await self._assignments.find_one(_mine(org_id, product_key, user_id))
        if doc is None:
            return None
        return ClaimRecord(
            claim=doc.get("claim"),
            state=doc.get("state", ASSIGNED_STATE),
            claimed_at=doc.get("claimed_at"),
        )

    async def delete_assignment(
        self, org_id: str, product_key: str, user_id: str, claim: str | None
    ) -> bool:
        """True if this call removed the confirmed assignment of that claim (so it, and only
        it, frees the seat); a PENDING claim is not an assignment and stays."""
        result = await self._assignments.delete_one(
            {**_claimed(org_id, product_key, user_id, claim), **CONFIRMED}
        )
        return result.deleted_count == 1

    async def assignments_of_users(
        self, org_id: str, user_ids: Sequence[str]
    ) -> list[AssignmentRecord]:
        # The filter is exactly index org_user's fields, and the confirmed state is checked
        # here: with a third clause the embedded database's planner would walk every
        # assignment of the organization (for each page of the Users list).
        cursor = self._assignments.find({"org_id": org_id, "user_id": {"$in": list(user_ids)}})
        return [_assignment(doc) async for doc in cursor if _confirmed(doc)]

    async def holders(
        self, org_id: str, product_key: str, after_user_id: str | None, limit: int
    ) -> list[AssignmentRecord]:
        """A page of the pool's assignments in user id order (index org_product_user_unique).
        The few PENDING claims are skipped here: a state clause beside the user-id range
        would make the planner walk every assignment of the organization."""
        query: Document = {"org_id": org_id, "product_key": product_key}
        if after_user_id is not None:
            query["user_id"] = {"$gt": after_user_id}
        page: list[AssignmentRecord] = []
        if limit <= 0:
            return page
        cursor = self._assignments.find(query).sort("user_id", 1).batch_size(limit + 1)
        async with cursor:
            async for doc in cursor:
                if _confirmed(doc):
                    page.append(_assignment(doc))
                    if len(page) == limit:
                        break
        return page

    async def count_holders(self, org_id: str, product_key: str) -> int:
        return await self._assignments.count_documents(
            {"org_id": org_id, "product_key": product_key, **CONFIRMED}
        )

    # ----------------------------------------------------------------- events

    async def add_event(
        self, org_id: str, product_key: str, user_id: str, kind: str, at: datetime
    ) -> None:
        await self._events.insert_one(
            {
                "org_id": org_id,
                "product_key": product_key,
                "user_id": user_id,
                "kind": kind,
                "at": at,
                "processed_at": None,
            }
        )
