"""A clean shutdown (what uvicorn's lifespan does on SIGTERM) releases the work the
instance holds: an import it was running can be resumed at once, and a sync it was running
gives its integration's lease back, rather than holding either until the lease runs out."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io

import httpx2

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.admins import create_admin
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.imports.jobs import resume_import, start_import
from provisioning.integrations.integrations import create_integration
from provisioning.sync.configuration import SyncSettings, configure_sync
from provisioning.sync.runs import run_sync
from server.app import create_app
from server.scim_peer import HttpScimPeers
from store.import_jobs import QUEUED, RUNNING
from store.sync_runs import FAILED, SUCCEEDED
from tests.import_files import csv_bytes, person
from tests.integration.scim_directory import scim_directory

ROWS = 4000  # eight batches: far more than the worker does before the test stops it
WAIT_SECONDS = 60.0


async def test_an_import_stopped_by_shutdown_is_resumable_at_once(
    settings: Settings, deps: Dependencies, fast_hasher: PasswordHasher
) -> None:
    created = await create_admin(
        deps, "acme", "admin@acme.example", "a long admin password", "Ada", "Admin"
    )
    org_id = created.organization.id
    caller = Caller.system(org_id)
    data = csv_bytes([person(i) for i in range(ROWS)])
    app = create_app(settings, hasher=fast_hasher, imports_every_seconds=0.05)
    async with app.router.lifespan_context(app) as state:
        assert state is not None
        job = await start_import(state["deps"], caller, io.BytesIO(data), "p.csv", False)
        state["imports"].wake()
        for _ in range(int(WAIT_SECONDS / 0.02)):
            running = await deps.store.import_jobs.get(org_id, job.id)
            assert running is not None
            if running.status == RUNNING and running.counts.processed_rows > 0:
                break
            await asyncio.sleep(0.02)
        assert running is not None
        assert running.status == RUNNING and running.counts.processed_rows < ROWS, running
    # The app has shut down mid-job.
    stopped = await deps.store.import_jobs.get(org_id, job.id)
    assert stopped is not None and stopped.status == RUNNING
    assert stopped.lease_owner is None, stopped

    resumed = await resume_import(deps, caller, job.id)
    assert resumed.status == QUEUED


class HangingTransport(httpx2.AsyncBaseTransport):
    """A directory that accepts the request and never answers; says when it was asked."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.asked.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_sync_stopped_by_shutdown_releases_its_lease(deps: Dependencies) -> None:
    created = await create_admin(
        deps, "acme", "admin@acme.example", "a long admin password", "Ada", "Admin"
    )
    caller = Caller.system(created.organization.id)
    integration = await create_integration(deps, caller, "connex", "ConneX", "DIRECTORY")
    sync = SyncSettings(base_url="https://directory.example/scim/v2", bearer_token="t")
    await configure_sync(deps, caller, integration.id, sync)
    hanging = HangingTransport()
    async with httpx2.AsyncClient(transport=hanging) as http:
        hung = dataclasses.replace(deps, scim_peers=HttpScimPeers(http))
        running = asyncio.create_task(run_sync(hung, caller, integration.id))
        await asyncio.wait_for(hanging.asked.wait(), WAIT_SECONDS)
        # What the lifespan does to its tasks at shutdown.
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    config = await deps.store.sync_configs.get(caller.org_id, integration.id)
    assert config is not None and config.lease_owner is None, config
    [stopped] = await deps.store.sync_runs.page(caller.org_id, integration.id, None, 10)
    assert stopped.status == FAILED, stopped

    # The next run is not refused as "already running".
    async with scim_directory() as directory:
        await directory.add_person("p1", email="p1@bidder.example")
        sync = SyncSettings(base_url=directory.base_url, bearer_token="t")
        await configure_sync(deps, caller, integration.id, sync)
        again = await run_sync(directory.wired(deps), caller, integration.id)
    assert again.status == SUCCEEDED, again
