"""The sync_configs collection: each DIRECTORY or PROVISIONING integration's SCIM connection,
its cursor, its schedule and the lease that keeps two instances from running it at once.

One document per integration, its _id the integration's id. The bearer token is stored
sealed (auth/secret_box.py) and never returned by a read of the API.

The lease is a conditional update: an instance takes it only where it is free or expired,
so of two instances racing for one integration exactly one gets it. A scheduled claim also
moves `next_run_at` on in the same update, conditional on the value it read.
`schedule_held_by` is the held run (AWAITING_CONFIRMATION) the schedule last waited for:
the scheduler tells of a wait once, not at every interval (provisioning/sync/scheduler.py).

`sync_phone` and `department_attribute` say which optional fields the directory owns
(provisioning/sync/mapping.py); a document stored before they existed has neither: off.
`full_read_due` is set when a change of what the directory maps asks the next run to read
every user; it is cleared, only if it is still the value that run read, by a run that
did read everything (provisioning/sync/configuration.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document


@dataclass(frozen=True)
class SyncConfigRecord:
    integration_id: str
    org_id: str
    base_url: str
    sealed_token: str | None
    updated_at: datetime
    interval_seconds: int | None = None
    disable_threshold: float = 0.2
    company_attribute: str | None = None
    product_key: str | None = None
    sync_phone: bool = False
    department_attribute: str | None = None
    requires_email: bool = False
    cursor: datetime | None = None
    full_read_due: datetime | None = None
    next_run_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None


_SETTINGS = (
    "base_url",
    "sealed_token",
    "interval_seconds",
    "disable_threshold",
    "company_attribute",
    "product_key",
    "sync_phone",
    "department_attribute",
    "requires_email",
)


def _record(doc: Document) -> SyncConfigRecord:
    return SyncConfigRecord(
        integration_id=str(doc["_id"]),
        org_id=doc["org_id"],
        base_url=doc["base_url"],
        sealed_token=doc.get("sealed_token"),
        updated_at=doc["updated_at"],
        interval_seconds=doc.get("interval_seconds"),
        disable_threshold=float(doc.get("disable_threshold", 0.2)),
        company_attribute=doc.get("company_attribute"),
        product_key=doc.get("product_key"),
        sync_phone=bool(doc.get("sync_phone", False)),
        department_attribute=doc.get("department_attribute"),
        requires_email=bool(doc.get("requires_email", False)),
        cursor=doc.get("cursor"),
        full_read_due=doc.get("full_read_due"),
        next_run_at=doc.get("next_run_at"),
        lease_owner=doc.get("lease_owner"),
        lease_until=doc.get("lease_until"),
    )


def _free(now: datetime) -> Document:
    """No lease, or one that has run out; not an `$or`, with which the embedded database's
    planner would read every organization's configuration."""
    return {"lease_until": {"$not": {"$gte": now}}}


