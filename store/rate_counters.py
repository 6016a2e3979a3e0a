"""Fixed-window request counters shared by every instance: partner rate limits, and the
windows that provisioning.access.sliding_window weighs."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.types import Document


class RateCounters:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["rate_counters"]

    async def add(
        self, key: str, window_start: int, amount: int, now: datetime, window: timedelta
    ) -> int:
        """Add `amount` to this window's count; the count including it."""
        for _ in range(3):
            try:
                doc = await self._collection.find_one_and_update(
                    {"_id": f"{key}|{window_start}"},
                    {"$inc": {"count": amount}, "$setOnInsert": {"expires_at": now + window * 2}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # two first requests of a window raced to insert it
            if doc is not None:
                return int(doc["count"])
        raise RuntimeError(f"rate counter {key} could not be counted")

    async def get(self, key: str, window_start: int) -> int:
        doc = await self._collection.find_one({"_id": f"{key}|{window_start}"})
        return int(doc["count"]) if doc else 0
