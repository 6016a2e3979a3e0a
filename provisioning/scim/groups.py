"""SCIM Groups (RFC 7643 §4.2): an organization's departments.

A Group is a department: displayName is its name (unique in the organization, compared
case-insensitively: a unique index on its key, store/reference.py), externalId is kept on
it, and its members are the users whose department it is. Adding a member sets that
user's department (so a user is a member of at most one group: adding them here takes
them out of their previous department); removing one clears it. Deleting a group clears
the department of its members first. Member changes go through update_user, so each is
validated and audited.

If-Match is checked in the write itself: every change through SCIM first moves the
department to its next revision, on condition that it is still at the one read with the
version the caller matched, so that of concurrent changes from one version exactly one
is applied and the others are 412.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from scim2_models import (
    Context,
    Group,
    GroupMember,
    Meta,
    PatchOp,
    Reference,
    SCIMException,
    ScimFilter,
)

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound
from provisioning.scim.access import (
    TOLERANT,
    ScimRefused,
    StillInUse,
    changed_meanwhile,
    check_version,
    page_bounds,
    parse_body,
    refused,
    scim_caller,
)
from provisioning.scim.filter import InvalidFilter, parse_filter
from provisioning.users.rules import MAX_NAME_LENGTH
from provisioning.users.write import UserChanges, update_user
from store.ids import new_id
from store.reference import NameTaken
from store.scim import DepartmentRecord
from store.users import UserRecord


@dataclass(frozen=True)
class GroupView:
    department: DepartmentRecord
    members: list[UserRecord]


def group_version(view: GroupView) -> str:
    members = ",".join(sorted(m.id for m in view.members))
    seed = f"{view.department.name}|{view.department.external_id}|{members}"
    return f'W/"{hashlib.sha256(seed.encode()).hexdigest()[:16]}"'


def to_group(view: GroupView, base_url: str, with_members: bool = True) -> Group:
    members = [
        GroupMember(value=user.id, ref=Reference(f"{base_url}/Users/{user.id}"), type="User")
        for user in view.members
    ]
    return Group(
        id=view.department.id,
        external_id=view.department.external_id,
        display_name=view.department.name,
        members=(members or None) if with_members else None,
        meta=Meta(
            resource_type="Group",
            location=f"{base_url}/Groups/{view.department.id}",
            version=group_version(view),
        ),
    )


def parse_group(payload: Any, context: Context) -> Group:
    return parse_body(Group, payload, context)


def parse_group_patch(payload: Any) -> PatchOp[Group]:
    return parse_body(PatchOp[Group], payload, Context.RESOURCE_PATCH_REQUEST)


def _clean_name(name: str | None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ScimRefused("invalidValue", "displayName is required.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ScimRefused("invalidValue", f"displayName is longer than {MAX_NAME_LENGTH}.")
    return cleaned


def _taken(name: str) -> ScimRefused:
    return ScimRefused("uniqueness", f"A group named {name!r} exists.")


async def _insert(
    deps: Dependencies, caller: Caller, name: str, external_id: str | None
) -> DepartmentRecord:
    """NameTaken if the organization has a department of that name."""
    record = DepartmentRecord(id=new_id(), org_id=caller.org_id, name=name, external_id=external_id)
    await deps.store.scim.insert_department(record)
    await record_event(
        deps,
        caller,
        "department.created",
        "Department",
        record.id,
        {"name": {"before": None, "after": name}},
    )
    return record


async def department_named(deps: Dependencies, caller: Caller, name: str) -> str:
    """The id of the department of that name (case-insensitive), created if there is none:
    identity providers send a user's department as text."""
    cleaned = _clean_name(name)
    existing = await deps.store.scim.department_named(caller.org_id, cleaned)
    if existing is not None:
        return existing.id
    try:
        return (await _insert(deps, caller, cleaned, None)).id
    except NameTaken as error:
        # A concurrent request created it: that department is the one.
        created = await deps.store.scim.department_named(caller.org_id, cleaned)
        if created is None:
            raise changed_meanwhile() from error
        return created.id


async def get_scim_group(deps: Dependencies, caller: Caller, group_id: str) -> GroupView:
    caller = scim_caller(caller)
    department = await deps.store.scim.department(caller.org_id, group_id)
    if department is None:
        raise NotFound("Group")
    members = await deps.store.scim.users_in_department(caller.org_id, group_id)
    return GroupView(department, members)


async def _member_ids(deps: Dependencies, org_id: str, group: Group) -> set[str]:
    ids = {str(m.value) for m in group.members or [] if m.value}
    found = await deps.store.users.get_many(org_id, sorted(ids))
    unknown = sorted(ids - set(found))
    if unknown:
        raise ScimRefused("invalidValue", f"No such users in this organization: {unknown}.")
    return ids


async def create_scim_group(deps: Dependencies, caller: Caller, group: Group) -> GroupView:
    caller = scim_caller(caller)
    name = _clean_name(group.display_name)
    member_ids = await _member_ids(deps, caller.org_id, group)
    try:
        department = await _insert(deps, caller, name, group.external_id)
    except NameTaken as error:
        raise _taken(name) from error
    await _set_members(deps, caller, GroupView(department, []), member_ids)
    return await get_scim_group(deps, caller, department.id)


