"""Object types. Nested objects load through the request's DataLoaders."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from provisioning import organizations as organization_rules
from provisioning.catalog import Catalog, list_catalog
from provisioning.integrations.integrations import list_integrations
from provisioning.scim.settings import get_scim_settings
from schema.communication import CommunicationSettings, communication_settings_of
from schema.context import context_of
from schema.enums import Seat, UserSource, UserStatus
from schema.scim import ScimSettings
from store.audit import AuditRecord
from store.organizations import OrganizationRecord
from store.reference import ReferenceRecord
from store.users import UserRecord

if TYPE_CHECKING:
    from schema.integrations import Integration, IntegrationAccount, IntegrationConnection
    from schema.licences import Licence, LicencePool
    from schema.signup import SignupSettings


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, cursors: list[str], has_next: bool, after: str | None) -> PageInfo:
        """The page info of a forward page: `cursors` of its edges, in order."""
        return cls(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


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


@strawberry.type
class User:
    id: strawberry.ID
    email: str | None
    username: str | None
    phone: str | None
    first_name: str
    last_name: str
    language: str
    roles: list[str]
    status: UserStatus
    seat: Seat
    source: UserSource
    managed_by: str | None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    department_id: strawberry.Private[str | None]
    job_profile_id: strawberry.Private[str | None]
    permission_type_id: strawberry.Private[str | None]
    company_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, record: UserRecord) -> User:
        return cls(
            id=strawberry.ID(record.id),
            email=record.email,
            username=record.username,
            phone=record.phone,
            first_name=record.first_name,
            last_name=record.last_name,
            language=record.language,
            roles=list(record.roles),
            status=UserStatus(record.status),
            seat=Seat(record.seat),
            source=UserSource(record.source),
            managed_by=record.managed_by,
            created_at=record.created_at,
            updated_at=record.updated_at,
            last_login_at=record.last_login_at,
            department_id=record.department_id,
            job_profile_id=record.job_profile_id,
            permission_type_id=record.permission_type_id,
            company_id=record.company_id,
        )

    @strawberry.field
    async def department(self, info: strawberry.Info) -> Department | None:
        return await load_department(info, self.department_id)

    @strawberry.field
    async def job_profile(self, info: strawberry.Info) -> JobProfile | None:
        return await load_job_profile(info, self.job_profile_id)

    @strawberry.field
    async def permission_type(self, info: strawberry.Info) -> PermissionType | None:
        return await load_permission_type(info, self.permission_type_id)

    @strawberry.field
    async def company(self, info: strawberry.Info) -> Company | None:
        if self.company_id is None:
            return None
        found = await context_of(info).loaders.companies.load(self.company_id)
        return Company.of(found) if found else None

    @strawberry.field
    async def linked_accounts(
        self, info: strawberry.Info
    ) -> list[Annotated[IntegrationAccount, strawberry.lazy("schema.integrations")]]:
        from schema.integrations import linked_accounts_of

        return await linked_accounts_of(info, str(self.id))

    @strawberry.field(
        description="One row per integration that users of the organization are linked to."
    )
    async def connection_status(
        self, info: strawberry.Info
    ) -> list[Annotated[IntegrationConnection, strawberry.lazy("schema.integrations")]]:
        from schema.integrations import connection_status_of

        return await connection_status_of(info, str(self.id))

    @strawberry.field(description="The user's licences, by product key.")
    async def licences(
        self, info: strawberry.Info
    ) -> list[Annotated[Licence, strawberry.lazy("schema.licences")]]:
        from schema.licences import licences_of

        return await licences_of(info, str(self.id))


@strawberry.type
class UserEdge:
    cursor: str
    node: User


@strawberry.type
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class SeatUsage:
    full: int
    observers: int
    limit: int | None = strawberry.field(description="the full-seat limit; null: unlimited")


@strawberry.type
class OrganizationSettings:
    default_language: str
    seat_limit: int | None


@strawberry.type
class Organization:
    id: strawberry.ID
    slug: str
    name: str
    settings: OrganizationSettings

    @classmethod
    def of(cls, record: OrganizationRecord) -> Organization:
        return cls(
            id=strawberry.ID(record.id),
            slug=record.slug,
            name=record.name,
            settings=OrganizationSettings(
                default_language=record.default_language, seat_limit=record.seat_limit
            ),
        )

    @strawberry.field
    async def seats(self, info: strawberry.Info) -> SeatUsage:
        context = context_of(info)
        usage = await organization_rules.seat_usage(context.deps, context.caller)
        return SeatUsage(full=usage.full, observers=usage.observers, limit=usage.limit)

    @strawberry.field
    async def departments(self, info: strawberry.Info) -> list[Department]:
        context = context_of(info)
        records = await list_catalog(context.deps, context.caller, Catalog.DEPARTMENTS)
        return [Department.of(r) for r in records]

    @strawberry.field
    async def job_profiles(self, info: strawberry.Info) -> list[JobProfile]:
        context = context_of(info)
        records = await list_catalog(context.deps, context.caller, Catalog.JOB_PROFILES)
        return [JobProfile.of(r) for r in records]

    @strawberry.field
    async def permission_types(self, info: strawberry.Info) -> list[PermissionType]:
        context = context_of(info)
        records = await list_catalog(context.deps, context.caller, Catalog.PERMISSION_TYPES)
        return [PermissionType.of(r) for r in records]

    @strawberry.field
    async def companies(self, info: strawberry.Info) -> list[Company]:
        context = context_of(info)
        records = await list_catalog(context.deps, context.caller, Catalog.COMPANIES)
        return [Company.of(r) for r in records]

    @strawberry.field
    async def integrations(
        self, info: strawberry.Info
    ) -> list[Annotated[Integration, strawberry.lazy("schema.integrations")]]:
        from schema.integrations import Integration

        context = context_of(info)
        return [Integration.of(r) for r in await list_integrations(context.deps, context.caller)]

    @strawberry.field(description="Which channels carry activation messages, and when.")
    async def communication_settings(self, info: strawberry.Info) -> CommunicationSettings:
        return await communication_settings_of(info)

    @strawberry.field(description="Admins. Whether and how people may sign themselves up.")
    async def signup_settings(
        self, info: strawberry.Info
    ) -> Annotated[SignupSettings, strawberry.lazy("schema.signup")]:
        from schema.signup import signup_settings_of

        return await signup_settings_of(info)

    @strawberry.field(description="One pool of licences per product, by product key.")
    async def licence_pools(
        self, info: strawberry.Info
    ) -> list[Annotated[LicencePool, strawberry.lazy("schema.licences")]]:
        from schema.licences import licence_pools_of

        return await licence_pools_of(info)

    @strawberry.field(description="How SCIM (/scim/v2) provisioning acts on this organization.")
    async def scim_settings(
        self, info: strawberry.Info
    ) -> Annotated[ScimSettings, strawberry.lazy("schema.scim")]:

        context = context_of(info)
        return ScimSettings.of(await get_scim_settings(context.deps, context.caller))


@strawberry.type
class FieldChange:
    field: str
    before: str | None = strawberry.field(description="the old value as JSON")
    after: str | None = strawberry.field(description="the new value as JSON")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


@strawberry.type
class AuditEvent:
    id: strawberry.ID
    action: str
    actor_type: str = strawberry.field(description="user, client or system")
    actor_id: strawberry.ID | None
    target_type: str
    target_id: strawberry.ID | None
    changes: list[FieldChange]
    at: datetime
    request_id: str | None

    @classmethod
    def of(cls, record: AuditRecord) -> AuditEvent:
        return cls(
            id=strawberry.ID(record.id),
            action=record.action,
            actor_type=record.actor_type,
            actor_id=strawberry.ID(record.actor_id) if record.actor_id else None,
            target_type=record.target_type,
            target_id=strawberry.ID(record.target_id) if record.target_id else None,
            changes=[
                FieldChange(
                    field=_camel(name), before=_json(c.get("before")), after=_json(c.get("after"))
                )
                for name, c in record.changes.items()
            ],
            at=record.at,
            request_id=record.request_id,
        )


@strawberry.type
class AuditEventEdge:
    cursor: str
    node: AuditEvent


@strawberry.type
class AuditEventConnection:
    edges: list[AuditEventEdge]
    page_info: PageInfo
    total_count: int
