"""Licence root fields: configure a product's pool, assign and revoke licences."""

from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning import licences
from resolvers.edge import payload_on_domain_error
from schema.context import context_of
from schema.licences import (
    AssignLicenceInput,
    ConfigureLicencePoolInput,
    LicencePool,
    LicencePoolPayload,
    RevokeLicenceInput,
)
from schema.payloads import UserPayload
from schema.types import User


@strawberry.type
class LicenceMutation:
    @strawberry.mutation(
        description="Admins only. Creates the product's pool, or renames or resizes it."
    )
    @payload_on_domain_error
    async def configure_licence_pool(
        self,
        info: strawberry.Info,
        input: Annotated[
            ConfigureLicencePoolInput,
            strawberry.argument(description="The product and its pool's settings."),
        ],
    ) -> LicencePoolPayload:
        context = context_of(info)
        record = await licences.configure_pool(
            context.deps, context.caller, input.product_key, input.name, input.seats
        )
        return LicencePoolPayload(licence_pool=LicencePool.of(record))

    @strawberry.mutation(
        description="Idempotent. SEAT_LIMIT when the product's pool has no licence left."
    )
    @payload_on_domain_error
    async def assign_licence(
        self,
        info: strawberry.Info,
        input: Annotated[
            AssignLicenceInput, strawberry.argument(description="The user and the product.")
        ],
    ) -> UserPayload:
        context = context_of(info)
        record = await licences.assign_licence(
            context.deps, context.caller, str(input.user_id), input.product_key
        )
        return UserPayload(user=User.of(record))

    @strawberry.mutation(description="Idempotent: revoking a licence not held changes nothing.")
    @payload_on_domain_error
    async def revoke_licence(
        self,
        info: strawberry.Info,
        input: Annotated[
            RevokeLicenceInput, strawberry.argument(description="The user and the product.")
        ],
    ) -> UserPayload:
        context = context_of(info)
        record = await licences.revoke_licence(
            context.deps, context.caller, str(input.user_id), input.product_key
        )
        return UserPayload(user=User.of(record))
