"""Organizations: creation with starter data, and what an organization's admin reads."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.users.required import REQUIRABLE
from provisioning.users.rules import Checker
from provisioning.users.write import KEEP, OBSERVER
from store.ids import new_id
from store.organizations import OrganizationRecord, SeatsInUse, SlugTaken
from store.reference import ReferenceRecord

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

STARTER_DEPARTMENTS = ("Administration", "Engineering", "Finance", "Operations", "Sales", "Support")
STARTER_JOB_PROFILES = ("Consultant", "Manager", "Recruiter", "Specialist")
STARTER_PERMISSION_TYPES = ("Standard", "Restricted", "Administrator")


@dataclass(frozen=True)
class SeatUsage:
    full: int
    observers: int
    limit: int | None


async def create_organization(
    deps: Dependencies, slug: str, name: str, default_language: str = "en"
) -> OrganizationRecord:
    """A new organization with its own company and a starter set of reference data."""
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise ValidationFailed(
            Problem("INVALID", "Slug must be lower-case letters, digits and dashes.", ("slug",))
        )
    org_id = new_id()
    company_id = new_id()
    record = OrganizationRecord(
        id=org_id,
        slug=slug,
        name=name.strip() or slug,
        default_language=default_language,
        own_company_id=company_id,
        seat_limit=None,
        full_seats_used=0,
        created_at=deps.clock(),
    )
    try:
        await deps.store.organizations.insert(record)
    except SlugTaken as error:
        raise ValidationFailed(
            Problem("INVALID", f"An organization with slug {slug!r} exists.", ("slug",))
        ) from error
    store = deps.store
    await asyncio.gather(
        store.companies.insert_many(
            org_id, [ReferenceRecord(company_id, org_id, record.name, kind="OWN")]
        ),
        store.departments.insert_many(
            org_id, [ReferenceRecord(new_id(), org_id, n) for n in STARTER_DEPARTMENTS]
        ),
        store.job_profiles.insert_many(
            org_id, [ReferenceRecord(new_id(), org_id, n) for n in STARTER_JOB_PROFILES]
        ),
        store.permission_types.insert_many(
            org_id, [ReferenceRecord(new_id(), org_id, n) for n in STARTER_PERMISSION_TYPES]
        ),
    )
    await record_event(
        deps,
        Caller.system(org_id),
        "organization.created",
        "Organization",
        org_id,
        diff({}, {**_settings_view(record), "slug": slug}),
    )
    return record


async def get_organization(deps: Dependencies, caller: Caller) -> OrganizationRecord:
    org_id = caller.require_signed_in()
    organization = await deps.store.organizations.get(org_id)
    if organization is None:
        raise NotFound("Organization")
    return organization


async def seat_usage(deps: Dependencies, caller: Caller) -> SeatUsage:
    org_id = caller.require_signed_in()
    organization, observers = await asyncio.gather(
        deps.store.organizations.get(org_id), deps.store.users.count_by_seat(org_id, OBSERVER)
    )
    if organization is None:
        raise NotFound("Organization")
    return SeatUsage(
        full=organization.full_seats_used, observers=observers, limit=organization.seat_limit
    )


async def update_settings(
    deps: Dependencies,
    caller: Caller,
    *,
    name: Any = KEEP,
    default_language: Any = KEEP,
    seat_limit: Any = KEEP,
    required_fields: Any = KEEP,
    defaults: dict[str, str | None] | None = None,
) -> OrganizationRecord:
    """Change the organization's name, default language or full-seat limit (None: unlimited).

    A limit below the full seats in use is refused (SEATS_IN_USE with the count): it would
    leave the organization over its limit with no seat to take away. `defaults`: the
    default department, job profile or permission type to set (by their users' field:
    department_id...; None clears one), each an entry of this organization not retired.
    """
    org_id = caller.require_admin()
    check = Checker()
    changes: dict[str, Any] = {}
    if name is not KEEP:
        changes["name"] = check.name("name", name)
    if default_language is not KEEP:
        if default_language is None:
            check.fail("defaultLanguage", "REQUIRED", "Default language cannot be cleared.")
        else:
            changes["default_language"] = check.language(default_language, "en")
    if seat_limit is not KEEP:
        if seat_limit is not None and seat_limit < 0:
            check.fail("seatLimit", "INVALID", "The seat limit cannot be negative.")
        changes["seat_limit"] = seat_limit
    if required_fields is not KEEP:
        unknown = set(required_fields or ()) - set(REQUIRABLE)
        if unknown:
            check.fail(
                "requiredFields", "INVALID", f"Fields cannot be required: {sorted(unknown)}."
            )
        changes["required_fields"] = sorted(set(required_fields or ()))
    for field, value in (defaults or {}).items():
        await _check_default(deps, org_id, check, field, value)
        changes[f"default_{field}"] = value
    if check.problems:
        raise ValidationFailed(*check.problems)
    current = await get_organization(deps, caller)
    if not changes:
        return current
    try:
        result = await deps.store.organizations.update(org_id, changes)
    except SeatsInUse as error:
        raise ValidationFailed(
            Problem(
                "SEATS_IN_USE",
                f"The seat limit cannot be below the {error.used} full seats in use;"
                " make some users observers first.",
                ("input", "seatLimit"),
            )
        ) from error
    if result is None:
        raise NotFound("Organization")
    before, after = result
    await record_event(
        deps,
        caller,
        "organization.updated",
        "Organization",
        org_id,
        diff(_settings_view(before), _settings_view(after)),
    )
    return after


# A default's users' field -> (its catalog's store attribute, the input field, a label).
_DEFAULTABLE = {
    "department_id": ("departments", "defaultDepartmentId", "Department"),
    "job_profile_id": ("job_profiles", "defaultJobProfileId", "Job profile"),
    "permission_type_id": ("permission_types", "defaultPermissionTypeId", "Permission type"),
}


async def _check_default(
    deps: Dependencies, org_id: str, check: Checker, field: str, value: str | None
) -> None:
    catalog, input_field, label = _DEFAULTABLE[field]
    if value is None:
        return
    entry = await getattr(deps.store, catalog).get(org_id, value)
    if entry is None:
        check.fail(input_field, "NOT_FOUND", f"{label} not found in this organization.")
    elif entry.retired:
        check.fail(input_field, "RETIRED", f"{label} {entry.name!r} is retired.")


def _settings_view(record: OrganizationRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "default_language": record.default_language,
        "seat_limit": record.seat_limit,
        "required_fields": list(record.required_fields),
        "default_department_id": record.default_department_id,
        "default_job_profile_id": record.default_job_profile_id,
        "default_permission_type_id": record.default_permission_type_id,
    }
