"""Roles: the built-in ADMIN and MEMBER, and the organization's own (OneOffice...)."""

from __future__ import annotations

import strawberry

from provisioning.access.principal import ROLES
from schema.errors import UserError

Roles = tuple[tuple[str, bool], ...]


@strawberry.type(
    description="A role users may hold. Built-in roles grant Roster rights (ADMIN); the"
    " organization's own roles grant none: they are for the applications that read users."
)
class Role:
    name: str
    built_in: bool
    retired: bool = strawberry.field(
        description="Retired: kept by those who hold it, given to no one new."
    )


def roles_of(own: Roles) -> list[Role]:
    return [Role(name=name, built_in=True, retired=False) for name in ROLES] + [
        Role(name=name, built_in=False, retired=retired) for name, retired in own
    ]


@strawberry.type
class RolePayload:
    role: Role | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateRoleInput:
    name: str = strawberry.field(description="Unique among the roles, case and spacing aside.")


@strawberry.input
class RenameRoleInput:
    name: str
    new_name: str = strawberry.field(description="Every holder of the role gets the new name.")


@strawberry.input
class RetireRoleInput:
    name: str
