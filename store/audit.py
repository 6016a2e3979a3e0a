"""The audit trail: append-only events, kept when their target is deleted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from store.ids import object_id
from store.types import DUPLICATE_KEY, Document


@dataclass(frozen=True)
class AuditRecord:
    id: str
    org_id: str
    actor_type: str
    actor_id: str | None
    action: str
    target_type: str
    target_id: str | None
    changes: dict[str, dict[str, Any]]
    at: datetime
    request_id: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


def _record(doc: Document) -> AuditRecord:
    return AuditRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        actor_type=doc["actor_type"],
        actor_id=doc.get("actor_id"),
        action=doc["action"],
        target_type=doc["target_type"],
        target_id=doc.get("target_id"),
        changes=doc.get("changes", {}),
        at=doc["at"],
        request_id=doc.get("request_id"),
        metadata=doc.get("metadata", {}),
    )


def _document(record: AuditRecord) -> Document:
    return {
        "_id": ObjectId(record.id),
        "org_id": record.org_id,
        "actor_type": record.actor_type,
        "actor_id": record.actor_id,
        "action": record.action,
        "target_type": record.target_type,
        "target_id": record.target_id,
        "changes": record.changes,
        "at": record.at,
        "request_id": record.request_id,
        "metadata": record.metadata,
    }


class AuditEvents:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["audit_events"]

    async def insert(self, record: AuditRecord) -> None:
        await self._collection.insert_one(_document(record))

    async def insert_many(self, records: Sequence[AuditRecord]) -> None:
        """Events with deterministic ids (a replayed import batch): each is written once."""
        docs = [_document(r) for r in records]
        if not docs:
            return
        try:
            await self._collection.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise

    def _stages(
        self,
        org_id: str,
        target_id: str | None,
        action: str | None,
        actor_id: str | None,
        before_id: str | None = None,
    ) -> list[Document]:
        """The $match stages of a page or count. One filter (with the cursor) is exactly an
        index's fields; the others, if any, are a second stage applied to what it found: with
        them in one filter the embedded database's planner would serve it by org_id alone
        and read every event of the organization."""
        filters = [
            (name, value)
            for name, value in (
                ("target_id", target_id),
                ("actor_id", actor_id),
                ("action", action),
            )
            if value is not None
        ]
        first: Document = {"org_id": org_id, **dict(filters[:1])}
        before = object_id(before_id)
        if before is not None:
            first["_id"] = {"$lt": before}
        stages: list[Document] = [{"$match": first}]
        if filters[1:]:
            stages.append({"$match": dict(filters[1:])})
        return stages

    async def page(
        self,
        org_id: str,
        target_id: str | None,
        before_id: str | None,
        limit: int,
        *,
        action: str | None = None,
        actor_id: str | None = None,
    ) -> list[AuditRecord]:
        """Newest first; `before_id` is the cursor of the last event already seen. Each filter
        given (target, action, actor) must match."""
        stages = self._stages(org_id, target_id, action, actor_id, before_id)
        if len(stages) == 1:
            cursor = self._collection.find(stages[0]["$match"]).sort("_id", -1).limit(limit)
            return [_record(doc) async for doc in cursor]
        pipeline = [*stages, {"$sort": {"_id": -1}}, {"$limit": limit}]
        return [_record(doc) async for doc in await self._collection.aggregate(pipeline)]

    async def count(
        self,
        org_id: str,
        target_id: str | None,
        *,
        action: str | None = None,
        actor_id: str | None = None,
    ) -> int:
        stages = self._stages(org_id, target_id, action, actor_id)
        if len(stages) == 1:
            return await self._collection.count_documents(stages[0]["$match"])
        pipeline = [*stages, {"$count": "n"}]
        counted = [doc async for doc in await self._collection.aggregate(pipeline)]
        return int(counted[0]["n"]) if counted else 0

    async def redact_target(self, org_id: str, target_id: str, fields: list[str]) -> None:
        """Replace personal values in a deleted target's history; the events stay."""
        redacted = {"before": "[deleted]", "after": "[deleted]"}
        await self._collection.update_many(
            {"org_id": org_id, "target_id": target_id},
            {"$set": {f"changes.{name}": redacted for name in fields}},
        )
