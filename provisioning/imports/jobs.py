"""Bulk import jobs: start one from a file, run it in batches with checkpoints, resume it.

One-time and never overwriting: a row whose email or username a user already has is
counted as skippedExisting and the user is left untouched. A dry run reports what would
happen and writes no user.

Resuming never duplicates: the user id of a row is derived from (job id, row number), so
a batch replayed after a crash finds its own users (counted as created, once: the
checkpoint before it did not count them) and every other collision is an existing user.

The uploaded file is kept only while a job may need it (provisioning/import_retention.py):
a DONE job's goes at once, a FAILED job's after the retention period, and the worker's
sweep deletes those and the files no job holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from provisioning.access.principal import IMPORTS_WRITE
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.imports.reader import inspect, refused
from provisioning.imports.retention import (
    ImportFileExpired,
)
from provisioning.imports.runner import LEASE_SECONDS, ImportRunner, JobFailed
from provisioning.imports.worker import ImportWorker
from store.ids import new_id
from store.import_files import FileTooLarge
from store.import_jobs import (
    FAILED,
    QUEUED,
    RUNNING,
    Counts,
    ImportJobRecord,
)

MAX_PAGE = 100


def _size(source: IO[bytes]) -> int:
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


async def start_import(
    deps: Dependencies,
    caller: Caller,
    source: IO[bytes],
    file_name: str,
    dry_run: bool,
    *,
    owner: str | None = None,
) -> ImportJobRecord:
    """Checks the file (format, header, size, rows), keeps it, and queues the job; with
    `owner`, the job starts claimed by that runner (the command line runs it itself)."""
    org_id = caller.require(IMPORTS_WRITE)
    limits = deps.limits
    size = await asyncio.to_thread(_size, source)
    if size > limits.import_max_bytes:
        raise refused(f"The file is larger than {_megabytes(limits.import_max_bytes)}.")
    if size == 0:
        raise refused("The file is empty.")
    info = await asyncio.to_thread(inspect, source, limits.import_max_rows)
    source.seek(0)
    job_id, file_id = new_id(), new_id()
    try:
        await deps.store.import_files.upload(
            org_id, file_id, file_name, source, limits.import_max_bytes
        )
    except FileTooLarge as error:
        raise refused(f"The file is larger than {_megabytes(error.limit)}.") from error
    now = deps.clock()
    record = ImportJobRecord(
        id=job_id,
        org_id=org_id,
        status=QUEUED if owner is None else RUNNING,
        dry_run=dry_run,
        file_id=file_id,
        file_name=file_name[:255],
        file_format=info.file_format,
        columns=info.header,
        total_rows=info.estimated_rows,
        counts=Counts(),
        actor_type=caller.actor_type,
        actor_id=caller.actor_id,
        actor_is_admin=caller.is_admin,
        request_id=caller.request_id,
        created_at=now,
        started_at=None if owner is None else now,
        lease_owner=owner,
        lease_expires_at=None if owner is None else now + timedelta(seconds=LEASE_SECONDS),
    )
    try:
        await deps.store.import_jobs.insert(record)
    except BaseException:
        # No job holds the file: it goes now rather than at the sweep after the grace period
        # (unless the insert did happen and only its answer was lost).
        with contextlib.suppress(Exception):
            if await deps.store.import_jobs.get(org_id, job_id) is None:
                await deps.store.import_files.delete(org_id, file_id)
        raise
    await record_event(
        deps,
        caller,
        "import.started",
        "ImportJob",
        job_id,
        metadata={"fileName": record.file_name, "dryRun": dry_run, "rows": info.estimated_rows},
    )
    return record


async def get_import_job(deps: Dependencies, caller: Caller, job_id: str) -> ImportJobRecord | None:
    org_id = caller.require(IMPORTS_WRITE)
    return await deps.store.import_jobs.get(org_id, job_id)


async def list_import_jobs(
    deps: Dependencies, caller: Caller, first: int = 20, before_id: str | None = None
) -> list[ImportJobRecord]:
    org_id = caller.require(IMPORTS_WRITE)
    _check_first(first)
    return await deps.store.import_jobs.page(org_id, before_id, first)


def _check_first(first: int) -> None:
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(
            Problem("INVALID", f"first must be between 0 and {MAX_PAGE}.", ("first",))
        )


@dataclass(frozen=True)
class RowErrorPage:
    # (row, index of the problem in that row, field, code, message), in row order
    problems: list[tuple[int, int, str | None, str, str]]
    has_next: bool


async def list_row_errors(
    deps: Dependencies,
    caller: Caller,
    job: ImportJobRecord,
    first: int = 50,
    after: tuple[int, int] | None = None,
) -> RowErrorPage:
    """The job's row errors, one per failing field, after the (row, index) cursor."""
    org_id = caller.require(IMPORTS_WRITE)
    _check_first(first)
    after_row, after_index = after if after else (None, -1)
    wanted = first + 1
    found: list[tuple[int, int, str | None, str, str]] = []
    # A failing row has at least one problem, so `wanted` rows (plus the cursor's) suffice.
    start = after_row - 1 if after_row is not None else None
    records = await deps.store.import_row_errors.page(org_id, job.id, start, wanted + 1)
    for record in records:
        for index, (name, code, message) in enumerate(record.problems):
            if after_row is not None and (record.row, index) <= (after_row, after_index):
                continue
            found.append((record.row, index, name, code, message))
    return RowErrorPage(problems=found[:first], has_next=len(found) > first)


async def resume_import(deps: Dependencies, caller: Caller, job_id: str) -> ImportJobRecord:
    """Queues a failed job, or one whose runner stopped, to go on from its last checkpoint."""
    org_id = caller.require(IMPORTS_WRITE)
    resumed = await deps.store.import_jobs.requeue(org_id, job_id, deps.clock())
    if resumed is not None:
        await record_event(deps, caller, "import.resumed", "ImportJob", job_id)
        return resumed
    current = await deps.store.import_jobs.get(org_id, job_id)
    if current is None:
        raise NotFound("Import job", ("input", "id"))
    if current.status == FAILED and current.file_deleted_at is not None:
        raise ImportFileExpired(current.file_deleted_at)
    raise ValidationFailed(
        Problem(
            "INVALID",
            f"The job is {current.status}: only a failed or interrupted job can be resumed.",
            ("input", "id"),
        )
    )


# The runner and the worker have their modules; named here too, where callers found them.
__all__ = [
    "ImportRunner",
    "ImportWorker",
    "JobFailed",
    "get_import_job",
    "list_import_jobs",
    "list_row_errors",
    "resume_import",
    "start_import",
]
