"""The signing_keys collection: the access-token key set. Private keys are sealed at rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from store.types import Document


@dataclass(frozen=True)
class SigningKeyRecord:
    kid: str
    algorithm: str
    private_sealed: str = field(repr=False)
    public_jwk: dict[str, str]
    created_at: datetime
    retired_at: datetime | None = None


def _record(doc: Document) -> SigningKeyRecord:
    return SigningKeyRecord(
        kid=doc["_id"],
        algorithm=doc["algorithm"],
        private_sealed=doc["private_sealed"],
        public_jwk=dict(doc["public_jwk"]),
        created_at=doc["created_at"],
        retired_at=doc.get("retired_at"),
    )


class SigningKeys:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["signing_keys"]

    async def insert(self, record: SigningKeyRecord) -> None:
        await self._collection.insert_one(
            {
                "_id": record.kid,
                "algorithm": record.algorithm,
                "private_sealed": record.private_sealed,
                "public_jwk": record.public_jwk,
                "created_at": record.created_at,
                "retired_at": record.retired_at,
            }
        )

    async def published(self, retired_after: datetime) -> list[SigningKeyRecord]:
        """Keys that sign or may still verify: not retired, or retired after the cutoff."""
        cursor = self._collection.find(
            {"$or": [{"retired_at": None}, {"retired_at": {"$gt": retired_after}}]}
        ).sort("created_at", -1)
        return [_record(doc) async for doc in cursor]

    async def retire_all_but(self, kid: str, now: datetime) -> None:
        await self._collection.update_many(
            {"_id": {"$ne": kid}, "retired_at": None}, {"$set": {"retired_at": now}}
        )
