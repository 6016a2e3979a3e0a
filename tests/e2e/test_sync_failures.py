"""A directory that fails: refused credentials, no users at all, down in the middle of a run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.sync import scim
from store.ids import new_id
from store.sync_runs import SyncRunRecord
from store.users import UserFilter
from tests.e2e.scim_peers import ScimServer, flaky_proxy, scim_server
from tests.e2e.sync_graphql import (
    INTEGRATION,
    data,
    directory_integration,
    error_codes,
    run_sync,
    serving,
)
from tests.integration.conftest import Api

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(settings: Settings, fast_hasher: PasswordHasher) -> AsyncIterator[Api]:
    async with serving(settings, fast_hasher) as api:
        yield api


@pytest.fixture(scope="module")
def scim_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    with scim_server(tmp_path_factory.mktemp("scim") / "scim.log") as server:
        yield server


async def test_refused_credentials_and_an_empty_directory_are_failures(
    api: Api, scim_process: ScimServer
) -> None:
    directory = scim_process.tenant()
    admin, _ = await api.admin_of("acme")
    wrong = await directory_integration(
        api, admin, directory.base_url, key="wrong", token="not-the-token"
    )
    refused = await run_sync(api, admin, wrong)
    assert refused["status"] == "FAILED" and error_codes(refused) == ["SOURCE_UNAVAILABLE"]
    assert "refused our credentials (401)" in refused["message"]

    empty = await directory_integration(api, admin, directory.base_url, key="empty")
    nobody = await run_sync(api, admin, empty)
    assert nobody["status"] == "FAILED" and error_codes(nobody) == ["SOURCE_UNAVAILABLE"]
    assert "no users at all" in nobody["message"]

    down = await directory_integration(api, admin, "http://127.0.0.1:9/v2", key="down")
    unreachable = await run_sync(api, admin, down)
    assert unreachable["status"] == "FAILED" and "could not be reached" in unreachable["message"]


async def test_a_source_failing_mid_run_applies_nothing_and_a_rerun_completes(
    api: Api, scim_process: ScimServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scim, "PAGE_SIZE", 2)
    directory = scim_process.tenant()
    for i in range(7):
        directory.add_person(f"p{i}", email=f"p{i}@bidder.example")
    admin, org_id = await api.admin_of("acme")
    with flaky_proxy(directory) as (proxy, base_url):
        integration_id = await directory_integration(api, admin, base_url)
        # The count, then pages of 2: the third page fails.
        proxy.fail_after = 3
        failed = await run_sync(api, admin, integration_id)
        assert failed["status"] == "FAILED", failed
        assert error_codes(failed) == ["SOURCE_UNAVAILABLE"]
        assert "answered 503 (SERVER_ERROR)" in failed["message"]
        assert "maintenance" not in failed["message"]  # the peer's words are not passed on
        assert failed["created"] == 0 and failed["cursorTo"] is None
        assert await api.deps.store.users.count(org_id, UserFilter(status="PENDING")) == 0
        integration = await data(api, admin, INTEGRATION, {"key": "connex"})
        assert integration["integration"]["cursor"] is None

        proxy.fail_after = None
        rerun = await run_sync(api, admin, integration_id)
        assert (rerun["status"], rerun["read"], rerun["created"]) == ("SUCCEEDED", 7, 7), rerun
        assert await api.deps.store.users.count(org_id, UserFilter(status="PENDING")) == 7
        integration = await data(api, admin, INTEGRATION, {"key": "connex"})
        assert integration["integration"]["cursor"] == rerun["cursorTo"] is not None
        runs = integration["integration"]["syncRuns"]
        assert [e["node"]["status"] for e in runs["edges"]] == ["SUCCEEDED", "FAILED"]


async def test_a_run_left_running_by_a_dead_instance_is_marked_failed(
    api: Api, scim_process: ScimServer
) -> None:
    directory = scim_process.tenant()
    directory.add_person("p1", email="p1@bidder.example")
    admin, org_id = await api.admin_of("acme")
    integration_id = await directory_integration(api, admin, directory.base_url)
    stale = SyncRunRecord(
        id=new_id(),
        org_id=org_id,
        integration_id=integration_id,
        direction="INBOUND",
        status="RUNNING",
        dry_run=False,
        trigger="schedule",
        started_at=api.deps.clock(),
    )
    await api.deps.store.sync_runs.insert(stale)  # its instance died, its lease expired
    assert (await run_sync(api, admin, integration_id))["status"] == "SUCCEEDED"
    left = await api.deps.store.sync_runs.get(org_id, stale.id)
    assert left is not None and left.status == "FAILED"
    assert left.message is not None and "interrupted" in left.message
