"""What a directory owns: edits of those fields of the users it manages are refused."""

from __future__ import annotations

from typing import Any

from provisioning.dependencies import Dependencies
from provisioning.errors import ManagedExternally
from provisioning.sync.mapping import DIRECTORY_FIELDS
from store.users import UserRecord

_INPUT_NAMES = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "company_id": "companyId",
}


async def refuse_directory_fields(
    deps: Dependencies, current: UserRecord, changed: dict[str, Any]
) -> None:
    """MANAGED_EXTERNALLY, naming the directory, if `changed` touches a field it owns."""
    if current.managed_by is None:
        return
    owned = [name for name in DIRECTORY_FIELDS if name in changed]
    if not owned:
        return
    integration = await deps.store.integrations.get_by_key(current.org_id, current.managed_by)
    directory = integration.name if integration else current.managed_by
    raise ManagedExternally(directory, [("input", _INPUT_NAMES[name]) for name in owned])
