"""The sync schedule and a run held by the mass-disable guard, against the real database and
a real scim2-server (in-process): while a run awaits confirmation the schedule starts no
other run, and says so once; confirmSyncRun or discardSyncRun lets it go on. The clock is
the test's: intervals pass without waiting."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from provisioning.admins import create_admin
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, ValidationFailed
from provisioning.integrations.integrations import create_integration
from provisioning.sync.configuration import SyncSettings, configure_sync
from provisioning.sync.runs import confirm_sync_run, discard_sync_run, run_sync
from provisioning.sync.scheduler import run_due
from store.sync_runs import AWAITING_CONFIRMATION, DISCARDED, SUCCEEDED, SyncRunRecord
from store.users import UserFilter
from tests.integration.conftest import Api
from tests.integration.moving_clock import Clock
from tests.integration.scim_directory import ScimDirectory, scim_directory
from tests.integration.test_partner_access import bearer, partner

PASSWORD = "correct horse battery staple"
INTERVAL = timedelta(minutes=15)
HELD_NOTICE = "integration.sync_schedule_held"


@pytest.fixture
async def directory() -> AsyncIterator[ScimDirectory]:
    async with scim_directory() as directory:
        yield directory


@dataclasses.dataclass(frozen=True)
class Scheduled:
    org_id: str
    integration_id: str
    people: list[str]

    @property
    def caller(self) -> Caller:
        return Caller.system(self.org_id)


async def _scheduled(deps: Dependencies, directory: ScimDirectory) -> Scheduled:
    """A directory of five people, synced once, on a 15-minute schedule."""
    org_id = (await create_admin(deps, "acme", "admin@acme.example", PASSWORD)).organization.id
    caller = Caller.system(org_id)
    integration = await create_integration(deps, caller, "connex", "ConneX", "DIRECTORY")
    settings = SyncSettings(
        base_url=directory.base_url, bearer_token="t", interval_minutes=INTERVAL.seconds // 60
    )
    await configure_sync(deps, caller, integration.id, settings)
    people = [await directory.add_person(f"p{i}", email=f"p{i}@bidder.example") for i in range(5)]
    first = await run_sync(directory.wired(deps), caller, integration.id)
    assert (first.status, first.created) == (SUCCEEDED, 5), first
    return Scheduled(org_id, integration.id, people)


async def _runs(deps: Dependencies, scheduled: Scheduled) -> list[SyncRunRecord]:
    """Newest first."""
    return await deps.store.sync_runs.page(scheduled.org_id, scheduled.integration_id, None, 100)


async def _notices(deps: Dependencies, scheduled: Scheduled) -> list[str]:
    """The run ids of the schedule's "waiting for a held run" events, oldest first."""
    events = await deps.store.audit.page(scheduled.org_id, scheduled.integration_id, None, 100)
    return [e.metadata["run_id"] for e in reversed(events) if e.action == HELD_NOTICE]


async def _next_interval(deps: Dependencies, clock: Clock, directory: ScimDirectory) -> list[str]:
    """The statuses of the runs the schedule starts one interval on."""
    clock.advance(INTERVAL)
    return [run.status for run in await run_due(directory.wired(deps))]


