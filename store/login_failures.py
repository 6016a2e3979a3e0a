"""Failed sign-in counters in fixed time windows, shared by every instance (weighed as a
sliding window by provisioning.access.sliding_window)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from store.types import Document


class LoginFailures:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["login_failures"]

    @staticmethod
    def _key(scope: str, window_start: int) -> str:
        return f"{scope}|{window_start}"

    async def count(
        self, scopes: list[str], window_starts: list[int]
    ) -> dict[tuple[str, int], int]:
        """Each scope's count in each window (0 where there is none), in one read."""
        keys = {
            self._key(scope, start): (scope, start) for scope in scopes for start in window_starts
        }
        cursor = self._collection.find({"_id": {"$in": list(keys)}})
        found = {keys[doc["_id"]]: int(doc["count"]) async for doc in cursor}
        return {key: found.get(key, 0) for key in keys.values()}

    async def add(
        self, scopes: list[str], window_start: int, now: datetime, window: timedelta
    ) -> None:
        for scope in scopes:
            await self._collection.update_one(
                {"_id": self._key(scope, window_start)},
                # Kept through the next window too, which still weighs this one.
                {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": now + window * 2}},
                upsert=True,
            )

    async def clear(self, scope: str, window_starts: list[int]) -> None:
        keys = [self._key(scope, start) for start in window_starts]
        await self._collection.delete_many({"_id": {"$in": keys}})
