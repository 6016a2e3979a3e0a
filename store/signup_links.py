"""Department-specific sign-up links. The code is kept as is (not hashed): a sign-up link is
meant to be shared (a poster, a QR code) and an admin lists it again later; it lets a person
ask for an account in a department, never into one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document


@dataclass(frozen=True)
class SignupLinkRecord:
    id: str
    org_id: str
    code: str
    department_id: str | None
    created_at: datetime
    created_by: str | None = None
    revoked_at: datetime | None = None


def _record(doc: Document) -> SignupLinkRecord:
    return SignupLinkRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        code=doc["code"],
        department_id=doc.get("department_id"),
        created_at=doc["created_at"],
        created_by=doc.get("created_by"),
        revoked_at=doc.get("revoked_at"),
    )


class SignupLinks:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["signup_links"]

    async def insert(self, record: SignupLinkRecord) -> None:
        await self._collection.insert_one(
            {
                "_id": ObjectId(record.id),
                "org_id": record.org_id,
                "code": record.code,
                "department_id": record.department_id,
                "created_at": record.created_at,
                "created_by": record.created_by,
                "revoked_at": None,
            }
        )

    async def list(self, org_id: str) -> list[SignupLinkRecord]:
        cursor = self._collection.find({"org_id": org_id}).sort("_id", 1)
        return [_record(doc) async for doc in cursor]

    async def find_live(self, org_id: str, code: str) -> SignupLinkRecord | None:
        doc = await self._collection.find_one({"org_id": org_id, "code": code, "revoked_at": None})
        return _record(doc) if doc else None

    async def revoke(self, org_id: str, link_id: str, now: datetime) -> SignupLinkRecord | None:
        """Revoke the link (once); the record as it is now, or None if there is none."""
        oid = object_id(link_id)
        if oid is None:
            return None
        await self._collection.update_one(
            {"_id": oid, "org_id": org_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
        )
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None
