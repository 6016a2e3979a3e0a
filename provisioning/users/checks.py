"""createUser's rules on a new user, and the one rule on rights, whichever way a user is
created or changed (GraphQL, import, SCIM, sync, SSO, command line)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from provisioning.access.principal import MEMBER
from provisioning.dependencies import Dependencies
from provisioning.users.model import PRIVILEGED_ROLES, SEATS, UserDraft
from provisioning.users.required import check_required
from provisioning.users.roles import check_roles
from provisioning.users.rules import Checker
from store.organizations import OrganizationRecord
from store.users import UserRecord


async def check_references(
    deps: Dependencies, org_id: str, check: Checker, references: dict[str, str | None]
) -> None:
    """Department, job profile, permission type and company must exist in this organization,
    and not be retired (a retired entry keeps its users but takes no new ones)."""
    collections = {
        "department_id": (deps.store.departments, "departmentId", "Department"),
        "job_profile_id": (deps.store.job_profiles, "jobProfileId", "Job profile"),
        "permission_type_id": (deps.store.permission_types, "permissionTypeId", "Permission type"),
        "company_id": (deps.store.companies, "companyId", "Company"),
    }
    wanted = [(name, value) for name, value in references.items() if value is not None]
    found = await asyncio.gather(
        *(collections[name][0].get(org_id, value) for name, value in wanted)
    )
    for (name, _), entry in zip(wanted, found, strict=True):
        _, field, label = collections[name]
        if entry is None:
            check.fail(field, "NOT_FOUND", f"{label} not found in this organization.")
        elif entry.retired:
            check.fail(field, "RETIRED", f"{label} {entry.name!r} is retired: it takes no users.")
        elif entry.managed_by is not None:
            check.fail(
                field,
                "MANAGED_EXTERNALLY",
                f"{label} {entry.name!r} is managed by the directory {entry.managed_by!r}:"
                " its people come from there.",
            )


def check_rights(
    check: Checker,
    holds_admin: bool,
    before: UserRecord | None,
    roles: tuple[str, ...] | None,
    *,
    email_changes: bool = False,
    sets_password: bool = False,
    verifies_email: bool = False,
) -> None:
    """The one rule on rights, whichever way a change arrives (GraphQL, import, SCIM, sync,
    command line): roles that grant rights, passwords for someone else, and vouching for
    an email (emailVerified: the email then links SSO sign-ins) are set only by a caller
    holding admin rights; so are an admin's email (a reset link goes to it) and roles.
    `before` is the user as stored (None for a new one), `roles` the roles it will have
    (None: unchanged). Every refusal is a FORBIDDEN problem on `check`."""
    if holds_admin:
        return
    held = set(before.roles) if before is not None else set()
    changed = held ^ set(roles) if roles is not None else set()
    if changed & PRIVILEGED_ROLES:
        check.fail("roles", "FORBIDDEN", "Only an organization admin may grant or remove ADMIN.")
    elif changed - {MEMBER}:
        # An organization's own role grants no Roster right, but the applications that read
        # users grant access by it: it is a right there, so only an admin gives it.
        check.fail("roles", "FORBIDDEN", "Only an organization admin may grant or remove roles.")
    if sets_password:
        check.fail("password", "FORBIDDEN", "Only an organization admin may set a password.")
    if email_changes and held & PRIVILEGED_ROLES:
        check.fail("email", "FORBIDDEN", "Only an organization admin may change an admin's email.")
    if verifies_email:
        check.fail(
            "emailVerified", "FORBIDDEN", "Only an organization admin may mark an email verified."
        )


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
    check_required(check, draft, organization)
    roles = check_roles(check, draft.roles, organization)
    check_rights(
        check,
        holds_admin,
        None,
        roles,
        sets_password=draft.password_hash is not None or draft.must_change_password,
        verifies_email=draft.email_verified,
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
