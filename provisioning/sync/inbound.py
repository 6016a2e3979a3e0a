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

import dataclasses
from datetime import datetime
from typing import Any

from provisioning.audit import diff, record_event
from provisioning.integrations.accounts import profile_of
from provisioning.search import user_search_terms
from provisioning.sync.mapping import (
    EMAIL_TAKEN,
    FORBIDDEN,
    FieldMap,
    Person,
    Problem,
    read_person,
)
from provisioning.sync.peer import PeerUnavailable, Resource
from provisioning.sync.state import Outcome, RunState
from provisioning.users.rules import Checker
from provisioning.users.write import check_rights, void_links
from store.audit import AuditRecord
from store.ids import new_id
from store.integration_accounts import Activity
from store.reference import ReferenceRecord, name_key
from store.sync_runs import AWAITING_CONFIRMATION, SUCCEEDED
from store.users import DuplicateValue, UserRecord

DISABLED, PENDING, OBSERVER = "DISABLED", "PENDING", "OBSERVER"
BATCH = 500


def millis_floor(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclasses.dataclass
class Plan:
    people: dict[str, Person]
    problems: dict[str, Problem]
    linked: dict[str, str]  # external id -> user id
    users: dict[str, UserRecord]  # by user id
    disables: list[tuple[str, UserRecord]]  # (external id, user)
    managed_active: int
    latest: datetime | None
    # Disabled by this directory, and untouched since: enabled again if active there.
    reenable: set[str] = dataclasses.field(default_factory=set)


def _view(record: UserRecord) -> dict[str, Any]:
    return {
        "first_name": record.first_name,
        "last_name": record.last_name,
        "email": record.email,
        "company_id": record.company_id,
        "phone": record.phone,
        "department_id": record.department_id,
        "status": record.status,
        "managed_by": record.managed_by,
        "source": record.source,
    }


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


async def _companies(state: RunState, plan: Plan) -> dict[str, str]:
    """Folded company name -> company id, creating the directory's new companies."""
    deps = state.deps
    existing = await deps.store.directory.companies_by_name(state.org_id)
    found = {name: company_id for name, (company_id, _) in existing.items()}
    wanted: dict[str, str] = {}
    for external_id, person in plan.people.items():
        if person.company and external_id not in plan.problems and person.active:
            wanted.setdefault(person.company.lower(), person.company)
    missing = [name for key, name in wanted.items() if key not in found]
    if missing and not state.dry_run:
        created = await deps.store.directory.insert_companies(
            state.org_id, missing, state.integration.key, deps.clock()
        )
        for name, company_id in created.items():
            found[name.lower()] = company_id
            await record_event(
                deps,
                state.caller,
                "company.created",
                "Company",
                company_id,
                {"name": {"before": None, "after": name}},
                metadata={"integration_id": state.integration.id},
            )
    elif missing:
        found.update({name.lower(): f"(new) {name}" for name in missing})
    return found


@dataclasses.dataclass(frozen=True)
class Departments:
    """The organization's departments: name key -> id (store/reference.py's name_key, as
    their unique index compares names), and id -> name key."""

    by_name: dict[str, str]
    names: dict[str, str]

    def id_for(self, name: str | None, current: str | None) -> str | None:
        """The department `name` stands for; the user's current one if it has that name."""
        if name is None:
            return None
        key = name_key(name)
        if current is not None and self.names.get(current) == key:
            return current
        return self.by_name.get(key)


async def _departments(state: RunState, plan: Plan) -> Departments:
    """The organization's departments, with the directory's new ones created."""
    deps = state.deps
    existing = await deps.store.departments.list(state.org_id)
    names = {d.id: name_key(d.name) for d in existing}
    by_name: dict[str, str] = {}
    for department_id, key in names.items():
        by_name.setdefault(key, department_id)  # the first, should an old pair fold alike
    wanted: dict[str, str] = {}
    for external_id, person in plan.people.items():
        if person.department and external_id not in plan.problems and person.active:
            wanted.setdefault(name_key(person.department), person.department)
    missing = [
        ReferenceRecord(id=new_id(), org_id=state.org_id, name=name)
        for key, name in wanted.items()
        if key not in by_name
    ]
    if missing and not state.dry_run:
        await deps.store.departments.insert_many(state.org_id, missing)
        for department in missing:
            await record_event(
                deps,
                state.caller,
                "department.created",
                "Department",
                department.id,
                {"name": {"before": None, "after": department.name}},
                metadata={"integration_id": state.integration.id, "run_id": state.run.id},
            )
    for department in missing:
        by_name[name_key(department.name)] = department.id
        names[department.id] = name_key(department.name)
    return Departments(by_name, names)


async def apply(state: RunState, plan: Plan) -> None:
    deps = state.deps
    for external_id, problem in plan.problems.items():
        person = plan.people[external_id]
        user_id = plan.linked.get(external_id)
        await state.error(
            external_id, problem.code, problem.message, record=person.record, user_id=user_id
        )
    companies = await _companies(state, plan)
    owned = FieldMap.of(state.config).owned
    syncs_departments = "department_id" in owned
    departments = await _departments(state, plan) if syncs_departments else Departments({}, {})
    new_people = [
        p
        for e, p in plan.people.items()
        if e not in plan.linked and e not in plan.problems and p.active
    ]
    emails = [p.email for p in new_people if p.email]
    taken = await deps.store.directory.users_with_emails(state.org_id, emails)
    organization = await deps.store.organizations.get(state.org_id)
    language = organization.default_language if organization else "en"
    created_links: dict[str, str] = {}
    activities: list[Activity] = []
    pending: list[tuple[Person, UserRecord]] = []
    done = 0
    for external_id, person in plan.people.items():
        done += 1
        if done % BATCH == 0:
            await state.heartbeat(f"applied {done} of {len(plan.people)}")
        if external_id in plan.problems:
            continue
        if not person.active:
            if external_id not in plan.linked:
                state.counts.skipped += 1  # never here, and gone there: nothing to do
            continue
        company_id = companies.get((person.company or "").lower())
        user_id = plan.linked.get(external_id)
        if user_id is None:
            department_id = departments.id_for(person.department, None)
            record = await _new_user(
                state, person, company_id, department_id, language, taken, owned
            )
            if record is not None:
                pending.append((person, record))
            if len(pending) >= BATCH:
                await _insert(state, pending, created_links, activities)
                pending = []
            continue
        user = plan.users.get(user_id)
        if user is None:
            state.counts.skipped += 1  # the linked user was deleted here: not recreated
            continue
        department_id = departments.id_for(person.department, user.department_id)
        if await _update(state, person, user, company_id, department_id, plan.reenable, owned):
            activities.append(_activity(person, deps.clock()))
    await _insert(state, pending, created_links, activities)
    for external_id, user in plan.disables:
        await _disable(state, external_id, user)
    if state.dry_run:
        return
    now = deps.clock()
    # The accounts of new users are new too: inserted linked, in batches. One left by an
    # interrupted run exists already: it is updated, then linked, like a known person's.
    new_accounts = [
        (a.external_id, created_links[a.external_id], a.profile)
        for a in activities
        if a.external_id in created_links and a.profile is not None
    ]
    existing = set(
        await deps.store.directory.insert_linked_accounts(
            state.org_id, state.integration.id, new_accounts, now
        )
    )
    known = [
        a for a in activities if a.external_id not in created_links or a.external_id in existing
    ]
    for start in range(0, len(known), BATCH):
        await deps.store.integration_accounts.record(
            state.org_id, state.integration.id, known[start : start + BATCH], now
        )
    await deps.store.directory.link_accounts(
        state.org_id,
        state.integration.id,
        {e: created_links[e] for e in existing},
        now,
    )


def _activity(person: Person, now: datetime) -> Activity:
    display = f"{person.first_name} {person.last_name}"
    profile = profile_of(
        person.external_id, person.email, display, person.first_name, person.last_name
    )
    return Activity(
        external_id=person.external_id, occurred_at=now, profile=profile, external_terms=()
    )


async def _new_user(
    state: RunState,
    person: Person,
    company_id: str | None,
    department_id: str | None,
    language: str,
    taken: dict[str, str],
    owned: tuple[str, ...],
) -> UserRecord | None:
    """The user to create for a new person, or None (EMAIL_TAKEN) if the email is taken.
    A phone or a department the directory does not own it has none of."""
    assert person.email is not None
    if person.email in taken:
        await state.error(
            person.external_id,
            EMAIL_TAKEN,
            f"Another user here already has {person.email} (user {taken[person.email]}):"
            " change the email at the directory, or this user's here.",
            record=person.record,
            user_id=taken[person.email],
        )
        return None
    taken[person.email] = "(this run)"
    now = state.deps.clock()
    return UserRecord(
        id=new_id(),
        org_id=state.org_id,
        first_name=person.first_name,
        last_name=person.last_name,
        language=language,
        status=PENDING,
        seat=OBSERVER,
        source="DIRECTORY",
        created_at=now,
        updated_at=now,
        email=person.email,
        phone=person.phone if "phone" in owned else None,
        company_id=company_id,
        department_id=department_id if "department_id" in owned else None,
        managed_by=state.integration.key,
    )


async def _insert(
    state: RunState,
    pending: list[tuple[Person, UserRecord]],
    created_links: dict[str, str],
    activities: list[Activity],
) -> None:
    """Inserts a batch of new users (one round trip), and their audit events (another)."""
    if not pending:
        return
    deps = state.deps
    if state.dry_run:
        state.counts.created += len(pending)
        return
    rows = [(r, user_search_terms(r.first_name, r.last_name, r.email, None)) for _, r in pending]
    refused = await deps.store.users.insert_many(state.org_id, rows)
    events: list[AuditRecord] = []
    for index, (person, record) in enumerate(pending):
        if index in refused:
            # Taken since the run looked (a concurrent create): reported, never skipped.
            await state.error(
                person.external_id,
                EMAIL_TAKEN,
                f"Another user here already has {person.email}: change the email at the"
                " directory, or this user's here.",
                record=person.record,
            )
            continue
        state.counts.created += 1
        created_links[person.external_id] = record.id
        activities.append(_activity(person, record.created_at))
        events.append(
            AuditRecord(
                id=new_id(),
                org_id=state.org_id,
                actor_type=state.caller.actor_type,
                actor_id=state.caller.actor_id,
                action="user.created",
                target_type="User",
                target_id=record.id,
                changes=diff({}, _view(record)),
                at=record.created_at,
                request_id=state.caller.request_id,
                metadata={"integration_id": state.integration.id, "run_id": state.run.id},
            )
        )
    await deps.store.audit.insert_many(events)


async def _update(
    state: RunState,
    person: Person,
    user: UserRecord,
    company_id: str | None,
    department_id: str | None,
    reenable: set[str],
    owned: tuple[str, ...],
) -> bool:
    deps = state.deps
    values: dict[str, Any] = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "company_id": company_id,
        "phone": person.phone,
        "department_id": department_id,
    }
    # Only what the directory owns: a field it does not map stays as Roster has it.
    wanted = {k: v for k, v in values.items() if k in owned}
    wanted["managed_by"] = state.integration.key
    changes = {k: v for k, v in wanted.items() if getattr(user, k) != v}
    if user.status == DISABLED and user.id in reenable:
        changes.update(status=user.status_before_disable or "ACTIVE", disabled_by=None)
    if not changes:
        state.counts.skipped += 1
        return False
    if "email" in changes:
        # The directory holds no admin rights: an admin's email (where a reset link goes)
        # is changed by an admin here, whoever runs the sync.
        check = Checker(prefix=())
        check_rights(check, False, user, None, email_changes=True)
        if check.problems:
            await state.error(
                person.external_id,
                FORBIDDEN,
                f"{user.email} is an admin here: the directory may not change their email"
                f" to {person.email}; an admin changes it here.",
                record=person.record,
                user_id=user.id,
            )
            return False
        changes["email_verified"] = False
    if state.dry_run:
        state.counts.updated += 1
        return True
    changes["updated_at"] = deps.clock()
    merged = dataclasses.replace(user, **{k: v for k, v in changes.items() if k != "disabled_by"})
    terms = user_search_terms(merged.first_name, merged.last_name, merged.email, merged.username)
    try:
        result = await deps.store.users.update(state.org_id, user.id, changes, search_terms=terms)
    except DuplicateValue:
        await state.error(
            person.external_id,
            EMAIL_TAKEN,
            f"Another user here already has {person.email}: change the email at the"
            " directory, or that user's here.",
            record=person.record,
            user_id=user.id,
        )
        return False
    if result is None:
        state.counts.skipped += 1
        return False
    before, after = result
    state.counts.updated += 1
    if before.email != after.email:
        await void_links(deps, state.org_id, user.id)
    await record_event(
        deps,
        state.caller,
        "user.updated",
        "User",
        user.id,
        diff(_view(before), _view(after)),
        metadata={"integration_id": state.integration.id, "run_id": state.run.id},
    )
    return True


async def _disable(state: RunState, external_id: str, user: UserRecord) -> None:
    deps = state.deps
    if state.dry_run:
        state.counts.disabled += 1
        return
    now = deps.clock()
    result = await deps.store.users.update(
        state.org_id,
        user.id,
        {
            "status": DISABLED,
            "status_before_disable": user.status,
            "updated_at": now,
            "disabled_by": state.integration.key,
            "directory_disabled_at": now,
        },
        only_if={"status": user.status},
    )
    await deps.store.sessions.delete_for_user(state.org_id, user.id)
    if result is None:
        return
    state.counts.disabled += 1
    before, after = result
    await record_event(
        deps,
        state.caller,
        "user.disabled",
        "User",
        user.id,
        diff(_view(before), _view(after)),
        metadata={
            "integration_id": state.integration.id,
            "run_id": state.run.id,
            "external_id": external_id,
        },
    )


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
