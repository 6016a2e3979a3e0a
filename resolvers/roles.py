"""Role root fields: admins create, rename and retire the organization's own roles."""

from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning import roles
from resolvers.edge import payload_on_domain_error
from schema.context import context_of
from schema.roles import CreateRoleInput, RenameRoleInput, RetireRoleInput, Role, RolePayload


@strawberry.type
class RoleMutation:
    @strawberry.mutation(description="Admins only. NAME_TAKEN if a role has that name.")
    @payload_on_domain_error
    async def create_role(
        self,
        info: strawberry.Info,
        input: Annotated[CreateRoleInput, strawberry.argument(description="The new role's name.")],
    ) -> RolePayload:
        context = context_of(info)
        name, retired = await roles.create_role(context.deps, context.caller, input.name)
        return RolePayload(role=Role(name=name, built_in=False, retired=retired))

    @strawberry.mutation(description="Admins only. Renames the role on its holders too.")
    @payload_on_domain_error
    async def rename_role(
        self,
        info: strawberry.Info,
        input: Annotated[
            RenameRoleInput, strawberry.argument(description="The role and its new name.")
        ],
    ) -> RolePayload:
        context = context_of(info)
        name, retired = await roles.rename_role(
            context.deps, context.caller, input.name, input.new_name
        )
        return RolePayload(role=Role(name=name, built_in=False, retired=retired))

    @strawberry.mutation(
        description="Admins only. Holders keep a retired role; no one new is given it."
    )
    @payload_on_domain_error
    async def retire_role(
        self,
        info: strawberry.Info,
        input: Annotated[RetireRoleInput, strawberry.argument(description="The role to retire.")],
    ) -> RolePayload:
        context = context_of(info)
        name, retired = await roles.retire_role(context.deps, context.caller, input.name)
        return RolePayload(role=Role(name=name, built_in=False, retired=retired))
