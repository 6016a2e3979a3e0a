"""Integrations: the other systems an organization connects, managed by its admins."""

from __future__ import annotations

import asyncio
import re
from enum import StrEnum
from typing import Any

from provisioning.access.principal import INTEGRATIONS_WRITE, USERS_READ
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    IntegrationDisconnected,
    NotFound,
    Problem,
    ValidationFailed,
)
from provisioning.users.rules import Checker
from provisioning.users.write import KEEP
from store.ids import new_id
from store.integrations import IntegrationKeyTaken, IntegrationRecord


class IntegrationKind(StrEnum):
    ACTIVITY = "ACTIVITY"
    DIRECTORY = "DIRECTORY"
    PROVISIONING = "PROVISIONING"


ACTIVITY, DIRECTORY, PROVISIONING = IntegrationKind
KINDS = tuple(IntegrationKind)
KEY_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,38}[a-z0-9])?$")
# The scope a partner tool's token will need to record activity and work backfills.
WRITE_SCOPE = "integrations:write"


def require_integration_writer(caller: Caller) -> str:
    """Who may record activity and list or complete backfill requests: an admin, or a
    partner tool holding integrations:write."""
    return caller.require(INTEGRATIONS_WRITE)


def _view(record: IntegrationRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "name": record.name,
        "kind": record.kind,
        "connected": record.connected,
    }


async def create_integration(
    deps: Dependencies,
    caller: Caller,
    key: str,
    name: str,
    kind: str,
    connected: bool = True,
) -> IntegrationRecord:
    org_id = caller.require_admin()
    check = Checker()
    key = (key or "").strip().lower()
    if not key:
        check.fail("key", "REQUIRED", "Key is required.")
    elif not KEY_PATTERN.match(key):
        check.fail(
            "key",
            "INVALID",
            "Key must be 1 to 40 lower-case letters, digits, dashes or underscores"
            " (for example bullhorn or cloudcall).",
        )
    cleaned_name = check.name("name", name)
    kind = (kind or "").strip().upper()
    if kind not in KINDS:
        check.fail("kind", "INVALID", f"Kind must be one of {list(KINDS)}.")
    if check.problems:
        raise ValidationFailed(*check.problems)
    now = deps.clock()
    record = IntegrationRecord(
        id=new_id(),
        org_id=org_id,
        key=key,
        name=cleaned_name,
        kind=kind,
        connected=connected,
        created_at=now,
        updated_at=now,
    )
    try:
        await deps.store.integrations.insert(record)
    except IntegrationKeyTaken as error:
        raise ValidationFailed(
            Problem("INVALID", f"An integration with key {key!r} exists.", ("input", "key"))
        ) from error
    await record_event(
        deps, caller, "integration.created", "Integration", record.id, diff({}, _view(record))
    )
    return record


async def update_integration(
    deps: Dependencies,
    caller: Caller,
    integration_id: str,
    *,
    name: Any = KEEP,
    connected: Any = KEEP,
) -> IntegrationRecord:
    """Rename, or connect and disconnect: a disconnected integration's activity is refused."""
    org_id = caller.require_admin()
    check = Checker()
    changes: dict[str, Any] = {}
    if name is not KEEP:
        changes["name"] = check.name("name", name)
    if connected is not KEEP:
        if connected is None:
            check.fail("connected", "REQUIRED", "Connected cannot be null.")
        else:
            changes["connected"] = bool(connected)
    if check.problems:
        raise ValidationFailed(*check.problems)
    current = await deps.store.integrations.get(org_id, integration_id)
    if current is None:
        raise NotFound("Integration", ("input", "id"))
    changed = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not changed:
        return current
    changed["updated_at"] = deps.clock()
    result = await deps.store.integrations.update(org_id, integration_id, changed)
    if result is None:
        raise NotFound("Integration", ("input", "id"))
    before, after = result
    await record_event(
        deps,
        caller,
        "integration.updated",
        "Integration",
        after.id,
        diff(_view(before), _view(after)),
    )
    return after


async def list_integrations(deps: Dependencies, caller: Caller) -> list[IntegrationRecord]:
    return await deps.store.integrations.list(caller.require_signed_in())


async def get_integration_by_key(
    deps: Dependencies, caller: Caller, key: str
) -> IntegrationRecord | None:
    # Its unlinked accounts ask for more (list_unlinked): integrations:write or admin.
    org_id = caller.require_any(INTEGRATIONS_WRITE, USERS_READ)
    return await deps.store.integrations.get_by_key(org_id, key.strip().lower())


async def get_integrations(
    deps: Dependencies, caller: Caller, ids: list[str]
) -> dict[str, IntegrationRecord]:
    return await deps.store.integrations.get_many(caller.require_signed_in(), ids)


async def connected_integration(
    deps: Dependencies, org_id: str, key: str, field: tuple[str, ...]
) -> IntegrationRecord:
    """The integration with `key`, which must exist and be connected."""
    integration = await deps.store.integrations.get_by_key(org_id, (key or "").strip().lower())
    if integration is None:
        raise NotFound(f"Integration {key!r}", field)
    if not integration.connected:
        raise IntegrationDisconnected(integration.key, field)
    return integration


async def integrations_in_use(deps: Dependencies, caller: Caller) -> list[IntegrationRecord]:
    """The organization's integrations that at least one of its users is linked to."""
    org_id = caller.require_signed_in()
    integrations = await deps.store.integrations.list(org_id)
    used = await asyncio.gather(
        *(deps.store.integration_accounts.any_linked(org_id, i.id) for i in integrations)
    )
    return [i for i, in_use in zip(integrations, used, strict=True) if in_use]
