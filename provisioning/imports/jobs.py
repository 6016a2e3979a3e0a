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
import dataclasses
import functools
import hashlib
import logging
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from bson import ObjectId

from provisioning.access.principal import IMPORTS_WRITE
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Clock, Dependencies
from provisioning.errors import NotFound, Problem, SeatLimitReached, ValidationFailed
from provisioning.imports.reader import SheetReader, SheetRow, inspect, refused
from provisioning.imports.retention import (
    FINISHED,
    ImportFileExpired,
    SweepResult,
    discard_job_file,
    sweep_import_files,
)
from provisioning.imports.rows import (
    PreparedRow,
    ReferenceNames,
    RowProblem,
    load_reference_names,
    prepare_row,
)
from provisioning.users.create import Actor, NewUser, Prepared, create_prepared, prepare
from provisioning.users.one_time_passwords import hash_one_time_password
from provisioning.users.write import ACTIVE, FULL, PENDING
from store.audit import AuditRecord
from store.ids import new_id
from store.import_files import FileTooLarge
from store.import_jobs import (
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    Counts,
    ImportJobRecord,
)
from store.import_row_errors import RowErrorRecord
from store.organizations import OrganizationRecord
from store.users import search_key

log = logging.getLogger("roster.imports")

BATCH_SIZE = 500
LEASE_SECONDS = 120
RELEASE_TIMEOUT_SECONDS = 5.0
MAX_PAGE = 100

Progress = Callable[[Counts, int], None]


def row_user_id(job_id: str, row: int) -> str:
    """The id of the user a row creates: the same every time the row is replayed."""
    digest = hashlib.sha256(f"{job_id}:{row}".encode()).digest()
    return str(ObjectId(ObjectId(job_id).binary[:4] + digest[:8]))


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


@dataclass
class _Outcome:
    created: int = 0
    skipped: int = 0
    errors: list[RowErrorRecord] = field(default_factory=list)
    events: list[AuditRecord] = field(default_factory=list)


@dataclass
class _DryRunState:
    """What a dry run must remember between batches to predict the later ones."""

    emails: set[str] = field(default_factory=set)
    usernames: set[str] = field(default_factory=set)
    seats_left: int | None = None


@dataclass
class _ReadBatch:
    rows: list[SheetRow] = field(default_factory=list)
    prepared: list[PreparedRow] = field(default_factory=list)
    failures: dict[int, tuple[SheetRow, list[RowProblem]]] = field(default_factory=dict)
    # By row: the user, its search terms and its event, for rows without a password to hash.
    built: dict[int, Prepared] = field(default_factory=dict)


