"""Users: create, read and edit, with the organization's rules (creating: users/create.py;
seat, disable, enable and delete: users/lifecycle.py; the model: users/model.py; all
re-exported here)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from provisioning.access.principal import USERS_WRITE
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    ChangedMeanwhile,
    EmailTaken,
    NotFound,
    UsernameTaken,
    ValidationFailed,
)
from provisioning.search import user_search_terms
from provisioning.sync.ownership import refuse_directory_fields
from provisioning.users.checks import (
    PRIVILEGED_ROLES,
    CheckedUser,
    check_new_user,
    check_references,
    check_rights,
    check_roles,
)
from provisioning.users.create import create_user, create_users
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
from store.users import DuplicateValue, UserRecord


def _terms(record: UserRecord) -> list[str]:
    return user_search_terms(record.first_name, record.last_name, record.email, record.username)


def _taken(error: DuplicateValue) -> EmailTaken | UsernameTaken:
    return UsernameTaken() if error.field == "username" else EmailTaken()


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
        values["roles"] = check_roles(check, tuple(given["roles"] or ()))
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
    "create_users",
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
