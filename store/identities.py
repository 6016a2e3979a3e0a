"""The identities collection: (organization, issuer, subject) -> user, unique by index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.types import Document


@dataclass(frozen=True)
class IdentityRecord:
    org_id: str
    issuer: str
    subject: str
    user_id: str
    provider_id: str
    created_at: datetime


def _record(doc: Document) -> IdentityRecord:
    return IdentityRecord(
        org_id=doc["org_id"],
        issuer=doc["issuer"],
        subject=doc["subject"],
        user_id=doc["user_id"],
        provider_id=doc["provider_id"],
        created_at=doc["created_at"],
    )


class Identities:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["identities"]

    async def find(self, org_id: str, issuer: str, subject: str) -> IdentityRecord | None:
        doc = await self._collection.find_one(
            {"org_id": org_id, "issuer": issuer, "subject": subject}
        )
        return _record(doc) if doc else None

    async def claim(self, record: IdentityRecord) -> tuple[IdentityRecord, bool]:
        """Bind the identity to `record.user_id` unless it is bound already.

        Returns the binding that holds and whether this call made it. An insert on the
        unique key, so concurrent first logins all get the same answer: the losers read
        the winner's binding.
        """
        key = {"org_id": record.org_id, "issuer": record.issuer, "subject": record.subject}
        for _ in range(3):
            try:
                await self._collection.insert_one(
                    {
                        **key,
                        "user_id": record.user_id,
                        "provider_id": record.provider_id,
                        "created_at": record.created_at,
                    }
                )
            except DuplicateKeyError:
                doc = await self._collection.find_one(key)
                if doc is None:
                    continue  # the binding was removed since: try to make ours again
                return _record(doc), False
            return record, True
        raise RuntimeError("identity binding kept vanishing while being claimed")

    async def delete_for_user(self, org_id: str, user_id: str) -> int:
        result = await self._collection.delete_many({"org_id": org_id, "user_id": user_id})
        return result.deleted_count

    async def delete(self, org_id: str, issuer: str, subject: str) -> None:
        await self._collection.delete_one({"org_id": org_id, "issuer": issuer, "subject": subject})

    async def for_user(self, org_id: str, user_id: str) -> list[IdentityRecord]:
        cursor = self._collection.find({"org_id": org_id, "user_id": user_id})
        return [_record(doc) async for doc in cursor]
