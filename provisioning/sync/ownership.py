"""What a directory owns: edits of those fields of the users it manages are refused.

Names, email and company are the directory's always; the phone and the department only
where its sync config maps them (mapping.FieldMap). So the integration and its sync config
are read only when a change touches the phone or the department of a managed user.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from provisioning.dependencies import Dependencies
from provisioning.errors import ManagedExternally
from provisioning.sync.mapping import ALWAYS_OWNED, DIRECTORY_FIELDS, OPTIONAL_FIELDS, FieldMap
from store.integrations import IntegrationRecord
from store.users import UserRecord

_INPUT_NAMES = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "company_id": "companyId",
    "phone": "phone",
    "department_id": "departmentId",
}


async def _owned(
    deps: Dependencies, integration: IntegrationRecord | None, names: list[str]
) -> list[str]:
    """Of `names` (in DIRECTORY_FIELDS order), those the directory owns: its sync config
    is read only if one of them is optional. A directory no longer there maps no option."""
    owned = set(ALWAYS_OWNED)
    if integration is not None and any(name in OPTIONAL_FIELDS for name in names):
        config = await deps.store.sync_configs.get(integration.org_id, integration.id)
        owned.update(FieldMap.of(config).owned)
    return [name for name in names if name in owned]


async def directory_owned(
    deps: Dependencies, user: UserRecord, names: Collection[str]
) -> list[str]:
    """Of `names`, the fields of `user` that the directory managing it owns (no read
    unless one of them is the phone or the department)."""
    touched = [name for name in DIRECTORY_FIELDS if name in names]
    if user.managed_by is None or not touched:
        return []
    integration = None
    if any(name in OPTIONAL_FIELDS for name in touched):
        integration = await deps.store.integrations.get_by_key(user.org_id, user.managed_by)
    return await _owned(deps, integration, touched)


async def refuse_directory_fields(
    deps: Dependencies, current: UserRecord, changed: dict[str, Any]
) -> None:
    """MANAGED_EXTERNALLY, naming the directory, if `changed` touches a field it owns."""
    touched = [name for name in DIRECTORY_FIELDS if name in changed]
    if current.managed_by is None or not touched:
        return
    integration = await deps.store.integrations.get_by_key(current.org_id, current.managed_by)
    owned = await _owned(deps, integration, touched)
    if not owned:
        return
    directory = integration.name if integration else current.managed_by
    raise ManagedExternally(directory, [("input", _INPUT_NAMES[name]) for name in owned])
