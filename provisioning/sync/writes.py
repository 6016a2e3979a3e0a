"""The writes of an inbound run: new users (with their integration accounts), the
directory's values put back on known users, and disables; each with its audit event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from provisioning.errors import EmailTaken, UsernameTaken
from provisioning.integrations.accounts import profile_of
from provisioning.sync.mapping import EMAIL_TAKEN, FORBIDDEN, FieldMap, Person
from provisioning.sync.plan import Plan
from provisioning.sync.references import Departments, companies_of, departments_of
from provisioning.sync.state import RunState
from provisioning.users.checks import CheckedUser
from provisioning.users.create import NewUser, create_checked
from provisioning.users.model import DISABLED, UserDraft, UserSource, UserStatus
from provisioning.users.required import check_required, with_defaults
from provisioning.users.rules import Checker
from provisioning.users.status import change_status
from provisioning.users.write import check_rights, write_changes
from store.integration_accounts import Activity
from store.organizations import OrganizationRecord
from store.reference import name_key
from store.users import UserRecord

BATCH = 500


async def apply(state: RunState, plan: Plan) -> None:
    deps = state.deps
    for external_id, problem in plan.problems.items():
        person = plan.people[external_id]
        user_id = plan.linked.get(external_id)
        await state.error(
            external_id, problem.code, problem.message, record=person.record, user_id=user_id
        )
    companies = await companies_of(state, plan)
    owned = FieldMap.of(state.config).owned
    syncs_departments = "department_id" in owned
    departments = await departments_of(state, plan) if syncs_departments else Departments({}, {})
    new_people = [
        p
        for e, p in plan.people.items()
        if e not in plan.linked and e not in plan.problems and p.active
    ]
    emails = [p.email for p in new_people if p.email]
    taken = await deps.store.directory.users_with_emails(state.org_id, emails)
    organization = await deps.store.organizations.get(state.org_id)
    created_links: dict[str, str] = {}
    activities: list[Activity] = []
    pending: list[tuple[Person, NewUser]] = []
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
        company_id = companies.get(name_key(person.company or ""))
        user_id = plan.linked.get(external_id)
        if user_id is None:
            department_id = departments.id_for(person.department, None)
            record = await _new_user(
                state, person, company_id, department_id, organization, taken, owned
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
    organization: OrganizationRecord | None,
    taken: dict[str, str],
    owned: tuple[str, ...],
) -> NewUser | None:
    """The user to create for a new person, or None (a sync error says why: EMAIL_TAKEN,
    or MISSING_DEFAULT_<FIELD> for a field the organization requires that neither the
    directory nor a default supplies). A phone or a department the directory does not own
    it has none of. The person passed the user field rules as it was read
    (mapping.read_person)."""
    if person.email is None:  # read_person refuses a person without one
        return None
    language = organization.default_language if organization else "en"
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
    phone = person.phone if "phone" in owned else None
    draft = UserDraft(
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        phone=phone,
        language=language,
        company_id=company_id,
        department_id=department_id if "department_id" in owned else None,
        source=UserSource.DIRECTORY,
        managed_by=state.integration.key,
    )
    check = Checker()
    if organization is not None:
        draft = with_defaults(draft, organization)
        check_required(check, draft, organization)
    if check.problems:
        await state.error(
            person.external_id,
            check.problems[0].code,
            " ".join(p.message for p in check.problems),
            record=person.record,
        )
        return None
    checked = CheckedUser(
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        username=None,
        phone=phone,
        language=language,
        roles=(),
        company_id=company_id,
    )
    return NewUser(draft, checked)


async def _insert(
    state: RunState,
    pending: list[tuple[Person, NewUser]],
    created_links: dict[str, str],
    activities: list[Activity],
) -> None:
    """Creates a batch of new users through the one create path (one insert_many, their
    events, activation as the organization's communication settings say)."""
    if not pending:
        return
    if state.dry_run:
        state.counts.created += len(pending)
        return
    outcomes = await create_checked(
        state.deps,
        state.caller,
        [new for _, new in pending],
        metadata={"integration_id": state.integration.id, "run_id": state.run.id},
    )
    for (person, _), outcome in zip(pending, outcomes, strict=True):
        if outcome.user is None:
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
        created_links[person.external_id] = outcome.user.id
        activities.append(_activity(person, outcome.user.created_at))


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
    enable = user.status == DISABLED and user.id in reenable
    if enable and not state.dry_run:
        metadata = {"integration_id": state.integration.id, "run_id": state.run.id}
        made = await change_status(
            deps,
            state.caller,
            state.org_id,
            [user.id],
            UserStatus.ACTIVE,
            source=UserSource.DIRECTORY,
            only_from=(DISABLED,),
            metadata={**metadata, "external_id": person.external_id},
        )
        user = made[user.id].after if user.id in made else user
    if not changes:
        if enable:
            state.counts.updated += 1
            return True
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
    if "email" in owned and person.email is not None:
        # The organization's own directory vouches for the emails it sets.
        changes["email_verified"] = True
    if state.dry_run:
        state.counts.updated += 1
        return True
    metadata = {"integration_id": state.integration.id, "run_id": state.run.id}
    try:
        result = await write_changes(deps, state.caller, user, changes, metadata=metadata)
    except (EmailTaken, UsernameTaken):
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
    state.counts.updated += 1
    return True


async def _disable(state: RunState, external_id: str, user: UserRecord) -> None:
    if state.dry_run:
        state.counts.disabled += 1
        return
    now = state.deps.clock()
    made = await change_status(
        state.deps,
        state.caller,
        state.org_id,
        [user.id],
        DISABLED,
        source=UserSource.DIRECTORY,
        only_from=(user.status,),
        # The same instant in both: the directory may enable again only a user untouched since.
        also={
            "disabled_by": state.integration.key,
            "updated_at": now,
            "directory_disabled_at": now,
        },
        metadata={
            "integration_id": state.integration.id,
            "run_id": state.run.id,
            "external_id": external_id,
        },
    )
    if user.id in made:
        state.counts.disabled += 1
