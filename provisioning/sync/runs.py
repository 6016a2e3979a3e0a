"""Sync runs: configure an integration's SCIM peer, run it (now, on a schedule, for one
company), confirm or discard a run held by the mass-disable guard, move the cursor, retry
one record.

A run holds the integration's lease (store/sync_configs.py) from start to end, so a
manual run, a scheduled run and a run on another instance never overlap. Every run is a
document (store/sync_runs.py) with its counts and its errors, whatever its outcome.

What a directory maps (companyAttribute, syncPhone, departmentAttribute) decides which
fields a run reads and applies. A run only reads the users changed since the cursor, so a
change that maps more (a field turned on, or read from another attribute) asks for a full
read (`full_read_due`): the next run reads every user, whatever the cursor, and applies
the new field to those unchanged at the source too. Only a run that did read everything,
with the settings as they are, clears it; one that started before the change, a dry run,
a syncCompany run, or a held run confirmed from an older cursor leaves it for the next.
Turning a field off needs no read: the runs just stop changing it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from provisioning.access.principal import SYNC_RUN
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.sync import inbound, outbound
from provisioning.sync.mapping import DEFAULT_COMPANY_ATTRIBUTE, SOURCE_UNAVAILABLE, FieldMap
from provisioning.sync.peer import PeerUnavailable, ScimPeer
from provisioning.sync.scim import quoted
from provisioning.sync.state import Outcome, Progress, RunState
from provisioning.users.rules import Checker
from provisioning.users.write import KEEP
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
    SyncErrorRecord,
    SyncRunRecord,
)

DIRECTORY, PROVISIONING = "DIRECTORY", "PROVISIONING"
LEASE = timedelta(minutes=5)
MAX_PAGE = 100
ID_FIELD = ("input", "integrationId")
RETRY = "retry"


@dataclass(frozen=True)
class SyncSettings:
    base_url: Any = KEEP
    bearer_token: Any = KEEP
    interval_minutes: Any = KEEP
    disable_threshold: Any = KEEP
    company_attribute: Any = KEEP
    product_key: Any = KEEP
    sync_phone: Any = KEEP
    department_attribute: Any = KEEP


def _invalid(message: str, field: tuple[str, ...]) -> ValidationFailed:
    return ValidationFailed(Problem("INVALID", message, field))


async def _integration(
    deps: Dependencies, org_id: str, integration_id: str, field: tuple[str, ...] = ID_FIELD
) -> IntegrationRecord:
    integration = await deps.store.integrations.get(org_id, integration_id)
    if integration is None:
        raise NotFound("Integration", field)
    if integration.kind not in (DIRECTORY, PROVISIONING):
        raise _invalid(
            f"{integration.name} is an {integration.kind} integration: only DIRECTORY and"
            " PROVISIONING integrations sync.",
            field,
        )
    return integration


def _config_view(record: SyncConfigRecord | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {
        "base_url": record.base_url,
        "bearer_token": "(set)" if record.sealed_token else None,
        "interval_seconds": record.interval_seconds,
        "disable_threshold": record.disable_threshold,
        "company_attribute": record.company_attribute,
        "product_key": record.product_key,
        "sync_phone": record.sync_phone,
        "department_attribute": record.department_attribute,
        "full_read_due": record.full_read_due,
    }


def _maps_more(before: FieldMap, after: FieldMap) -> bool:
    """Whether a run with `after` applies values a run with `before` did not read: then
    the users unchanged at the source need them too (a full read)."""
    return (
        (after.sync_phone and not before.sync_phone)
        or after.department_attribute not in (None, before.department_attribute)
        or after.company_attribute != before.company_attribute
    )


# Held runs ended by one run that applied the changes; more would mean a loop gone wrong.
_MAX_SUPERSEDED = 100


async def configure_sync(
    deps: Dependencies, caller: Caller, integration_id: str, settings: SyncSettings
) -> SyncConfigRecord:
    """Sets the SCIM peer of a DIRECTORY or PROVISIONING integration; left out: unchanged."""
    org_id = caller.require_admin()
    integration = await _integration(deps, org_id, integration_id)
    current = await deps.store.sync_configs.get(org_id, integration_id)
    check = Checker()
    base_url = current.base_url if current else ""
    if settings.base_url is not KEEP:
        base_url = (settings.base_url or "").strip().rstrip("/")
        parts = urlsplit(base_url)
        plain_http_allowed = deps.limits.allow_loopback_http_issuers  # development only
        if parts.scheme != "https" and not (parts.scheme == "http" and plain_http_allowed):
            check.fail("baseUrl", "INVALID", "Base URL must be an https URL (the SCIM root).")
        elif not parts.netloc:
            check.fail("baseUrl", "INVALID", "Base URL must be an http(s) URL (the SCIM root).")
        elif (problem := deps.outbound.url_problem(base_url)) is not None:
            check.fail("baseUrl", "FORBIDDEN", problem)
    elif current is None:
        check.fail("baseUrl", "REQUIRED", "Base URL is required.")
    sealed = current.sealed_token if current else None
    if settings.bearer_token is not KEEP:
        token = (settings.bearer_token or "").strip()
        sealed = deps.secret_box.seal(token) if token else None
    if sealed is None:
        check.fail("bearerToken", "REQUIRED", "A bearer token is required.")
    interval = current.interval_seconds if current else None
    if settings.interval_minutes is not KEEP:
        minutes = settings.interval_minutes
        if minutes is not None and not 1 <= minutes <= 7 * 24 * 60:
            check.fail("intervalMinutes", "INVALID", "Interval must be 1 minute to 7 days.")
        interval = int(minutes * 60) if minutes else None
    threshold = current.disable_threshold if current else 0.2
    if settings.disable_threshold is not KEEP and settings.disable_threshold is not None:
        threshold = float(settings.disable_threshold)
        if not 0 <= threshold <= 1:
            check.fail("disableThreshold", "INVALID", "The threshold is a share, 0 to 1.")
    attribute = current.company_attribute if current else None
    if settings.company_attribute is not KEEP:
        attribute = (settings.company_attribute or "").strip() or None
    product_key = current.product_key if current else None
    if settings.product_key is not KEEP:
        product_key = (settings.product_key or "").strip().lower() or None
    if integration.kind == PROVISIONING and product_key is None:
        check.fail("productKey", "REQUIRED", "A PROVISIONING integration names a product key.")
    sync_phone = current.sync_phone if current else False
    if settings.sync_phone is not KEEP:
        sync_phone = bool(settings.sync_phone)
    department_attribute = current.department_attribute if current else None
    if settings.department_attribute is not KEEP:
        department_attribute = (settings.department_attribute or "").strip() or None
    if integration.kind == PROVISIONING:
        # An app is sent Roster's phone and department, always: nothing to choose there.
        if sync_phone:
            check.fail("syncPhone", "INVALID", "Only a DIRECTORY integration reads phones.")
        if department_attribute:
            check.fail(
                "departmentAttribute", "INVALID", "Only a DIRECTORY integration reads departments."
            )
    if check.problems:
        raise ValidationFailed(*check.problems)
    now = deps.clock()
    fields = FieldMap(attribute, sync_phone, department_attribute)
    full_read = (
        integration.kind == DIRECTORY
        and current is not None
        and _maps_more(FieldMap.of(current), fields)
    )
    next_run = None
    if interval:
        next_run = current.next_run_at if current and current.interval_seconds == interval else None
        next_run = next_run or now + timedelta(seconds=interval)
    record = SyncConfigRecord(
        integration_id=integration.id,
        org_id=org_id,
        base_url=base_url,
        sealed_token=sealed,
        updated_at=now,
        interval_seconds=interval,
        disable_threshold=threshold,
        company_attribute=attribute,
        product_key=product_key,
        sync_phone=sync_phone,
        department_attribute=department_attribute,
        next_run_at=next_run,
        full_read_due=now if full_read else None,
    )
    before, after = await deps.store.sync_configs.save(record)
    changes = diff(_config_view(before), _config_view(after))
    if settings.bearer_token is not KEEP and "bearer_token" not in changes:
        changes["bearer_token"] = {"before": "(set)", "after": "(replaced)"}
    if changes:
        await record_event(
            deps, caller, "integration.sync_configured", "Integration", integration.id, changes
        )
    return after


async def get_sync_config(
    deps: Dependencies, caller: Caller, integration_id: str
) -> SyncConfigRecord | None:
    return await deps.store.sync_configs.get(caller.require_admin(), integration_id)


async def cursors(
    deps: Dependencies, caller: Caller, integration_ids: list[str]
) -> dict[str, datetime | None]:
    org_id = caller.require_signed_in()
    return await deps.store.sync_configs.cursors(org_id, integration_ids)


async def reset_sync_cursor(
    deps: Dependencies, caller: Caller, integration_id: str, to: datetime | None
) -> IntegrationRecord:
    """Moves the cursor (back, to re-process; null: the next run reads everything)."""
    org_id = caller.require(SYNC_RUN)
    integration = await _integration(deps, org_id, integration_id)
    before = await deps.store.sync_configs.set_cursor(org_id, integration_id, to)
    if before is None:
        raise _invalid("Configure the integration's SCIM connection first.", ID_FIELD)
    await record_event(
        deps,
        caller,
        "integration.sync_cursor_reset",
        "Integration",
        integration.id,
        {"cursor": {"before": before.cursor, "after": to}},
    )
    return integration


def _peer(deps: Dependencies, config: SyncConfigRecord) -> ScimPeer:
    token = deps.secret_box.open(config.sealed_token) if config.sealed_token else ""
    return deps.scim_peers(config.base_url, token)


Body = Callable[[RunState], Awaitable[Outcome]]


async def _execute(
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
    assert finished is not None
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


def _body(
    integration: IntegrationRecord, confirmed: bool = False, where: str | None = None
) -> Body:
    if integration.kind == PROVISIONING:
        return outbound.run_outbound

    async def body(state: RunState) -> Outcome:
        return await inbound.run_inbound(state, confirmed=confirmed, where=where)

    return body


async def _configured(
    deps: Dependencies, org_id: str, integration_id: str
) -> tuple[IntegrationRecord, SyncConfigRecord]:
    integration = await _integration(deps, org_id, integration_id)
    config = await deps.store.sync_configs.get(org_id, integration_id)
    if config is None:
        raise _invalid(f"Configure {integration.name}'s SCIM connection first.", ID_FIELD)
    return integration, config


def _company_filter(config: SyncConfigRecord, name: str) -> str:
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
    where = _company_filter(config, company[1]) if company is not None else None
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
    body = _body(integration, where=where)
    return await _execute(deps, caller, integration, config, run, body, owner, progress)


async def _lease(deps: Dependencies, integration: IntegrationRecord) -> str:
    owner = new_id()
    if not await deps.store.sync_configs.take_lease(
        integration.org_id, integration.id, owner, deps.clock(), LEASE
    ):
        raise SyncBusy(integration.name)
    return owner


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
    integration, config = await _configured(deps, org_id, integration_id)
    owner = await _lease(deps, integration)
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
        raise _invalid(f"{name} is not managed by a directory.", field)
    integration = await deps.store.integrations.get_by_key(org_id, managed_by)
    if integration is None:
        raise NotFound(f"Integration {managed_by!r}", field)
    integration, config = await _configured(deps, org_id, integration.id)
    owner = await _lease(deps, integration)
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
        raise _invalid(
            f"This run is {run.status}: only a held run can be {verb}.", ("input", "runId")
        )
    return run


async def confirm_sync_run(deps: Dependencies, caller: Caller, run_id: str) -> SyncRunRecord:
    """Applies a run the mass-disable guard held: read again from the same cursor, applied."""
    org_id = caller.require(SYNC_RUN)
    field = ("input", "runId")
    run = await _held_run(deps, org_id, run_id, "confirmed")
    integration, config = await _configured(deps, org_id, run.integration_id)
    where = None
    if run.company_id is not None:  # a held syncCompany: the same company again
        try:
            name, _ = await deps.store.directory.company_managed_by(org_id, run.company_id)
        except KeyError:
            raise _invalid("The run's company no longer exists.", field) from None
        where = _company_filter(config, name)
    owner = await _lease(deps, integration)
    resumed = await deps.store.sync_runs.update(
        org_id,
        run_id,
        {"status": RUNNING, "message": None, "confirmed_by": caller.actor_id},
        only_if={"status": AWAITING_CONFIRMATION},
    )
    if resumed is None:
        await deps.store.sync_configs.release_lease(org_id, integration.id, owner)
        raise _invalid("This run was confirmed or discarded meanwhile.", field)
    # The cursor may have moved since the run was held: read from where the run started.
    resumed = replace(resumed, disabled=0)
    await record_event(
        deps, caller, "integration.sync_confirmed", "Integration", integration.id,
        metadata={"run_id": run_id},
    )  # fmt: skip
    body = _body(integration, confirmed=True, where=where)
    return await _execute(deps, caller, integration, config, resumed, body, owner, None)


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
        raise _invalid("This run was confirmed or discarded meanwhile.", field)
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
        raise _invalid("This error is about the whole run: run the sync again.", field)
    integration, config = await _configured(deps, org_id, error.integration_id)
    owner = await _lease(deps, integration)
    run = SyncRunRecord(
        id=new_id(),
        org_id=org_id,
        integration_id=integration.id,
        direction=OUTBOUND if integration.kind == PROVISIONING else INBOUND,
        status=RUNNING,
        dry_run=False,
        trigger=RETRY,
        started_at=deps.clock(),
    )
    await deps.store.sync_runs.insert(run)

    async def body(state: RunState) -> Outcome:
        if integration.kind == PROVISIONING:
            assert error.user_id is not None
            await outbound.push_users(state, [error.user_id], force=True)
        else:
            resource = await state.peer.get_user(error.external_id)
            await inbound.apply_one(state, resource, error.external_id)
        return Outcome(SUCCEEDED, None)

    finished = await _execute(deps, caller, integration, config, run, body, owner, None)
    changes: dict[str, Any] = {"retried_at": deps.clock(), "retry_run_id": finished.id}
    if finished.status == SUCCEEDED and finished.failed == 0:
        changes["resolved_at"] = deps.clock()
    updated = await deps.store.sync_runs.update_error(org_id, error_id, changes)
    assert updated is not None
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
        raise _invalid(f"first must be between 0 and {MAX_PAGE}.", ("first",))
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
        raise _invalid(f"first must be between 0 and {MAX_PAGE}.", ("first",))
    errors = await deps.store.sync_runs.errors_page(org_id, run_id, after_id, first + 1)
    total = await deps.store.sync_runs.count_errors(org_id, run_id)
    return ErrorPage(errors[:first], len(errors) > first, total)
