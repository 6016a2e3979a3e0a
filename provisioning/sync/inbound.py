"""Directory sync: the directory is the source of truth for the people and companies it owns.

A run reads every user changed since the cursor (all of them when the cursor is null),
then plans, then applies:

- a new active person becomes a user (source DIRECTORY, managedBy the integration's key)
  with an integration account that keeps the directory's id, linked to it;
- a company or a department is matched by name, case-insensitively; one the organization
  does not have yet is created (a company as a PARTNER the directory manages), since the
  directory is the source of truth for both (a missing company is MISSING_COMPANY, a
  missing department is no department);
- a known person's directory-owned fields (mapping.FieldMap.owned: names, email and
  company, and the phone and the department where the sync config maps them) are put back
  to the directory's values, whatever was changed here; a field it does not map is
  neither read nor changed (a new user has none);
- a person deactivated at the source (active false), or, on a full run, no longer there,
  disables the user (sessions revoked, data kept);
- a record that cannot be applied is a SyncError (MISSING_EMAIL, MISSING_COMPANY,
  PHONE_INVALID, EMAIL_TAKEN), never skipped in silence. Such a record is not applied at
  all: a user is never left with some of the directory's values and not others.

Nothing is applied before the whole read has succeeded: a source that fails mid-read
fails the run, applies nothing, and leaves the cursor where it was. A run that would
disable more than the configured share of the users the directory manages stops before
applying (AWAITING_CONFIRMATION) until an admin confirms it.

The cursor: when a run completes, the cursor moves to the latest meta.lastModified it
read, rounded down to the millisecond that MongoDB keeps (so the next run re-reads at
most that millisecond, harmlessly). Records that failed with a SyncError do not hold the
cursor back: they stay on the run, each retryable alone once fixed at the source (or
re-read by moving the cursor back). After a settings change that maps more, a run reads
everything whatever the cursor (`full_read_due`, provisioning/sync/configuration.py).
"""

from __future__ import annotations

from datetime import datetime

from provisioning.sync.mapping import FieldMap, Person, Problem, read_person
from provisioning.sync.peer import PeerUnavailable, Resource
from provisioning.sync.plan import Plan
from provisioning.sync.state import Outcome, RunState
from provisioning.sync.writes import apply
from provisioning.users.model import DISABLED
from store.sync_runs import AWAITING_CONFIRMATION, SUCCEEDED
from store.users import UserRecord


def millis_floor(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


async def read_changes(state: RunState, since: datetime | None, where: str | None) -> Plan:
    """Reads every changed person from the source, and what Roster knows of them."""
    peer, deps = state.peer, state.deps
    if await peer.total_users() == 0:
        raise PeerUnavailable(
            f"{peer.base_url} answered that it has no users at all: treated as a failure of"
            " the directory, not as everyone having left."
        )
    people: dict[str, Person] = {}
    problems: dict[str, Problem] = {}
    latest: datetime | None = None
    fields = FieldMap.of(state.config)
    async for page in peer.changed_users(since, where):
        for resource in page:
            person, problem = read_person(resource, fields)
            if person is None:
                continue
            people[person.external_id] = person
            if problem is None:
                problems.pop(person.external_id, None)
            else:
                problems[person.external_id] = problem
            if person.last_modified and (latest is None or person.last_modified > latest):
                latest = person.last_modified
        state.counts.read = len(people)
        await state.heartbeat(f"read {len(people)} changed users")
    linked = await deps.store.directory.linked_accounts(state.org_id, state.integration.id)
    full = since is None and where is None
    # Every managed user: the guard compares the disables with all of them.
    wanted = list(linked.values())
    users: dict[str, UserRecord] = {}
    for start in range(0, len(wanted), 1000):
        users.update(await deps.store.users.get_many(state.org_id, wanted[start : start + 1000]))
    disables: list[tuple[str, UserRecord]] = []
    for external_id, user_id in linked.items():
        user = users.get(user_id)
        if user is None or user.status == DISABLED:
            continue
        person = people.get(external_id)
        if (person is not None and not person.active) or (person is None and full):
            disables.append((external_id, user))
    managed_active = sum(1 for u in users.values() if u.status != DISABLED)
    reenable = await deps.store.directory.disabled_by(state.org_id, state.integration.key)
    return Plan(people, problems, linked, users, disables, managed_active, latest, reenable)


def guard_message(state: RunState, plan: Plan) -> str | None:
    """Why this run must wait for an admin, if it would disable too many."""
    if plan.managed_active == 0 or not plan.disables:
        return None
    share = len(plan.disables) / plan.managed_active
    if share <= state.config.disable_threshold:
        return None
    return (
        f"This run would disable {len(plan.disables)} of the {plan.managed_active} users"
        f" {state.integration.name} manages ({share:.0%}), above the"
        f" {state.config.disable_threshold:.0%} threshold: an admin must confirm it."
    )


async def run_inbound(
    state: RunState, *, confirmed: bool = False, where: str | None = None
) -> Outcome:
    since = state.run.cursor_from if where is None else None
    plan = await read_changes(state, since, where)
    cursor_to = millis_floor(plan.latest) if plan.latest else state.run.cursor_from
    held = guard_message(state, plan)
    if held and not confirmed and not state.dry_run:
        state.counts.disabled = len(plan.disables)
        return Outcome(AWAITING_CONFIRMATION, cursor_to, held)
    await apply(state, plan)
    return Outcome(SUCCEEDED, cursor_to, held if state.dry_run else None)


async def apply_one(state: RunState, resource: Resource | None, external_id: str) -> bool:
    """Re-applies one record (a retry): True if it applied without a new error."""
    directory = state.deps.store.directory
    linked = await directory.linked_accounts(state.org_id, state.integration.id)
    reenable = await directory.disabled_by(state.org_id, state.integration.key)
    if resource is None:
        people: dict[str, Person] = {}
        user_id = linked.get(external_id)
        users = await state.deps.store.users.get_many(state.org_id, [user_id] if user_id else [])
        user = users.get(user_id or "")
        disables = [(external_id, user)] if user and user.status != DISABLED else []
        plan = Plan(people, {}, linked, users, disables, 0, None, reenable)
    else:
        person, problem = read_person(resource, FieldMap.of(state.config))
        assert person is not None
        user_id = linked.get(external_id)
        users = await state.deps.store.users.get_many(state.org_id, [user_id] if user_id else [])
        disables = []
        user = users.get(user_id or "")
        if not person.active and user is not None and user.status != DISABLED:
            disables.append((external_id, user))
        plan = Plan(
            {external_id: person},
            {external_id: problem} if problem else {},
            linked,
            users,
            disables,
            0,
            None,
            reenable,
        )
    await apply(state, plan)
    return state.counts.failed == 0
