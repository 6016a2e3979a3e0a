"""Idempotency keys: a mutation request is executed once per (caller, key) for 24 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.types import Document


@dataclass(frozen=True)
class StoredResponse:
    body_hash: str
    status: int | None
    body: bytes | None
    media_type: str | None


class IdempotencyKeys:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["idempotency_keys"]

    async def claim(
        self, key: str, body_hash: str, now: datetime, expires_at: datetime
    ) -> StoredResponse | None:
        """None if this call claimed the key (go on and execute); else what is stored."""
        try:
            await self._collection.insert_one(
                {"_id": key, "body_hash": body_hash, "created_at": now, "expires_at": expires_at}
            )
            return None
        except DuplicateKeyError:
            doc = await self._collection.find_one({"_id": key, "expires_at": {"$gt": now}})
            if doc is None:  # expired but not yet swept: take it over
                await self._collection.delete_one({"_id": key})
                return await self.claim(key, body_hash, now, expires_at)
            return StoredResponse(
                body_hash=doc["body_hash"],
                status=doc.get("status"),
                body=doc.get("body"),
                media_type=doc.get("media_type"),
            )

    async def complete(self, key: str, status: int, body: bytes, media_type: str | None) -> None:
        await self._collection.update_one(
            {"_id": key}, {"$set": {"status": status, "body": body, "media_type": media_type}}
        )

    async def release(self, key: str) -> None:
        """The first execution failed unexpectedly: let a retry run it again."""
        await self._collection.delete_one({"_id": key})
