"""Sync root fields: configure a SCIM peer, run, confirm or discard a held run, re-sync a
company, retry a record."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from provisioning.integrations.integrations import get_integrations
from provisioning.sync import configuration, runs
from provisioning.sync.adoption import adopt_remote_account
from provisioning.sync.configuration import SyncSettings as Settings
from provisioning.users.write import KEEP
from resolvers.edge import payload_on_domain_error
from schema.context import context_of
from schema.integration_inputs import (
    IntegrationPayload,
)
from schema.integrations import (
    Integration,
)
from schema.sync import SyncError, SyncRun
from schema.sync_inputs import (
    AdoptRemoteAccountInput,
    ConfigureSyncInput,
    ConfirmSyncRunInput,
    DiscardSyncRunInput,
    ResetSyncCursorInput,
    RetrySyncErrorInput,
    RunSyncInput,
    SyncCompanyInput,
    SyncErrorPayload,
    SyncRunPayload,
)


def _given(value: Any) -> Any:
    return KEEP if value is strawberry.UNSET else value


@strawberry.type
class SyncQuery:
    @strawberry.field(description="Admins and sync:run clients. Null if there is no such run.")
    async def sync_run(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The run's id.")],
    ) -> SyncRun | None:
        context = context_of(info)
        record = await runs.get_run(context.deps, context.caller, str(id))
        return SyncRun.of(record) if record else None


@strawberry.type
class SyncMutation:
    @strawberry.mutation(
        description="Admins only. The SCIM 2.0 peer of a DIRECTORY or PROVISIONING integration."
    )
    @payload_on_domain_error
    async def configure_sync(
        self,
        info: strawberry.Info,
        input: Annotated[
            ConfigureSyncInput,
            strawberry.argument(description="The integration and its sync settings."),
        ],
    ) -> IntegrationPayload:
        context = context_of(info)
        settings = Settings(
            base_url=_given(input.base_url),
            bearer_token=_given(input.bearer_token),
            interval_minutes=_given(input.interval_minutes),
            disable_threshold=_given(input.disable_threshold),
            company_attribute=_given(input.company_attribute),
            product_key=_given(input.product_key),
            sync_phone=_given(input.sync_phone),
            department_attribute=_given(input.department_attribute),
            requires_email=_given(input.requires_email),
        )
        await configuration.configure_sync(
            context.deps, context.caller, str(input.integration_id), settings
        )
        integration_id = str(input.integration_id)
        found = await get_integrations(context.deps, context.caller, [integration_id])
        record = found.get(integration_id)
        return IntegrationPayload(integration=Integration.of(record) if record else None)

    @strawberry.mutation(
        description="Runs a sync now and answers when it ends (sync:run). A run that fails"
        " is still a run: status FAILED, with its errors."
    )
    @payload_on_domain_error
    async def run_sync(
        self,
        info: strawberry.Info,
        input: Annotated[
            RunSyncInput,
            strawberry.argument(
                description="The integration to sync, and whether this is a dry run."
            ),
        ],
    ) -> SyncRunPayload:
        context = context_of(info)
        record = await runs.run_sync(
            context.deps,
            context.caller,
            str(input.integration_id),
            dry_run=bool(input.dry_run),
        )
        return SyncRunPayload(sync_run=SyncRun.of(record))

    @strawberry.mutation(description="Applies a run held AWAITING_CONFIRMATION (sync:run).")
    @payload_on_domain_error
    async def confirm_sync_run(
        self,
        info: strawberry.Info,
        input: Annotated[
            ConfirmSyncRunInput, strawberry.argument(description="The held run to apply.")
        ],
    ) -> SyncRunPayload:
        context = context_of(info)
        record = await runs.confirm_sync_run(context.deps, context.caller, str(input.run_id))
        return SyncRunPayload(sync_run=SyncRun.of(record))

    @strawberry.mutation(
        description="Drops a run held AWAITING_CONFIRMATION without applying it (sync:run):"
        " DISCARDED, audited. The cursor stays, so the next run reads the same changes; the"
        " schedule, which waits while a run is held, resumes."
    )
    @payload_on_domain_error
    async def discard_sync_run(
        self,
        info: strawberry.Info,
        input: Annotated[
            DiscardSyncRunInput, strawberry.argument(description="The held run to discard.")
        ],
    ) -> SyncRunPayload:
        context = context_of(info)
        record = await runs.discard_sync_run(context.deps, context.caller, str(input.run_id))
        return SyncRunPayload(sync_run=SyncRun.of(record))

    @strawberry.mutation(
        description="Moves an integration's cursor, back to re-process (null: everything)."
    )
    @payload_on_domain_error
    async def reset_sync_cursor(
        self,
        info: strawberry.Info,
        input: Annotated[
            ResetSyncCursorInput,
            strawberry.argument(description="The integration whose cursor to reset."),
        ],
    ) -> IntegrationPayload:
        context = context_of(info)
        record = await configuration.reset_sync_cursor(
            context.deps, context.caller, str(input.integration_id), input.to
        )
        return IntegrationPayload(integration=Integration.of(record))

    @strawberry.mutation(
        description="Re-reads every person of one company from the directory that manages it."
    )
    @payload_on_domain_error
    async def sync_company(
        self,
        info: strawberry.Info,
        input: Annotated[
            SyncCompanyInput,
            strawberry.argument(description="The integration and the company to resync."),
        ],
    ) -> SyncRunPayload:
        context = context_of(info)
        record = await runs.sync_company(context.deps, context.caller, str(input.company_id))
        return SyncRunPayload(sync_run=SyncRun.of(record))

    @strawberry.mutation(
        description="Applies the record of one SyncError again, read afresh; resolvedAt is"
        " set if it now applies."
    )
    @payload_on_domain_error
    async def retry_sync_error(
        self,
        info: strawberry.Info,
        input: Annotated[
            RetrySyncErrorInput, strawberry.argument(description="The sync error to retry.")
        ],
    ) -> SyncErrorPayload:
        context = context_of(info)
        record = await runs.retry_sync_error(context.deps, context.caller, str(input.error_id))
        return SyncErrorPayload(sync_error=SyncError.of(record))

    @strawberry.mutation(
        description="Admins: adopts the app's existing account that a REMOTE_EMAIL_EXISTS"
        " error names, instead of removing it there: links it to the error's user (refused"
        " with ALREADY_LINKED if the account or the user is linked to another), resolves the"
        " error (audited as user.remote_account_adopted) and pushes the user at once, so"
        " that the app's account takes Roster's values."
    )
    @payload_on_domain_error
    async def adopt_remote_account(
        self,
        info: strawberry.Info,
        input: Annotated[
            AdoptRemoteAccountInput,
            strawberry.argument(description="The REMOTE_EMAIL_EXISTS error to settle."),
        ],
    ) -> SyncErrorPayload:
        context = context_of(info)
        record = await adopt_remote_account(context.deps, context.caller, str(input.error_id))
        return SyncErrorPayload(sync_error=SyncError.of(record))