class SyncConfigs:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["sync_configs"]

    async def get(self, org_id: str, integration_id: str) -> SyncConfigRecord | None:
        oid = object_id(integration_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    async def save(
        self, record: SyncConfigRecord
    ) -> tuple[SyncConfigRecord | None, SyncConfigRecord]:
        """Creates or changes the settings (never the cursor or the lease): (before, after).
        A `full_read_due` in `record` is set; None leaves the stored one as it is."""
        values: Document = {name: getattr(record, name) for name in _SETTINGS}
        values["updated_at"] = record.updated_at
        values["next_run_at"] = record.next_run_at
        if record.full_read_due is not None:
            values["full_read_due"] = record.full_read_due
        before = await self._collection.find_one_and_update(
            {"_id": ObjectId(record.integration_id), "org_id": record.org_id},
            {"$set": values, "$setOnInsert": {"cursor": None, "lease_until": None}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        after = await self.get(record.org_id, record.integration_id)
        assert after is not None
        return (_record(before) if before else None), after

    async def set_cursor(
        self, org_id: str, integration_id: str, cursor: datetime | None
    ) -> SyncConfigRecord | None:
        """Moves the cursor; returns the settings as they were before."""
        oid = object_id(integration_id)
        if oid is None:
            return None
        doc = await self._collection.find_one_and_update(
            {"_id": oid, "org_id": org_id},
            {"$set": {"cursor": cursor}},
            return_document=ReturnDocument.BEFORE,
        )
        return _record(doc) if doc else None

    async def full_read_done(self, org_id: str, integration_id: str, due: datetime) -> bool:
        """Clears `full_read_due` if it is still `due` (not asked again since): True if so."""
        result = await self._collection.update_one(
            {"_id": ObjectId(integration_id), "org_id": org_id, "full_read_due": due},
            {"$set": {"full_read_due": None}},
        )
        return result.modified_count == 1

    async def cursors(self, org_id: str, integration_ids: list[str]) -> dict[str, datetime | None]:
        oids = [oid for oid in (object_id(i) for i in integration_ids) if oid is not None]
        cursor = self._collection.find({"_id": {"$in": oids}, "org_id": org_id}, {"cursor": 1})
        return {str(doc["_id"]): doc.get("cursor") async for doc in cursor}

    async def take_lease(
        self, org_id: str, integration_id: str, owner: str, now: datetime, ttl: timedelta
    ) -> bool:
        oid = object_id(integration_id)
        if oid is None:
            return False
        doc = await self._collection.find_one_and_update(
            {"_id": oid, "org_id": org_id, **_free(now)},
            {"$set": {"lease_owner": owner, "lease_until": now + ttl}},
        )
        return doc is not None

    async def renew_lease(
        self, org_id: str, integration_id: str, owner: str, now: datetime, ttl: timedelta
    ) -> bool:
        oid = object_id(integration_id)
        result = await self._collection.update_one(
            {"_id": oid, "org_id": org_id, "lease_owner": owner},
            {"$set": {"lease_until": now + ttl}},
        )
        return result.matched_count == 1

    async def release_lease(self, org_id: str, integration_id: str, owner: str) -> None:
        oid = object_id(integration_id)
        await self._collection.update_one(
            {"_id": oid, "org_id": org_id, "lease_owner": owner},
            {"$set": {"lease_owner": None, "lease_until": None}},
        )

    async def due(self, now: datetime, limit: int) -> list[SyncConfigRecord]:
        """Scheduled integrations whose next run is due, in every organization."""
        cursor = (
            self._collection.find({"next_run_at": {"$lte": now}})
            .sort("next_run_at", 1)
            .limit(limit)
        )
        return [_record(doc) async for doc in cursor]

    async def note_schedule_held(self, org_id: str, integration_id: str, run_id: str) -> bool:
        """Records that the schedule waits for the held run `run_id`: True the first time
        (so that the wait is told once, not at every interval)."""
        result = await self._collection.update_one(
            {
                "_id": ObjectId(integration_id),
                "org_id": org_id,
                "schedule_held_by": {"$ne": run_id},
            },
            {"$set": {"schedule_held_by": run_id}},
        )
        return result.modified_count == 1

    async def claim_due(
        self, record: SyncConfigRecord, owner: str, now: datetime, ttl: timedelta
    ) -> bool:
        """Takes the lease of a due integration and schedules its next run, in one update
        conditional on the `next_run_at` read: of racing instances, one wins."""
        if record.interval_seconds is None or record.next_run_at is None:
            return False
        doc = await self._collection.find_one_and_update(
            {
                "_id": ObjectId(record.integration_id),
                "org_id": record.org_id,
                "next_run_at": record.next_run_at,
                **_free(now),
            },
            {
                "$set": {
                    "lease_owner": owner,
                    "lease_until": now + ttl,
                    "next_run_at": now + timedelta(seconds=record.interval_seconds),
                }
            },
        )
        return doc is not None
