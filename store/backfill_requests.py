"""The backfill_requests collection: "fetch this account's data again from this date"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.ids import object_id
from store.types import Document

PENDING, DONE, FAILED = "PENDING", "DONE", "FAILED"


@dataclass(frozen=True)
class BackfillRecord:
    id: str
    org_id: str
    integration_id: str
    account_id: str
    user_id: str
    since: datetime
    status: str
    requested_at: datetime
    completed_at: datetime | None = None
    message: str | None = None


def _record(doc: Document) -> BackfillRecord:
    return BackfillRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        integration_id=doc["integration_id"],
        account_id=doc["account_id"],
        user_id=doc["user_id"],
        since=doc["since"],
        status=doc["status"],
        requested_at=doc["requested_at"],
        completed_at=doc.get("completed_at"),
        message=doc.get("message"),
    )


class BackfillRequests:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["backfill_requests"]

    async def request(
        self,
        org_id: str,
        integration_id: str,
        account_id: str,
        user_id: str,
        since: datetime,
        now: datetime,
    ) -> tuple[BackfillRecord | None, BackfillRecord]:
        """The account's pending request, created or moved back to `since`: (before, after).

        One pending request per account (a partial unique index), so that a tool never
        fetches the same data twice; a later request from an earlier date widens it.
        """
        query = {"org_id": org_id, "account_id": account_id, "status": PENDING}
        update = {
            "$min": {"since": since},
            "$set": {"user_id": user_id},
            "$setOnInsert": {"integration_id": integration_id, "requested_at": now},
        }
        for _ in range(2):
            try:
                before = await self._collection.find_one_and_update(
                    query, update, upsert=True, return_document=ReturnDocument.BEFORE
                )
            except DuplicateKeyError:
                continue  # another request created it first: update that one
            after = await self._collection.find_one(query)
            assert after is not None
            return (_record(before) if before else None), _record(after)
        raise RuntimeError("backfill request upserts kept colliding")

    async def get(self, org_id: str, request_id: str) -> BackfillRecord | None:
        oid = object_id(request_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    def _query(self, org_id: str, integration_id: str, status: str | None) -> Document:
        query: Document = {"org_id": org_id, "integration_id": integration_id}
        if status is not None:
            query["status"] = status
        return query

    async def page(
        self,
        org_id: str,
        integration_id: str,
        status: str | None,
        after_id: str | None,
        limit: int,
    ) -> list[BackfillRecord]:
        """Oldest first: the order a tool should work through them."""
        query = self._query(org_id, integration_id, status)
        after = object_id(after_id)
        if after is not None:
            query["_id"] = {"$gt": after}
        cursor = self._collection.find(query).sort("_id", 1).limit(limit)
        return [_record(doc) async for doc in cursor]

    async def count(self, org_id: str, integration_id: str, status: str | None) -> int:
        return await self._collection.count_documents(self._query(org_id, integration_id, status))

    async def complete(
        self, org_id: str, request_id: str, status: str, message: str | None, now: datetime
    ) -> BackfillRecord | None:
        """Marks a pending request done or failed; None if it is not pending (or not found)."""
        oid = object_id(request_id)
        if oid is None:
            return None
        doc = await self._collection.find_one_and_update(
            {"_id": oid, "org_id": org_id, "status": PENDING},
            {"$set": {"status": status, "message": message, "completed_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc) if doc else None
