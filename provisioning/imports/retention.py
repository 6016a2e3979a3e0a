"""How long uploaded import files are kept, and the sweep that deletes them.

An import file may hold one-time passwords and personal data, so it is kept only while a
job may still need it:
- a DONE job (a dry run too) needs it no more: the runner deletes it as the job ends;
- a FAILED job can be resumed, so its file is kept `Limits.import_file_retention_seconds`
  (7 days by default) after it failed; then the file is deleted, the job records when
  (`file_deleted_at`), and resuming it is refused with IMPORT_FILE_EXPIRED;
- a QUEUED or RUNNING job keeps its file: a worker takes up every queued job, and a
  stopped runner's once its lease expires;
- a file that no job holds (its job was never recorded, or the deletion of a released
  file stopped half-way) and the chunks of an upload that never completed are deleted
  once older than `Limits.import_orphan_grace_seconds`, so that an upload in progress, or
  one whose job is being recorded, is never touched.

Every instance's import worker runs the sweep, and instances racing are harmless: a job's
file is released by one conditional update (the instance that wins deletes it and records
the event; a resume after that finds the job released), and deleting what another
instance has deleted already does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies, Limits
from provisioning.errors import DomainError, Problem
from store.import_files import StoredFile
from store.import_jobs import DONE, FAILED, ImportJobRecord

log = logging.getLogger("roster.imports")

SWEEP_BATCH = 100
FILE_DELETED = "import.file_deleted"
# Why a file was deleted (the event's metadata.reason).
FINISHED, RETENTION, ORPHAN = "finished", "retention", "orphan"


class ImportFileExpired(DomainError):
    """The failed job's file was deleted after the retention period: it cannot go on."""

    def __init__(self, deleted_at: datetime) -> None:
        super().__init__(
            Problem(
                "IMPORT_FILE_EXPIRED",
                f"The job's file was deleted on {deleted_at:%Y-%m-%d} at the end of its"
                " retention period, so the job cannot be resumed: start a new import with"
                " the file (rows already imported are skipped).",
                ("input", "id"),
            )
        )
        self.deleted_at = deleted_at


def file_expires_at(job: ImportJobRecord, limits: Limits) -> datetime | None:
    """When a FAILED job's file will be deleted (and resuming it stop working); None for
    any other job, or one whose file is gone already."""
    if job.status != FAILED or job.file_deleted_at is not None or job.finished_at is None:
        return None
    return job.finished_at + timedelta(seconds=limits.import_file_retention_seconds)


@dataclass(frozen=True)
class Discarded:
    job: ImportJobRecord  # as released: with its file_deleted_at
    file_deleted: bool  # False if the file was gone already


async def discard_job_file(
    deps: Dependencies, job: ImportJobRecord, reason: str, failed_before: datetime | None
) -> Discarded | None:
    """Releases the job's file if it is still due (a DONE job; a FAILED one that ended before
    `failed_before`), then deletes it; None if it was not due (resumed meanwhile) or
    another call released it first."""
    store = deps.store
    released = await store.import_jobs.release_file(job.org_id, job.id, deps.clock(), failed_before)
    if released is None:
        return None
    if not await store.import_files.delete(job.org_id, job.file_id):
        # Gone already: a job whose file never arrived, or one from before releases were
        # recorded (its file was deleted as it ended).
        return Discarded(released, file_deleted=False)
    log.info("import job %s: file deleted (%s)", job.id, reason)
    await record_event(
        deps,
        Caller.system(job.org_id),
        FILE_DELETED,
        "ImportJob",
        job.id,
        metadata={
            "fileId": job.file_id,
            "fileName": job.file_name,
            "status": released.status,
            "reason": reason,
        },
    )
    return Discarded(released, file_deleted=True)


@dataclass(frozen=True)
class SweepResult:
    job_files: int = 0  # files of DONE jobs and of FAILED ones past the retention period
    orphan_files: int = 0  # files no job holds
    stray_uploads: int = 0  # uploads that never completed: chunks with no file
    more: bool = False  # the batch of jobs was full: sweep again soon


async def sweep_import_files(deps: Dependencies, batch: int = SWEEP_BATCH) -> SweepResult:
    """Deletes the import files that are kept no longer: a batch of jobs' files, then every
    orphan older than the grace period."""
    now, limits = deps.clock(), deps.limits
    failed_before = now - timedelta(seconds=limits.import_file_retention_seconds)
    grace_cutoff = now - timedelta(seconds=limits.import_orphan_grace_seconds)
    jobs = await deps.store.import_jobs.holding_files(failed_before, batch)
    discarded = await asyncio.gather(
        *(
            discard_job_file(
                deps, job, FINISHED if job.status == DONE else RETENTION, failed_before
            )
            for job in jobs
        )
    )
    deleted = [d is not None and d.file_deleted for d in discarded]
    orphans = await _sweep_orphans(deps, grace_cutoff, batch)
    strays = await _sweep_stray_chunks(deps, grace_cutoff)
    return SweepResult(
        job_files=sum(deleted), orphan_files=orphans, stray_uploads=strays, more=len(jobs) == batch
    )


async def _sweep_orphans(deps: Dependencies, cutoff: datetime, batch: int) -> int:
    deleted = 0
    pending: list[StoredFile] = []
    async for stored in deps.store.import_files.stored_before(cutoff):
        pending.append(stored)
        if len(pending) == batch:
            deleted += await _delete_orphans(deps, pending)
            pending = []
    return deleted + await _delete_orphans(deps, pending)


async def _delete_orphans(deps: Dependencies, files: list[StoredFile]) -> int:
    by_org: dict[str | None, list[StoredFile]] = defaultdict(list)
    for stored in files:
        by_org[stored.org_id].append(stored)
    deleted = 0
    for org_id, group in by_org.items():
        held = (
            await deps.store.import_jobs.files_in_use(org_id, [f.id for f in group])
            if org_id is not None
            else set()
        )
        for stored in group:
            if stored.id in held or not await deps.store.import_files.delete(org_id, stored.id):
                continue
            deleted += 1
            log.info("import file %s: no job holds it, deleted", stored.id)
            if org_id is None:
                continue  # no organization to record it in: the log line is its trace
            await record_event(
                deps,
                Caller.system(org_id),
                FILE_DELETED,
                "ImportFile",
                stored.id,
                metadata={"fileName": stored.file_name, "reason": ORPHAN},
            )
    return deleted


async def _sweep_stray_chunks(deps: Dependencies, cutoff: datetime) -> int:
    """Chunks carry no organization: their deletion is logged, not audited."""
    files = deps.store.import_files
    deleted = 0
    for file_id in await files.stray_chunks(cutoff):
        chunks = await files.delete_chunks(file_id)
        if chunks:
            deleted += 1
            log.info("import upload %s never completed: %d chunks deleted", file_id, chunks)
    return deleted
