from __future__ import annotations

import strawberry

from provisioning import audit_trail, organizations
from provisioning.users import write as users
from schema.context import context_of
from schema.enums import Seat, UserStatus
from schema.organization import Organization
from schema.pages import PageInfo, decode_cursor, encode_cursor
from schema.types import (
    AuditEvent,
    AuditEventConnection,
    AuditEventEdge,
    User,
    UserConnection,
    UserEdge,
)


@strawberry.type
class FoundationQuery:
    @strawberry.field(description="The signed-in user; null when not signed in.")
    async def me(self, info: strawberry.Info) -> User | None:
        context = context_of(info)
        user_id = context.caller.user_id
        if user_id is None:
            return None
        record = await users.get_user(context.deps, context.caller, user_id)
        return User.of(record) if record else None

    @strawberry.field
    async def organization(self, info: strawberry.Info) -> Organization:
        context = context_of(info)
        record = await organizations.get_organization(context.deps, context.caller)
        return Organization.of(record)

    @strawberry.field(description="A user of the caller's organization; null if there is none.")
    async def user(self, info: strawberry.Info, id: strawberry.ID) -> User | None:
        context = context_of(info)
        record = await context.loaders.users.load(str(id))
        return User.of(record) if record else None

    @strawberry.field(
        description="Search is a case- and accent-insensitive prefix of a name, email or username."
    )
    async def users(
        self,
        info: strawberry.Info,
        search: str | None = None,
        status: UserStatus | None = None,
        seat: Seat | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> UserConnection:
        context = context_of(info)
        page = await users.list_users(
            context.deps,
            context.caller,
            search=search,
            status=status.value if status else None,
            seat=seat.value if seat else None,
            first=first,
            after_id=decode_cursor(after),
        )
        edges = [UserEdge(cursor=encode_cursor(u.id), node=User.of(u)) for u in page.users]
        return UserConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
            total_count=page.total,
        )

    @strawberry.field(description="Newest first.")
    async def audit_events(
        self,
        info: strawberry.Info,
        target_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> AuditEventConnection:
        context = context_of(info)
        page = await audit_trail.list_events(
            context.deps,
            context.caller,
            target_id=str(target_id) if target_id else None,
            first=first,
            after_id=decode_cursor(after),
        )
        edges = [
            AuditEventEdge(cursor=encode_cursor(e.id), node=AuditEvent.of(e)) for e in page.events
        ]
        return AuditEventConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
            total_count=page.total,
        )
