"""Which roles a user may be given: the built-in ones (ADMIN, MEMBER) and the organization's
own roles that are not retired. A pure function, called by every path that sets roles."""

from __future__ import annotations

from provisioning.access.principal import ROLES
from provisioning.users.rules import Checker
from store.organizations import OrganizationRecord


def assignable_roles(organization: OrganizationRecord | None) -> tuple[str, ...]:
    own = tuple(name for name, retired in organization.roles if not retired) if organization else ()
    return (*ROLES, *own)


def check_roles(
    check: Checker,
    roles: tuple[str, ...],
    organization: OrganizationRecord | None,
    already: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """The roles, deduplicated; an unknown or retired one is INVALID, except one the user
    holds already (`already`): a retired role stays with those who have it."""
    known = set(assignable_roles(organization)) | set(already)
    unknown = [role for role in roles if role not in known]
    if unknown:
        check.fail(
            "roles",
            "INVALID",
            f"Unknown roles {unknown}; known roles are {list(assignable_roles(organization))}.",
        )
    return tuple(dict.fromkeys(role for role in roles if role in known))
