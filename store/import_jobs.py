"""Bulk import jobs: their state and checkpoints, their failing rows, and the uploaded files.

A job's file is kept in GridFS (bucket `import_files`) so that any instance can resume it.
A job is run by one instance at a time: it holds a lease (owner, expiry) that it renews at
every checkpoint; a checkpoint or finish from an instance that lost the lease changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from store.ids import object_id
from store.types import Document

QUEUED, RUNNING, DONE, FAILED = "QUEUED", "RUNNING", "DONE", "FAILED"
DUPLICATE_KEY = 11000


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
                "request_id": record.request_id,
                "created_at": record.created_at,
                "started_at": record.started_at,
                "finished_at": None,
                "error": None,
                "lease_owner": record.lease_owner,
                "lease_expires_at": record.lease_expires_at,
            }
        )

    async def get(self, org_id: str, job_id: str) -> ImportJobRecord | None:
        oid = object_id(job_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"org_id": org_id, "_id": oid})
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
    def _claimable(now: datetime) -> Document:
        return {
            "$or": [
                {"status": QUEUED},
                {"status": RUNNING, "lease_expires_at": {"$lt": now}},
            ]
        }

    async def _claim(
        self, query: Document, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJobRecord | None:
        doc = await self._collection.find_one_and_update(
            query,
            [
                {
                    "$set": {
                        "status": RUNNING,
                        "lease_owner": owner,
                        "lease_expires_at": lease_until,
                        "started_at": {"$ifNull": ["$started_at", now]},
                    }
                }
            ],
            sort=[("_id", 1)],
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc) if doc else None

    async def claim(
        self, org_id: str, job_id: str, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJobRecord | None:
        """Take this job if it is queued or its runner's lease has expired."""
        query = {"org_id": org_id, "_id": object_id(job_id), **self._claimable(now)}
        return await self._claim(query, owner, now, lease_until)

    async def claim_next(
        self, owner: str, now: datetime, lease_until: datetime
    ) -> ImportJobRecord | None:
        """The oldest claimable job of any organization: the background runner's work."""
        return await self._claim(self._claimable(now), owner, now, lease_until)

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
            {"org_id": org_id, "_id": object_id(job_id), "status": RUNNING, "lease_owner": owner},
            {"$set": changes},
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
        query: Document = {"org_id": org_id, "_id": object_id(job_id)}
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
        """A failed job, or one whose runner stopped (lease expired), queued to go on."""
        query = {
            "org_id": org_id,
            "_id": object_id(job_id),
            "$or": [{"status": FAILED}, {"status": RUNNING, "lease_expires_at": {"$lt": now}}],
        }
        doc = await self._collection.find_one_and_update(
            query,
            {"$set": {"status": QUEUED, "error": None, "finished_at": None, "lease_owner": None}},
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc) if doc else None


@dataclass(frozen=True)
class RowErrorRecord:
    row: int
    values: tuple[str | None, ...]
    problems: tuple[tuple[str | None, str, str], ...] = field(default=())  # field, code, message


def _row_error_id(job_id: str, row: int) -> str:
    # Deterministic, so that a replayed batch writes nothing twice; sorts by row number.
    return f"{job_id}:{row:010d}"


class ImportRowErrors:
    """The failing rows of a job, with their original values (for errors.xlsx)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["import_row_errors"]

    async def insert_many(
        self, org_id: str, job_id: str, records: Sequence[RowErrorRecord]
    ) -> None:
        docs = [
            {
                "_id": _row_error_id(job_id, r.row),
                "org_id": org_id,
                "job_id": job_id,
                "row": r.row,
                "values": list(r.values),
                "problems": [
                    {"field": f, "code": code, "message": message}
                    for f, code, message in r.problems
                ],
            }
            for r in records
        ]
        await insert_ignoring_duplicates(self._collection, docs)

    def _query(self, org_id: str, job_id: str, after_row: int | None) -> Document:
        query: Document = {"org_id": org_id, "job_id": job_id}
        if after_row is not None:
            query["_id"] = {"$gt": _row_error_id(job_id, after_row)}
        return query

    async def page(
        self, org_id: str, job_id: str, after_row: int | None, limit: int
    ) -> list[RowErrorRecord]:
        cursor = (
            self._collection.find(self._query(org_id, job_id, after_row))
            .sort("_id", 1)
            .limit(limit)
        )
        return [_row_error(doc) async for doc in cursor]

    async def all(self, org_id: str, job_id: str) -> AsyncIterator[RowErrorRecord]:
        cursor = self._collection.find(self._query(org_id, job_id, None)).sort("_id", 1)
        async for doc in cursor:
            yield _row_error(doc)


def _row_error(doc: Document) -> RowErrorRecord:
    return RowErrorRecord(
        row=doc["row"],
        values=tuple(doc.get("values", ())),
        problems=tuple((p.get("field"), p["code"], p["message"]) for p in doc.get("problems", ())),
    )


async def insert_ignoring_duplicates(collection: Any, docs: Iterable[Document]) -> None:
    """Insert what is not there yet: documents with deterministic ids are written once."""
    batch = list(docs)
    if not batch:
        return
    try:
        await collection.insert_many(batch, ordered=False)
    except BulkWriteError as error:
        others = [e for e in error.details.get("writeErrors", []) if e.get("code") != DUPLICATE_KEY]
        if others or error.details.get("writeConcernErrors"):
            raise


class FileTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


class ImportFiles:
    """The uploaded files, in GridFS, tagged with their organization."""

    CHUNK = 1024 * 1024

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._bucket = AsyncGridFSBucket(db, bucket_name="import_files")
        self._files = db["import_files.files"]

    async def upload(
        self, org_id: str, file_id: str, file_name: str, source: IO[bytes], max_bytes: int
    ) -> int:
        """Copy `source` in chunks; FileTooLarge (and nothing kept) past `max_bytes`."""
        grid_in = self._bucket.open_upload_stream_with_id(
            ObjectId(file_id), file_name or "import", metadata={"org_id": org_id}
        )
        size = 0
        try:
            while chunk := source.read(self.CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(max_bytes)
                await grid_in.write(chunk)
        except BaseException:
            await grid_in.abort()
            raise
        await grid_in.close()
        return size

    async def download(self, org_id: str, file_id: str, target: IO[bytes]) -> bool:
        """Write the file into `target`; False if the organization has no such file."""
        oid = object_id(file_id)
        if (
            oid is None
            or await self._files.find_one({"_id": oid, "metadata.org_id": org_id}) is None
        ):
            return False
        try:
            grid_out = await self._bucket.open_download_stream(oid)
        except NoFile:
            return False
        while chunk := await grid_out.readchunk():
            target.write(chunk)
        return True

    async def delete(self, org_id: str, file_id: str) -> None:
        oid = object_id(file_id)
        if oid is not None and await self._files.find_one({"_id": oid, "metadata.org_id": org_id}):
            await self._bucket.delete(oid)
