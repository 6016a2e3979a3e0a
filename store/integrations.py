"""The integrations collection: the other systems an organization connects (CRM, telephony, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.ids import object_id
from store.types import Document


@dataclass(frozen=True)
class IntegrationRecord:
    id: str
    org_id: str
    key: str
    name: str
    kind: str
    connected: bool
    created_at: datetime
    updated_at: datetime


class IntegrationKeyTaken(Exception):
    pass


_FIELDS = ("key", "name", "kind", "connected", "created_at", "updated_at")


def _record(doc: Document) -> IntegrationRecord:
    return IntegrationRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        key=doc["key"],
        name=doc["name"],
        kind=doc["kind"],
        connected=bool(doc.get("connected", True)),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


class Integrations:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["integrations"]

    async def insert(self, record: IntegrationRecord) -> None:
        doc: Document = {"_id": ObjectId(record.id), "org_id": record.org_id}
        doc.update({name: getattr(record, name) for name in _FIELDS})
        try:
            await self._collection.insert_one(doc)
        except DuplicateKeyError as error:
            raise IntegrationKeyTaken(record.key) from error

    async def get(self, org_id: str, integration_id: str) -> IntegrationRecord | None:
        oid = object_id(integration_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    async def get_by_key(self, org_id: str, key: str) -> IntegrationRecord | None:
        doc = await self._collection.find_one({"org_id": org_id, "key": key})
        return _record(doc) if doc else None

    async def get_many(self, org_id: str, ids: Sequence[str]) -> dict[str, IntegrationRecord]:
        oids = [oid for oid in (object_id(i) for i in ids) if oid is not None]
        if not oids:
            return {}
        cursor = self._collection.find({"_id": {"$in": oids}, "org_id": org_id})
        return {str(doc["_id"]): _record(doc) async for doc in cursor}

    async def list(self, org_id: str) -> list[IntegrationRecord]:
        cursor = self._collection.find({"org_id": org_id}).sort("key", 1)
        return [_record(doc) async for doc in cursor]

    async def update(
        self, org_id: str, integration_id: str, changes: Document
    ) -> tuple[IntegrationRecord, IntegrationRecord] | None:
        oid = object_id(integration_id)
        if oid is None:
            return None
        before = await self._collection.find_one_and_update(
            {"_id": oid, "org_id": org_id},
            {"$set": changes},
            return_document=ReturnDocument.BEFORE,
        )
        if before is None:
            return None
        return _record(before), _record({**before, **changes})
