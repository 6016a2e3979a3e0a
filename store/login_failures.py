"""Failed sign-in counters in fixed time windows, shared by every instance."""

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

    async def count(self, scopes: list[str], window_start: int) -> dict[str, int]:
        keys = {self._key(scope, window_start): scope for scope in scopes}
        cursor = self._collection.find({"_id": {"$in": list(keys)}})
        found = {keys[doc["_id"]]: int(doc["count"]) async for doc in cursor}
        return {scope: found.get(scope, 0) for scope in scopes}

    async def add(
        self, scopes: list[str], window_start: int, now: datetime, window: timedelta
    ) -> None:
        for scope in scopes:
            await self._collection.update_one(
                {"_id": self._key(scope, window_start)},
                {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": now + window}},
                upsert=True,
            )

    async def clear(self, scope: str, window_start: int) -> None:
        await self._collection.delete_one({"_id": self._key(scope, window_start)})
