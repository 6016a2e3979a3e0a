"""Reading the audit trail (admins only)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import Problem, ValidationFailed
from store.audit import AuditRecord

MAX_PAGE = 100


@dataclass(frozen=True)
class EventPage:
    events: list[AuditRecord]
    has_next: bool
    total: int


async def list_events(
    deps: Dependencies,
    caller: Caller,
    *,
    target_id: str | None,
    action: str | None = None,
    actor_id: str | None = None,
    first: int,
    after_id: str | None,
) -> EventPage:
    org_id = caller.require_admin()
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(
            Problem("INVALID", f"first must be between 0 and {MAX_PAGE}.", ("first",))
        )
    events, total = await asyncio.gather(
        deps.store.audit.page(
            org_id, target_id, after_id, first + 1, action=action, actor_id=actor_id
        ),
        deps.store.audit.count(org_id, target_id, action=action, actor_id=actor_id),
    )
    return EventPage(events=events[:first], has_next=len(events) > first, total=total)
