"""Users: create, read and edit, with the organization's rules (seat, disable, enable and
delete: users/lifecycle.py; the model: users/model.py, re-exported here)."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioning.access.principal import ROLES, USERS_WRITE
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    ChangedMeanwhile,
    EmailTaken,
    NotFound,
    SeatLimitReached,
    UsernameTaken,
    ValidationFailed,
)
from provisioning.search import user_search_terms
from provisioning.sync.ownership import refuse_directory_fields
from provisioning.users.lifecycle import delete_user, disable_user, enable_user, set_user_seat
from provisioning.users.model import (
    ACTIVE,
    DISABLED,
    FULL,
    INVITED,
    KEEP,
    MAX_PAGE,
    OBSERVER,
    PENDING,
    PERSONAL_FIELDS,
    PRIVILEGED_ROLES,
    SEATS,
    SOURCES,
    STATUSES,
    Page,
    UserChanges,
    UserDraft,
    audit_view,
    unchanged_condition,
)
from provisioning.users.queries import get_user, get_users, list_users
from provisioning.users.rules import Checker
from store.ids import new_id
from store.organizations import OrganizationRecord
from store.users import DuplicateValue, UserRecord


def _terms(record: UserRecord) -> list[str]:
    return user_search_terms(record.first_name, record.last_name, record.email, record.username)


def _taken(error: DuplicateValue) -> EmailTaken | UsernameTaken:
    return UsernameTaken() if error.field == "username" else EmailTaken()


async def check_references(
    deps: Dependencies, org_id: str, check: Checker, references: dict[str, str | None]
) -> None:
    """Department, job profile, permission type and company must exist in this organization."""
    collections = {
        "department_id": (deps.store.departments, "departmentId", "Department"),
        "job_profile_id": (deps.store.job_profiles, "jobProfileId", "Job profile"),
        "permission_type_id": (deps.store.permission_types, "permissionTypeId", "Permission type"),
        "company_id": (deps.store.companies, "companyId", "Company"),
    }
    wanted = [(name, value) for name, value in references.items() if value is not None]
    found = await asyncio.gather(
        *(collections[name][0].exists(org_id, value) for name, value in wanted)
    )
    for (name, _), exists in zip(wanted, found, strict=True):
        if not exists:
            _, field, label = collections[name]
            check.fail(field, "NOT_FOUND", f"{label} not found in this organization.")


def _check_roles(check: Checker, roles: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        check.fail("roles", "INVALID", f"Unknown roles {unknown}; known roles are {list(ROLES)}.")
    return tuple(dict.fromkeys(role for role in roles if role in ROLES))


def check_rights(
    check: Checker,
    holds_admin: bool,
    before: UserRecord | None,
    roles: tuple[str, ...] | None,
    *,
    email_changes: bool = False,
    sets_password: bool = False,
) -> None:
    """The one rule on rights, whichever way a change arrives (GraphQL, import, SCIM, sync,
    command line): roles that grant rights, and passwords for someone else, are set only by
    a caller holding admin rights; so are an admin's email (a reset link goes to it) and
    roles. `before` is the user as stored (None for a new one), `roles` the roles it will
    have (None: unchanged). Every refusal is a FORBIDDEN problem on `check`."""
    if holds_admin:
        return
    held = set(before.roles) if before is not None else set()
    if roles is not None and (held ^ set(roles)) & PRIVILEGED_ROLES:
        check.fail("roles", "FORBIDDEN", "Only an organization admin may grant or remove ADMIN.")
    if sets_password:
        check.fail("password", "FORBIDDEN", "Only an organization admin may set a password.")
    if email_changes and held & PRIVILEGED_ROLES:
        check.fail("email", "FORBIDDEN", "Only an organization admin may change an admin's email.")


@dataclass(frozen=True)
class CheckedUser:
    """A new user's fields, normalised by createUser's rules."""

    first_name: str
    last_name: str
    email: str | None
    username: str | None
    phone: str | None
    language: str
    roles: tuple[str, ...]
    company_id: str | None


def check_new_user(
    check: Checker, draft: UserDraft, organization: OrganizationRecord, holds_admin: bool
) -> CheckedUser:
    """createUser's field rules without the database (references are checked apart):
    every failure is recorded on `check`. Bulk import applies them to each row.
    `holds_admin`: whether the caller may grant rights (check_rights)."""
    first_name = check.name("firstName", draft.first_name)
    last_name = check.name("lastName", draft.last_name)
    email = check.email(draft.email)
    username = check.username(draft.username)
    phone = check.phone(draft.phone)
    if not any(p.field and p.field[-1] in ("email", "username", "phone") for p in check.problems):
        check.contact(email, username, phone)
    language = check.language(draft.language, organization.default_language)
    roles = _check_roles(check, draft.roles)
    check_rights(
        check,
        holds_admin,
        None,
        roles,
        sets_password=draft.password_hash is not None or draft.must_change_password,
    )
    if draft.seat not in SEATS:
        check.fail("seat", "INVALID", f"Seat must be one of {list(SEATS)}.")
    return CheckedUser(
        first_name=first_name,
        last_name=last_name,
        email=email,
        username=username,
        phone=phone,
        language=language,
        roles=roles,
        company_id=draft.company_id or organization.own_company_id,
    )


async def create_user(deps: Dependencies, caller: Caller, draft: UserDraft) -> UserRecord:
    org_id = caller.require(USERS_WRITE)
    organization = await deps.store.organizations.get(org_id)
    if organization is None:
        raise NotFound("Organization")
    check = Checker()
    checked = check_new_user(check, draft, organization, caller.is_admin)
    first_name, last_name, language = checked.first_name, checked.last_name, checked.language
    email, username, phone = checked.email, checked.username, checked.phone
    roles, company_id = checked.roles, checked.company_id
    await check_references(
        deps,
        org_id,
        check,
        {
            "department_id": draft.department_id,
            "job_profile_id": draft.job_profile_id,
            "permission_type_id": draft.permission_type_id,
            "company_id": draft.company_id,
        },
    )
    if check.problems:
        raise ValidationFailed(*check.problems)

    now = deps.clock()
    record = UserRecord(
        id=new_id(),
        org_id=org_id,
        first_name=first_name,
        last_name=last_name,
        language=language,
        status=draft.status,
        seat=draft.seat,
        source=draft.source,
        created_at=now,
        updated_at=now,
        email=email,
        email_verified=draft.email_verified and email is not None,
        username=username,
        phone=phone,
        department_id=draft.department_id,
        job_profile_id=draft.job_profile_id,
        permission_type_id=draft.permission_type_id,
        company_id=company_id,
        roles=roles,
        password_hash=draft.password_hash,
        must_change_password=draft.must_change_password and draft.password_hash is not None,
        external_id=draft.external_id,
    )
    if record.seat == FULL and not await deps.store.organizations.reserve_full_seats(org_id):
        raise SeatLimitReached(organization.seat_limit)
    try:
        await deps.store.users.insert(record, _terms(record))
    except DuplicateValue as error:
        if record.seat == FULL:
            await deps.store.organizations.release_full_seats(org_id)
        raise _taken(error) from error
    except BaseException:
        if record.seat == FULL:
            await deps.store.organizations.release_full_seats(org_id)
        raise
    await record_event(
        deps, caller, "user.created", "User", record.id, diff({}, audit_view(record))
    )
    return record


async def void_links(deps: Dependencies, org_id: str, user_id: str) -> None:
    """After an email change: the invitation, sign-up and reset links sent to the old
    address must no longer work (they would prove, or take over, the new one)."""
    await deps.store.invitation_tokens.void_for_user(org_id, user_id, deps.clock())


async def update_user(
    deps: Dependencies,
    caller: Caller,
    user_id: str,
    changes: UserChanges,
    unchanged_since: datetime | None = None,
) -> UserRecord:
    """`unchanged_since`: apply only if the user's updated_at is still this (an ETag's
    If-Match), checked in the write itself; ChangedMeanwhile otherwise."""
    org_id = caller.require(USERS_WRITE)
    current = await deps.store.users.get(org_id, user_id)
    if current is None:
        raise NotFound("User", ("input", "userId"))
    unchanged = unchanged_condition(current, unchanged_since)
    given = changes.given()
    check = Checker()
    values: dict[str, Any] = {}
    if "first_name" in given:
        values["first_name"] = check.name("firstName", given["first_name"])
    if "last_name" in given:
        values["last_name"] = check.name("lastName", given["last_name"])
    if "email" in given:
        values["email"] = check.email(given["email"])
    if "username" in given:
        values["username"] = check.username(given["username"])
    if "phone" in given:
        values["phone"] = check.phone(given["phone"])
    if "language" in given:
        organization = await deps.store.organizations.get(org_id)
        default = organization.default_language if organization else "en"
        values["language"] = check.language(given["language"], default)
    if "external_id" in given:
        values["external_id"] = given["external_id"] or None
    if "roles" in given:
        values["roles"] = _check_roles(check, tuple(given["roles"] or ()))
        if (
            caller.user_id == user_id
            and "ADMIN" in current.roles
            and "ADMIN" not in values["roles"]
        ):
            check.fail("roles", "FORBIDDEN", "You cannot remove your own ADMIN role.")
    check_rights(
        check,
        caller.is_admin,
        current,
        values.get("roles"),
        email_changes="email" in values and values["email"] != current.email,
    )
    references: dict[str, str | None] = {
        name: given[name]
        for name in ("department_id", "job_profile_id", "permission_type_id", "company_id")
        if name in given
    }
    values.update(references)
    await check_references(deps, org_id, check, references)
    merged = dataclasses.replace(current, **values)
    if not check.problems:
        check.contact(merged.email, merged.username, merged.phone)
    if check.problems:
        raise ValidationFailed(*check.problems)
    if "email" in values and values["email"] != current.email:
        values["email_verified"] = False

    changed = {k: v for k, v in values.items() if getattr(current, k) != v}
    await refuse_directory_fields(deps, current, changed)
    if not changed:
        return current
    changed["updated_at"] = deps.clock()
    try:
        result = await deps.store.users.update(
            org_id,
            user_id,
            changed,
            search_terms=_terms(merged),
            only_if=unchanged or None,
        )
    except DuplicateValue as error:
        raise _taken(error) from error
    if result is None:
        if unchanged:
            raise ChangedMeanwhile()
        raise NotFound("User", ("input", "userId"))
    before, after = result
    if before.roles != after.roles:
        await deps.store.sessions.set_roles_for_user(org_id, user_id, after.roles)
    if before.email != after.email:
        await void_links(deps, org_id, user_id)
    await record_event(
        deps, caller, "user.updated", "User", user_id, diff(audit_view(before), audit_view(after))
    )
    return after


__all__ = [
    "ACTIVE",
    "DISABLED",
    "FULL",
    "INVITED",
    "KEEP",
    "MAX_PAGE",
    "OBSERVER",
    "PENDING",
    "PERSONAL_FIELDS",
    "PRIVILEGED_ROLES",
    "SEATS",
    "SOURCES",
    "STATUSES",
    "CheckedUser",
    "Page",
    "UserChanges",
    "UserDraft",
    "audit_view",
    "check_new_user",
    "check_references",
    "check_rights",
    "create_user",
    "delete_user",
    "disable_user",
    "enable_user",
    "get_user",
    "get_users",
    "list_users",
    "set_user_seat",
    "unchanged_condition",
    "update_user",
    "void_links",
]
