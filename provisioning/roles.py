"""Organization-defined roles (e.g. OneOffice, OneOffice-legacy) beside the built-in ADMIN
and MEMBER: admins create, rename and retire them. They grant no Roster rights: they are
labels the applications that read users act on. A retired role stays with its holders but
is given to no one new (provisioning/users/roles.py)."""

from __future__ import annotations

from provisioning.access.principal import ROLES
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.users.rules import Checker
from store.reference import name_key

Roles = tuple[tuple[str, bool], ...]


async def _roles(deps: Dependencies, org_id: str) -> Roles:
    organization = await deps.store.organizations.get(org_id)
    if organization is None:
        raise NotFound("Organization")
    return organization.roles


def _new_name(name: str, roles: Roles, field: str) -> str:
    check = Checker()
    cleaned = check.name(field, name)
    if check.problems:
        raise ValidationFailed(*check.problems)
    taken = {name_key(r) for r in ROLES} | {name_key(n) for n, _ in roles}
    if name_key(cleaned) in taken:
        raise ValidationFailed(
            Problem("NAME_TAKEN", f"There is already a role {cleaned!r}.", ("input", field))
        )
    return cleaned


async def _save(deps: Dependencies, org_id: str, before: Roles, after: Roles) -> None:
    if not await deps.store.organizations.replace_roles(org_id, before, after):
        raise ValidationFailed(
            Problem("INVALID", "The roles changed meanwhile; try again.", ("input", "name"))
        )


def _find(roles: Roles, name: str) -> int:
    for index, (existing, _) in enumerate(roles):
        if existing == name:
            return index
    if name in ROLES:
        raise ValidationFailed(
            Problem("INVALID", f"{name} is built in: it cannot change.", ("input", "name"))
        )
    raise NotFound(f"Role {name!r}", ("input", "name"))


async def create_role(deps: Dependencies, caller: Caller, name: str) -> tuple[str, bool]:
    org_id = caller.require_admin()
    before = await _roles(deps, org_id)
    role = (_new_name(name, before, "name"), False)
    await _save(deps, org_id, before, (*before, role))
    await record_event(
        deps, caller, "role.created", "Role", None, diff({}, {"name": role[0]})
    )  # fmt: skip
    return role


async def rename_role(
    deps: Dependencies, caller: Caller, name: str, new_name: str
) -> tuple[str, bool]:
    """Renames the role, and on every user who holds it (one audited update each)."""
    org_id = caller.require_admin()
    before = await _roles(deps, org_id)
    index = _find(before, name)
    others = before[:index] + before[index + 1 :]
    role = (_new_name(new_name, others, "newName"), before[index][1])
    after = (*before[:index], role, *before[index + 1 :])
    await _save(deps, org_id, before, after)
    for user_id in await deps.store.users.ids_referencing(org_id, "roles", name):
        user = await deps.store.users.get(org_id, user_id)
        if user is None or name not in user.roles:
            continue
        roles = tuple(role[0] if r == name else r for r in user.roles)
        changed = await deps.store.users.update(
            org_id, user_id, {"roles": roles, "updated_at": deps.clock()}, only_if={"roles": name}
        )
        if changed is not None:
            await record_event(
                deps, caller, "user.updated", "User", user_id,
                diff({"roles": list(user.roles)}, {"roles": list(roles)}),
            )  # fmt: skip
    await record_event(
        deps, caller, "role.renamed", "Role", None, diff({"name": name}, {"name": role[0]})
    )  # fmt: skip
    return role


async def retire_role(deps: Dependencies, caller: Caller, name: str) -> tuple[str, bool]:
    org_id = caller.require_admin()
    before = await _roles(deps, org_id)
    index = _find(before, name)
    role = (name, True)
    await _save(deps, org_id, before, (*before[:index], role, *before[index + 1 :]))
    await record_event(
        deps, caller, "role.retired", "Role", None,
        diff({"retired": False}, {"retired": True}), metadata={"name": name},
    )  # fmt: skip
    return role
