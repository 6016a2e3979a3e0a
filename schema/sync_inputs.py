"""Sync inputs and payloads: configuring a sync, running it, moving its cursor, confirming
or discarding held runs, retrying and adopting its errors."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from schema.errors import USER_ERRORS, UserError

# SyncRun and Integration refer to each other: see schema/types.py.
if TYPE_CHECKING:
    pass
from schema.sync import SyncError, SyncRun


@strawberry.input(description="Fields left out are unchanged.")
class ConfigureSyncInput:
    integration_id: strawberry.ID = strawberry.field(description="The integration.")
    base_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="the SCIM 2.0 root, e.g. https://dir.example/scim/v2"
    )
    bearer_token: str | None = strawberry.field(
        default=strawberry.UNSET, description="stored encrypted; never returned"
    )
    interval_minutes: float | None = strawberry.field(
        default=strawberry.UNSET, description="run on this schedule; null: only on demand"
    )
    disable_threshold: float | None = strawberry.field(
        default=strawberry.UNSET, description="0..1, default 0.2"
    )
    company_attribute: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="a SCIM attribute path (default the enterprise extension's organization)",
    )
    requires_email: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="PROVISIONING: true when the app requires an email (default false)",
    )
    sync_phone: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="DIRECTORY: true makes the phone the directory's (default false). Turned"
        " on, the next run reads every user, so that all get the directory's phone",
    )
    department_attribute: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="DIRECTORY: the SCIM attribute path of the department's name, usually"
        " urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department; null (the"
        " default): departments are not synced. Set or changed, the next run reads every"
        " user",
    )
    product_key: str | None = strawberry.field(
        default=strawberry.UNSET, description="PROVISIONING: the licence whose holders it pushes"
    )


@strawberry.input(description="An integration to sync now (admins and clients with sync:run).")
class RunSyncInput:
    integration_id: strawberry.ID = strawberry.field(description="The integration.")
    dry_run: bool | None = strawberry.field(
        default=False,
        description="Only report what would change; write nothing and keep the cursor.",
    )


@strawberry.input(
    description=(
        'Move an integration\'s "last updated" watermark (for instance back, to re-read changes).'
    )
)
class ResetSyncCursorInput:
    integration_id: strawberry.ID = strawberry.field(description="The integration.")
    to: datetime | None = strawberry.field(
        description="move the cursor back to re-process from here; null: read everything"
    )


@strawberry.input(description="A run AWAITING_CONFIRMATION to apply.")
class ConfirmSyncRunInput:
    run_id: strawberry.ID = strawberry.field(description="The run's id.")


@strawberry.input(description="A run AWAITING_CONFIRMATION to drop.")
class DiscardSyncRunInput:
    run_id: strawberry.ID = strawberry.field(description="The run's id.")


@strawberry.input(description="A company to re-read from the directory that manages it.")
class SyncCompanyInput:
    company_id: strawberry.ID = strawberry.field(description="The company's id.")


@strawberry.input(description="A sync error whose record to apply again.")
class RetrySyncErrorInput:
    error_id: strawberry.ID = strawberry.field(description="The sync error's id.")


@strawberry.input(description="The REMOTE_EMAIL_EXISTS sync error whose account to adopt.")
class AdoptRemoteAccountInput:
    error_id: strawberry.ID = strawberry.field(
        description="A SyncError of code REMOTE_EMAIL_EXISTS; its remoteId is the account."
    )


@strawberry.type(description="The result of starting, confirming or discarding a sync run.")
class SyncRunPayload:
    sync_run: SyncRun | None = strawberry.field(
        default=None, description="The run as it now is; null when userErrors says why not."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of retrying a sync error.")
class SyncErrorPayload:
    sync_error: SyncError | None = strawberry.field(
        default=None,
        description="The error as it now is (resolvedAt set if the retry applied); else null.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
