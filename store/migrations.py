"""One-time data migrations, each run at start-up until it has finished once.

A migration that fills in a field older documents lack would otherwise scan its collection
(a `$exists: false` query no index serves) at every start of every instance. Each is
recorded in the `migrations` collection when done; a database without the record (one
made before the migration existed) runs it. Migrations are idempotent, so two instances
starting at once may both run one harmlessly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from store.types import Document

COLLECTION = "migrations"


async def run_once(
    db: AsyncDatabase[Document], name: str, migrate: Callable[[], Awaitable[object]]
) -> bool:
    """Runs `migrate` unless the migration `name` is recorded as done; whether it ran."""
    if await db[COLLECTION].find_one({"_id": name}, {"_id": 1}) is not None:
        return False
    await migrate()
    await db[COLLECTION].update_one(
        {"_id": name}, {"$setOnInsert": {"done_at": datetime.now(UTC)}}, upsert=True
    )
    return True