async def _set_members(
    deps: Dependencies, caller: Caller, view: GroupView, wanted: set[str]
) -> None:
    current = {m.id for m in view.members}
    for user_id in sorted(wanted - current):
        await update_user(deps, caller, user_id, UserChanges(department_id=view.department.id))
    for user_id in sorted(current - wanted):
        await update_user(deps, caller, user_id, UserChanges(department_id=None))


def check_group_version(view: GroupView, if_match: str | None) -> None:
    check_version(group_version(view), if_match)


async def _next_revision(
    deps: Dependencies,
    caller: Caller,
    view: GroupView,
    guarded: bool,
    changes: dict[str, str | None] | None = None,
) -> None:
    """Writes `changes` to the department and moves it to its next revision: the first write
    of every change. `guarded` (an If-Match was given): only if it is still at the revision
    read with `view`, else 412. A new name another department has is a 409."""
    department = view.department
    try:
        found = await deps.store.scim.update_department(
            caller.org_id,
            department.id,
            changes or {},
            revision=department.revision if guarded else None,
        )
    except NameTaken as error:
        raise _taken(error.name) from error
    if not found:
        raise changed_meanwhile() if guarded else NotFound("Group")


async def _apply(
    deps: Dependencies, caller: Caller, view: GroupView, group: Group, guarded: bool
) -> GroupView:
    name = _clean_name(group.display_name)
    member_ids = await _member_ids(deps, caller.org_id, group)
    department = view.department
    changes = {
        key: after
        for key, before, after in (
            ("name", department.name, name),
            ("external_id", department.external_id, group.external_id),
        )
        if before != after
    }
    await _next_revision(deps, caller, view, guarded, changes)
    if changes:
        await record_event(
            deps,
            caller,
            "department.updated",
            "Department",
            department.id,
            {
                key: {"before": getattr(department, key), "after": after}
                for key, after in changes.items()
            },
        )
    await _set_members(deps, caller, view, member_ids)
    return await get_scim_group(deps, caller, department.id)


async def replace_scim_group(
    deps: Dependencies, caller: Caller, group_id: str, group: Group, if_match: str | None
) -> GroupView:
    view = await get_scim_group(deps, caller, group_id)
    check_group_version(view, if_match)
    return await _apply(deps, scim_caller(caller), view, group, guarded=if_match is not None)


async def patch_scim_group(
    deps: Dependencies,
    caller: Caller,
    group_id: str,
    patch: PatchOp[Group],
    if_match: str | None,
    base_url: str,
) -> GroupView:
    view = await get_scim_group(deps, caller, group_id)
    check_group_version(view, if_match)
    group = to_group(view, base_url)
    try:
        changed = patch.patch(group, TOLERANT)
    except (ValidationError, SCIMException) as error:
        raise refused(error) from error
    if not changed:
        return view
    return await _apply(deps, scim_caller(caller), view, group, guarded=if_match is not None)


async def delete_scim_group(
    deps: Dependencies, caller: Caller, group_id: str, if_match: str | None
) -> None:
    view = await get_scim_group(deps, caller, group_id)
    check_group_version(view, if_match)
    caller = scim_caller(caller)
    used_by = await deps.store.scim.department_references(caller.org_id, group_id)
    if used_by:
        raise StillInUse(
            f"{view.department.name} is the default department of {', '.join(used_by)}:"
            " change that first.",
        )
    await _next_revision(deps, caller, view, guarded=if_match is not None)
    await _set_members(deps, caller, view, set())
    if not await deps.store.scim.delete_department(caller.org_id, group_id):
        raise NotFound("Group")
    await record_event(
        deps,
        caller,
        "department.deleted",
        "Department",
        group_id,
        {"name": {"before": view.department.name, "after": None}},
    )


@dataclass(frozen=True)
class GroupPage:
    groups: list[GroupView]
    total: int
    start_index: int


async def list_scim_groups(
    deps: Dependencies,
    caller: Caller,
    *,
    filter_text: str | None,
    sort_order: str | None,
    start_index: int | None,
    count: int | None,
    base_url: str,
) -> GroupPage:
    """Departments are few per organization: they are filtered here, by scim2-models'
    own evaluation of the filter, and sorted by displayName when sortBy is given."""
    caller = scim_caller(caller)
    org_id = caller.org_id
    departments = await deps.store.scim.departments(org_id)
    start, limit = page_bounds(start_index, count)
    if filter_text and filter_text.strip():
        parse_filter(filter_text)  # syntax first, with the same limits as for users
        try:
            scim_filter = ScimFilter[Group](filter_text)
        except (SCIMException, ValueError) as error:
            raise InvalidFilter(str(error)) from error
        needs_members = "members" in filter_text.lower()
        kept = []
        for department in departments:
            members = (
                await deps.store.scim.users_in_department(org_id, department.id)
                if needs_members
                else []
            )
            view = GroupView(department, members)
            if scim_filter.match(to_group(view, base_url, with_members=needs_members)):
                kept.append(department)
        departments = kept
    if sort_order is not None and sort_order.lower() == "descending":
        departments = sorted(departments, key=lambda d: d.name.casefold(), reverse=True)
    elif sort_order is not None:
        departments = sorted(departments, key=lambda d: d.name.casefold())
    page = departments[start - 1 : start - 1 + limit]
    views = [GroupView(d, await deps.store.scim.users_in_department(org_id, d.id)) for d in page]
    return GroupPage(groups=views, total=len(departments), start_index=start)