async def test_a_held_run_stops_the_schedule_until_it_is_discarded_or_confirmed(
    timed: Dependencies, clock: Clock, directory: ScimDirectory
) -> None:
    scheduled = await _scheduled(timed, directory)
    for person in scheduled.people[:3]:  # 3 of 5 gone: above the 20% threshold
        await directory.replace(person, "active", False)

    assert await _next_interval(timed, clock, directory) == [AWAITING_CONFIRMATION]
    held = (await _runs(timed, scheduled))[0]
    assert (held.status, held.trigger, held.disabled) == (AWAITING_CONFIRMATION, "schedule", 3)

    # Interval after interval, no other run: the schedule waits, and says so once.
    for _ in range(3):
        assert await _next_interval(timed, clock, directory) == []
    assert len(await _runs(timed, scheduled)) == 2  # the first run, and the held one
    assert await _notices(timed, scheduled) == [held.id]
    config = await timed.store.sync_configs.get(scheduled.org_id, scheduled.integration_id)
    assert config is not None and config.lease_until is None  # the lease is not kept
    assert config.next_run_at == clock.now + INTERVAL  # each skipped interval is used up

    # Discarded: the schedule goes on. The directory still says 3 of 5, so the next run is
    # held in its turn, and the schedule waits for that one.
    discarded = await discard_sync_run(timed, scheduled.caller, held.id)
    assert (discarded.status, discarded.disabled) == (DISCARDED, 3)
    assert discarded.message is not None and "nothing applied" in discarded.message
    assert await _next_interval(timed, clock, directory) == [AWAITING_CONFIRMATION]
    again = (await _runs(timed, scheduled))[0]
    assert again.id != held.id
    assert await _next_interval(timed, clock, directory) == []
    assert await _notices(timed, scheduled) == [held.id, again.id]

    # Confirmed: applied, and the schedule runs again at its next interval.
    confirmed = await confirm_sync_run(directory.wired(timed), scheduled.caller, again.id)
    assert (confirmed.status, confirmed.disabled) == (SUCCEEDED, 3)
    assert await _next_interval(timed, clock, directory) == [SUCCEEDED]
    assert await _next_interval(timed, clock, directory) == [SUCCEEDED]
    statuses = [run.status for run in await _runs(timed, scheduled)]  # newest first
    assert statuses == [SUCCEEDED, SUCCEEDED, SUCCEEDED, DISCARDED, SUCCEEDED]
    events = await timed.store.audit.page(scheduled.org_id, scheduled.integration_id, None, 100)
    discard_events = [e for e in events if e.action == "integration.sync_discarded"]
    assert [e.metadata["run_id"] for e in discard_events] == [held.id]
    assert discard_events[0].changes == {
        "status": {"before": AWAITING_CONFIRMATION, "after": DISCARDED}
    }


async def test_a_run_held_by_a_manual_run_also_stops_the_schedule(
    timed: Dependencies, clock: Clock, directory: ScimDirectory
) -> None:
    scheduled = await _scheduled(timed, directory)
    for person in scheduled.people[:2]:
        await directory.replace(person, "active", False)
    held = await run_sync(directory.wired(timed), scheduled.caller, scheduled.integration_id)
    assert held.status == AWAITING_CONFIRMATION
    assert await _next_interval(timed, clock, directory) == []
    assert await _notices(timed, scheduled) == [held.id]


async def test_only_a_held_run_is_discarded_and_only_once(
    timed: Dependencies, clock: Clock, directory: ScimDirectory
) -> None:
    scheduled = await _scheduled(timed, directory)
    caller = scheduled.caller
    succeeded = (await _runs(timed, scheduled))[0]
    with pytest.raises(ValidationFailed) as not_held:
        await discard_sync_run(timed, caller, succeeded.id)
    assert not_held.value.problems[0].field == ("input", "runId")
    assert "SUCCEEDED" in not_held.value.problems[0].message
    with pytest.raises(NotFound):
        await discard_sync_run(timed, caller, "0" * 24)
    other = (await create_admin(timed, "other", "admin@other.example", PASSWORD)).organization
    for person in scheduled.people[:3]:
        await directory.replace(person, "active", False)
    held = await run_sync(directory.wired(timed), caller, scheduled.integration_id)
    assert held.status == AWAITING_CONFIRMATION
    with pytest.raises(NotFound):  # another organization's run is not there for it
        await discard_sync_run(timed, Caller.system(other.id), held.id)

    # Two admins at once: one discards it, the other is told it is gone.
    outcomes = await asyncio.gather(
        *(discard_sync_run(timed, caller, held.id) for _ in range(4)), return_exceptions=True
    )
    assert [o.status for o in outcomes if isinstance(o, SyncRunRecord)] == [DISCARDED]
    refused = [o for o in outcomes if isinstance(o, ValidationFailed)]
    assert len(refused) == 3
    with pytest.raises(ValidationFailed):
        await confirm_sync_run(directory.wired(timed), caller, held.id)
    assert await timed.store.users.count(scheduled.org_id, _pending()) == 5  # nothing applied


