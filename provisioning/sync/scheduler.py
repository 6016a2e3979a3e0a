"""Scheduled syncs: every instance looks for due integrations; the lease decides who runs.

An integration with an interval has a `next_run_at`. Each instance, every few seconds,
reads the due ones and claims each with one conditional update (store/sync_configs.py):
the claim takes the lease and moves `next_run_at` on, so of instances racing for the same
due run exactly one runs it, and none runs it while a manual run holds the lease.
"""

from __future__ import annotations

import asyncio
import logging

import httpx2

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.sync.runs import LEASE, start_run
from store.ids import new_id
from store.sync_runs import SyncRunRecord

log = logging.getLogger("roster.sync")
DUE_LIMIT = 20


async def run_due(deps: Dependencies, http: httpx2.AsyncClient) -> list[SyncRunRecord]:
    """Runs every due integration this instance manages to claim; returns those runs."""
    now = deps.clock()
    finished: list[SyncRunRecord] = []
    for config in await deps.store.sync_configs.due(now, DUE_LIMIT):
        owner = new_id()
        if not await deps.store.sync_configs.claim_due(config, owner, now, LEASE):
            continue  # another instance has it, or a run is in progress
        integration = await deps.store.integrations.get(config.org_id, config.integration_id)
        if integration is None:
            await deps.store.sync_configs.release_lease(config.org_id, config.integration_id, owner)
            continue
        caller = Caller.system(config.org_id)
        run = await start_run(
            deps, caller, http, integration, config, owner, dry_run=False, trigger="schedule"
        )
        log.info("scheduled sync of %s: %s", integration.key, run.status)
        finished.append(run)
    return finished


async def schedule_forever(
    deps: Dependencies, http: httpx2.AsyncClient, every_seconds: float
) -> None:
    while True:
        try:
            await run_due(deps, http)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled syncs failed; trying again in %s s", every_seconds)
        await asyncio.sleep(every_seconds)
