"""The fields an organization requires of every new user (seed 002: department, job
profile, permission type, language). A pure function the create path calls for every source
(createUser, import, SSO, sign-up...): a field the source did not supply and that has no
default is a MISSING_DEFAULT_<FIELD> problem, so no half-made user is ever written."""

from __future__ import annotations

import dataclasses

from provisioning.users.model import UserDraft
from provisioning.users.rules import Checker
from store.organizations import OrganizationRecord

# Requirable field -> (the draft's attribute, the GraphQL input field).
REQUIRABLE = {
    "department": ("department_id", "departmentId"),
    "job_profile": ("job_profile_id", "jobProfileId"),
    "permission_type": ("permission_type_id", "permissionTypeId"),
    "language": ("language", "language"),
}


def check_required(check: Checker, draft: UserDraft, organization: OrganizationRecord) -> None:
    """The language falls back to the organization's default language; the others have
    their default applied by the source before this (an SSO provider's default department)."""
    for name in organization.required_fields:
        attribute, field = REQUIRABLE[name]
        value = getattr(draft, attribute, None)
        if name == "language":
            value = value or organization.default_language
        if not value:
            check.fail(
                field,
                f"MISSING_DEFAULT_{name.upper()}",
                f"The organization requires a {name.replace('_', ' ')} on every user, and"
                " neither this request nor a default supplies one.",
            )


# The draft's reference -> the organization's default for it.
DEFAULTS = {
    "department_id": "default_department_id",
    "job_profile_id": "default_job_profile_id",
    "permission_type_id": "default_permission_type_id",
}


def with_defaults(draft: UserDraft, organization: OrganizationRecord) -> UserDraft:
    """The draft with the organization's default department, job profile and permission
    type where its source named none (a source's own default, an SSO provider's department
    say, was applied before and wins)."""
    missing = {
        field: getattr(organization, default)
        for field, default in DEFAULTS.items()
        if getattr(draft, field) is None and getattr(organization, default) is not None
    }
    return dataclasses.replace(draft, **missing) if missing else draft
