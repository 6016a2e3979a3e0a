"""A user's lifecycle after creation: the seat, disable and enable, delete."""

from __future__ import annotations

from datetime import datetime

from provisioning.access.principal import USERS_WRITE
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    ChangedMeanwhile,
    Forbidden,
    NotFound,
    Problem,
    SeatLimitReached,
    ValidationFailed,
)
from provisioning.integrations.linking import release_accounts
from provisioning.licences import release_user_licences
from provisioning.users.model import (
    ACTIVE,
    DISABLED,
    FULL,
    OBSERVER,
    PERSONAL_FIELDS,
    PRIVILEGED_ROLES,
    SEATS,
    UserSource,
    audit_view,
)
from provisioning.users.status import change_status
from store.users import UserRecord


async def set_user_seat(deps: Dependencies, caller: Caller, user_id: str, seat: str) -> UserRecord:
    org_id = caller.require(USERS_WRITE)
    if seat not in SEATS:
        raise ValidationFailed(
            Problem("INVALID", f"Seat must be one of {list(SEATS)}.", ("input", "seat"))
        )
    current = await deps.store.users.get(org_id, user_id)
    if current is None:
        raise NotFound("User", ("input", "userId"))
    if current.seat == seat:
        return current
    organizations = deps.store.organizations
    if seat == FULL and not await organizations.reserve_full_seats(org_id):
        organization = await organizations.get(org_id)
        raise SeatLimitReached(organization.seat_limit if organization else None)
    # Conditional on the seat we saw, so the counter follows exactly one transition.
    result = await deps.store.users.update(
        org_id,
        user_id,
        {"seat": seat, "updated_at": deps.clock()},
        only_if={"seat": current.seat, "deleting": {"$ne": True}},  # a delete gives it back
    )
    if result is None:
        if seat == FULL:
            await organizations.release_full_seats(org_id)
        latest = await deps.store.users.get(org_id, user_id)
        if latest is None:
            raise NotFound("User", ("input", "userId"))
        return latest
    if seat == OBSERVER:
        await organizations.release_full_seats(org_id)
    before, after = result
    await record_event(
        deps,
        caller,
        "user.seat_changed",
        "User",
        user_id,
        diff(audit_view(before), audit_view(after)),
    )
    return after


def check_rights_over(caller: Caller, target: UserRecord, action: str) -> None:
    """As check_rights (write.py): an admin is disabled or deleted only by admin rights."""
    if not caller.is_admin and set(target.roles) & PRIVILEGED_ROLES:
        raise Forbidden(f"Only an organization admin may {action} an admin.")


async def disable_user(
    deps: Dependencies,
    caller: Caller,
    user_id: str,
    unchanged_since: datetime | None = None,
    source: str = UserSource.MANUAL,
) -> UserRecord:
    """`unchanged_since`: as for update_user; a user already disabled is left as is (their
    sessions are revoked again)."""
    org_id = caller.require(USERS_WRITE)
    if user_id == caller.user_id:
        raise Forbidden("You cannot disable yourself.")
    current = await deps.store.users.get(org_id, user_id)
    if current is None:
        raise NotFound("User", ("input", "userId"))
    check_rights_over(caller, current, "disable")
    made = await change_status(
        deps, caller, org_id, [user_id], DISABLED, source=source, unchanged_since=unchanged_since
    )
    return made[user_id].after if user_id in made else await _latest(deps, org_id, user_id)


async def enable_user(
    deps: Dependencies,
    caller: Caller,
    user_id: str,
    unchanged_since: datetime | None = None,
    source: str = UserSource.MANUAL,
) -> UserRecord:
    """`unchanged_since`: as for update_user; a user not disabled is left as is."""
    org_id = caller.require(USERS_WRITE)
    made = await change_status(
        deps,
        caller,
        org_id,
        [user_id],
        ACTIVE,
        source=source,
        only_from=(DISABLED,),
        unchanged_since=unchanged_since,
    )
    return made[user_id].after if user_id in made else await _latest(deps, org_id, user_id)


async def _latest(deps: Dependencies, org_id: str, user_id: str) -> UserRecord:
    latest = await deps.store.users.get(org_id, user_id)
    if latest is None:
        raise NotFound("User", ("input", "userId"))
    return latest


async def delete_user(
    deps: Dependencies, caller: Caller, user_id: str, unchanged_since: datetime | None = None
) -> str:
    """Remove the user and their personal data; the audit trail stays, redacted.
    `unchanged_since`: only if the user's updated_at is still this, checked in the first
    write; ChangedMeanwhile otherwise (also when the user is gone).

    Several writes, not one transaction: the first marks the user `deleting` and DISABLED
    (no sign-in from then on), then the dependents go (sessions, identities, integration
    accounts, licences, the full seat, the audit trail's personal data), the user last. A
    failure between leaves that state, and the next delete_user of the user finishes it
    (each step is safe to repeat; `unchanged_since` is not asked of a half-deleted user)."""
    org_id = caller.require(USERS_WRITE)
    if user_id == caller.user_id:
        raise Forbidden("You cannot delete yourself.")
    users = deps.store.users
    before = await users.deleting_from(org_id, user_id)
    if before is None:
        current = await users.get(org_id, user_id)
        if current is None:
            if unchanged_since is not None:
                raise ChangedMeanwhile()
            raise NotFound("User", ("input", "userId"))
        check_rights_over(caller, current, "delete")
        # The seat too: the delete gives back the seat it saw.
        only_if: dict[str, object] = {"status": current.status, "seat": current.seat}
        if not caller.is_admin:  # one granted ADMIN meanwhile stays
            only_if["roles"] = {"$nin": sorted(PRIVILEGED_ROLES)}
        if unchanged_since is not None:
            only_if["updated_at"] = unchanged_since
        before = (current.status, current.seat)
        mark = {
            "deleting": True,
            "status_before_delete": current.status,
            "seat_before_delete": current.seat,
            "status": DISABLED,
            "updated_at": deps.clock(),
        }
        if await users.update(org_id, user_id, mark, only_if=only_if) is None:
            raise ChangedMeanwhile()
    await deps.store.sessions.delete_for_user(org_id, user_id)
    if before[1] == FULL:
        # Given back once however often a failed delete is resumed (the organization notes
        # whose seat it gave back), before the user stops holding it.
        await deps.store.organizations.release_seat_of(org_id, user_id)
        await users.update(org_id, user_id, {"seat": OBSERVER}, only_if={"deleting": True})
    await deps.store.identities.delete_for_user(org_id, user_id)
    await release_accounts(deps, caller, user_id)
    await release_user_licences(deps, caller, user_id)
    await deps.store.audit.redact_target(org_id, user_id, PERSONAL_FIELDS)
    deleted = await users.delete(org_id, user_id, only_if={"deleting": True})
    if deleted is None:
        raise NotFound("User", ("input", "userId"))  # another delete finished it
    if before[1] == FULL:
        await deps.store.organizations.forget_seat_release(org_id, user_id)
    await record_event(
        deps,
        caller,
        "user.deleted",
        "User",
        user_id,
        {
            "status": {"before": before[0], "after": None},
            "seat": {"before": before[1], "after": None},
        },
    )
    return user_id
