"""Bulk import jobs: their state, checkpoints and leases (failing rows: import_row_errors.py;
the uploaded files: import_files.py).

A job's file is kept in GridFS (bucket `import_files`) so that any instance can resume it.
A job is run by one instance at a time: it holds a lease (owner, expiry) that it renews at
every checkpoint; a checkpoint or finish from an instance that lost the lease changes nothing.

A job's file is released (`file_deleted_at` set, by one conditional update) before it is
deleted: a released job can no longer be requeued, and a file that no job holds any more
is an orphan that the retention sweep deletes (provisioning/imports/retention.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document

QUEUED, RUNNING, DONE, FAILED = "QUEUED", "RUNNING", "DONE", "FAILED"


@dataclass(frozen=True)
class Counts:
    processed_rows: int = 0
    created: int = 0
    skipped_existing: int = 0
    failed: int = 0
    # The file's row number of the last row included in these counts (the header is row 1).
    last_row: int = 1


@dataclass(frozen=True)
class ImportJobRecord:
    id: str
    org_id: str
    status: str
    dry_run: bool
    file_id: str
    file_name: str
    file_format: str
    columns: tuple[str, ...]
    total_rows: int
    counts: Counts
    actor_type: str
    actor_id: str | None
    request_id: str | None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    # When the uploaded file was deleted (the job finished, or a failed job's file expired).
    file_deleted_at: datetime | None = None
    # Whether the caller who started the job held admin rights: only then may its rows grant
    # roles or carry one-time passwords. Jobs from before this field: people and the command
    # line could only start imports as admins.
    actor_is_admin: bool = False


_COUNTS = ("processed_rows", "created", "skipped_existing", "failed", "last_row")


def _record(doc: Document) -> ImportJobRecord:
    return ImportJobRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        status=doc["status"],
        dry_run=bool(doc.get("dry_run")),
        file_id=doc["file_id"],
        file_name=doc.get("file_name", ""),
        file_format=doc["file_format"],
        columns=tuple(doc.get("columns", ())),
        total_rows=doc.get("total_rows", 0),
        counts=Counts(**{name: doc.get(name, getattr(Counts(), name)) for name in _COUNTS}),
        actor_type=doc.get("actor_type", "system"),
        actor_id=doc.get("actor_id"),
        request_id=doc.get("request_id"),
        created_at=doc["created_at"],
        started_at=doc.get("started_at"),
        finished_at=doc.get("finished_at"),
        error=doc.get("error"),
        lease_owner=doc.get("lease_owner"),
        lease_expires_at=doc.get("lease_expires_at"),
        file_deleted_at=doc.get("file_deleted_at"),
        actor_is_admin=bool(
            doc.get("actor_is_admin", doc.get("actor_type", "system") in ("system", "user"))
        ),
    )


def _counts(counts: Counts) -> Document:
    return {name: getattr(counts, name) for name in _COUNTS}


class ImportJobs:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["import_jobs"]

    async def insert(self, record: ImportJobRecord) -> None:
        await self._collection.insert_one(
            {
                "_id": ObjectId(record.id),
                "org_id": record.org_id,
                "status": record.status,
                "dry_run": record.dry_run,
                "file_id": record.file_id,
                "file_name": record.file_name,
                "file_format": record.file_format,
                "columns": list(record.columns),
                "total_rows": record.total_rows,
                **_counts(record.counts),
                "actor_type": record.actor_type,
                "actor_id": record.actor_id,
                "actor_is_admin": record.actor_is_admin,
                "request_id": record.request_id,
                "created_at": record.created_at,
                "started_at": record.started_at,
                "finished_at": None,
                "error": None,
                "lease_owner": record.lease_owner,
                "lease_expires_at": record.lease_expires_at,
                "file_deleted_at": None,
            }
        )

    async def get(self, org_id: str, job_id: str) -> ImportJobRecord | None:
        oid = object_id(job_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    async def page(self, org_id: str, before_id: str | None, limit: int) -> list[ImportJobRecord]:
        """Newest first."""
        query: Document = {"org_id": org_id}
        before = object_id(before_id)
        if before is not None:
            query["_id"] = {"$lt": before}
        cursor = self._collection.find(query).sort("_id", -1).limit(limit)
        return [_record(doc) async for doc in cursor]

    @staticmethod
    def _claimable(now: datetime) -> list[Document]:
        """A job whose runner's lease has expired, or a queued one: two filters tried in
        turn rather than one `$or`, which the embedded database's planner serves by reading
        every job there is. An abandoned job goes first: it was queued before the others."""
        return [{"status": RUNNING, "lease_expires_at": {"$lt": now}}, {"status": QUEUED}]

    async def _update_first(
        self, scope: Document, alternatives: list[Document], update: Any, **options: Any
    ) -> ImportJobRecord | None:
        """Updates the first job in `scope` that one of `alternatives` (tried in turn)
        matches; the job as updated, or None."""
        for alternative in alternatives:
            doc = await self._collection.find_one_and_update(
                {**scope, **alternative},
                update,
                return_document=ReturnDocument.AFTER,
                **options,
            )
            if doc is not None:
                return _record(doc)
        return None

    async def _claim(
        self, scope: Document, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJobRecord | None:
        taken = {
            "status": RUNNING,
            "lease_owner": owner,
            "lease_expires_at": lease_until,
            "started_at": {"$ifNull": ["$started_at", now]},
        }
        return await self._update_first(
            scope, self._claimable(now), [{"$set": taken}], sort=[("_id", 1)]
        )

    async def claim(
        self, org_id: str, job_id: str, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJobRecord | None:
        """Take this job if it is queued or its runner's lease has expired."""
        return await self._claim(
            {"_id": object_id(job_id), "org_id": org_id}, owner, now, lease_until
        )

    async def claim_next(
        self, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJobRecord | None:
        """The oldest claimable job of any organization: the background runner's work."""
        return await self._claim({}, owner, now, lease_until)

    async def checkpoint(
        self,
        org_id: str,
        job_id: str,
        owner: str,
        counts: Counts,
        lease_until: datetime,
        total_rows: int | None = None,
    ) -> bool:
        """Progress of the lease holder; False if this runner no longer holds the lease."""
        changes: Document = {**_counts(counts), "lease_expires_at": lease_until}
        if total_rows is not None:
            changes["total_rows"] = total_rows
        result = await self._collection.update_one(
            {"_id": object_id(job_id), "org_id": org_id, "status": RUNNING, "lease_owner": owner},
            {"$set": changes},
        )
        return result.matched_count == 1

    async def release(self, org_id: str, job_id: str, owner: str, now: datetime) -> bool:
        """The lease holder stops (a shutdown): the job stays RUNNING at its checkpoint with
        its lease already over, so that any instance takes it up and resumeImport accepts it
        at once. False if this runner no longer held it."""
        result = await self._collection.update_one(
            {"_id": object_id(job_id), "org_id": org_id, "status": RUNNING, "lease_owner": owner},
            {"$set": {"lease_owner": None, "lease_expires_at": now - timedelta(seconds=1)}},
        )
        return result.matched_count == 1

    async def finish(
        self,
        org_id: str,
        job_id: str,
        owner: str | None,
        status: str,
        now: datetime,
        error: str | None = None,
        total_rows: int | None = None,
    ) -> ImportJobRecord | None:
        query: Document = {"_id": object_id(job_id), "org_id": org_id}
        if owner is not None:
            query.update(status=RUNNING, lease_owner=owner)
        changes: Document = {
            "status": status,
            "finished_at": now,
            "error": error,
            "lease_owner": None,
            "lease_expires_at": None,
        }
        if total_rows is not None:
            changes["total_rows"] = total_rows
        doc = await self._collection.find_one_and_update(
            query, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
        return _record(doc) if doc else None

    async def requeue(self, org_id: str, job_id: str, now: datetime) -> ImportJobRecord | None:
        """A failed job, or one whose runner stopped (lease expired), queued to go on; never
        one whose file has been released."""
        job = {"_id": object_id(job_id), "org_id": org_id, "file_deleted_at": None}
        stopped: list[Document] = [
            {"status": FAILED},
            {"status": RUNNING, "lease_expires_at": {"$lt": now}},
        ]
        queued = {"status": QUEUED, "error": None, "finished_at": None, "lease_owner": None}
        return await self._update_first(job, stopped, {"$set": queued})

    @staticmethod
    def _releasable(failed_before: datetime | None) -> list[Document]:
        """Jobs whose file may go: every DONE job, and FAILED ones that ended before
        `failed_before` (None: no FAILED job). Separate filters, each served by index
        file_kept, rather than one `$or` that reads every job."""
        done: Document = {"file_deleted_at": None, "status": DONE}
        if failed_before is None:
            return [done]
        failed = {"file_deleted_at": None, "status": FAILED, "finished_at": {"$lt": failed_before}}
        return [done, failed]

    async def holding_files(self, failed_before: datetime, limit: int) -> list[ImportJobRecord]:
        """Jobs of any organization whose file is due for deletion, oldest first."""
        due: list[ImportJobRecord] = []
        for releasable in self._releasable(failed_before):
            cursor = self._collection.find(releasable).sort("_id", 1).limit(limit)
            due.extend([_record(doc) async for doc in cursor])
        return sorted(due, key=lambda job: ObjectId(job.id))[:limit]

    async def release_file(
        self, org_id: str, job_id: str, now: datetime, failed_before: datetime | None
    ) -> ImportJobRecord | None:
        """Marks the job's file deleted if it is still due (see `_releasable`); the job as it
        is now, or None if it was not due or another instance released it first."""
        return await self._update_first(
            {"_id": object_id(job_id), "org_id": org_id},
            self._releasable(failed_before),
            {"$set": {"file_deleted_at": now}},
        )

    async def files_in_use(self, org_id: str, file_ids: Sequence[str]) -> set[str]:
        """Those of `file_ids` that a job of the organization still holds. Index org_file's
        fields exactly, the deletion checked here (a third clause would walk every job of
        the organization)."""
        cursor = self._collection.find(
            {"org_id": org_id, "file_id": {"$in": list(file_ids)}},
            {"file_id": 1, "file_deleted_at": 1},
        )
        return {doc["file_id"] async for doc in cursor if doc.get("file_deleted_at") is None}
