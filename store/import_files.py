"""Uploaded import workbooks, kept in GridFS (bucket `import_files`) and tagged with their
organization, so that any instance can resume a job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document


class FileTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredFile:
    id: str
    org_id: str | None
    file_name: str


class ImportFiles:
    """The uploaded files, in GridFS, tagged with their organization."""

    CHUNK = 1024 * 1024

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._bucket = AsyncGridFSBucket(db, bucket_name="import_files")
        self._files = db["import_files.files"]
        self._chunks = db["import_files.chunks"]

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
            await grid_in.close()
        except BaseException:
            # Chunks written before the failure (even of a close whose file document failed)
            # are deleted; a crash here leaves them to the retention sweep.
            await grid_in.abort()
            raise
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

    async def delete(self, org_id: str | None, file_id: str) -> bool:
        """Deletes the organization's file (org_id None: a file tagged with none); True if
        this call deleted it, False if it was not there (or another call deleted it first)."""
        oid = object_id(file_id)
        if oid is None:
            return False
        deleted = await self._files.delete_one({"_id": oid, "metadata.org_id": org_id})
        if deleted.deleted_count == 0:
            return False
        await self._chunks.delete_many({"files_id": oid})
        return True

    async def stored_before(self, cutoff: datetime) -> AsyncIterator[StoredFile]:
        """The files (of every organization) whose upload began before `cutoff`."""
        cursor = self._files.find(
            {"_id": {"$lt": ObjectId.from_datetime(cutoff)}}, {"filename": 1, "metadata": 1}
        ).sort("_id", 1)
        async for doc in cursor:
            yield StoredFile(
                id=str(doc["_id"]),
                org_id=(doc.get("metadata") or {}).get("org_id"),
                file_name=doc.get("filename", ""),
            )

    async def stray_chunks(self, cutoff: datetime) -> list[str]:
        """The ids of uploads begun before `cutoff` that have chunks but no file document:
        uploads that stopped half-way (a crash) or deletions that did."""
        ids = await self._chunks.distinct(
            "files_id", {"files_id": {"$lt": ObjectId.from_datetime(cutoff)}}
        )
        if not ids:
            return []
        complete = {doc["_id"] async for doc in self._files.find({"_id": {"$in": ids}}, {"_id": 1})}
        return [str(oid) for oid in ids if oid not in complete]

    async def delete_chunks(self, file_id: str) -> int:
        """Deletes the chunks of an upload that has no file document; how many there were."""
        oid = object_id(file_id)
        if oid is None or await self._files.find_one({"_id": oid}, {"_id": 1}) is not None:
            return 0
        deleted = await self._chunks.delete_many({"files_id": oid})
        return deleted.deleted_count
