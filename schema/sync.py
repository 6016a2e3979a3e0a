"""Sync types: runs of a directory sync or an outbound provisioning, and their errors."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from provisioning.sync import configuration, runs
from schema.catalog import Company
from schema.context import context_of
from schema.enums import SyncDirection, SyncRunStatus, SyncTrigger
from schema.pages import After, First, PageInfo, decode_cursor, encode_cursor
from schema.types import User
from store.sync_configs import SyncConfigRecord
from store.sync_runs import SyncErrorRecord, SyncRunRecord

# SyncRun and Integration refer to each other: see schema/types.py.
if TYPE_CHECKING:
    from schema.integrations import Integration


@strawberry.type(description="Why one record was not applied, and what to do about it.")
class SyncError:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the error.")
    external_id: str = strawberry.field(
        description="the record's id at the source (directory) or the target (app); empty for"
        " a failure of the whole run"
    )
    code: str = strawberry.field(
        description="EMAIL_TAKEN, MISSING_EMAIL, MISSING_COMPANY, PHONE_INVALID,"
        " REMOTE_EMAIL_EXISTS, REMOTE_REJECTED, SOURCE_UNAVAILABLE or FORBIDDEN (the"
        " directory would change an admin's email)"
    )
    message: str = strawberry.field(description="Human-readable explanation in English.")
    record: str | None = strawberry.field(description="the record as the source sent it (JSON)")
    remote_id: str | None = strawberry.field(
        description="REMOTE_EMAIL_EXISTS: the app's account that already has the email"
    )
    at: datetime = strawberry.field(description="When the record failed (UTC).")
    resolved_at: datetime | None = strawberry.field(
        description="when a retry of this record applied it"
    )
    user_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, record: SyncErrorRecord) -> SyncError:
        return cls(
            id=strawberry.ID(record.id),
            external_id=record.external_id,
            code=record.code,
            message=record.message,
            record=record.record,
            remote_id=record.remote_id,
            at=record.at,
            resolved_at=record.resolved_at,
            user_id=record.user_id,
        )

    @strawberry.field(description="the Roster user concerned, if there is one")
    async def user(self, info: strawberry.Info) -> User | None:
        if self.user_id is None:
            return None
        record = await context_of(info).loaders.users.load(self.user_id)
        return User.of(record) if record else None


@strawberry.type(description="One error in a page of sync errors.")
class SyncErrorEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` to read the errors after this one."
    )
    node: SyncError = strawberry.field(description="The sync error.")


@strawberry.type(description="A page of sync errors (Relay connection shape), newest first.")
class SyncErrorConnection:
    edges: list[SyncErrorEdge] = strawberry.field(
        description="The errors of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether there are more pages, and the cursors to read them."
    )
    total_count: int = strawberry.field(description="How many errors match in all pages.")


@strawberry.type(
    description="One run of an integration's sync (inbound from a directory or outbound to an "
    "application): its status, the cursor it read from and to, and its counts."
)
class SyncRun:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the run.")
    status: SyncRunStatus = strawberry.field(description="Where the run stands.")
    direction: SyncDirection = strawberry.field(description="Which way the run moves users.")
    trigger: SyncTrigger = strawberry.field(description="What started the run.")
    started_at: datetime = strawberry.field(description="When the run started (UTC).")
    finished_at: datetime | None = strawberry.field(
        description="When it ended (UTC); null while RUNNING."
    )
    cursor_from: datetime | None = strawberry.field(
        description='The "last updated" watermark the run read changes from; null: a full read.'
    )
    cursor_to: datetime | None = strawberry.field(
        description="where the cursor moved to (SUCCEEDED, not a dry run)"
    )
    dry_run: bool = strawberry.field(
        description="A dry run reports what it would change and writes nothing."
    )
    read: int = strawberry.field(description="records read from the source")
    created: int = strawberry.field(description="Users created (in a dry run: would be created).")
    updated: int = strawberry.field(description="Users updated (in a dry run: would be updated).")
    disabled: int = strawberry.field(description="AWAITING_CONFIRMATION: how many it would disable")
    skipped: int = strawberry.field(description="read, and nothing to change")
    failed: int = strawberry.field(description="records not applied: see errors")
    message: str | None = strawberry.field(description="why it failed or waits")
    integration_id: strawberry.Private[str]
    company_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, record: SyncRunRecord) -> SyncRun:
        return cls(
            id=strawberry.ID(record.id),
            status=SyncRunStatus(record.status),
            direction=SyncDirection(record.direction),
            trigger=SyncTrigger(record.trigger),
            started_at=record.started_at,
            finished_at=record.finished_at,
            cursor_from=record.cursor_from,
            cursor_to=record.cursor_to,
            dry_run=record.dry_run,
            read=record.read,
            created=record.created,
            updated=record.updated,
            disabled=record.disabled,
            skipped=record.skipped,
            failed=record.failed,
            message=record.message,
            integration_id=record.integration_id,
            company_id=record.company_id,
        )

    @strawberry.field(description="The integration the run belongs to.")
    async def integration(
        self, info: strawberry.Info
    ) -> Annotated[Integration, strawberry.lazy("schema.integrations")]:
        from schema.integrations import Integration

        record = await context_of(info).loaders.integrations.load(self.integration_id)
        assert record is not None  # a run belongs to an integration of its organization
        return Integration.of(record)

    @strawberry.field(description="syncCompany: the company it re-read")
    async def company(self, info: strawberry.Info) -> Company | None:
        if self.company_id is None:
            return None
        record = await context_of(info).loaders.companies.load(self.company_id)
        return Company.of(record) if record else None

    @strawberry.field(description="every record not applied, with why")
    async def errors(
        self, info: strawberry.Info, first: First = 50, after: After = None
    ) -> SyncErrorConnection:
        context = context_of(info)
        page = await runs.list_errors(
            context.deps, context.caller, str(self.id), first, decode_cursor(after)
        )
        edges = [
            SyncErrorEdge(cursor=encode_cursor(e.id), node=SyncError.of(e)) for e in page.errors
        ]
        return SyncErrorConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
            total_count=page.total,
        )


@strawberry.type(description="One run in a page of sync runs.")
class SyncRunEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` to read the runs after this one."
    )
    node: SyncRun = strawberry.field(description="The sync run.")


@strawberry.type(description="A page of sync runs (Relay connection shape), newest first.")
class SyncRunConnection:
    edges: list[SyncRunEdge] = strawberry.field(
        description="The runs of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether there are more pages, and the cursors to read them."
    )
    total_count: int = strawberry.field(description="How many runs there are in all pages.")


@strawberry.type(description="An integration's SCIM connection; the bearer token is never shown.")
class SyncSettings:
    base_url: str = strawberry.field(
        description="The SCIM base URL of the directory or application."
    )
    has_bearer_token: bool = strawberry.field(
        description="Whether a bearer token is stored (the token itself is never shown)."
    )
    interval_minutes: float | None = strawberry.field(description="null: runs only on demand")
    next_run_at: datetime | None = strawberry.field(
        description=("When the next scheduled run starts (UTC); null when runs are only on demand.")
    )
    disable_threshold: float = strawberry.field(
        description="the share of managed users a run may disable without a confirmation"
    )
    company_attribute: str | None = strawberry.field(
        description="where a person's company is; null: the enterprise extension's organization"
    )
    sync_phone: bool = strawberry.field(
        description="DIRECTORY: whether the phone is the directory's (read from phoneNumbers,"
        " refused here as MANAGED_EXTERNALLY); false: Roster's own"
    )
    department_attribute: str | None = strawberry.field(
        description="DIRECTORY: where a person's department is (its name), usually"
        " urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department; null: the"
        " department is Roster's own, not synced"
    )
    product_key: str | None = strawberry.field(
        description="PROVISIONING: the product whose licence holders are provisioned"
    )
    requires_email: bool = strawberry.field(
        description="PROVISIONING: whether the app requires an email (users without one are a"
        " MISSING_EMAIL sync error, not pushed)"
    )

    @classmethod
    def of(cls, record: SyncConfigRecord) -> SyncSettings:
        return cls(
            base_url=record.base_url,
            has_bearer_token=record.sealed_token is not None,
            interval_minutes=record.interval_seconds / 60 if record.interval_seconds else None,
            next_run_at=record.next_run_at,
            disable_threshold=record.disable_threshold,
            company_attribute=record.company_attribute,
            sync_phone=record.sync_phone,
            department_attribute=record.department_attribute,
            product_key=record.product_key,
            requires_email=record.requires_email,
        )


async def sync_runs_of(
    info: strawberry.Info, integration_id: str, first: int, after: str | None
) -> SyncRunConnection:
    context = context_of(info)
    page = await runs.list_runs(
        context.deps, context.caller, integration_id, first, decode_cursor(after)
    )
    edges = [SyncRunEdge(cursor=encode_cursor(r.id), node=SyncRun.of(r)) for r in page.runs]
    return SyncRunConnection(
        edges=edges,
        page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
        total_count=page.total,
    )


async def sync_errors_of(
    info: strawberry.Info,
    integration_id: str,
    unresolved: bool | None,
    first: int,
    after: str | None,
) -> SyncErrorConnection:
    context = context_of(info)
    page = await runs.list_integration_errors(
        context.deps, context.caller, integration_id, unresolved, first, decode_cursor(after)
    )
    edges = [SyncErrorEdge(cursor=encode_cursor(e.id), node=SyncError.of(e)) for e in page.errors]
    return SyncErrorConnection(
        edges=edges,
        page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
        total_count=page.total,
    )


async def cursor_of(info: strawberry.Info, integration_id: str) -> datetime | None:
    context = context_of(info)
    found = await configuration.cursors(context.deps, context.caller, [integration_id])
    return found.get(integration_id)


async def sync_settings_of(info: strawberry.Info, integration_id: str) -> SyncSettings | None:
    context = context_of(info)
    record = await configuration.get_sync_config(context.deps, context.caller, integration_id)
    return SyncSettings.of(record) if record else None
