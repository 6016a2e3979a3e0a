"""Licence pools, their assignments, and the licence events a sync worker consumes.

Three collections:

- ``licence_pools``: one per (org_id, product_key), unique. ``seats`` is the size of the
  pool and ``used`` a counter of the assignments it holds. ``used`` only moves through a
  conditional ``$inc`` (take a seat only where ``used < seats``), so concurrent
  assignments can never push it above ``seats``.
- ``licence_assignments``: one per (org_id, product_key, user_id), unique. An insert that
  hits the unique index means the user already holds the licence: the caller gives the
  seat it reserved back and answers as if it had assigned it.
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

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.types import Document

ASSIGNED, REVOKED = "assigned", "revoked"


@dataclass(frozen=True)
class PoolRecord:
    id: str
    org_id: str
    product_key: str
    name: str
    seats: int
    used: int


@dataclass(frozen=True)
class AssignmentRecord:
    org_id: str
    product_key: str
    user_id: str
    assigned_at: datetime


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
    )


def _assignment(doc: Document) -> AssignmentRecord:
    return AssignmentRecord(
        org_id=doc["org_id"],
        product_key=doc["product_key"],
        user_id=doc["user_id"],
        assigned_at=doc["assigned_at"],
    )


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

    async def reserve(self, org_id: str, product_key: str) -> bool:
        """Takes one seat of the pool if one is free; one conditional update, race-free."""
        result = await self._pools.update_one(
            {
                "org_id": org_id,
                "product_key": product_key,
                "$expr": {"$lt": ["$used", "$seats"]},
            },
            {"$inc": {"used": 1}},
        )
        return result.modified_count == 1

    async def release(self, org_id: str, product_key: str) -> None:
        await self._pools.update_one(
            {"org_id": org_id, "product_key": product_key}, {"$inc": {"used": -1}}
        )

    # ------------------------------------------------------------ assignments

    async def get_assignment(
        self, org_id: str, product_key: str, user_id: str
    ) -> AssignmentRecord | None:
        doc = await self._assignments.find_one(
            {"org_id": org_id, "product_key": product_key, "user_id": user_id}
        )
        return _assignment(doc) if doc else None

    async def insert_assignment(self, record: AssignmentRecord) -> bool:
        """True if inserted; False if the user already holds this licence."""
        try:
            await self._assignments.insert_one(
                {
                    "org_id": record.org_id,
                    "product_key": record.product_key,
                    "user_id": record.user_id,
                    "assigned_at": record.assigned_at,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def delete_assignment(self, org_id: str, product_key: str, user_id: str) -> bool:
        """True if this call removed the assignment (so it, and only it, frees the seat)."""
        result = await self._assignments.delete_one(
            {"org_id": org_id, "product_key": product_key, "user_id": user_id}
        )
        return result.deleted_count == 1

    async def assignments_of_users(
        self, org_id: str, user_ids: Sequence[str]
    ) -> list[AssignmentRecord]:
        cursor = self._assignments.find({"org_id": org_id, "user_id": {"$in": list(user_ids)}})
        return [_assignment(doc) async for doc in cursor]

    async def holders(
        self, org_id: str, product_key: str, after_user_id: str | None, limit: int
    ) -> list[AssignmentRecord]:
        """A page of the pool's assignments in user id order (index org_product_user_unique)."""
        query: Document = {"org_id": org_id, "product_key": product_key}
        if after_user_id is not None:
            query["user_id"] = {"$gt": after_user_id}
        cursor = self._assignments.find(query).sort("user_id", 1).limit(limit)
        return [_assignment(doc) async for doc in cursor]

    async def count_holders(self, org_id: str, product_key: str) -> int:
        return await self._assignments.count_documents(
            {"org_id": org_id, "product_key": product_key}
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
