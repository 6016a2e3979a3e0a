"""The one path that moves users between statuses, whatever asks (an admin, SCIM, the
directory sync, an invitation accepted, a password reset, an SSO binding, a sign-up).

It owns the conditional write (only from the statuses allowed, and only from the status
read, so a racing change wins), revoking sessions on disable (also on a retry that finds the
user already disabled), and the audit event: user.disabled, user.enabled or user.activated,
the diff of the record, with `source` (and the caller's metadata) in the event's metadata."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import ChangedMeanwhile
from provisioning.users.model import (
    ACTIVE,
    DISABLED,
    UserStatus,
    audit_view,
    unchanged_condition,
)
from store.users import UserRecord


@dataclass(frozen=True)
class Transition:
    before: UserRecord
    after: UserRecord


def _action(before: str, after: str) -> str | None:
    if after == DISABLED:
        return "user.disabled"
    if before == DISABLED:
        return "user.enabled"
    if after == ACTIVE:
        return "user.activated"
    return None


async def change_status(
    deps: Dependencies,
    caller: Caller,
    org_id: str,
    user_ids: Sequence[str],
    to: UserStatus,
    *,
    source: str,
    only_from: Collection[str] | None = None,
    also: Mapping[str, Any] | None = None,
    unchanged_since: datetime | None = None,
    metadata: Mapping[str, Any] | None = None,
    search_terms: list[str] | None = None,
) -> dict[str, Transition]:
    """Move each user to `to`, only from a status in `only_from` (any other when None).
    Leaving DISABLED restores the status held before the disable (`to` if none was kept).
    `also`: fields written in the same conditional write (a password, disabled_by...); given,
    they are written (with no event) also to a user already at `to`.
    `unchanged_since` (one user): the write also requires updated_at to be this;
    ChangedMeanwhile if it is not. Users missing, already at `to` or not in `only_from` are
    left as they are. The writes made, by user id.
    `source`: who asked (a UserSource for admins, SCIM and the directory; INVITATION,
    SIGNUP, PASSWORD_RESET or SSO_INVITATION for a user activating themselves).
    `search_terms`: written too, when `also` changes a name (an invitee's details)."""
    if not user_ids:
        return {}
    current = await deps.store.users.get_many(org_id, list(user_ids))
    made: dict[str, Transition] = {}
    for user_id in user_ids:
        user = current.get(user_id)
        if user is None:
            continue
        unchanged = unchanged_condition(user, unchanged_since)
        if (user.status != to or also) and (only_from is None or user.status in only_from):
            result = await _write(deps, org_id, user, to, also or {}, unchanged, search_terms)
            if result is None and unchanged:
                raise ChangedMeanwhile()
            if result is not None:
                made[user_id] = Transition(*result)
        if to == DISABLED and (user_id in made or user.status == DISABLED):
            # Also when the status was already DISABLED: a retry must still revoke.
            await deps.store.sessions.delete_for_user(org_id, user_id)
    for user_id, transition in made.items():
        action = _action(transition.before.status, transition.after.status)
        if action is None or transition.before.status == transition.after.status:
            continue
        await record_event(
            deps,
            caller,
            action,
            "User",
            user_id,
            diff(audit_view(transition.before), audit_view(transition.after)),
            org_id=org_id,
            metadata={"source": source, **(metadata or {})},
        )
    return made


async def _write(
    deps: Dependencies,
    org_id: str,
    user: UserRecord,
    to: UserStatus,
    also: Mapping[str, Any],
    unchanged: dict[str, Any],
    search_terms: list[str] | None,
) -> tuple[UserRecord, UserRecord] | None:
    changes: dict[str, Any] = {"updated_at": deps.clock(), **also}
    if user.status == to:
        pass  # only `also`
    elif to == DISABLED:
        changes.update(status=DISABLED, status_before_disable=user.status)
    elif user.status == DISABLED:
        changes.update(status=user.status_before_disable or to, disabled_by=None)
    else:
        changes["status"] = to
    return await deps.store.users.update(
        org_id,
        user.id,
        changes,
        search_terms=search_terms,
        only_if={"status": user.status, **unchanged},
    )
