from __future__ import annotations

from typing import Annotated

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

    @strawberry.field(
        description="The signed-in caller's organization (any signed-in user or API client)."
    )
    async def organization(self, info: strawberry.Info) -> Organization:
        context = context_of(info)
        record = await organizations.get_organization(context.deps, context.caller)
        return Organization.of(record)

    @strawberry.field(description="A user of the caller's organization; null if there is none.")
    async def user(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
    ) -> User | None:
        context = context_of(info)
        record = await context.loaders.users.load(str(id))
        return User.of(record) if record else None

    @strawberry.field(
        description="Admins and clients with users:read: the organization's users, a page at a"
        " time, oldest first. Search is a case- and accent-insensitive prefix of a name,"
        " email or username."
    )
    async def users(
        self,
        info: strawberry.Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Prefix of a first or last name, email or"
                " username; null or blank: every user."
            ),
        ] = None,
        status: Annotated[
            UserStatus | None,
            strawberry.argument(description="Only users with this status; null: any status."),
        ] = None,
        seat: Annotated[
            Seat | None,
            strawberry.argument(description="Only users with this seat; null: any seat."),
        ] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 0 to 100.")] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(
                description="Cursor (an edge's cursor or pageInfo.endCursor) to read the page "
                "after; null: the first page."
            ),
        ] = None,
    ) -> UserConnection:
        context = context_of(info)
        deps, caller = context.deps, context.caller
        status_value, seat_value = (
            (status.value if status else None),
            (seat.value if seat else None),
        )
        page = await users.list_users(
            deps,
            caller,
            search=search,
            status=status_value,
            seat=seat_value,
            first=first,
            after_id=decode_cursor(after),
        )
        edges = [UserEdge(cursor=encode_cursor(u.id), node=User.of(u)) for u in page.users]

        async def count() -> int:
            return await users.count_users(
                deps, caller, search=search, status=status_value, seat=seat_value
            )

        return UserConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
            count=count,
        )

    @strawberry.field(description="Admins: the organization's audit trail, newest first.")
    async def audit_events(
        self,
        info: strawberry.Info,
        target_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only events about this object (a user's id, say); null: every event."
            ),
        ] = None,
        action: Annotated[
            str | None,
            strawberry.argument(
                description="Only events of this action (role.renamed); null: any."
            ),
        ] = None,
        actor_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only events by this user or API client; null: all."),
        ] = None,
        first: Annotated[int, strawberry.argument(description="Page size, 0 to 100.")] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor to read the page after; null: the first page."),
        ] = None,
    ) -> AuditEventConnection:
        context = context_of(info)
        page = await audit_trail.list_events(
            context.deps,
            context.caller,
            target_id=str(target_id) if target_id else None,
            action=action or None,
            actor_id=str(actor_id) if actor_id else None,
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
