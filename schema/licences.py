"""Licence types: pools of seats per product, a user's licences, and their inputs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from provisioning import licences
from provisioning.licences import HeldLicence
from schema.context import context_of
from schema.errors import UserError
from schema.pages import PageInfo, decode_cursor, encode_cursor
from schema.types import User, UserConnection, UserEdge
from store.licences import PoolRecord


@strawberry.type
class LicencePool:
    product_key: str
    name: str
    seats: int
    used: int = strawberry.field(description="licences assigned now; never above seats")

    @strawberry.field(description="The users who hold this licence, in a stable order.")
    async def holders(
        self, info: strawberry.Info, first: int = 50, after: str | None = None
    ) -> UserConnection:
        context = context_of(info)
        page = await licences.pool_holders(
            context.deps, context.caller, self.product_key, first, decode_cursor(after)
        )
        edges = [UserEdge(cursor=encode_cursor(u.id), node=User.of(u)) for u in page.users]
        return UserConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
            total_count=page.total,
        )

    @classmethod
    def of(cls, record: PoolRecord) -> LicencePool:
        return cls(
            product_key=record.product_key, name=record.name, seats=record.seats, used=record.used
        )


@strawberry.type
class Licence:
    product_key: str
    name: str
    assigned_at: datetime

    @classmethod
    def of(cls, held: HeldLicence) -> Licence:
        return cls(product_key=held.product_key, name=held.name, assigned_at=held.assigned_at)


async def licences_of(info: strawberry.Info, user_id: str) -> list[Licence]:
    held = await context_of(info).loaders.licences.load(user_id)
    return [Licence.of(h) for h in held]


async def licence_pools_of(info: strawberry.Info) -> list[LicencePool]:
    context = context_of(info)
    return [LicencePool.of(p) for p in await licences.list_pools(context.deps, context.caller)]


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input
class ConfigureLicencePoolInput:
    product_key: str = strawberry.field(description="lower-case, unique in the organization: crm")
    name: str
    seats: int = strawberry.field(description="0 or more; never fewer than are assigned now")


@strawberry.input
class AssignLicenceInput:
    user_id: strawberry.ID
    product_key: str


@strawberry.input
class RevokeLicenceInput:
    user_id: strawberry.ID
    product_key: str


@strawberry.type
class LicencePoolPayload:
    licence_pool: LicencePool | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
