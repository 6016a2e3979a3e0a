"""Sync runs as an admin asks for them: run now, for one company, confirm or discard a
run held by the mass-disable guard, retry one record; and the runs and errors to list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from provisioning.access.principal import SYNC_RUN
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound
from provisioning.sync import inbound, outbound
from provisioning.sync.configuration import PROVISIONING, configured, invalid
from provisioning.sync.execution import (
    RETRY,
    RunVanished,
    body_of,
    company_filter,
    execute,
    start_run,
    take_lease,
)
from provisioning.sync.state import Outcome, Progress, RunState
from store.ids import new_id
from store.integrations import IntegrationRecord
from store.sync_configs import SyncConfigRecord
from store.sync_runs import (
    AWAITING_CONFIRMATION,
    DISCARDED,
    INBOUND,
    OUTBOUND,
    RUNNING,
    SUCCEEDED,
    SyncErrorRecord,
    SyncRunRecord,
)

MAX_PAGE = 100


async def run_sync(
    deps: Dependencies,
    caller: Caller,
    integration_id: str,
    *,
    dry_run: bool = False,
    trigger: str = "manual",
    progress: Progress | None = None,
) -> SyncRunRecord:
    org_id = caller.require(SYNC_RUN)
    integration, config = await configured(deps, org_id, integration_id)
    owner = await take_lease(deps, integration)
    return await start_run(
        deps, caller, integration, config, owner,
        dry_run=dry_run, trigger=trigger, progress=progress,
    )  # fmt: skip


async def sync_company(deps: Dependencies, caller: Caller, company_id: str) -> SyncRunRecord:
    """Re-reads, from the directory that manages it, every person of one company."""
    org_id = caller.require(SYNC_RUN)
    field = ("input", "companyId")
    try:
        name, managed_by = await deps.store.directory.company_managed_by(org_id, company_id)
    except KeyError:
        raise NotFound("Company", field) from None
    if managed_by is None:
        raise invalid(f"{name} is not managed by a directory.", field)
    integration = await deps.store.integrations.get_by_key(org_id, managed_by)
    if integration is None:
        raise NotFound(f"Integration {managed_by!r}", field)
    integration, config = await configured(deps, org_id, integration.id)
    owner = await take_lease(deps, integration)
    return await start_run(
        deps, caller, integration, config, owner,
        dry_run=False, trigger="company", company=(company_id, name),
    )  # fmt: skip


async def _held_run(deps: Dependencies, org_id: str, run_id: str, verb: str) -> SyncRunRecord:
    """The run, if the mass-disable guard holds it; else NotFound or INVALID."""
    run = await deps.store.sync_runs.get(org_id, run_id)
    if run is None:
        raise NotFound("Sync run", ("input", "runId"))
    if run.status != AWAITING_CONFIRMATION:
        raise invalid(
            f"This run is {run.status}: only a held run can be {verb}.", ("input", "runId")
        )
    return run


async def confirm_sync_run(deps: Dependencies, caller: Caller, run_id: str) -> SyncRunRecord:
    """Applies a run the mass-disable guard held: read again from the same cursor, applied."""
    org_id = caller.require(SYNC_RUN)
    field = ("input", "runId")
    run = await _held_run(deps, org_id, run_id, "confirmed")
    integration, config = await configured(deps, org_id, run.integration_id)
    where = None
    if run.company_id is not None:  # a held syncCompany: the same company again
        try:
            name, _ = await deps.store.directory.company_managed_by(org_id, run.company_id)
        except KeyError:
            raise invalid("The run's company no longer exists.", field) from None
        where = company_filter(config, name)
    owner = await take_lease(deps, integration)
    resumed = await deps.store.sync_runs.update(
        org_id,
        run_id,
        {"status": RUNNING, "message": None, "confirmed_by": caller.actor_id},
        only_if={"status": AWAITING_CONFIRMATION},
    )
    if resumed is None:
        await deps.store.sync_configs.release_lease(org_id, integration.id, owner)
        raise invalid("This run was confirmed or discarded meanwhile.", field)
    # The cursor may have moved since the run was held: read from where the run started.
    resumed = replace(resumed, disabled=0)
    await record_event(
        deps, caller, "integration.sync_confirmed", "Integration", integration.id,
        metadata={"run_id": run_id},
    )  # fmt: skip
    body = body_of(integration, confirmed=True, where=where)
    return await execute(deps, caller, integration, config, resumed, body, owner, None)


async def discard_sync_run(deps: Dependencies, caller: Caller, run_id: str) -> SyncRunRecord:
    """Ends a run the mass-disable guard held without applying it (DISCARDED). The cursor
    stays: the next run reads the same changes, and is held again unless the directory or
    the threshold changed. The schedule, which waits while a run is held, resumes."""
    org_id = caller.require(SYNC_RUN)
    field = ("input", "runId")
    run = await _held_run(deps, org_id, run_id, "discarded")
    discarded = await deps.store.sync_runs.update(
        org_id,
        run_id,
        {
            "status": DISCARDED,
            "message": f"Discarded: nothing applied (it would have disabled {run.disabled}).",
            "discarded_by": caller.actor_id,
            "discarded_at": deps.clock(),
        },
        only_if={"status": AWAITING_CONFIRMATION},
    )
    if discarded is None:
        raise invalid("This run was confirmed or discarded meanwhile.", field)
    await record_event(
        deps,
        caller,
        "integration.sync_discarded",
        "Integration",
        run.integration_id,
        {"status": {"before": AWAITING_CONFIRMATION, "after": DISCARDED}},
        metadata={"run_id": run_id, "held_message": run.message},
    )
    return discarded


async def one_record_run(
    deps: Dependencies,
    caller: Caller,
    integration: IntegrationRecord,
    config: SyncConfigRecord,
    body: Callable[[RunState], Awaitable[Outcome]],
) -> SyncRunRecord:
    """A run (trigger RETRY) of `body` about one record, under the integration's lease."""
    owner = await take_lease(deps, integration)
    run = SyncRunRecord(
        id=new_id(),
        org_id=integration.org_id,
        integration_id=integration.id,
        direction=OUTBOUND if integration.kind == PROVISIONING else INBOUND,
        status=RUNNING,
        dry_run=False,
        trigger=RETRY,
        started_at=deps.clock(),
    )
    await deps.store.sync_runs.insert(run)
    return await execute(deps, caller, integration, config, run, body, owner, None)


