"""Scheduled syncs across instances, and `roster sync` at the command line."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.dependencies import Dependencies
from provisioning.sync.execution import LEASE
from store.ids import new_id, object_id
from store.sync_configs import SyncConfigRecord
from tests.e2e.processes import run_roster
from tests.e2e.scim_peers import ScimServer, scim_server
from tests.e2e.sync_graphql import INTEGRATION, data, directory_integration, serving

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scim_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    with scim_server(tmp_path_factory.mktemp("scim") / "scim.log") as server:
        yield server


async def test_two_instances_racing_for_a_due_sync_run_it_once(
    settings: Settings, fast_hasher: PasswordHasher, scim_process: ScimServer
) -> None:
    directory = scim_process.tenant()
    for i in range(3):
        directory.add_person(f"p{i}", email=f"p{i}@bidder.example")
    async with contextlib.AsyncExitStack() as stack:
        # Two instances of the app on one database, each with its scheduler every 50 ms.
        first = await stack.enter_async_context(serving(settings, fast_hasher, 0.05))
        await stack.enter_async_context(serving(settings, fast_hasher, 0.05))  # the second
        admin, org_id = await first.admin_of("acme")
        integration_id = await directory_integration(
            first, admin, directory.base_url, intervalMinutes=60
        )
        configs = first.deps.store.db["sync_configs"]
        due = first.deps.clock() - timedelta(seconds=1)
        await configs.update_one({"_id": object_id(integration_id)}, {"$set": {"next_run_at": due}})
        deadline = time.monotonic() + 20
        while True:
            answer = await data(first, admin, INTEGRATION, {"key": "connex"})
            runs = answer["integration"]["syncRuns"]
            finished = [e["node"] for e in runs["edges"] if e["node"]["status"] != "RUNNING"]
            if finished or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # time for a second run, were either instance to start one
        answer = await data(first, admin, INTEGRATION, {"key": "connex"})
        runs = answer["integration"]["syncRuns"]
        assert runs["totalCount"] == 1, runs
        assert runs["edges"][0]["node"]["trigger"] == "schedule"
        assert runs["edges"][0]["node"]["status"] == "SUCCEEDED"
        config = await first.deps.store.sync_configs.get(org_id, integration_id)
        assert config is not None and config.next_run_at is not None
        assert config.next_run_at > first.deps.clock() + timedelta(minutes=59)
        assert config.lease_until is None


async def test_roster_sync_runs_at_the_command_line_with_progress(
    settings: Settings, fast_hasher: PasswordHasher, scim_process: ScimServer, mongodb_uri: str
) -> None:
    directory = scim_process.tenant()
    directory.add_person("p1", email="p1@bidder.example")
    directory.add_person("p2")
    async with serving(settings, fast_hasher) as api:
        admin, org_id = await api.admin_of("acme")
        await directory_integration(api, admin, directory.base_url)
        environ = {"ROSTER_MONGODB_URI": mongodb_uri, "ROSTER_DATABASE": settings.database_name}
        dry = await asyncio.to_thread(
            run_roster, "sync", "connex", "--org", "acme", "--dry-run", environ=environ
        )
        assert dry.returncode == 0, dry.stderr
        assert "(dry run)" in dry.stdout
        assert "sync: read 2 changed users" in dry.stderr
        assert "error: MISSING_EMAIL" in dry.stderr
        real = await asyncio.to_thread(
            run_roster, "sync", "connex", "--org", "acme", environ=environ
        )
        assert real.returncode == 0, real.stderr
        assert "SUCCEEDED: read 2, created 1" in real.stderr
        found = await api.deps.store.users.find_by_email(org_id, "p1@bidder.example")
        assert found is not None and found.managed_by == "connex"
        missing = await asyncio.to_thread(
            run_roster, "sync", "nope", "--org", "acme", environ=environ
        )
        assert missing.returncode == 1 and "NOT_FOUND" in missing.stderr


async def test_of_many_concurrent_claims_of_a_due_run_one_wins(deps: Dependencies) -> None:
    now = deps.clock()
    record = SyncConfigRecord(
        integration_id=new_id(),
        org_id="org",
        base_url="http://127.0.0.1:9/v2",
        sealed_token=None,
        updated_at=now,
        interval_seconds=600,
        next_run_at=now - timedelta(seconds=1),
    )
    await deps.store.sync_configs.save(record)
    (due,) = await deps.store.sync_configs.due(now, 10)
    wins = await asyncio.gather(
        *(deps.store.sync_configs.claim_due(due, f"owner-{i}", now, LEASE) for i in range(8))
    )
    assert sum(wins) == 1
    # And while it runs, no manual run can take the lease.
    assert not await deps.store.sync_configs.take_lease(
        "org", record.integration_id, "manual", now, LEASE
    )
