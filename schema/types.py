"""Object types. Nested objects load through the request's DataLoaders."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from schema.catalog import (
    Company,
    Department,
    JobProfile,
    PermissionType,
    load_department,
    load_job_profile,
    load_permission_type,
)
from schema.context import context_of
from schema.enums import Seat, UserSource, UserStatus
from schema.identities import Identity, identities_of
from schema.pages import PageInfo
from store.audit import AuditRecord
from store.users import UserRecord

# User and IntegrationAccount, IntegrationConnection, Licence refer to each other (each
# module builds the other's type): strawberry.lazy names them here, and User's three fields
# import their builders when called. The only imports inside functions in schema/.
if TYPE_CHECKING:
    from schema.integrations import IntegrationAccount, IntegrationConnection
    from schema.licences import Licence


@strawberry.type
class User:
    id: strawberry.ID
    email: str | None
    email_verified: bool = strawberry.field(
        description="whether the email is trusted: proved by a link, set by the organization's"
        " own directory or identity provider, or marked verified by an admin"
    )
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
            email_verified=record.email_verified,
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
        from schema.connections import connection_status_of

        return await connection_status_of(info, str(self.id))

    @strawberry.field(
        description="The user's sign-in identities at identity providers, oldest first"
        " (admins, or the user themself; empty otherwise)."
    )
    async def identities(self, info: strawberry.Info) -> list[Identity]:
        return await identities_of(info, str(self.id))

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
