"""Object types. Nested objects load through the request's DataLoaders."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
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
from schema.enums import ActorType, Seat, UserSource, UserStatus
from schema.identities import Identity, identities_of
from schema.pages import PageInfo
from store.audit import AuditRecord
from store.users import UserRecord

# User and IntegrationAccount, IntegrationLinkStatus, Licence refer to each other (each
# module builds the other's type): strawberry.lazy names them here, and User's three fields
# import their builders when called. The only imports inside functions in schema/.
if TYPE_CHECKING:
    from schema.integrations import IntegrationAccount, IntegrationLinkStatus
    from schema.licences import Licence


@strawberry.type(
    description="A person of an organization: their profile, lifecycle status and seat. Admins of"
    " the organization read every user; a user reads themselves."
)
class User:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the user.")
    email: str | None = strawberry.field(
        description="Email address, unique in the organization; null"
        " when the user has only a username."
    )
    email_verified: bool = strawberry.field(
        description="whether the email is trusted: proved by a link, set by the organization's"
        " own directory or identity provider, or marked verified by an admin"
    )
    username: str | None = strawberry.field(
        description="Login name, unique in the organization; null when the user signs in by email."
    )
    phone: str | None = strawberry.field(
        description="Mobile number in E.164 form (+4712345678), for texts; null when unknown."
    )
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    language: str = strawberry.field(
        description="Preferred language, a BCP 47 tag such as en-GB; mails and texts use it."
    )
    roles: list[str] = strawberry.field(
        description="Names of the organization roles the user holds"
        " (admin and the organization's own)."
    )
    status: UserStatus = strawberry.field(
        description="Lifecycle status; only ACTIVE users can sign in."
    )
    seat: Seat = strawberry.field(description="FULL (billable) or OBSERVER (free) seat.")
    source: UserSource = strawberry.field(description="How the user came to exist.")
    managed_by: str | None = strawberry.field(
        description="The key of the directory integration that manages this user's fields"
        " (local edits of them are refused); null when the user is managed in Roster."
    )
    created_at: datetime = strawberry.field(description="When the user was created (UTC).")
    updated_at: datetime = strawberry.field(description="When the user was last changed (UTC).")
    last_login_at: datetime | None = strawberry.field(
        description="When the user last signed in (UTC); null if never."
    )
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

    @strawberry.field(description="The user's department; null when none is set.")
    async def department(self, info: strawberry.Info) -> Department | None:
        return await load_department(info, self.department_id)

    @strawberry.field(description="The user's job profile; null when none is set.")
    async def job_profile(self, info: strawberry.Info) -> JobProfile | None:
        return await load_job_profile(info, self.job_profile_id)

    @strawberry.field(description="The user's permission type; null when none is set.")
    async def permission_type(self, info: strawberry.Info) -> PermissionType | None:
        return await load_permission_type(info, self.permission_type_id)

    @strawberry.field(
        description="The company the user belongs to (from a directory sync); null when none."
    )
    async def company(self, info: strawberry.Info) -> Company | None:
        if self.company_id is None:
            return None
        found = await context_of(info).loaders.companies.load(self.company_id)
        return Company.of(found) if found else None

    @strawberry.field(
        description="The integration accounts linked to this user, one per integration at most."
    )
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
    ) -> list[Annotated[IntegrationLinkStatus, strawberry.lazy("schema.integrations")]]:
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


@strawberry.type(description="One user in a page of users.")
class UserEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` to read the users after this one."
    )
    node: User = strawberry.field(description="The user.")


@strawberry.type(description="A page of users (Relay connection shape), in the order asked for.")
class UserConnection:
    edges: list[UserEdge] = strawberry.field(
        description="The users of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether there are more pages, and the cursors to read them."
    )
    # Counted only when totalCount is asked: a count reads every matching index entry (seconds
    # on a 10,000-user organization), and a page of the list does not need it.
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many users match the filter in all pages.")
    async def total_count(self) -> int:
        return await self.count()


def known_count(total: int) -> Callable[[], Awaitable[int]]:
    """A UserConnection's count when the page's query already has it."""

    async def count() -> int:
        return total

    return count


@strawberry.type(description="One field's value before and after an audited change.")
class FieldChange:
    field: str = strawberry.field(description="The field's GraphQL name (camelCase).")
    before: str | None = strawberry.field(description="the old value as JSON")
    after: str | None = strawberry.field(description="the new value as JSON")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


@strawberry.type(
    description="One entry of the organization's audit trail: who did what to which object, when."
    " Admins read it."
)
class AuditEvent:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the event.")
    action: str = strawberry.field(
        description="What happened, dotted (user.created,"
        " user.activated, sso.provider_updated ...)."
    )
    actor_type: ActorType = strawberry.field(description="Who did it.")
    actor_id: strawberry.ID | None = strawberry.field(
        description="Id of the user or API client that acted; null for the system."
    )
    target_type: str = strawberry.field(
        description="Kind of object acted on (user, organization, integration ...)."
    )
    target_id: strawberry.ID | None = strawberry.field(
        description="Id of the object acted on; null when the action has no single target."
    )
    changes: list[FieldChange] = strawberry.field(
        description="The fields the action changed, with values before and after; empty when none."
    )
    at: datetime = strawberry.field(description="When it happened (UTC).")
    request_id: str | None = strawberry.field(
        description="The id of the request that caused it (also in the server log); null for "
        "background work."
    )

    @strawberry.field(
        description="Who acted, for people to read: the user's name (or email or username),"
        " the API client's name, or Roster for the system; null if the user or client is"
        " gone (deleted users keep no name)."
    )
    async def actor_name(self, info: strawberry.Info) -> str | None:
        if self.actor_type is ActorType.system:
            return "Roster"
        if self.actor_id is None:
            return None
        loaders = context_of(info).loaders
        if self.actor_type is ActorType.client:
            client = await loaders.api_clients.load(str(self.actor_id))
            return client.name if client else None
        user = await loaders.users.load(str(self.actor_id))
        if user is None:
            return None
        return f"{user.first_name} {user.last_name}".strip() or user.email or user.username

    @classmethod
    def of(cls, record: AuditRecord) -> AuditEvent:
        return cls(
            id=strawberry.ID(record.id),
            action=record.action,
            actor_type=ActorType(record.actor_type),
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


@strawberry.type(description="One event in a page of audit events.")
class AuditEventEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` to read the events after this one."
    )
    node: AuditEvent = strawberry.field(description="The audit event.")


@strawberry.type(description="A page of audit events (Relay connection shape), newest first.")
class AuditEventConnection:
    edges: list[AuditEventEdge] = strawberry.field(
        description="The events of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether there are more pages, and the cursors to read them."
    )
    total_count: int = strawberry.field(description="How many events match in all pages.")
