"""Bulk import types: the job, its row errors, the inputs that start and resume one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from provisioning.imports import jobs as import_jobs
from provisioning.imports import retention as import_retention
from schema.context import context_of
from schema.enums import ErrorCode, ImportStatus
from schema.errors import USER_ERRORS, UserError
from schema.pages import PageInfo, decode_cursor, encode_cursor
from store.import_jobs import ImportJobRecord


@strawberry.type(description="One problem of one row of an import file.")
class ImportRowError:
    row: int = strawberry.field(description="the row number the spreadsheet shows (header: 1)")
    field: str | None = strawberry.field(description="the column, as CreateUserInput names it")
    code: ErrorCode = strawberry.field(description="Stable code to branch on.")
    message: str = strawberry.field(description="Human-readable explanation in English.")


@strawberry.type(description="One row error in a page of them.")
class ImportRowErrorEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` to read the errors after this one."
    )
    node: ImportRowError = strawberry.field(description="The row error.")


@strawberry.type(
    description="A page of an import's row errors (Relay connection shape), in row order."
)
class ImportRowErrorConnection:
    edges: list[ImportRowErrorEdge] = strawberry.field(
        description="The errors of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether there are more pages, and the cursors to read them."
    )


def _cursor(row: int, index: int) -> str:
    return encode_cursor(f"{row}:{index}")


def _position(cursor: str | None) -> tuple[int, int] | None:
    decoded = decode_cursor(cursor)
    if decoded is None:
        return None
    row, _, index = decoded.partition(":")
    if not (row.isdigit() and index.isdigit()):
        return None
    return int(row), int(index)


@strawberry.type(description="A bulk import: its status, progress and counts.")
class ImportJob:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the job.")
    status: ImportStatus = strawberry.field(description="Where the job stands.")
    dry_run: bool = strawberry.field(description="reports what would happen; writes no user")
    file_name: str = strawberry.field(description="The uploaded file's name.")
    total_rows: int = strawberry.field(description="the file's rows (estimated until done)")
    processed_rows: int = strawberry.field(description="Rows read so far.")
    created: int = strawberry.field(description="in a dry run: would be created")
    skipped_existing: int = strawberry.field(
        description="rows whose email or username a user already has: left untouched"
    )
    failed: int = strawberry.field(description="rows with errors (see rowErrors)")
    error: str | None = strawberry.field(description="why a FAILED job stopped")
    created_at: datetime = strawberry.field(description="When the import was started (UTC).")
    started_at: datetime | None = strawberry.field(
        description="When a worker began it (UTC); null while QUEUED."
    )
    finished_at: datetime | None = strawberry.field(
        description="When it ended, DONE or FAILED (UTC); null until then."
    )
    file_deleted_at: datetime | None = strawberry.field(
        description="when the uploaded file was deleted: as a DONE job ends, or when a FAILED"
        " job's retention period runs out (it can no longer be resumed then)"
    )
    record: strawberry.Private[ImportJobRecord]

    @classmethod
    def of(cls, record: ImportJobRecord) -> ImportJob:
        counts = record.counts
        return cls(
            id=strawberry.ID(record.id),
            status=ImportStatus(record.status),
            dry_run=record.dry_run,
            file_name=record.file_name,
            total_rows=record.total_rows,
            processed_rows=counts.processed_rows,
            created=counts.created,
            skipped_existing=counts.skipped_existing,
            failed=counts.failed,
            error=record.error,
            created_at=record.created_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
            file_deleted_at=record.file_deleted_at,
            record=record,
        )

    @strawberry.field(
        description="a FAILED job's file is kept until then (ROSTER_IMPORT_FILE_RETENTION_SECONDS"
        " after it failed): resume the job before; null for any other job"
    )
    def file_expires_at(self, info: strawberry.Info) -> datetime | None:
        return import_retention.file_expires_at(self.record, context_of(info).deps.limits)

    @strawberry.field(description="One per failing field, in row order.")
    async def row_errors(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description="Page size, 0 to 100.")] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor to read the page after; null: the first page."),
        ] = None,
    ) -> ImportRowErrorConnection:
        context = context_of(info)
        page = await import_jobs.list_row_errors(
            context.deps,
            context.caller,
            self.record,
            50 if first is None else first,
            _position(after),
        )
        edges = [
            ImportRowErrorEdge(
                cursor=_cursor(row, index),
                node=ImportRowError(row=row, field=field, code=ErrorCode(code), message=message),
            )
            for row, index, field, code, message in page.problems
        ]
        return ImportRowErrorConnection(
            edges=edges, page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after)
        )


@strawberry.type(description="The result of starting or resuming an import.")
class ImportJobPayload:
    import_job: ImportJob | None = strawberry.field(
        default=None,
        description="The job, which goes on in the background (poll importJob); null when "
        "userErrors says why not.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="A file of users to import (admins and clients with imports:write).")
class StartImportInput:
    file: Upload = strawberry.field(
        description="the template (.xlsx) or a CSV with its header; sent as a multipart upload"
    )
    dry_run: bool | None = strawberry.field(
        default=False, description="Only report what would happen; write no user."
    )


@strawberry.input(description="A FAILED import to resume from where it stopped.")
class ResumeImportInput:
    id: strawberry.ID = strawberry.field(description="ImportJob.id")
