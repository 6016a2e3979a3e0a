"""Licence types: pools of seats per product, a user's licences, and their inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from provisioning import licences
from provisioning.licences import HeldLicence
from schema.context import context_of
from schema.errors import USER_ERRORS, UserError
from schema.pages import PageInfo, decode_cursor, encode_cursor
from schema.types import User, UserConnection, UserEdge, known_count
from store.licences import PoolRecord


@strawberry.type(
    description="The licences of one product the organization has: how many seats, how many are "
    "used, who holds them. Admins read it."
)
class LicencePool:
    product_key: str = strawberry.field(
        description="The product's key, lower-case and unique in the organization (crm)."
    )
    name: str = strawberry.field(description="The product's display name.")
    seats: int = strawberry.field(
        description="How many licences of the product the organization has."
    )
    used: int = strawberry.field(description="licences assigned now; never above seats")

    @strawberry.field(description="The users who hold this licence, in a stable order.")
    async def holders(
        self,
        info: strawberry.Info,
        first: Annotated[
            int, strawberry.argument(description="Page size (1 to 100; others are clamped).")
        ] = 50,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor to read the page after; null: the first page."),
        ] = None,
    ) -> UserConnection:
        context = context_of(info)
        page = await licences.pool_holders(
            context.deps, context.caller, self.product_key, first, decode_cursor(after)
        )
        edges = [UserEdge(cursor=encode_cursor(u.id), node=User.of(u)) for u in page.users]
        return UserConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
            count=known_count(page.total),
        )

    @classmethod
    def of(cls, record: PoolRecord) -> LicencePool:
        return cls(
            product_key=record.product_key, name=record.name, seats=record.seats, used=record.used
        )


@strawberry.type(description="A licence a user holds for one product.")
class Licence:
    product_key: str = strawberry.field(description="The product's key.")
    name: str = strawberry.field(description="The product's display name.")
    assigned_at: datetime = strawberry.field(
        description="When the licence was assigned to the user (UTC)."
    )

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


@strawberry.input(description="A product's licence pool to add or change (admins).")
class ConfigureLicencePoolInput:
    product_key: str = strawberry.field(description="lower-case, unique in the organization: crm")
    name: str = strawberry.field(description="The product's display name.")
    seats: int = strawberry.field(description="0 or more; never fewer than are assigned now")


@strawberry.input(description="A user and the product to give them a licence of (admins).")
class AssignLicenceInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    product_key: str = strawberry.field(description="The product's key.")


@strawberry.input(description="A user and the product whose licence to take back (admins).")
class RevokeLicenceInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    product_key: str = strawberry.field(description="The product's key.")


@strawberry.type(description="The result of configuring a licence pool.")
class LicencePoolPayload:
    licence_pool: LicencePool | None = strawberry.field(
        default=None,
        description="The pool as it now is; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
