"""Executing a sync run: under the integration's lease, against the peer the
Dependencies open, recorded however it ends.

A run holds the integration's lease (store/sync_configs.py) from start to end, so a
manual run, a scheduled run and a run on another instance never overlap. Every run is a
document (store/sync_runs.py) with its counts and its errors, whatever its outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import Problem, ValidationFailed
from provisioning.sync import inbound, outbound
from provisioning.sync.configuration import ID_FIELD, PROVISIONING
from provisioning.sync.mapping import DEFAULT_COMPANY_ATTRIBUTE, SOURCE_UNAVAILABLE
from provisioning.sync.peer import PeerUnavailable, ScimPeer
from provisioning.sync.scim import quoted
from provisioning.sync.state import Outcome, Progress, RunState
from store.ids import new_id
from store.integrations import IntegrationRecord
from store.sync_configs import SyncConfigRecord
from store.sync_runs import (
    AWAITING_CONFIRMATION,
    DISCARDED,
    FAILED,
    INBOUND,
    OUTBOUND,
    RUNNING,
    SUCCEEDED,
    SyncRunRecord,
)

LEASE = timedelta(minutes=5)
RETRY = "retry"


class RunVanished(Exception):
    """A run's document (or one of its errors) was gone when the run went to record it:
    something deleted it while the run held the lease."""


# Held runs ended by one run that applied the changes; more would mean a loop gone wrong.
_MAX_SUPERSEDED = 100


def _peer(deps: Dependencies, config: SyncConfigRecord) -> ScimPeer:
    token = deps.secret_box.open(config.sealed_token) if config.sealed_token else ""
    return deps.scim_peers(config.base_url, token)


Body = Callable[[RunState], Awaitable[Outcome]]


async def execute(
    deps: Dependencies,
    caller: Caller,
    integration: IntegrationRecord,
    config: SyncConfigRecord,
    run: SyncRunRecord,
    body: Body,
    owner: str,
    progress: Progress | None,
) -> SyncRunRecord:
    """Runs `body` under the lease `owner` holds, and records how it ended."""
    org_id = run.org_id

    async def heartbeat(message: str) -> None:
        await deps.store.sync_configs.renew_lease(
            org_id, integration.id, owner, deps.clock(), LEASE
        )
        if progress is not None:
            progress(message)

    state = RunState(deps, caller, integration, config, _peer(deps, config), run, heartbeat)
    try:
        try:
            outcome = await body(state)
        except PeerUnavailable as error:
            await state.error("", SOURCE_UNAVAILABLE, str(error))
            outcome = Outcome(FAILED, None, str(error))
        except BaseException:
            await state.flush_errors()
            await _finish(deps, state, Outcome(FAILED, None, "internal error: see the log"))
            raise
        await state.flush_errors()
        finished = await _finish(deps, state, outcome)
    finally:
        await deps.store.sync_configs.release_lease(org_id, integration.id, owner)
    # Only a run of the changes moves the cursor: not a dry run, one company, or a retry.
    reads_changes = not run.dry_run and run.company_id is None and run.trigger != RETRY
    if outcome.status == SUCCEEDED and reads_changes:
        await deps.store.sync_configs.set_cursor(org_id, integration.id, outcome.cursor_to)
        if run.direction == INBOUND:
            await _supersede_held_runs(deps, finished)
        if run.cursor_from is None and config.full_read_due is not None:
            # It read everything with these settings: the full read they asked for is done.
            await deps.store.sync_configs.full_read_done(
                org_id, integration.id, config.full_read_due
            )
    if progress is not None:
        progress(_summary(finished))
    return finished


async def _supersede_held_runs(deps: Dependencies, run: SyncRunRecord) -> None:
    """Ends the runs still held when a later run applied the directory's changes: the cursor
    does not move while a run is held, so this run read the same changes again (and its own
    guard passed them). Left held, they would keep the schedule waiting for nothing."""
    for _ in range(_MAX_SUPERSEDED):
        held = await deps.store.sync_runs.held(run.org_id, run.integration_id)
        if held is None or held.id == run.id:
            return
        superseded = await deps.store.sync_runs.update(
            run.org_id,
            held.id,
            {
                "status": DISCARDED,
                "message": f"Superseded by run {run.id}, which applied the directory's"
                " changes: nothing applied by this one.",
                "discarded_at": deps.clock(),
            },
            only_if={"status": AWAITING_CONFIRMATION},
        )
        if superseded is not None:
            await record_event(
                deps,
                Caller.system(run.org_id),
                "integration.sync_superseded",
                "Integration",
                run.integration_id,
                {"status": {"before": AWAITING_CONFIRMATION, "after": DISCARDED}},
                metadata={"run_id": held.id, "superseded_by": run.id},
            )


async def _finish(deps: Dependencies, state: RunState, outcome: Outcome) -> SyncRunRecord:
    counts = state.counts
    changes = {
        "status": outcome.status,
        "finished_at": deps.clock(),
        "cursor_to": outcome.cursor_to if outcome.status == SUCCEEDED else None,
        "message": outcome.message,
        "read": counts.read,
        "created": counts.created,
        "updated": counts.updated,
        "disabled": counts.disabled,
        "skipped": counts.skipped,
        "failed": state.run.failed + counts.failed,
    }
    finished = await deps.store.sync_runs.update(state.org_id, state.run.id, changes)
    if finished is None:
        raise RunVanished(f"sync run {state.run.id} was deleted while it ran")
    return finished


def _summary(run: SyncRunRecord) -> str:
    return (
        f"{run.status}: read {run.read}, created {run.created}, updated {run.updated},"
        f" disabled {run.disabled}, skipped {run.skipped}, errors {run.failed}"
        + (f" ({run.message})" if run.message else "")
    )


class SyncBusy(ValidationFailed):
    def __init__(self, name: str) -> None:
        super().__init__(
            Problem(
                "SYNC_BUSY", f"A run of {name} is in progress: try again when it ends.", ID_FIELD
            )
        )


def body_of(
    integration: IntegrationRecord, confirmed: bool = False, where: str | None = None
) -> Body:
    if integration.kind == PROVISIONING:
        return outbound.run_outbound

    async def body(state: RunState) -> Outcome:
        return await inbound.run_inbound(state, confirmed=confirmed, where=where)

    return body


def company_filter(config: SyncConfigRecord, name: str) -> str:
    attribute = config.company_attribute or DEFAULT_COMPANY_ATTRIBUTE
    return f"{attribute} eq {quoted(name)}"


async def start_run(
    deps: Dependencies,
    caller: Caller,
    integration: IntegrationRecord,
    config: SyncConfigRecord,
    owner: str,
    *,
    dry_run: bool,
    trigger: str,
    progress: Progress | None = None,
    company: tuple[str, str] | None = None,
) -> SyncRunRecord:
    """A new run, under the lease `owner` already holds (released however it ends)."""
    where = company_filter(config, company[1]) if company is not None else None
    run = SyncRunRecord(
        id=new_id(),
        org_id=integration.org_id,
        integration_id=integration.id,
        direction=OUTBOUND if integration.kind == PROVISIONING else INBOUND,
        status=RUNNING,
        dry_run=dry_run,
        trigger=trigger,
        started_at=deps.clock(),
        # A full read, when a settings change asked for one.
        cursor_from=None if company or config.full_read_due else config.cursor,
        company_id=company[0] if company else None,
    )
    try:
        await deps.store.sync_runs.fail_running(
            integration.org_id,
            integration.id,
            deps.clock(),
            "interrupted: the instance running it stopped before it ended",
        )
        await deps.store.sync_runs.insert(run)
        await record_event(
            deps,
            caller,
            "integration.sync_started",
            "Integration",
            integration.id,
            metadata={"run_id": run.id, "dry_run": dry_run, "trigger": trigger},
        )
    except BaseException:
        await deps.store.sync_configs.release_lease(run.org_id, integration.id, owner)
        raise
    body = body_of(integration, where=where)
    return await execute(deps, caller, integration, config, run, body, owner, progress)


async def take_lease(deps: Dependencies, integration: IntegrationRecord) -> str:
    owner = new_id()
    if not await deps.store.sync_configs.take_lease(
        integration.org_id, integration.id, owner, deps.clock(), LEASE
    ):
        raise SyncBusy(integration.name)
    return owner
