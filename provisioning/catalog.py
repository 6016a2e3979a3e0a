"""An organization's reference data: departments, job profiles, permission types, companies.

Admins create, rename and retire entries. A retired entry stays readable (users keep it
until moved) but takes no new users. Retiring one that users still reference is refused
with the count (IN_USE), or moves those users to a replacement, one audited update each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum

from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.users.rules import Checker
from store.ids import new_id
from store.integrations import IntegrationRecord
from store.reference import NameTaken, ReferenceData, ReferenceRecord


class CompanyKind(StrEnum):
    OWN = "OWN"
    PARTNER = "PARTNER"


class Catalog(Enum):
    DEPARTMENTS = "departments"
    JOB_PROFILES = "job_profiles"
    PERMISSION_TYPES = "permission_types"
    COMPANIES = "companies"


# The user field that references each catalog, and the entry's name in messages and audit.
USER_FIELD = {
    Catalog.DEPARTMENTS: "department_id",
    Catalog.JOB_PROFILES: "job_profile_id",
    Catalog.PERMISSION_TYPES: "permission_type_id",
    Catalog.COMPANIES: "company_id",
}
LABEL = {
    Catalog.DEPARTMENTS: "Department",
    Catalog.JOB_PROFILES: "JobProfile",
    Catalog.PERMISSION_TYPES: "PermissionType",
    Catalog.COMPANIES: "Company",
}


def _collection(deps: Dependencies, catalog: Catalog) -> ReferenceData:
    collection: ReferenceData = getattr(deps.store, catalog.value)
    return collection


async def list_catalog(
    deps: Dependencies, caller: Caller, catalog: Catalog
) -> list[ReferenceRecord]:
    return await _collection(deps, catalog).list(caller.require_signed_in())


async def load_catalog(
    deps: Dependencies, caller: Caller, catalog: Catalog, ids: Sequence[str]
) -> dict[str, ReferenceRecord]:
    return await _collection(deps, catalog).get_many(caller.require_signed_in(), ids)


def _name(name: str) -> str:
    check = Checker()
    cleaned = check.name("name", name)
    if check.problems:
        raise ValidationFailed(*check.problems)
    return cleaned


def _taken(error: NameTaken) -> ValidationFailed:
    return ValidationFailed(
        Problem("NAME_TAKEN", f"Another entry is named {error.name!r}.", ("input", "name"))
    )


async def create_entry(
    deps: Dependencies, caller: Caller, catalog: Catalog, name: str
) -> ReferenceRecord:
    org_id = caller.require_admin()
    record = ReferenceRecord(
        id=new_id(),
        org_id=org_id,
        name=_name(name),
        kind=CompanyKind.PARTNER if catalog is Catalog.COMPANIES else None,
    )
    try:
        await _collection(deps, catalog).insert_many(org_id, [record])
    except NameTaken as error:
        raise _taken(error) from error
    await record_event(
        deps, caller, f"{LABEL[catalog]}.created".lower(), LABEL[catalog], record.id,
        diff({}, {"name": record.name}),
    )  # fmt: skip
    return record


async def rename_entry(
    deps: Dependencies, caller: Caller, catalog: Catalog, entry_id: str, name: str
) -> ReferenceRecord:
    org_id = caller.require_admin()
    try:
        result = await _collection(deps, catalog).change(org_id, entry_id, {"name": _name(name)})
    except NameTaken as error:
        raise _taken(error) from error
    if result is None:
        raise NotFound(LABEL[catalog], ("input", "id"))
    before, after = result
    await record_event(
        deps, caller, f"{LABEL[catalog]}.renamed".lower(), LABEL[catalog], entry_id,
        diff({"name": before.name}, {"name": after.name}),
    )  # fmt: skip
    return after


async def retire_entry(
    deps: Dependencies,
    caller: Caller,
    catalog: Catalog,
    entry_id: str,
    replacement_id: str | None = None,
) -> ReferenceRecord:
    org_id = caller.require_admin()
    collection = _collection(deps, catalog)
    field = USER_FIELD[catalog]
    entry = await collection.get(org_id, entry_id)
    if entry is None:
        raise NotFound(LABEL[catalog], ("input", "id"))
    if entry.kind == CompanyKind.OWN:
        raise ValidationFailed(
            Problem("INVALID", "The organization's own company cannot be retired.", ("input", "id"))
        )
    if replacement_id is not None:
        replacement = await collection.get(org_id, replacement_id)
        if replacement is None or replacement.retired or replacement.id == entry.id:
            raise ValidationFailed(
                Problem(
                    "INVALID",
                    "The replacement must be another entry of this catalog, not retired.",
                    ("input", "replacementId"),
                )
            )
    else:
        in_use = await deps.store.users.ids_referencing(org_id, field, entry.id)
        if in_use:
            raise ValidationFailed(
                Problem(
                    "IN_USE",
                    f"{len(in_use)} users are in {entry.name!r}; move them first, or name a"
                    " replacement to move them to.",
                    ("input", "id"),
                )
            )
    result = await collection.change(org_id, entry.id, {"retired": True})
    if result is None:
        raise NotFound(LABEL[catalog], ("input", "id"))
    # Moved after retiring, so a user added meanwhile is moved too.
    moved = 0
    if replacement_id is not None:
        for user_id in await deps.store.users.ids_referencing(org_id, field, entry.id):
            changed = await deps.store.users.update(
                org_id,
                user_id,
                {field: replacement_id, "updated_at": deps.clock()},
                only_if={field: entry.id},
            )
            if changed is not None:
                moved += 1
                await record_event(
                    deps, caller, "user.updated", "User", user_id,
                    diff({field: entry.id}, {field: replacement_id}),
                )  # fmt: skip
    await record_event(
        deps, caller, f"{LABEL[catalog]}.retired".lower(), LABEL[catalog], entry.id,
        diff({"retired": False}, {"retired": True}),
        metadata={"replacement_id": replacement_id, "users_moved": moved},
    )  # fmt: skip
    return result[1]


@dataclass(frozen=True)
class CompanySync:
    """Which directory integration manages a company, and when it last read that directory."""

    integration_key: str
    integration: IntegrationRecord | None
    last_synced_at: datetime | None


async def company_sync(deps: Dependencies, caller: Caller, managed_by: str) -> CompanySync:
    org_id = caller.require_signed_in()
    integration = await deps.store.integrations.get_by_key(org_id, managed_by)
    if integration is None:
        return CompanySync(managed_by, None, None)
    cursors = await deps.store.sync_configs.cursors(org_id, [integration.id])
    return CompanySync(managed_by, integration, cursors.get(integration.id))
