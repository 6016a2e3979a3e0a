"""Licence root fields: configure a product's pool, assign and revoke licences."""

from __future__ import annotations

import strawberry

from provisioning import licences
from provisioning.errors import DomainError
from schema.errors import user_errors
from schema.licences import (
    AssignLicenceInput,
    ConfigureLicencePoolInput,
    LicencePool,
    LicencePoolPayload,
    RevokeLicenceInput,
)
from schema.payloads import UserPayload
from schema.types import User, context_of


@strawberry.type
class LicenceMutation:
    @strawberry.mutation(
        description="Admins only. Creates the product's pool, or renames or resizes it."
    )
    async def configure_licence_pool(
        self, info: strawberry.Info, input: ConfigureLicencePoolInput
    ) -> LicencePoolPayload:
        context = context_of(info)
        try:
            record = await licences.configure_pool(
                context.deps, context.caller, input.product_key, input.name, input.seats
            )
        except DomainError as error:
            return LicencePoolPayload(user_errors=user_errors(error))
        return LicencePoolPayload(licence_pool=LicencePool.of(record))

    @strawberry.mutation(
        description="Idempotent. SEAT_LIMIT when the product's pool has no licence left."
    )
    async def assign_licence(self, info: strawberry.Info, input: AssignLicenceInput) -> UserPayload:
        context = context_of(info)
        try:
            record = await licences.assign_licence(
                context.deps, context.caller, str(input.user_id), input.product_key
            )
        except DomainError as error:
            return UserPayload(user_errors=user_errors(error))
        return UserPayload(user=User.of(record))

    @strawberry.mutation(description="Idempotent: revoking a licence not held changes nothing.")
    async def revoke_licence(self, info: strawberry.Info, input: RevokeLicenceInput) -> UserPayload:
        context = context_of(info)
        try:
            record = await licences.revoke_licence(
                context.deps, context.caller, str(input.user_id), input.product_key
            )
        except DomainError as error:
            return UserPayload(user_errors=user_errors(error))
        return UserPayload(user=User.of(record))
