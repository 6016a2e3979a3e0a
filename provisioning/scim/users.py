"""SCIM Users (RFC 7643 §4.1, RFC 7644 §3): Roster's users as SCIM resources.

Every change goes through provisioning/users.py, so validation, seats, uniqueness and the
audit trail are those of the rest of Roster; users created here have source SCIM.

The mapping between the two is provisioning/scim/user_resources.py.

DELETE disables or deletes, as the organization's SCIM settings say. A user it disables
is kept in Roster but is gone for SCIM (404, as RFC 7644 §3.6 requires); a later POST for
the same email or username brings that user back, enabled.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from pydantic import ValidationError
from scim2_models import (
    PatchOp,
    SCIMException,
)

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    ChangedMeanwhile,
    EmailTaken,
    NotFound,
    UsernameTaken,
    ValidationFailed,
)
from provisioning.scim.access import (
    TOLERANT,
    ScimRefused,
    changed_meanwhile,
    check_version,
    page_bounds,
    refused,
    scim_caller,
)
from provisioning.scim.companies import create_company, existing_company
from provisioning.scim.filter import users_query, users_sort
from provisioning.scim.groups import department_named
from provisioning.scim.user_resources import (
    ScimUser,
    Wanted,
    names_for,
    to_resource,
    version_of,
    wanted_from,
)
from provisioning.users.model import UserSource
from provisioning.users.rules import Checker
from provisioning.users.write import (
    DISABLED,
    PENDING,
    UserChanges,
    UserDraft,
    create_user,
    delete_user,
    disable_user,
    enable_user,
    update_user,
)
from store.organizations import OrganizationRecord
from store.scim import DELETE
from store.users import UserRecord, search_key


async def _references(
    deps: Dependencies, caller: Caller, wanted: Wanted, current: UserRecord | None = None
) -> tuple[OrganizationRecord, str | None, str | None]:
    """The department and company ids the names stand for, created if the organization has
    none of that name. A name that is the user's current one keeps that id, even if another
    department or company has it too."""
    org_id = caller.org_id
    organization = await deps.store.organizations.get(org_id)
    if organization is None:
        raise NotFound("Organization")
    names = await names_for(deps, org_id, [current]) if current else None
    company_id: str | None
    if (
        current
        and names
        and _same(names.companies.get(current.company_id or ""), wanted.organization)
    ):
        company_id = current.company_id
    elif wanted.organization is None:
        # Absent: the organization's own company, as for a user created without one.
        company_id = organization.own_company_id
    else:
        company_id = await existing_company(deps, org_id, wanted.organization)
        if company_id is None:
            # Check the user's fields first, so that a refused request leaves nothing behind.
            _precheck(wanted, organization)
            company_id = await create_company(deps, caller, wanted.organization, organization.name)
    if (
        current
        and names
        and _same(names.departments.get(current.department_id or ""), wanted.department)
    ):
        department_id = current.department_id
    elif wanted.department:
        _precheck(wanted, organization)
        department_id = await department_named(deps, caller, wanted.department)
    else:
        department_id = None
    return organization, department_id, company_id


def _precheck(wanted: Wanted, organization: OrganizationRecord) -> None:
    """The field rules of provisioning/users.py that need no database, ahead of them."""
    check = Checker()
    check.name("firstName", wanted.first_name)
    check.name("lastName", wanted.last_name)
    email = check.email(wanted.email)
    username = check.username(wanted.username)
    phone = check.phone(wanted.phone)
    check.language(wanted.language, organization.default_language)
    if not check.problems:
        check.contact(email, username, phone)
    if check.problems:
        raise ValidationFailed(*check.problems)


def _same(name: str | None, wanted: str | None) -> bool:
    return name is not None and wanted is not None and name.casefold() == wanted.strip().casefold()


async def create_scim_user(deps: Dependencies, caller: Caller, resource: ScimUser) -> UserRecord:
    """POST /Users. An existing user with that email or username is a 409 (uniqueness), so
    the identity provider matches and links; with adoptExistingUsers on, a non-SCIM user
    with that email is taken over instead."""
    caller = scim_caller(caller)
    org_id = caller.org_id
    wanted = wanted_from(resource)
    settings = await deps.store.scim.settings(org_id)
    hidden = await deps.store.scim.deprovisioned_user(
        org_id, _email_key(wanted.email), search_key(wanted.username)
    )
    if hidden is not None:
        # Provisioned again after a SCIM DELETE that disabled them: the same person returns.
        await deps.store.scim.set_deprovisioned(org_id, hidden.id, False)
        await record_event(deps, caller, "user.scim_reprovisioned", "User", hidden.id)
        return await _apply(deps, caller, hidden, wanted, guarded=False)
    if settings.adopt_existing_users and wanted.email:
        existing = await deps.store.users.find_by_email(org_id, wanted.email.strip().lower())
        if existing is not None and existing.source != "SCIM":
            return await _apply(deps, caller, existing, wanted, guarded=False)
    _, department_id, company_id = await _references(deps, caller, wanted)
    draft = UserDraft(
        first_name=wanted.first_name,
        last_name=wanted.last_name,
        email=wanted.email,
        username=wanted.username,
        phone=wanted.phone,
        language=wanted.language,
        department_id=department_id,
        company_id=company_id,
        source="SCIM",
        # Active at the identity provider: here, PENDING until activated (sendOnCreate's
        # invitation, or a first SSO sign-in), like a user made any other way.
        status=PENDING if wanted.active else DISABLED,
        external_id=wanted.external_id,
    )
    try:
        return await create_user(deps, caller, draft)
    except (EmailTaken, UsernameTaken) as error:
        raise ScimRefused("uniqueness", error.problems[0].message) from error


async def get_scim_user(deps: Dependencies, caller: Caller, user_id: str) -> UserRecord:
    caller = scim_caller(caller)
    record = await deps.store.scim.get_user(caller.org_id, user_id)
    if record is None:
        raise NotFound("User")
    return record


async def replace_scim_user(
    deps: Dependencies, caller: Caller, user_id: str, resource: ScimUser, if_match: str | None
) -> UserRecord:
    current = await get_scim_user(deps, caller, user_id)
    check_version(version_of(current), if_match)
    guarded = if_match is not None
    return await _apply(deps, scim_caller(caller), current, wanted_from(resource), guarded)


async def patch_scim_user(
    deps: Dependencies,
    caller: Caller,
    user_id: str,
    patch: PatchOp[ScimUser],
    if_match: str | None,
    base_url: str,
) -> UserRecord:
    """Applies the operations to the user as SCIM shows them, then stores the result."""
    current = await get_scim_user(deps, caller, user_id)
    check_version(version_of(current), if_match)
    names = await names_for(deps, current.org_id, [current])
    resource = to_resource(current, names, base_url)
    try:
        changed = patch.patch(resource, TOLERANT)
    except (ValidationError, SCIMException) as error:
        raise refused(error) from error
    if not changed:
        return current
    guarded = if_match is not None
    return await _apply(deps, scim_caller(caller), current, wanted_from(resource), guarded)


async def _apply(
    deps: Dependencies, caller: Caller, current: UserRecord, wanted: Wanted, guarded: bool
) -> UserRecord:
    """Brings the user to the wanted state: fields first (all checked before any write),
    then enabled or disabled. `guarded` (an If-Match was given): each write happens only if
    nobody changed the user since this request last saw them (`current`, then the field
    write's result), checked in the write itself, else 412."""
    _, department_id, company_id = await _references(deps, caller, wanted, current)
    changes = UserChanges(
        first_name=wanted.first_name,
        last_name=wanted.last_name,
        email=wanted.email,
        username=wanted.username,
        phone=wanted.phone,
        language=wanted.language,
        department_id=department_id,
        company_id=company_id,
        external_id=wanted.external_id,
    )
    try:
        record = await update_user(
            deps,
            caller,
            current.id,
            changes,
            unchanged_since=current.updated_at if guarded else None,
            # The organization's own identity provider vouches for the email it sets.
            email_from_identity_provider=True,
        )
        since = record.updated_at if guarded else None
        if not wanted.active and record.status != DISABLED:
            record = await disable_user(
                deps, caller, record.id, unchanged_since=since, source=UserSource.SCIM
            )
        elif wanted.active and record.status == DISABLED:
            record = await enable_user(
                deps, caller, record.id, unchanged_since=since, source=UserSource.SCIM
            )
    except (EmailTaken, UsernameTaken) as error:
        raise ScimRefused("uniqueness", error.problems[0].message) from error
    except ChangedMeanwhile as error:
        raise changed_meanwhile() from error
    return record


async def delete_scim_user(
    deps: Dependencies, caller: Caller, user_id: str, if_match: str | None
) -> None:
    """DELETE /Users/{id}: disables or deletes, as the organization's SCIM settings say.
    With If-Match, each write is conditional on the user being as this request last saw
    them, so that of concurrent DELETEs from one version exactly one is applied."""
    current = await get_scim_user(deps, caller, user_id)
    check_version(version_of(current), if_match)
    caller = scim_caller(caller)
    since = current.updated_at if if_match is not None else None
    settings = await deps.store.scim.settings(caller.org_id)
    try:
        if settings.deprovision == DELETE:
            await delete_user(deps, caller, user_id, unchanged_since=since)
            return
        disabled = await disable_user(
            deps, caller, user_id, unchanged_since=since, source=UserSource.SCIM
        )
    except ChangedMeanwhile as error:
        raise changed_meanwhile() from error
    # Hiding does not move updated_at, so the guarded hide also asks that nobody hid them.
    only_if = (
        None if since is None else {"updated_at": disabled.updated_at, "scim_deprovisioned": None}
    )
    if not await deps.store.scim.set_deprovisioned(caller.org_id, user_id, True, only_if):
        raise changed_meanwhile() if since is not None else NotFound("User")
    await record_event(deps, caller, "user.scim_deprovisioned", "User", user_id)


def _email_key(email: str | None) -> str | None:
    return email.strip().lower() if email else None


@dataclass(frozen=True)
class UserPage:
    users: list[UserRecord]
    total: int
    start_index: int


async def list_scim_users(
    deps: Dependencies,
    caller: Caller,
    *,
    filter_text: str | None,
    sort_by: str | None,
    sort_order: str | None,
    start_index: int | None,
    count: int | None,
) -> UserPage:
    caller = scim_caller(caller)
    org_id = caller.org_id
    query = users_query(filter_text)
    sort = users_sort(sort_by, sort_order)
    start, limit = page_bounds(start_index, count)
    users, total = await asyncio.gather(
        deps.store.scim.find_users(org_id, query, sort, start - 1, limit),
        deps.store.scim.count_users(org_id, query),
    )
    return UserPage(users=users, total=total, start_index=start)
