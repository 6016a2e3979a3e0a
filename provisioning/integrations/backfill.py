"""Backfill requests: ask a partner tool to send a linked account's data again from a date."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from provisioning.access.principal import INTEGRATIONS_WRITE
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import IntegrationDisconnected, NotFound, Problem, ValidationFailed
from provisioning.integrations.integrations import require_integration_writer
from store.backfill_requests import DONE, FAILED, PENDING, BackfillRecord

STATUSES = (PENDING, DONE, FAILED)
MAX_PAGE = 100
MAX_MESSAGE_LENGTH = 1000


@dataclass(frozen=True)
class BackfillPage:
    requests: list[BackfillRecord]
    has_next: bool
    total: int


def _view(record: BackfillRecord | None) -> dict[str, Any]:
    if record is None:
        return {}
    values = asdict(record)
    for name in ("id", "org_id", "requested_at"):
        values.pop(name)
    return values


async def request_backfill(
    deps: Dependencies, caller: Caller, user_id: str, integration_id: str, since: datetime
) -> BackfillRecord:
    """Records that the user's account in the integration needs its data from `since`.

    There is one pending request per account: asking again from an earlier date widens it.
    """
    org_id = caller.require(INTEGRATIONS_WRITE)
    now = deps.clock()
    if since.tzinfo is None or since.utcoffset() is None:
        raise ValidationFailed(
            Problem("INVALID", "since needs a time zone offset (Z or +hh:mm).", ("input", "since"))
        )
    if since > now:
        raise ValidationFailed(Problem("INVALID", "since is in the future.", ("input", "since")))
    store = deps.store
    integration, user = await asyncio.gather(
        store.integrations.get(org_id, integration_id), store.users.get(org_id, user_id)
    )
    if integration is None:
        raise NotFound("Integration", ("input", "integrationId"))
    if user is None:
        raise NotFound("User", ("input", "userId"))
    if not integration.connected:
        raise IntegrationDisconnected(integration.key, ("input", "integrationId"))
    account = await store.integration_accounts.linked_in_integration(
        org_id, integration.id, user.id
    )
    if account is None:
        raise ValidationFailed(
            Problem(
                "NOT_FOUND",
                "The user has no account linked in this integration: link one first.",
                ("input", "integrationId"),
            )
        )
    before, after = await store.backfill_requests.request(
        org_id, integration.id, account.id, user.id, since, now
    )
    changes = diff(_view(before), _view(after))
    if changes:
        await record_event(deps, caller, "backfill.requested", "BackfillRequest", after.id, changes)
    return after


async def list_backfills(
    deps: Dependencies,
    caller: Caller,
    integration_key: str,
    *,
    status: str | None = PENDING,
    first: int = 50,
    after_id: str | None = None,
) -> BackfillPage:
    """The integration's requests, oldest first, for the partner tool that works them."""
    org_id = require_integration_writer(caller)
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(
            Problem("INVALID", f"first must be between 0 and {MAX_PAGE}.", ("first",))
        )
    integration = await deps.store.integrations.get_by_key(org_id, integration_key.strip().lower())
    if integration is None:
        raise NotFound(f"Integration {integration_key!r}", ("integrationKey",))
    requests, total = await asyncio.gather(
        deps.store.backfill_requests.page(org_id, integration.id, status, after_id, first + 1),
        deps.store.backfill_requests.count(org_id, integration.id, status),
    )
    return BackfillPage(requests=requests[:first], has_next=len(requests) > first, total=total)


async def complete_backfill(
    deps: Dependencies, caller: Caller, request_id: str, status: str, message: str | None = None
) -> BackfillRecord:
    """Marks a pending request DONE or FAILED (with why); marking it so again changes nothing."""
    org_id = require_integration_writer(caller)
    field = ("input", "id")
    if status not in (DONE, FAILED):
        raise ValidationFailed(
            Problem("INVALID", "A request is completed as DONE or FAILED.", ("input", "status"))
        )
    message = " ".join((message or "").split()) or None
    if message is not None and len(message) > MAX_MESSAGE_LENGTH:
        raise ValidationFailed(
            Problem(
                "INVALID", f"Message is longer than {MAX_MESSAGE_LENGTH}.", ("input", "message")
            )
        )
    store = deps.store.backfill_requests
    completed = await store.complete(org_id, request_id, status, message, deps.clock())
    if completed is None:
        current = await store.get(org_id, request_id)
        if current is None:
            raise NotFound("Backfill request", field)
        if current.status == status:
            return current
        raise ValidationFailed(
            Problem("INVALID", f"The request is already {current.status}.", field)
        )
    await record_event(
        deps,
        caller,
        "backfill.completed",
        "BackfillRequest",
        completed.id,
        {"status": {"before": PENDING, "after": status}},
        metadata={"message": message} if message else None,
    )
    return completed
