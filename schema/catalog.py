"""The organization's catalogues (departments, job profiles, permission types, companies),
and their loading by id through the request's DataLoaders."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from provisioning.catalog import company_sync
from schema.context import context_of
from schema.enums import CompanyKind
from schema.errors import USER_ERRORS, UserError
from store.reference import ReferenceRecord

RETIRED = "Retired: still shown on the users that have it, but given to no new user."


@strawberry.type(description="A department of the organization; each user has at most one.")
class Department:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the department.")
    name: str = strawberry.field(description="Display name, unique in the organization.")
    retired: bool = strawberry.field(default=False, description=RETIRED)

    @classmethod
    def of(cls, record: ReferenceRecord) -> Department:
        return cls(id=strawberry.ID(record.id), name=record.name, retired=record.retired)


@strawberry.type(description="A job profile of the organization; each user has at most one.")
class JobProfile:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the job profile.")
    name: str = strawberry.field(description="Display name, unique in the organization.")
    retired: bool = strawberry.field(default=False, description=RETIRED)

    @classmethod
    def of(cls, record: ReferenceRecord) -> JobProfile:
        return cls(id=strawberry.ID(record.id), name=record.name, retired=record.retired)


@strawberry.type(
    description="A permission type of the organization (what the organization's applications let "
    "a user do); each user has at most one."
)
class PermissionType:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the permission type.")
    name: str = strawberry.field(description="Display name, unique in the organization.")
    retired: bool = strawberry.field(default=False, description=RETIRED)

    @classmethod
    def of(cls, record: ReferenceRecord) -> PermissionType:
        return cls(id=strawberry.ID(record.id), name=record.name, retired=record.retired)


async def load_department(info: strawberry.Info, department_id: str | None) -> Department | None:
    """The department by id through the request's loader (one query for the whole page)."""
    if department_id is None:
        return None
    found = await context_of(info).loaders.departments.load(department_id)
    return Department.of(found) if found else None


async def load_job_profile(info: strawberry.Info, job_profile_id: str | None) -> JobProfile | None:
    if job_profile_id is None:
        return None
    found = await context_of(info).loaders.job_profiles.load(job_profile_id)
    return JobProfile.of(found) if found else None


async def load_permission_type(
    info: strawberry.Info, permission_type_id: str | None
) -> PermissionType | None:
    if permission_type_id is None:
        return None
    found = await context_of(info).loaders.permission_types.load(permission_type_id)
    return PermissionType.of(found) if found else None


@strawberry.type(
    description="A company the organization's users belong to: the"
    " organization itself (OWN) or a partner."
)
class Company:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the company.")
    name: str = strawberry.field(description="Display name, unique in the organization.")
    kind: CompanyKind = strawberry.field(
        description="OWN for the organization itself, else PARTNER"
    )
    retired: bool = strawberry.field(default=False, description=RETIRED)
    managed_by_key: strawberry.Private[str | None] = None

    @classmethod
    def of(cls, record: ReferenceRecord) -> Company:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            kind=CompanyKind(record.kind or CompanyKind.PARTNER),
            retired=record.retired,
            managed_by_key=record.managed_by,
        )

    @strawberry.field(
        description="The directory integration that manages this company (its people come"
        " from there; no manual user may join it), and when it last synced. Null if none."
    )
    async def sync(self, info: strawberry.Info) -> CompanySync | None:
        if self.managed_by_key is None:
            return None
        context = context_of(info)
        found = await company_sync(context.deps, context.caller, self.managed_by_key)
        return CompanySync(
            integration_key=found.integration_key,
            integration_id=strawberry.ID(found.integration.id) if found.integration else None,
            integration_name=found.integration.name if found.integration else None,
            last_synced_at=found.last_synced_at,
        )


@strawberry.type(description="A company's entry in the Sync list.")
class CompanySync:
    integration_key: str = strawberry.field(description="The managing integration's key.")
    integration_id: strawberry.ID | None = strawberry.field(
        description="Null if that integration was deleted."
    )
    integration_name: str | None = strawberry.field(
        description="The managing integration's display name; null if it was deleted."
    )
    last_synced_at: datetime | None = strawberry.field(
        description="Where the integration's last run read the directory up to; null before"
        " its first run."
    )


@strawberry.enum(description="The organization's catalogs that users reference.")
class CatalogKind(Enum):
    DEPARTMENT = strawberry.enum_value("departments", description="Departments.")
    JOB_PROFILE = strawberry.enum_value("job_profiles", description="Job profiles.")
    PERMISSION_TYPE = strawberry.enum_value("permission_types", description="Permission types.")
    COMPANY = strawberry.enum_value("companies", description="Companies.")


@strawberry.type(description="One entry of a catalog: a department, job profile, ...")
class CatalogEntry:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the entry.")
    catalog: CatalogKind = strawberry.field(description="Which catalog the entry belongs to.")
    name: str = strawberry.field(description="Display name, unique in its catalog.")
    retired: bool = strawberry.field(description=RETIRED)

    @classmethod
    def of(cls, catalog: CatalogKind, record: ReferenceRecord) -> CatalogEntry:
        return cls(
            id=strawberry.ID(record.id), catalog=catalog, name=record.name, retired=record.retired
        )


@strawberry.type(description="The result of a change to a catalog entry.")
class CatalogEntryPayload:
    entry: CatalogEntry | None = strawberry.field(
        default=None,
        description="The entry as it now is; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="A new entry of a catalog (admins).")
class CreateCatalogEntryInput:
    catalog: CatalogKind = strawberry.field(description="The catalog to add it to.")
    name: str = strawberry.field(description="Unique in the catalog, case and spacing aside.")


@strawberry.input(description="An entry and its new name (admins); users keep the entry.")
class RenameCatalogEntryInput:
    catalog: CatalogKind = strawberry.field(description="The entry's catalog.")
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    name: str = strawberry.field(description="Unique in the catalog, case and spacing aside.")


@strawberry.input(
    description="An entry to retire (admins): it stays on record and takes no new users."
)
class RetireCatalogEntryInput:
    catalog: CatalogKind = strawberry.field(description="The entry's catalog.")
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    replacement_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Moves the entry's users here (one audited update each). Without it,"
        " retiring an entry that users still have is refused with IN_USE and their count.",
    )
