"""Roles: the built-in ADMIN and MEMBER, and the organization's own (OneOffice...)."""

from __future__ import annotations

import strawberry

from provisioning.access.principal import ROLES
from schema.errors import USER_ERRORS, UserError

Roles = tuple[tuple[str, bool], ...]


@strawberry.type(
    description="A role users may hold. Built-in roles grant Roster rights (ADMIN); the"
    " organization's own roles grant none: they are for the applications that read users."
)
class Role:
    name: str = strawberry.field(description="The role's name, as in User.roles.")
    built_in: bool = strawberry.field(
        description="True for Roster's own roles (ADMIN, MEMBER),"
        " which cannot be renamed or retired."
    )
    retired: bool = strawberry.field(
        description="Retired: kept by those who hold it, given to no one new."
    )


def roles_of(own: Roles) -> list[Role]:
    return [Role(name=name, built_in=True, retired=False) for name in ROLES] + [
        Role(name=name, built_in=False, retired=retired) for name, retired in own
    ]


@strawberry.type(description="The result of a change to a role.")
class RolePayload:
    role: Role | None = strawberry.field(
        default=None,
        description="The role as it now is; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="A new role of the organization (admins).")
class CreateRoleInput:
    name: str = strawberry.field(description="Unique among the roles, case and spacing aside.")


@strawberry.input(description="A role and its new name (admins).")
class RenameRoleInput:
    name: str = strawberry.field(description="The role's current name.")
    new_name: str = strawberry.field(description="Every holder of the role gets the new name.")


@strawberry.input(description="A role to retire (admins): its holders keep it, no one new gets it.")
class RetireRoleInput:
    name: str = strawberry.field(description="The role's name.")
