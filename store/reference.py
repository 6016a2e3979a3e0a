"""Per-organization reference data: departments, job profiles, permission types, companies.

They share one shape (a name, and for companies a kind), so one class serves the four
collections. Each document also holds its `name_key`, the name as uniqueness compares it;
a department's and a company's are unique in their organization (store/indexes.py).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from store.ids import object_id
from store.types import DUPLICATE_KEY, Document

log = logging.getLogger("roster.store")


def name_key(name: str) -> str:
    """A name as uniqueness compares it: Unicode-normalised (NFKC), case-folded, its
    whitespace collapsed. "Sales", " sales " and "SALES" are one name."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class NameTaken(Exception):
    """A unique index refused the write: the organization has another entry of that name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class ReferenceRecord:
    id: str
    org_id: str
    name: str
    kind: str | None = None
    retired: bool = False
    managed_by: str | None = None  # companies: the key of the directory integration


def _record(doc: Document) -> ReferenceRecord:
    return ReferenceRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        name=doc["name"],
        kind=doc.get("kind"),
        retired=bool(doc.get("retired", False)),
        managed_by=doc.get("managed_by"),
    )


class ReferenceData:
    def __init__(self, db: AsyncDatabase[Document], collection: str) -> None:
        self._collection = db[collection]

    async def insert_many(self, org_id: str, records: Iterable[ReferenceRecord]) -> None:
        docs = [
            {
                "_id": ObjectId(r.id),
                "org_id": org_id,
                "name": r.name,
                "name_key": name_key(r.name),
                "kind": r.kind,
            }
            for r in records
        ]
        if not docs:
            return
        try:
            await self._collection.insert_many(docs)
        except BulkWriteError as error:
            refused = error.details.get("writeErrors", [])
            if refused and refused[0].get("code") == DUPLICATE_KEY:
                raise NameTaken(docs[refused[0]["index"]]["name"]) from error
            raise

    async def list(self, org_id: str) -> list[ReferenceRecord]:
        cursor = self._collection.find({"org_id": org_id}).sort("name", 1)
        return [_record(doc) async for doc in cursor]

    async def named(self, org_id: str, name: str) -> ReferenceRecord | None:
        """The entry of that name, as name_key compares names, if any."""
        doc = await self._collection.find_one({"org_id": org_id, "name_key": name_key(name)})
        return _record(doc) if doc else None

    async def get_many(self, org_id: str, ids: Sequence[str]) -> dict[str, ReferenceRecord]:
        oids = [oid for oid in (object_id(i) for i in ids) if oid is not None]
        if not oids:
            return {}
        cursor = self._collection.find({"_id": {"$in": oids}, "org_id": org_id})
        return {str(doc["_id"]): _record(doc) async for doc in cursor}

    async def get(self, org_id: str, item_id: str) -> ReferenceRecord | None:
        oid = object_id(item_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    async def change(
        self, org_id: str, item_id: str, changes: Document
    ) -> tuple[ReferenceRecord, ReferenceRecord] | None:
        """Rename (`name`) or retire (`retired`) one entry; (before, after), None if absent."""
        oid = object_id(item_id)
        if oid is None:
            return None
        stored = dict(changes)
        if "name" in stored:
            stored["name_key"] = name_key(stored["name"])
        try:
            before = await self._collection.find_one_and_update(
                {"_id": oid, "org_id": org_id},
                {"$set": stored},
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError as error:
            raise NameTaken(str(stored.get("name", ""))) from error
        if before is None:
            return None
        return _record(before), _record({**before, **stored})

    async def exists(self, org_id: str, item_id: str) -> bool:
        oid = object_id(item_id)
        if oid is None:
            return False
        return (
            await self._collection.find_one({"_id": oid, "org_id": org_id}, {"_id": 1}) is not None
        )


async def key_names(collection: AsyncCollection[Document]) -> None:
    """Gives every document stored before names were keyed its `name_key`; idempotent, run
    at start-up after the indexes are ensured. The unique index decides: where two names
    of an organization fold to one key, the older entry keeps it, and each later one gets
    its key suffixed with its own id (so it is refused nothing it was allowed before) and
    is named in a warning, for an admin to rename or merge."""
    cursor = collection.find(
        {"name_key": {"$exists": False}}, {"_id": 1, "org_id": 1, "name": 1}
    ).sort("_id", 1)
    pending = [doc async for doc in cursor]
    while pending:
        try:
            await collection.bulk_write(
                [
                    UpdateOne(
                        {"_id": doc["_id"], "name_key": {"$exists": False}},
                        {"$set": {"name_key": name_key(doc["name"])}},
                    )
                    for doc in pending
                ],
                ordered=True,
            )
            return
        except BulkWriteError as error:
            failed = error.details["writeErrors"][0]
            if failed.get("code") != DUPLICATE_KEY:
                raise
            duplicate = pending[failed["index"]]
            await _key_duplicate(collection, duplicate)
            pending = pending[failed["index"] + 1 :]


async def _key_duplicate(collection: AsyncCollection[Document], duplicate: Document) -> None:
    key = name_key(duplicate["name"])
    holder = await collection.find_one(
        {"org_id": duplicate["org_id"], "name_key": key}, {"_id": 1, "name": 1}
    )
    await collection.update_one(
        {"_id": duplicate["_id"], "name_key": {"$exists": False}},
        {"$set": {"name_key": f"{key} #{duplicate['_id']}"}},
    )
    log.warning(
        "%s of organization %s: %r (%s) has the same name as %r (%s) but for case or"
        " spacing; it keeps working, but rename or merge one of them",
        collection.name,
        duplicate["org_id"],
        duplicate["name"],
        duplicate["_id"],
        holder["name"] if holder else key,
        holder["_id"] if holder else "?",
    )