async def test_a_confirmation_and_a_discard_at_once_one_wins(
    timed: Dependencies, directory: ScimDirectory
) -> None:
    scheduled = await _scheduled(timed, directory)
    caller = scheduled.caller
    for person in scheduled.people[:3]:
        await directory.replace(person, "active", False)
    held = await run_sync(directory.wired(timed), caller, scheduled.integration_id)
    assert held.status == AWAITING_CONFIRMATION
    confirmed, discarded = await asyncio.gather(
        confirm_sync_run(directory.wired(timed), caller, held.id),
        discard_sync_run(timed, caller, held.id),
        return_exceptions=True,
    )
    winners = [o for o in (confirmed, discarded) if isinstance(o, SyncRunRecord)]
    assert len(winners) == 1, (confirmed, discarded)
    assert sum(isinstance(o, ValidationFailed) for o in (confirmed, discarded)) == 1
    final = await timed.store.sync_runs.get(scheduled.org_id, held.id)
    assert final is not None and final.status == winners[0].status
    pending = await timed.store.users.count(scheduled.org_id, _pending())
    assert pending == (2 if final.status == SUCCEEDED else 5)


def _pending() -> UserFilter:
    return UserFilter(status="PENDING")


DISCARD = """mutation($input: DiscardSyncRunInput!) { discardSyncRun(input: $input) {
  syncRun { id status disabled message } userErrors { code message field } } }"""


async def test_discard_sync_run_over_graphql_needs_the_sync_scope(
    api: Api, directory: ScimDirectory
) -> None:
    admin, _, users_only = await partner(api, ["users:write"])
    organization = await api.deps.store.organizations.get_by_slug("acme")
    assert organization is not None
    org_id = organization.id
    caller = Caller.system(org_id)
    integration = await create_integration(api.deps, caller, "connex", "ConneX", "DIRECTORY")
    settings = SyncSettings(base_url=directory.base_url, bearer_token="t")
    await configure_sync(api.deps, caller, integration.id, settings)
    people = [await directory.add_person(f"p{i}", email=f"p{i}@bidder.example") for i in range(3)]
    await run_sync(directory.wired(api.deps), caller, integration.id)
    for person in people[:2]:
        await directory.replace(person, "active", False)
    held = await run_sync(directory.wired(api.deps), caller, integration.id)
    assert held.status == AWAITING_CONFIRMATION
    variables = {"input": {"runId": held.id}}

    forbidden = (await bearer(api, users_only, DISCARD, variables)).json()
    assert forbidden["data"]["discardSyncRun"]["userErrors"][0]["code"] == "FORBIDDEN", forbidden
    answer = await api.gql(admin, DISCARD, variables)
    payload = answer["data"]["discardSyncRun"]
    assert payload["userErrors"] == [], answer
    assert (payload["syncRun"]["status"], payload["syncRun"]["disabled"]) == (DISCARDED, 2)
    again = (await api.gql(admin, DISCARD, variables))["data"]["discardSyncRun"]
    assert again["syncRun"] is None
    assert again["userErrors"] == [
        {
            "code": "INVALID",
            "message": "This run is DISCARDED: only a held run can be discarded.",
            "field": ["input", "runId"],
        }
    ]
    events = await api.deps.store.audit.page(org_id, integration.id, None, 50)
    (event,) = [e for e in events if e.action == "integration.sync_discarded"]
    assert (event.actor_type, event.metadata["run_id"]) == ("user", held.id)


