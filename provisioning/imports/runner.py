"""The import runner: claims a job, runs it in batches from its checkpoint, writes each
batch's users through the one create path, commits events, row errors and the
checkpoint together, and finishes or fails the job."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import socket
import tempfile
from collections.abc import Callable
from datetime import timedelta

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import SeatLimitReached, ValidationFailed
from provisioning.imports.batches import (
    BATCH_SIZE,
    DryRunState,
    Outcome,
    ReadBatch,
    import_user,
    read_batch,
    seat_limit_problem,
)
from provisioning.imports.reader import SheetReader, SheetRow
from provisioning.imports.retention import (
    FINISHED,
    discard_job_file,
)
from provisioning.imports.rows import (
    PreparedRow,
    RowProblem,
    load_reference_names,
)
from provisioning.users.create import create_prepared
from provisioning.users.one_time_passwords import hash_one_time_password
from provisioning.users.write import FULL
from store.ids import new_id
from store.import_jobs import (
    DONE,
    FAILED,
    Counts,
    ImportJobRecord,
)
from store.import_row_errors import RowErrorRecord
from store.organizations import OrganizationRecord
from store.users import search_key

log = logging.getLogger("roster.imports")

LEASE_SECONDS = 120
RELEASE_TIMEOUT_SECONDS = 5.0

Progress = Callable[[Counts, int], None]


class JobFailed(Exception):
    """The job cannot go on; its message is for the admin."""


class ImportRunner:
    """Runs claimed jobs: one instance of Roster (or the command line) is one owner."""

    def __init__(
        self,
        deps: Dependencies,
        owner: str | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        lease_seconds: int = LEASE_SECONDS,
        public_url: str | None = None,
    ) -> None:
        # Where invitation links point (else deps' own); None sends no invitations (the
        # organization's communication settings decide whether imported users are invited).
        self.deps = deps if public_url is None else dataclasses.replace(deps, public_url=public_url)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{new_id()}"
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)

    async def claim(self, org_id: str, job_id: str) -> ImportJobRecord | None:
        now = self.deps.clock()
        return await self.deps.store.import_jobs.claim(
            org_id, job_id, self.owner, now, now + self.lease
        )

    async def claim_next(self) -> ImportJobRecord | None:
        now = self.deps.clock()
        return await self.deps.store.import_jobs.claim_next(self.owner, now, now + self.lease)

    async def run(
        self,
        job: ImportJobRecord,
        *,
        on_progress: Progress | None = None,
        stop_after_batches: int | None = None,
    ) -> ImportJobRecord:
        """Runs a job this runner holds, from its checkpoint to the end (or the stop)."""
        store = self.deps.store
        try:
            finished = await self._run(job, on_progress, stop_after_batches)
        except asyncio.CancelledError:
            # A shutdown (or Ctrl-C of `roster import`): hand the job back now rather than
            # leave it RUNNING until the lease runs out.
            await self._release(job)
            raise
        except JobFailed as error:
            finished = await self._finish(job, FAILED, str(error))
        except Exception:
            log.exception("import job %s failed", job.id)
            finished = await self._finish(
                job, FAILED, "The import stopped on an internal error; resume it to go on."
            )
        if finished is None:  # stopped on purpose, or another runner took the job over
            return await store.import_jobs.get(job.org_id, job.id) or job
        return finished

    async def _release(self, job: ImportJobRecord) -> None:
        try:
            released = await asyncio.wait_for(
                self.deps.store.import_jobs.release(
                    job.org_id, job.id, self.owner, self.deps.clock()
                ),
                RELEASE_TIMEOUT_SECONDS,
            )
        except Exception:
            log.warning("import job %s: releasing it failed; its lease runs out", job.id)
            return
        if released:
            log.info("import job %s released at its checkpoint: it resumes from there", job.id)

    async def _finish(
        self, job: ImportJobRecord, status: str, error: str | None, total: int | None = None
    ) -> ImportJobRecord | None:
        store = self.deps.store
        finished = await store.import_jobs.finish(
            job.org_id, job.id, self.owner, status, self.deps.clock(), error, total
        )
        if finished is None:
            return None
        if status == DONE:
            # The file may hold one-time passwords: it is kept no longer than needed.
            try:
                discarded = await discard_job_file(self.deps, finished, FINISHED, None)
            except Exception:
                log.exception("import job %s: deleting its file failed; the sweep will", job.id)
            else:
                finished = discarded.job if discarded is not None else finished
        caller = Caller.system(job.org_id)
        await record_event(
            self.deps,
            caller,
            "import.finished",
            "ImportJob",
            job.id,
            metadata={
                "status": status,
                "dryRun": job.dry_run,
                "created": finished.counts.created,
                "skippedExisting": finished.counts.skipped_existing,
                "failed": finished.counts.failed,
            },
        )
        return finished

    async def _run(
        self, job: ImportJobRecord, on_progress: Progress | None, stop_after: int | None
    ) -> ImportJobRecord | None:
        store = self.deps.store
        organization = await store.organizations.get(job.org_id)
        if organization is None:
            raise JobFailed("The organization no longer exists.")
        names = await load_reference_names(store, job.org_id)
        dry = DryRunState(
            seats_left=None
            if organization.seat_limit is None
            else max(0, organization.seat_limit - organization.full_seats_used)
        )
        max_rows = self.deps.limits.import_max_rows
        counts = job.counts
        total = max(job.total_rows, counts.processed_rows)
        with tempfile.TemporaryFile() as copy:
            if not await store.import_files.download(job.org_id, job.file_id, copy):
                raise JobFailed("The job's file is gone: upload it again.")
            try:
                reader = await asyncio.to_thread(SheetReader, copy, max_rows)
            except ValidationFailed as error:
                raise JobFailed(str(error)) from error
            with reader:
                read = functools.partial(
                    read_batch,
                    reader.rows(),
                    reader.info.keys,
                    names,
                    organization,
                    job.counts.last_row,
                    self.batch_size,
                    job,
                    self.deps.clock,
                )
                # The next batch is read and checked (in a thread) while this one is
                # written. The writes themselves go one after another: overlapping a
                # batch's users with the last batch's events made the embedded database
                # slower and costlier than writing them in turn (bench/bulk_import.py).
                pending = asyncio.ensure_future(asyncio.to_thread(read))
                try:
                    batches = 0
                    while True:
                        try:
                            batch = await pending
                        except ValidationFailed as error:
                            raise JobFailed(str(error)) from error
                        if not batch.rows:
                            break
                        if counts.processed_rows + len(batch.rows) > max_rows:
                            raise JobFailed(f"The file has more than {max_rows} rows.")
                        pending = asyncio.ensure_future(asyncio.to_thread(read))
                        outcome = await self._batch(job, organization, reader, batch, dry)
                        counts = Counts(
                            processed_rows=counts.processed_rows + len(batch.rows),
                            created=counts.created + outcome.created,
                            skipped_existing=counts.skipped_existing + outcome.skipped,
                            failed=counts.failed + len(outcome.errors),
                            last_row=batch.rows[-1].number,
                        )
                        total = max(total, counts.processed_rows)
                        if not await self._commit(job, outcome, counts, total):
                            return None
                        if on_progress is not None:
                            on_progress(counts, total)
                        batches += 1
                        if stop_after is not None and batches >= stop_after:
                            return None
                finally:
                    # The reader is closed next: its thread must be done with it first.
                    with contextlib.suppress(BaseException):
                        await pending
        return await self._finish(job, DONE, None, counts.processed_rows)

    async def _batch(
        self,
        job: ImportJobRecord,
        organization: OrganizationRecord,
        reader: SheetReader,
        read: ReadBatch,
        dry: DryRunState,
    ) -> Outcome:
        keys = reader.info.keys
        secret = keys.index("oneTimePassword") if "oneTimePassword" in keys else None
        batch, prepared, failures = read.rows, read.prepared, read.failures
        by_number = {row.number: row for row in batch}
        if job.dry_run:
            outcome = await self._predict(job, prepared, dry, failures, by_number)
        else:
            outcome = await self._write(job, organization, read, by_number)
        outcome.errors = [
            RowErrorRecord(
                row=number,
                # The one-time password is not kept: the fixed row gets a new one.
                values=tuple(None if i == secret else v for i, v in enumerate(row.values)),
                problems=tuple((p.field, p.code, p.message) for p in problems),
            )
            for number, (row, problems) in sorted(failures.items())
        ]
        return outcome

    async def _commit(
        self, job: ImportJobRecord, outcome: Outcome, counts: Counts, total: int
    ) -> bool:
        """A written batch's events and row errors, then the checkpoint that counts it;
        False if this runner has lost the job's lease."""
        store = self.deps.store
        await store.audit.insert_many(outcome.events)
        await store.import_row_errors.insert_many(job.org_id, job.id, outcome.errors)
        now = self.deps.clock()
        if await store.import_jobs.checkpoint(
            job.org_id, job.id, self.owner, counts, now + self.lease, total
        ):
            return True
        log.warning("import job %s: lease lost, stopping", job.id)
        return False

    async def _predict(
        self,
        job: ImportJobRecord,
        prepared: list[PreparedRow],
        dry: DryRunState,
        failures: dict[int, tuple[SheetRow, list[RowProblem]]],
        rows: dict[int, SheetRow],
    ) -> Outcome:
        emails = [p.checked.email for p in prepared if p.checked.email]
        usernames = [p.checked.username for p in prepared if p.checked.username]
        taken_emails, taken_keys = await self.deps.store.users.taken(job.org_id, emails, usernames)
        outcome = Outcome()
        for row in prepared:
            email, key = row.checked.email, search_key(row.checked.username)
            if (email and (email in taken_emails or email in dry.emails)) or (
                key and (key in taken_keys or key in dry.usernames)
            ):
                outcome.skipped += 1
                continue
            if row.draft.seat == FULL:
                if dry.seats_left is not None and dry.seats_left <= 0:
                    failures[row.number] = (rows[row.number], [seat_limit_problem()])
                    continue
                if dry.seats_left is not None:
                    dry.seats_left -= 1
            if email:
                dry.emails.add(email)
            if key:
                dry.usernames.add(key)
            outcome.created += 1
        return outcome

    async def _write(
        self,
        job: ImportJobRecord,
        organization: OrganizationRecord,
        read: ReadBatch,
        rows: dict[int, SheetRow],
    ) -> Outcome:
        """The batch's users through the one create path (users/create.py): one
        insert_many, their events returned to be committed with the checkpoint."""
        prepared, failures = read.prepared, read.failures
        hashes = await asyncio.gather(
            *(
                hash_one_time_password(self.deps, p.password)
                for p in prepared
                if p.password is not None
            )
        )
        now = self.deps.clock()
        hashed = iter(hashes)
        built = [
            read.built[p.number] if p.password is None else import_user(job, p, next(hashed), now)
            for p in prepared
        ]
        created = await create_prepared(
            self.deps,
            Caller.system(job.org_id),
            built,
            seat_limit=organization.seat_limit,
            defer_events=True,
        )
        outcome = Outcome(events=created.events)
        for row, result in zip(prepared, created.outcomes, strict=True):
            if result.user is not None:
                outcome.created += 1
            elif isinstance(result.error, SeatLimitReached):
                failures[row.number] = (
                    rows[row.number],
                    [seat_limit_problem(organization.seat_limit)],
                )
            else:
                outcome.skipped += 1
        return outcome
