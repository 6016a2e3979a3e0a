"""Per-organization reference data: departments, job profiles, permission types, companies.

They share one shape (a name, and for companies a kind), so one class serves the four
collections.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document


@dataclass(frozen=True)
class ReferenceRecord:
    id: str
    org_id: str
    name: str
    kind: str | None = None


def _record(doc: Document) -> ReferenceRecord:
    return ReferenceRecord(
        id=str(doc["_id"]), org_id=doc["org_id"], name=doc["name"], kind=doc.get("kind")
    )


class ReferenceData:
    def __init__(self, db: AsyncDatabase[Document], collection: str) -> None:
        self._collection = db[collection]

    async def insert_many(self, org_id: str, records: Iterable[ReferenceRecord]) -> None:
        docs = [
            {"_id": ObjectId(r.id), "org_id": org_id, "name": r.name, "kind": r.kind}
            for r in records
        ]
        if docs:
            await self._collection.insert_many(docs)

    async def list(self, org_id: str) -> list[ReferenceRecord]:
        cursor = self._collection.find({"org_id": org_id}).sort("name", 1)
        return [_record(doc) async for doc in cursor]

    async def get_many(self, org_id: str, ids: Sequence[str]) -> dict[str, ReferenceRecord]:
        oids = [oid for oid in (object_id(i) for i in ids) if oid is not None]
        if not oids:
            return {}
        cursor = self._collection.find({"org_id": org_id, "_id": {"$in": oids}})
        return {str(doc["_id"]): _record(doc) async for doc in cursor}

    async def exists(self, org_id: str, item_id: str) -> bool:
        oid = object_id(item_id)
        if oid is None:
            return False
        return (
            await self._collection.find_one({"org_id": org_id, "_id": oid}, {"_id": 1}) is not None
        )
