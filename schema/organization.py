"""The organization: its settings, seats, catalogues, and the settings of each capability."""

from __future__ import annotations

import strawberry

from provisioning import organizations as organization_rules
from provisioning.catalog import Catalog, list_catalog
from provisioning.integrations.integrations import list_integrations
from provisioning.scim.settings import get_scim_settings
from schema.catalog import Company, Department, JobProfile, PermissionType
from schema.communication import CommunicationSettings, communication_settings_of
from schema.context import context_of
from schema.enums import RequiredField
from schema.integrations import Integration
from schema.licences import LicencePool, licence_pools_of
from schema.roles import Role, roles_of
from schema.scim import ScimSettings
from schema.signup import SignupSettings, signup_settings_of
from store.organizations import OrganizationRecord


@strawberry.type(description="How many seats the organization's users hold, against its limit.")
class SeatUsage:
    full: int = strawberry.field(description="Users holding a FULL (billable) seat.")
    observers: int = strawberry.field(description="Users holding an OBSERVER (free) seat.")
    limit: int | None = strawberry.field(description="the full-seat limit; null: unlimited")


def _id(value: str | None) -> strawberry.ID | None:
    return strawberry.ID(value) if value is not None else None


@strawberry.type(description="The organization's defaults and limits for its users.")
class OrganizationSettings:
    default_language: str = strawberry.field(
        description="Language (BCP 47 tag) given to new users who name none."
    )
    seat_limit: int | None = strawberry.field(
        description="The most FULL seats users may hold at once; null: unlimited."
    )
    required_fields: list[RequiredField] = strawberry.field(
        default_factory=list, description="The fields every new user must have."
    )
    default_department_id: strawberry.ID | None = strawberry.field(
        default=None, description="The department new users get when their source names none."
    )
    default_job_profile_id: strawberry.ID | None = strawberry.field(
        default=None, description="The job profile new users get when their source names none."
    )
    default_permission_type_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The permission type new users get when their source names none.",
    )


@strawberry.type(
    description="A customer organization (tenant): its settings, seats, catalogues and the "
    "settings of each capability. A signed-in user reads their own organization only."
)
class Organization:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the organization.")
    slug: str = strawberry.field(
        description="Short URL name of the organization, unique, as in /login/{slug}."
    )
    name: str = strawberry.field(description="Display name.")
    settings: OrganizationSettings = strawberry.field(
        description="Defaults and limits for the organization's users."
    )
    roles: list[Role] = strawberry.field(
        description="The roles users may hold: built-in first, then the organization's own."
    )

    @classmethod
    def of(cls, record: OrganizationRecord) -> Organization:
        return cls(
            id=strawberry.ID(record.id),
            slug=record.slug,
            name=record.name,
            settings=OrganizationSettings(
                default_language=record.default_language,
                seat_limit=record.seat_limit,
                required_fields=[RequiredField(f) for f in record.required_fields],
                default_department_id=_id(record.default_department_id),
                default_job_profile_id=_id(record.default_job_profile_id),
                default_permission_type_id=_id(record.default_permission_type_id),
            ),
            roles=roles_of(record.roles),
        )

    @strawberry.field(description="Seats in use now, and the limit.")
    async def seats(self, info: strawberry.Info) -> SeatUsage:
        context = context_of(info)
        usage = await organization_rules.seat_usage(context.deps, context.caller)
        return SeatUsage(full=usage.full, observers=usage.observers, limit=usage.limit)

    @strawberry.field(
        description="The organization's departments; a user's department is one of these."
    )
    async def departments(self, info: strawberry.Info) -> list[Department]:
        context = context_of(info)
        records = await list_catalog(context.deps, context.caller, Catalog.DEPARTMENTS)
        return [Department.of(r) for r in records]

    @strawberry.field(description="The organization's job profiles.")
    async def job_profiles(self, info: strawberry.Info) -> list[JobProfile]:
        context = context_of(info)
        records = await list_catalog(context.deps, context.caller, Catalog.JOB_PROFILES)
        return [JobProfile.of(r) for r in records]

    @strawberry.field(description="The organization's permission types.")
    async def permission_types(self, info: strawberry.Info) -> list[PermissionType]:
        context = context_of(info)
        records = await list_catalog(context.deps, context.caller, Catalog.PERMISSION_TYPES)
        return [PermissionType.of(r) for r in records]

    @strawberry.field(
        description="The companies the organization's users belong to"
        " (set by directory syncs or by admins)."
    )
    async def companies(self, info: strawberry.Info) -> list[Company]:
        context = context_of(info)
        records = await list_catalog(context.deps, context.caller, Catalog.COMPANIES)
        return [Company.of(r) for r in records]

    @strawberry.field(
        description="The integrations (other systems whose accounts are linked to users) the "
        "organization has."
    )
    async def integrations(self, info: strawberry.Info) -> list[Integration]:
        context = context_of(info)
        return [Integration.of(r) for r in await list_integrations(context.deps, context.caller)]

    @strawberry.field(description="Which channels carry activation messages, and when.")
    async def communication_settings(self, info: strawberry.Info) -> CommunicationSettings:
        return await communication_settings_of(info)

    @strawberry.field(description="Admins. Whether and how people may sign themselves up.")
    async def signup_settings(self, info: strawberry.Info) -> SignupSettings:
        return await signup_settings_of(info)

    @strawberry.field(description="One pool of licences per product, by product key.")
    async def licence_pools(self, info: strawberry.Info) -> list[LicencePool]:
        return await licence_pools_of(info)

    @strawberry.field(description="How SCIM (/scim/v2) provisioning acts on this organization.")
    async def scim_settings(self, info: strawberry.Info) -> ScimSettings:

        context = context_of(info)
        return ScimSettings.of(await get_scim_settings(context.deps, context.caller))