async def retry_sync_error(deps: Dependencies, caller: Caller, error_id: str) -> SyncErrorRecord:
    """Applies the one record of an error again (read afresh); resolved if it now applies."""
    org_id = caller.require(SYNC_RUN)
    field = ("input", "errorId")
    error = await deps.store.sync_runs.get_error(org_id, error_id)
    if error is None:
        raise NotFound("Sync error", field)
    if error.resolved_at is not None:
        return error
    if not error.external_id and error.user_id is None:
        raise invalid("This error is about the whole run: run the sync again.", field)
    integration, config = await configured(deps, org_id, error.integration_id)
    pushed = [error.user_id] if error.user_id is not None else []
    if integration.kind == PROVISIONING and not pushed:
        raise invalid("This error names no Roster user to push: run the sync again.", field)

    async def body(state: RunState) -> Outcome:
        if integration.kind == PROVISIONING:
            await outbound.push_users(state, pushed, force=True)
        else:
            resource = await state.peer.get_user(error.external_id)
            await inbound.apply_one(state, resource, error.external_id)
        return Outcome(SUCCEEDED, None)

    finished = await one_record_run(deps, caller, integration, config, body)
    changes: dict[str, Any] = {"retried_at": deps.clock(), "retry_run_id": finished.id}
    if finished.status == SUCCEEDED and finished.failed == 0:
        changes["resolved_at"] = deps.clock()
    updated = await deps.store.sync_runs.update_error(org_id, error_id, changes)
    if updated is None:
        raise RunVanished(f"sync error {error_id} was deleted while it was retried")
    return updated


@dataclass(frozen=True)
class RunPage:
    runs: list[SyncRunRecord]
    has_next: bool
    total: int


async def list_runs(
    deps: Dependencies, caller: Caller, integration_id: str, first: int, after_id: str | None
) -> RunPage:
    org_id = caller.require(SYNC_RUN)
    if not 0 <= first <= MAX_PAGE:
        raise invalid(f"first must be between 0 and {MAX_PAGE}.", ("first",))
    runs = await deps.store.sync_runs.page(org_id, integration_id, after_id, first + 1)
    total = await deps.store.sync_runs.count(org_id, integration_id)
    return RunPage(runs[:first], len(runs) > first, total)


async def get_run(deps: Dependencies, caller: Caller, run_id: str) -> SyncRunRecord | None:
    return await deps.store.sync_runs.get(caller.require(SYNC_RUN), run_id)


@dataclass(frozen=True)
class ErrorPage:
    errors: list[SyncErrorRecord]
    has_next: bool
    total: int


async def list_errors(
    deps: Dependencies, caller: Caller, run_id: str, first: int, after_id: str | None
) -> ErrorPage:
    org_id = caller.require(SYNC_RUN)
    if not 0 <= first <= MAX_PAGE:
        raise invalid(f"first must be between 0 and {MAX_PAGE}.", ("first",))
    errors = await deps.store.sync_runs.errors_page(org_id, run_id, after_id, first + 1)
    total = await deps.store.sync_runs.count_errors(org_id, run_id)
    return ErrorPage(errors[:first], len(errors) > first, total)


async def list_integration_errors(
    deps: Dependencies,
    caller: Caller,
    integration_id: str,
    unresolved: bool | None,
    first: int,
    before_id: str | None,
) -> ErrorPage:
    """An integration's sync errors across its runs, newest first (the runs' rights)."""
    org_id = caller.require(SYNC_RUN)
    if not 0 <= first <= MAX_PAGE:
        raise invalid(f"first must be between 0 and {MAX_PAGE}.", ("first",))
    errors = await deps.store.sync_runs.integration_errors_page(
        org_id, integration_id, unresolved, before_id, first + 1
    )
    total = await deps.store.sync_runs.count_integration_errors(org_id, integration_id, unresolved)
    return ErrorPage(errors[:first], len(errors) > first, total)