def _read_batch(
    rows: Iterator[SheetRow],
    keys: tuple[str | None, ...],
    names: ReferenceNames,
    organization: OrganizationRecord,
    after_row: int,
    count: int,
    job: ImportJobRecord,
    clock: Clock,
) -> _ReadBatch:
    """The next `count` rows after `after_row` (the checkpoint), each checked and, unless
    it needs a password hashed, turned into its user (blocking: this runs in a thread)."""
    batch = _ReadBatch()
    for row in rows:
        if row.number <= after_row:
            continue  # done by an earlier run of the job
        batch.rows.append(row)
        result = prepare_row(row.number, row.cells(keys), names, organization, job.actor_is_admin)
        if isinstance(result, PreparedRow):
            batch.prepared.append(result)
            if result.password is None and not job.dry_run:
                batch.built[row.number] = import_user(job, result, None, clock())
        else:
            batch.failures[row.number] = (row, result)
        if len(batch.rows) == count:
            break
    return batch


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
        dry = _DryRunState(
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
                    _read_batch,
                    reader.rows(),
                    reader.info.keys,
                    names,
                    organization,
                    job.counts.last_row,
                    self.batch_size,
                    job,
                    self.deps.clock,
                )
                # Three batches are in flight: the next one is read and checked (in a
                # thread) and the last one committed (its events, row errors and
                # checkpoint) while this one's users are written.
                pending = asyncio.ensure_future(asyncio.to_thread(read))
                committing: asyncio.Future[bool] | None = None
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
                        if committing is not None and not await committing:
                            return None
                        counts = Counts(
                            processed_rows=counts.processed_rows + len(batch.rows),
                            created=counts.created + outcome.created,
                            skipped_existing=counts.skipped_existing + outcome.skipped,
                            failed=counts.failed + len(outcome.errors),
                            last_row=batch.rows[-1].number,
                        )
                        total = max(total, counts.processed_rows)
                        committing = asyncio.ensure_future(
                            self._commit(job, outcome, counts, total)
                        )
                        if on_progress is not None:
                            on_progress(counts, total)
                        batches += 1
                        if stop_after is not None and batches >= stop_after:
                            await committing
                            return None
                    if committing is not None and not await committing:
                        return None
                finally:
                    # The reader is closed next: its thread must be done with it first.
                    for task in (pending, committing):
                        if task is not None:
                            with contextlib.suppress(BaseException):
                                await task
        return await self._finish(job, DONE, None, counts.processed_rows)

    async def _batch(
        self,
        job: ImportJobRecord,
        organization: OrganizationRecord,
        reader: SheetReader,
        read: _ReadBatch,
        dry: _DryRunState,
    ) -> _Outcome:
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
        self, job: ImportJobRecord, outcome: _Outcome, counts: Counts, total: int
    ) -> bool:
        """A written batch's events and row errors, then the checkpoint that counts it;
        False if this runner has lost the job's lease."""
        store = self.deps.store
        await asyncio.gather(
            store.import_row_errors.insert_many(job.org_id, job.id, outcome.errors),
            store.audit.insert_many(outcome.events),
        )
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
        dry: _DryRunState,
        failures: dict[int, tuple[SheetRow, list[RowProblem]]],
        rows: dict[int, SheetRow],
    ) -> _Outcome:
        emails = [p.checked.email for p in prepared if p.checked.email]
        usernames = [p.checked.username for p in prepared if p.checked.username]
        taken_emails, taken_keys = await self.deps.store.users.taken(job.org_id, emails, usernames)
        outcome = _Outcome()
        for row in prepared:
            email, key = row.checked.email, search_key(row.checked.username)
            if (email and (email in taken_emails or email in dry.emails)) or (
                key and (key in taken_keys or key in dry.usernames)
            ):
                outcome.skipped += 1
                continue
            if row.draft.seat == FULL:
                if dry.seats_left is not None and dry.seats_left <= 0:
                    failures[row.number] = (rows[row.number], [_seat_limit()])
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
        read: _ReadBatch,
        rows: dict[int, SheetRow],
    ) -> _Outcome:
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
        outcome = _Outcome(events=created.events)
        for row, result in zip(prepared, created.outcomes, strict=True):
            if result.user is not None:
                outcome.created += 1
            elif isinstance(result.error, SeatLimitReached):
                failures[row.number] = (rows[row.number], [_seat_limit(organization.seat_limit)])
            else:
                outcome.skipped += 1
        return outcome


def import_user(
    job: ImportJobRecord, row: PreparedRow, password_hash: str | None, now: datetime
) -> Prepared:
    """A row's user, prepared by the one create path: its id derived from (job, row), so
    that a replayed batch finds its own users; ACTIVE with a one-time password."""
    draft = dataclasses.replace(row.draft, status=ACTIVE if password_hash else PENDING)
    new = NewUser(draft, row.checked, row_user_id(job.id, row.number), password_hash)
    actor = Actor(job.actor_type, job.actor_id, job.request_id)
    return prepare(job.org_id, new, now, actor, {"importJobId": job.id})


def _seat_limit(limit: int | None = None) -> RowProblem:
    told = f": the organization's limit is {limit}" if limit is not None else ""
    return RowProblem("seat", "SEAT_LIMIT", f"No full seat left{told}.")


class ImportWorker:
    """The app's background runner: queued jobs, and those whose runner stopped (a crash or
    a restart: their lease expired), one at a time per instance; and, every
    `sweep_every_seconds`, the sweep of the import files that are kept no longer."""

    def __init__(
        self,
        deps: Dependencies,
        every_seconds: float = 5.0,
        public_url: str | None = None,
        sweep_every_seconds: float = 600.0,
    ) -> None:
        self.deps = deps
        self.runner = ImportRunner(deps, public_url=public_url)
        self.every_seconds = every_seconds
        self.sweep_every = timedelta(seconds=sweep_every_seconds)
        self._next_sweep: datetime | None = None  # None: at once
        self._wake = asyncio.Event()

    async def sweep_if_due(self) -> SweepResult | None:
        """Sweeps the import files if the last sweep was `sweep_every` ago (by the clock);
        at the next poll again if it left work over. None if not due, or if it failed."""
        now = self.deps.clock()
        if self._next_sweep is not None and now < self._next_sweep:
            return None
        self._next_sweep = now + self.sweep_every
        try:
            result = await sweep_import_files(self.deps)
        except Exception:
            log.exception("import worker: sweeping the import files failed")
            return None
        if result.more:
            self._next_sweep = now
        return result

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            self._wake.clear()
            await self.sweep_if_due()
            try:
                job = await self.runner.claim_next()
            except Exception:
                log.exception("import worker: claiming a job failed")
                job = None
            if job is not None:
                try:
                    await self.runner.run(job)
                except Exception:
                    # Even recording the failure failed (the database is away): the lease
                    # runs out and the job is taken up again.
                    log.exception("import worker: job %s stopped", job.id)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every_seconds)
