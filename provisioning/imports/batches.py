"""One batch of an import job: its rows read and checked (in a thread), each valid row
prepared as its user by the one create path (provisioning/users/create.py)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId

from provisioning.dependencies import Clock
from provisioning.imports.reader import SheetRow
from provisioning.imports.rows import (
    PreparedRow,
    ReferenceNames,
    RowProblem,
    prepare_row,
)
from provisioning.users.create import Actor, NewUser, Prepared, prepare
from provisioning.users.write import ACTIVE, PENDING
from store.audit import AuditRecord
from store.import_jobs import (
    ImportJobRecord,
)
from store.import_row_errors import RowErrorRecord
from store.organizations import OrganizationRecord

BATCH_SIZE = 500


def row_user_id(job_id: str, row: int) -> str:
    """The id of the user a row creates: the same every time the row is replayed."""
    digest = hashlib.sha256(f"{job_id}:{row}".encode()).digest()
    return str(ObjectId(ObjectId(job_id).binary[:4] + digest[:8]))


@dataclass
class Outcome:
    created: int = 0
    skipped: int = 0
    errors: list[RowErrorRecord] = field(default_factory=list)
    events: list[AuditRecord] = field(default_factory=list)


@dataclass
class DryRunState:
    """What a dry run must remember between batches to predict the later ones."""

    emails: set[str] = field(default_factory=set)
    usernames: set[str] = field(default_factory=set)
    seats_left: int | None = None


@dataclass
class ReadBatch:
    rows: list[SheetRow] = field(default_factory=list)
    prepared: list[PreparedRow] = field(default_factory=list)
    failures: dict[int, tuple[SheetRow, list[RowProblem]]] = field(default_factory=dict)
    # By row: the user, its search terms and its event, for rows without a password to hash.
    built: dict[int, Prepared] = field(default_factory=dict)


def read_batch(
    rows: Iterator[SheetRow],
    keys: tuple[str | None, ...],
    names: ReferenceNames,
    organization: OrganizationRecord,
    after_row: int,
    count: int,
    job: ImportJobRecord,
    clock: Clock,
) -> ReadBatch:
    """The next `count` rows after `after_row` (the checkpoint), each checked and, unless
    it needs a password hashed, turned into its user (blocking: this runs in a thread)."""
    batch = ReadBatch()
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


def import_user(
    job: ImportJobRecord, row: PreparedRow, password_hash: str | None, now: datetime
) -> Prepared:
    """A row's user, prepared by the one create path: its id derived from (job, row), so
    that a replayed batch finds its own users; ACTIVE with a one-time password."""
    draft = dataclasses.replace(row.draft, status=ACTIVE if password_hash else PENDING)
    new = NewUser(draft, row.checked, row_user_id(job.id, row.number), password_hash)
    actor = Actor(job.actor_type, job.actor_id, job.request_id)
    return prepare(job.org_id, new, now, actor, {"importJobId": job.id})


def seat_limit_problem(limit: int | None = None) -> RowProblem:
    told = f": the organization's limit is {limit}" if limit is not None else ""
    return RowProblem("seat", "SEAT_LIMIT", f"No full seat left{told}.")
