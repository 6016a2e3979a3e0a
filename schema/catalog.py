"""The organization's catalogues (departments, job profiles, permission types, companies),
and their loading by id through the request's DataLoaders."""

from __future__ import annotations

import strawberry

from schema.context import context_of
from store.reference import ReferenceRecord


@strawberry.type
class Department:
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, record: ReferenceRecord) -> Department:
        return cls(id=strawberry.ID(record.id), name=record.name)


@strawberry.type
class JobProfile:
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, record: ReferenceRecord) -> JobProfile:
        return cls(id=strawberry.ID(record.id), name=record.name)


@strawberry.type
class PermissionType:
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, record: ReferenceRecord) -> PermissionType:
        return cls(id=strawberry.ID(record.id), name=record.name)


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


@strawberry.type
class Company:
    id: strawberry.ID
    name: str
    kind: str = strawberry.field(description="OWN for the organization itself, else PARTNER")

    @classmethod
    def of(cls, record: ReferenceRecord) -> Company:
        return cls(id=strawberry.ID(record.id), name=record.name, kind=record.kind or "PARTNER")
