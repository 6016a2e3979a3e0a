"""The rows an import job could not apply, one document per (job, row)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from store.types import DUPLICATE_KEY, Document


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
