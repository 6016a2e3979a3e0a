"""Every change is written down: who, what, to which target, before and after."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from store.audit import AuditRecord
from store.ids import new_id

Changes = dict[str, dict[str, Any]]


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_event(
    deps: Dependencies,
    caller: Caller,
    action: str,
    target_type: str,
    target_id: str | None,
    changes: Changes | None = None,
    org_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> AuditRecord:
    """An event to record, possibly together with others (`record_events`)."""
    return AuditRecord(
        id=new_id(),
        org_id=org_id or caller.org_id,
        actor_type=caller.actor_type,
        actor_id=caller.actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        changes=changes or {},
        at=deps.clock(),
        request_id=caller.request_id,
        metadata=metadata or {},
    )


async def record_event(
    deps: Dependencies,
    caller: Caller,
    action: str,
    target_type: str,
    target_id: str | None,
    changes: Changes | None = None,
    org_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    await deps.store.audit.insert(
        audit_event(deps, caller, action, target_type, target_id, changes, org_id, metadata)
    )


async def record_events(deps: Dependencies, events: Sequence[AuditRecord]) -> None:
    if events:
        await deps.store.audit.insert_many(events)


class ActorType(StrEnum):
    """Who did an audited action (Caller.actor_type); lower-case as stored."""

    user = "user"
    client = "client"
    system = "system"
