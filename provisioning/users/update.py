"""Changing a user's fields: one write for every source (GraphQL updateUser, SCIM replace
and patch, SCIM groups, the directory sync), which owns the rules every change obeys:

- an email that changes is no longer verified, and the links sent to the old one are
  void, unless the change itself vouches for the new one (`email_verified` in the change:
  the organization's directory or identity provider, or an admin; DESIGN.md, Identity);
- the search terms follow the names, email and username;
- sessions carry the user's roles as they now are;
- one `user.updated` event: the before and after of the audited fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from provisioning.access.principal import ADMIN, USERS_WRITE
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
from provisioning.sync.ownership import refuse_directory_fields
from provisioning.users.checks import check_references, check_rights
from provisioning.users.create import search_terms
from provisioning.users.model import KEEP, UserChanges, audit_view, unchanged_condition
from provisioning.users.roles import check_roles
from provisioning.users.rules import Checker
from store.users import DuplicateValue, UserRecord

# What a change may set besides the record's own fields (the directory's bookkeeping).
_NOT_ON_RECORD = frozenset({"disabled_by", "directory_disabled_at"})


async def void_links(deps: Dependencies, org_id: str, user_id: str) -> None:
    """After an email change: the invitation, sign-up and reset links sent to the old
    address must no longer work (they would prove, or take over, the new one)."""
    await deps.store.invitation_tokens.void_for_user(org_id, user_id, deps.clock())


def _taken(error: DuplicateValue) -> EmailTaken | UsernameTaken:
    return UsernameTaken() if error.field == "username" else EmailTaken()


async def write_changes(
    deps: Dependencies,
    caller: Caller,
    current: UserRecord,
    changes: Mapping[str, Any],
    *,
    only_if: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> tuple[UserRecord, UserRecord] | None:
    """Writes the checked `changes` to `current` (the values that differ), with the rules
    above. (before, after); (current, current) when nothing differs; None when no user
    matched (gone, or `only_if` failed). EmailTaken or UsernameTaken when another user
    has the value. The caller's rights were checked by the use case."""
    changed = {k: v for k, v in changes.items() if k in _NOT_ON_RECORD or getattr(current, k) != v}
    if "email" in changed and "email_verified" not in changes:
        changed["email_verified"] = False
    if current.email_verified == changed.get("email_verified"):
        del changed["email_verified"]
    if not changed:
        return current, current
    changed["updated_at"] = deps.clock()
    merged = dataclasses.replace(
        current, **{k: v for k, v in changed.items() if k not in _NOT_ON_RECORD}
    )
    org_id = current.org_id
    try:
        result = await deps.store.users.update(
            org_id,
            current.id,
            changed,
            search_terms=search_terms(merged),
            only_if=dict(only_if) if only_if else None,
        )
    except DuplicateValue as error:
        raise _taken(error) from error
    if result is None:
        return None
    before, after = result
    if before.roles != after.roles:
        await deps.store.sessions.set_roles_for_user(org_id, current.id, after.roles)
    if before.email != after.email:
        await void_links(deps, org_id, current.id)
    await record_event(
        deps,
        caller,
        "user.updated",
        "User",
        current.id,
        diff(audit_view(before), audit_view(after)),
        metadata=dict(metadata) if metadata else None,
    )
    return before, after


async def update_user(
    deps: Dependencies,
    caller: Caller,
    user_id: str,
    changes: UserChanges,
    unchanged_since: datetime | None = None,
    *,
    email_from_identity_provider: bool = False,
) -> UserRecord:
    """createUser's field rules on the fields given. `unchanged_since`: apply only if the
    user's updated_at is still this (an ETag's If-Match), checked in the write itself;
    ChangedMeanwhile otherwise. `email_from_identity_provider` (SCIM): the email is the
    organization's identity provider's, and so trusted, whoever its client is."""
    org_id = caller.require(USERS_WRITE)
    current = await deps.store.users.get(org_id, user_id)
    if current is None:
        raise NotFound("User", ("input", "userId"))
    unchanged = unchanged_condition(current, unchanged_since)
    check = Checker()
    values: dict[str, Any] = {}
    if changes.first_name is not KEEP:
        values["first_name"] = check.name("firstName", changes.first_name)
    if changes.last_name is not KEEP:
        values["last_name"] = check.name("lastName", changes.last_name)
    if changes.email is not KEEP:
        values["email"] = check.email(changes.email)
    if changes.username is not KEEP:
        values["username"] = check.username(changes.username)
    if changes.phone is not KEEP:
        values["phone"] = check.phone(changes.phone)
    if changes.language is not KEEP:
        organization = await deps.store.organizations.get(org_id)
        default = organization.default_language if organization else "en"
        values["language"] = check.language(changes.language, default)
    if changes.external_id is not KEEP:
        values["external_id"] = changes.external_id or None
    if changes.roles is not KEEP:
        organization = await deps.store.organizations.get(org_id)
        values["roles"] = check_roles(
            check, tuple(changes.roles or ()), organization, current.roles
        )
        if caller.user_id == user_id and ADMIN in current.roles and ADMIN not in values["roles"]:
            check.fail("roles", "FORBIDDEN", "You cannot remove your own ADMIN role.")
    email_changes = "email" in values and values["email"] != current.email
    if changes.email_verified is not KEEP:
        values["email_verified"] = changes.email_verified
    check_rights(
        check,
        caller.is_admin,
        current,
        values.get("roles"),
        email_changes=email_changes,
        verifies_email=changes.email_verified is True,
    )
    references: dict[str, str | None] = {
        name: value
        for name, value in (
            ("department_id", changes.department_id),
            ("job_profile_id", changes.job_profile_id),
            ("permission_type_id", changes.permission_type_id),
            ("company_id", changes.company_id),
        )
        if value is not KEEP
    }
    values.update(references)
    # Only references that change: a user may stay in an entry retired since.
    changing = {k: v for k, v in references.items() if v != getattr(current, k)}
    await check_references(deps, org_id, check, changing)
    merged = dataclasses.replace(current, **values)
    if not check.problems:
        check.contact(merged.email, merged.username, merged.phone)
    if check.problems:
        raise ValidationFailed(*check.problems)
    if email_from_identity_provider and merged.email is not None:
        values["email_verified"] = True
    if values.get("email_verified") and merged.email is None:
        values["email_verified"] = False  # nothing to vouch for

    await refuse_directory_fields(
        deps, current, {k: v for k, v in values.items() if getattr(current, k) != v}
    )
    result = await write_changes(deps, caller, current, values, only_if=unchanged)
    if result is None:
        if unchanged:
            raise ChangedMeanwhile()
        raise NotFound("User", ("input", "userId"))
    return result[1]
