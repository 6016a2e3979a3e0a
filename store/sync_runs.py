"""The sync_runs and sync_errors collections: every run of a directory sync or an outbound
provisioning, and every record a run did not apply, with the reason.

A run's counters and status are set by its runner; its errors are appended in batches.
An error is resolved (`resolved_at`) when a retry of that one record applies it. A run the
mass-disable guard held (AWAITING_CONFIRMATION) ends when an admin confirms it (it runs,
and SUCCEEDS or FAILS) or discards it (DISCARDED: nothing applied).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document

RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
AWAITING_CONFIRMATION = "AWAITING_CONFIRMATION"
DISCARDED = "DISCARDED"
STATUSES = (RUNNING, SUCCEEDED, FAILED, AWAITING_CONFIRMATION, DISCARDED)
INBOUND, OUTBOUND = "INBOUND", "OUTBOUND"


@dataclass(frozen=True)
class SyncRunRecord:
    id: str
    org_id: str
    integration_id: str
    direction: str
    status: str
    dry_run: bool
    trigger: str
    started_at: datetime
    finished_at: datetime | None = None
    cursor_from: datetime | None = None
    cursor_to: datetime | None = None
    created: int = 0
    updated: int = 0
    disabled: int = 0
    skipped: int = 0
    failed: int = 0
    read: int = 0
    message: str | None = None
    company_id: str | None = None


@dataclass(frozen=True)
class SyncErrorRecord:
    id: str
    org_id: str
    run_id: str
    integration_id: str
    external_id: str
    code: str
    message: str
    at: datetime
    record: str | None = None
    remote_id: str | None = None
    user_id: str | None = None
    resolved_at: datetime | None = None


_RUN_FIELDS = [f.name for f in fields(SyncRunRecord) if f.name not in ("id", "org_id")]
_ERROR_FIELDS = [f.name for f in fields(SyncErrorRecord) if f.name not in ("id", "org_id")]


def _run(doc: Document) -> SyncRunRecord:
    values: dict[str, Any] = {name: doc.get(name) for name in _RUN_FIELDS}
    for name in ("created", "updated", "disabled", "skipped", "failed", "read"):
        values[name] = int(values[name] or 0)
    values["dry_run"] = bool(values["dry_run"])
    return SyncRunRecord(id=str(doc["_id"]), org_id=doc["org_id"], **values)


def _error(doc: Document) -> SyncErrorRecord:
    values: dict[str, Any] = {name: doc.get(name) for name in _ERROR_FIELDS}
    return SyncErrorRecord(id=str(doc["_id"]), org_id=doc["org_id"], **values)


class SyncRuns:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._runs = db["sync_runs"]
        self._errors = db["sync_errors"]

    # ------------------------------------------------------------------ runs

    async def insert(self, record: SyncRunRecord) -> None:
        doc: Document = {"_id": ObjectId(record.id), "org_id": record.org_id}
        doc.update({name: getattr(record, name) for name in _RUN_FIELDS})
        await self._runs.insert_one(doc)

    async def get(self, org_id: str, run_id: str) -> SyncRunRecord | None:
        oid = object_id(run_id)
        if oid is None:
            return None
        doc = await self._runs.find_one({"_id": oid, "org_id": org_id})
        return _run(doc) if doc else None

    async def update(
        self, org_id: str, run_id: str, changes: Document, only_if: Document | None = None
    ) -> SyncRunRecord | None:
        """Sets `changes`; the run as it is after, or None if it did not match `only_if`."""
        doc = await self._runs.find_one_and_update(
            {"_id": ObjectId(run_id), "org_id": org_id, **(only_if or {})},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
        return _run(doc) if doc else None

    async def fail_running(
        self, org_id: str, integration_id: str, now: datetime, message: str
    ) -> int:
        """Marks the integration's RUNNING runs FAILED: called by whoever just took its
        lease, so any still RUNNING belongs to an instance that died mid-run."""
        result = await self._runs.update_many(
            {"org_id": org_id, "integration_id": integration_id, "status": RUNNING},
            {"$set": {"status": FAILED, "finished_at": now, "message": message}},
        )
        return result.modified_count

    async def held(self, org_id: str, integration_id: str) -> SyncRunRecord | None:
        """The integration's newest run AWAITING_CONFIRMATION, if it has one."""
        doc = await self._runs.find_one(
            {"org_id": org_id, "integration_id": integration_id, "status": AWAITING_CONFIRMATION},
            sort=[("_id", -1)],
            hint="org_integration_status",
        )
        return _run(doc) if doc else None

    async def page(
        self, org_id: str, integration_id: str, before_id: str | None, limit: int
    ) -> list[SyncRunRecord]:
        """Newest first."""
        query: Document = {"org_id": org_id, "integration_id": integration_id}
        before = object_id(before_id)
        if before is not None:
            query["_id"] = {"$lt": before}
        cursor = self._runs.find(query).sort("_id", -1).limit(limit)
        return [_run(doc) async for doc in cursor]

    async def count(self, org_id: str, integration_id: str) -> int:
        return await self._runs.count_documents(
            {"org_id": org_id, "integration_id": integration_id}
        )

    # ---------------------------------------------------------------- errors

    async def add_errors(self, records: Sequence[SyncErrorRecord]) -> None:
        docs: list[Document] = []
        for record in records:
            doc: Document = {"_id": ObjectId(record.id), "org_id": record.org_id}
            doc.update({name: getattr(record, name) for name in _ERROR_FIELDS})
            docs.append(doc)
        if docs:
            await self._errors.insert_many(docs, ordered=False)

    async def get_error(self, org_id: str, error_id: str) -> SyncErrorRecord | None:
        oid = object_id(error_id)
        if oid is None:
            return None
        doc = await self._errors.find_one({"_id": oid, "org_id": org_id})
        return _error(doc) if doc else None

    async def update_error(
        self, org_id: str, error_id: str, changes: Document
    ) -> SyncErrorRecord | None:
        doc = await self._errors.find_one_and_update(
            {"_id": ObjectId(error_id), "org_id": org_id},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
        return _error(doc) if doc else None

    async def errors_page(
        self, org_id: str, run_id: str, after_id: str | None, limit: int
    ) -> list[SyncErrorRecord]:
        query: Document = {"org_id": org_id, "run_id": run_id}
        after = object_id(after_id)
        if after is not None:
            query["_id"] = {"$gt": after}
        cursor = self._errors.find(query).sort("_id", 1).limit(limit)
        return [_error(doc) async for doc in cursor]

    async def count_errors(self, org_id: str, run_id: str) -> int:
        return await self._errors.count_documents({"org_id": org_id, "run_id": run_id})

    async def integration_errors_page(
        self,
        org_id: str,
        integration_id: str,
        unresolved: bool | None,
        before_id: str | None,
        limit: int,
    ) -> list[SyncErrorRecord]:
        """An integration's errors across its runs, newest first."""
        query = _integration_errors(org_id, integration_id, unresolved)
        before = object_id(before_id)
        if before is not None:
            query["_id"] = {"$lt": before}
        cursor = self._errors.find(query).sort("_id", -1).limit(limit)
        return [_error(doc) async for doc in cursor]

    async def count_integration_errors(
        self, org_id: str, integration_id: str, unresolved: bool | None
    ) -> int:
        return await self._errors.count_documents(
            _integration_errors(org_id, integration_id, unresolved)
        )


def _integration_errors(org_id: str, integration_id: str, unresolved: bool | None) -> Document:
    query: Document = {"org_id": org_id, "integration_id": integration_id}
    if unresolved is not None:
        query["resolved_at"] = None if unresolved else {"$ne": None}
    return query
