"""Bulk import root fields: start a job from an uploaded file, follow it, resume it."""

from __future__ import annotations

from typing import IO, Annotated, Any

import strawberry

from provisioning.errors import Problem, ValidationFailed
from provisioning.imports import jobs as import_jobs
from resolvers.edge import payload_on_domain_error
from schema.context import context_of
from schema.imports import ImportJob, ImportJobPayload, ResumeImportInput, StartImportInput
from schema.pages import First


def _wake_worker(info: strawberry.Info) -> None:
    """The app's background runner picks the job up now rather than at its next poll."""
    worker: Any = getattr(context_of(info).request.state, "imports", None)
    if worker is not None:
        worker.wake()


@strawberry.type
class ImportQuery:
    @strawberry.field(description="Admins (or the imports:write scope). Null if there is none.")
    async def import_job(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The job's id.")],
    ) -> ImportJob | None:
        context = context_of(info)
        record = await import_jobs.get_import_job(context.deps, context.caller, str(id))
        return ImportJob.of(record) if record else None

    @strawberry.field(description="The organization's import jobs, newest first.")
    async def import_jobs(self, info: strawberry.Info, first: First = 20) -> list[ImportJob]:
        context = context_of(info)
        records = await import_jobs.list_import_jobs(context.deps, context.caller, first)
        return [ImportJob.of(r) for r in records]


@strawberry.type
class ImportMutation:
    @strawberry.mutation(
        description="Checks the file and queues the job; follow it with importJob(id)."
        " Send it as a GraphQL multipart request (with X-Roster-Request: 1 for a session)."
    )
    @payload_on_domain_error
    async def start_import(
        self,
        info: strawberry.Info,
        input: Annotated[
            StartImportInput,
            strawberry.argument(description="The uploaded file and whether this is a dry run."),
        ],
    ) -> ImportJobPayload:
        context = context_of(info)
        source: IO[bytes] | None = getattr(input.file, "file", None)
        name = str(getattr(input.file, "filename", None) or "import")
        if source is None:
            raise ValidationFailed(
                Problem("INVALID", "Send the file as a multipart upload.", ("input", "file"))
            )
        job = await import_jobs.start_import(
            context.deps, context.caller, source, name, bool(input.dry_run)
        )
        _wake_worker(info)
        return ImportJobPayload(import_job=ImportJob.of(job))

    @strawberry.mutation(
        description="A failed job, or one whose runner stopped, goes on from its last"
        " checkpoint; rows already imported are never imported twice."
    )
    @payload_on_domain_error
    async def resume_import(
        self,
        info: strawberry.Info,
        input: Annotated[
            ResumeImportInput, strawberry.argument(description="The failed import job to resume.")
        ],
    ) -> ImportJobPayload:
        context = context_of(info)
        job = await import_jobs.resume_import(context.deps, context.caller, str(input.id))
        _wake_worker(info)
        return ImportJobPayload(import_job=ImportJob.of(job))
