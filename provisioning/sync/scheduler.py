"""Scheduled syncs: every instance looks for due integrations; the lease decides who runs.

An integration with an interval has a `next_run_at`. Each instance, every few seconds,
reads the due ones and claims each with one conditional update (store/sync_configs.py):
the claim takes the lease and moves `next_run_at` on, so of instances racing for the same
due run exactly one runs it, and none runs it while a manual run holds the lease.

While one of an integration's runs waits for an admin (AWAITING_CONFIRMATION: the
mass-disable guard held it), its schedule starts no other run: each would read the same
changes and be held again, a new held run every interval. The claimed interval is skipped,
and the first skip for that held run is logged and audited
(integration.sync_schedule_held); the schedule resumes by itself once the run is
confirmed (confirmSyncRun) or discarded (discardSyncRun).
"""

from __future__ import annotations

import asyncio
import logging

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.sync.execution import LEASE, start_run
from store.ids import new_id
from store.integrations import IntegrationRecord
from store.sync_runs import SyncRunRecord

log = logging.getLogger("roster.sync")
DUE_LIMIT = 20


async def run_due(deps: Dependencies) -> list[SyncRunRecord]:
    """Runs every due integration this instance manages to claim; returns those runs."""
    now = deps.clock()
    finished: list[SyncRunRecord] = []
    for config in await deps.store.sync_configs.due(now, DUE_LIMIT):
        owner = new_id()
        if not await deps.store.sync_configs.claim_due(config, owner, now, LEASE):
            continue  # another instance has it, or a run is in progress
        integration = await deps.store.integrations.get(config.org_id, config.integration_id)
        if integration is None or await _held(deps, integration):
            await deps.store.sync_configs.release_lease(config.org_id, config.integration_id, owner)
            continue
        caller = Caller.system(config.org_id)
        run = await start_run(
            deps, caller, integration, config, owner, dry_run=False, trigger="schedule"
        )
        log.info("scheduled sync of %s: %s", integration.key, run.status)
        finished.append(run)
    return finished


async def _held(deps: Dependencies, integration: IntegrationRecord) -> bool:
    """Whether a run of the integration waits for an admin (told once per held run)."""
    held = await deps.store.sync_runs.held(integration.org_id, integration.id)
    if held is None:
        return False
    configs = deps.store.sync_configs
    if await configs.note_schedule_held(integration.org_id, integration.id, held.id):
        log.warning(
            "scheduled sync of %s skipped: run %s awaits confirmation (confirmSyncRun or"
            " discardSyncRun); no scheduled run starts until then",
            integration.key,
            held.id,
        )
        await record_event(
            deps,
            Caller.system(integration.org_id),
            "integration.sync_schedule_held",
            "Integration",
            integration.id,
            metadata={"run_id": held.id},
        )
    else:
        log.debug("scheduled sync of %s still waits for run %s", integration.key, held.id)
    return True


async def schedule_forever(deps: Dependencies, every_seconds: float) -> None:
    while True:
        try:
            await run_due(deps)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled syncs failed; trying again in %s s", every_seconds)
        await asyncio.sleep(every_seconds)