async def test_a_later_run_that_applies_the_changes_ends_the_held_run(
    timed: Dependencies, clock: Clock, directory: ScimDirectory
) -> None:
    scheduled = await _scheduled(timed, directory)
    for person in scheduled.people[:3]:
        await directory.replace(person, "active", False)
    assert await _next_interval(timed, clock, directory) == [AWAITING_CONFIRMATION]
    held = (await _runs(timed, scheduled))[0]

    # The directory is mended (only one person leaves after all) and an admin runs it now.
    for person in scheduled.people[1:3]:
        await directory.replace(person, "active", True)
    manual = await run_sync(directory.wired(timed), scheduled.caller, scheduled.integration_id)
    assert (manual.status, manual.disabled) == (SUCCEEDED, 1), manual

    ended = await timed.store.sync_runs.get(scheduled.org_id, held.id)
    assert ended is not None and ended.status == DISCARDED
    assert ended.message is not None and manual.id in ended.message
    events = await timed.store.audit.page(scheduled.org_id, scheduled.integration_id, None, 100)
    superseded = [e.metadata for e in events if e.action == "integration.sync_superseded"]
    assert superseded == [{"run_id": held.id, "superseded_by": manual.id}]
    # Nothing is held any more: the schedule runs again, and confirming the old run is refused.
    assert await _next_interval(timed, clock, directory) == [SUCCEEDED]
    with pytest.raises(ValidationFailed):
        await confirm_sync_run(directory.wired(timed), scheduled.caller, held.id)
    assert await timed.store.users.count(scheduled.org_id, UserFilter(status="DISABLED")) == 1


RUN = """mutation($input: RunSyncInput!) { runSync(input: $input) {
  syncRun { id status } userErrors { code message field } } }"""


async def test_a_run_while_another_holds_the_lease_answers_sync_busy(
    api: Api, directory: ScimDirectory
) -> None:
    admin, _, _ = await partner(api, ["users:write"])
    organization = await api.deps.store.organizations.get_by_slug("acme")
    assert organization is not None
    caller = Caller.system(organization.id)
    integration = await create_integration(api.deps, caller, "connex", "ConneX", "DIRECTORY")
    settings = SyncSettings(base_url=directory.base_url, bearer_token="t")
    await configure_sync(api.deps, caller, integration.id, settings)
    # Another instance's run holds the lease.
    assert await api.deps.store.sync_configs.take_lease(
        organization.id, integration.id, "another", api.deps.clock(), timedelta(minutes=5)
    )

    answer = await api.gql(admin, RUN, {"input": {"integrationId": integration.id}})
    assert answer["data"]["runSync"] == {
        "syncRun": None,
        "userErrors": [
            {
                "code": "SYNC_BUSY",
                "message": "A run of ConneX is in progress: try again when it ends.",
                "field": ["input", "integrationId"],
            }
        ],
    }, answer


async def test_a_run_with_no_scim_adapter_wired_fails_as_source_unavailable(
    deps: Dependencies, directory: ScimDirectory
) -> None:
    """The peer comes from Dependencies.scim_peers: without an adapter, nothing is reached."""
    org_id = (await create_admin(deps, "acme", "admin@acme.example", PASSWORD)).organization.id
    caller = Caller.system(org_id)
    integration = await create_integration(deps, caller, "connex", "ConneX", "DIRECTORY")
    settings = SyncSettings(base_url=directory.base_url, bearer_token="t")
    await configure_sync(deps, caller, integration.id, settings)
    await directory.add_person("p0", email="p0@bidder.example")

    run = await run_sync(deps, caller, integration.id)
    assert (run.status, run.created) == ("FAILED", 0)
    assert run.message == f"{directory.base_url} could not be reached (NO_ADAPTER)"
    assert (await run_sync(directory.wired(deps), caller, integration.id)).created == 1
