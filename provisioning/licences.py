"""Licences: pools of seats per product, assigned to users within their organization.

Every assignment and revocation is an audit event (licence.assigned, licence.revoked) and a
licence event (store/licences.py) that outbound provisioning will act on.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime

from auth.principal import USERS_READ, USERS_WRITE
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError, NotFound, Problem, ValidationFailed
from provisioning.validation import Checker
from store.licences import ASSIGNED, REVOKED, AssignmentRecord, PoolRecord, SeatsBelowUse
from store.users import UserRecord

PRODUCT_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,38}[a-z0-9])?$")
MAX_SEATS = 1_000_000
MAX_PAGE = 100
# A refused seat is tried again this often, 10 ms apart and doubling up to 100 ms (under
# half a second in all), before the answer is SEAT_LIMIT.
_SETTLE_ATTEMPTS = 8
_SETTLE_FIRST_SECONDS = 0.01
_SETTLE_MAX_SECONDS = 0.1


class LicenceLimitReached(DomainError):
    def __init__(self, pool: PoolRecord) -> None:
        super().__init__(
            Problem(
                "SEAT_LIMIT",
                f"No {pool.name} licence left: all {pool.seats} of the"
                f" {pool.product_key!r} pool are assigned.",
                ("input", "productKey"),
            )
        )


@dataclass(frozen=True)
class HeldLicence:
    product_key: str
    name: str
    assigned_at: datetime


def _key(product_key: str | None) -> str:
    return (product_key or "").strip().lower()


def _pool_not_found(product_key: str) -> NotFound:
    return NotFound(f"Licence pool {product_key!r}", ("input", "productKey"))


async def configure_pool(
    deps: Dependencies, caller: Caller, product_key: str, name: str, seats: int
) -> PoolRecord:
    """Creates the product's pool, or renames or resizes it; never below its current use."""
    org_id = caller.require_admin()
    check = Checker()
    key = _key(product_key)
    if not key:
        check.fail("productKey", "REQUIRED", "Product key is required.")
    elif not PRODUCT_KEY.match(key):
        check.fail(
            "productKey",
            "INVALID",
            "Product key must be 1 to 40 lower-case letters, digits, dashes or underscores"
            " (for example crm or analytics-pro).",
        )
    cleaned_name = check.name("name", name)
    if not 0 <= seats <= MAX_SEATS:
        check.fail("seats", "INVALID", f"Seats must be between 0 and {MAX_SEATS}.")
    if check.problems:
        raise ValidationFailed(*check.problems)
    try:
        before, after = await deps.store.licences.configure_pool(
            org_id, key, cleaned_name, seats, deps.clock()
        )
    except SeatsBelowUse:
        current = await deps.store.licences.get_pool(org_id, key)
        used = current.used if current else "more"
        raise ValidationFailed(
            Problem(
                "INVALID",
                f"Seats cannot be fewer than the {used} licences of {key!r} assigned now;"
                " revoke some first.",
                ("input", "seats"),
            )
        ) from None
    view_before = {"name": before.name, "seats": before.seats} if before else {}
    changes = diff(view_before, {"name": after.name, "seats": after.seats})
    if changes:
        await record_event(
            deps,
            caller,
            "licence_pool.created" if before is None else "licence_pool.updated",
            "LicencePool",
            after.id,
            changes,
            metadata={"product_key": key},
        )
    return after


async def list_pools(deps: Dependencies, caller: Caller) -> list[PoolRecord]:
    org_id = caller.require_signed_in()
    return await deps.store.licences.list_pools(org_id)


async def _user_and_pool(
    deps: Dependencies, org_id: str, user_id: str, key: str
) -> tuple[UserRecord, PoolRecord]:
    user = await deps.store.users.get(org_id, user_id)
    if user is None:
        raise NotFound("User", ("input", "userId"))
    pool = await deps.store.licences.get_pool(org_id, key)
    if pool is None:
        raise _pool_not_found(key)
    return user, pool


async def _record_change(
    deps: Dependencies, caller: Caller, org_id: str, key: str, user_id: str, kind: str
) -> None:
    await deps.store.licences.add_event(org_id, key, user_id, kind, deps.clock())
    held = {"before": None, "after": key} if kind == ASSIGNED else {"before": key, "after": None}
    await record_event(
        deps,
        caller,
        f"licence.{kind}",
        "User",
        user_id,
        {"licence": held},
        metadata={"product_key": key},
    )


async def _reserve_or_held(deps: Dependencies, org_id: str, key: str, user_id: str) -> bool:
    """Take a seat (True), or see that the user holds the licence or the pool is full.

    Concurrent assignments of the same licence to the same user each hold a seat for a
    moment before all but one give it back; a request that found the pool full only
    because of them must not answer SEAT_LIMIT. So a refused reservation waits, briefly and
    boundedly, for those requests to settle: the assignment appears or a seat comes back.
    """
    licences = deps.store.licences
    for attempt in range(_SETTLE_ATTEMPTS):
        if await licences.reserve(org_id, key):
            return True
        if await licences.get_assignment(org_id, key, user_id) is not None:
            return False
        if attempt + 1 < _SETTLE_ATTEMPTS:
            await asyncio.sleep(min(_SETTLE_FIRST_SECONDS * 2**attempt, _SETTLE_MAX_SECONDS))
    return False


async def assign_licence(
    deps: Dependencies, caller: Caller, user_id: str, product_key: str
) -> UserRecord:
    """Idempotent: assigning a licence the user holds changes nothing and is no error."""
    org_id = caller.require(USERS_WRITE)
    key = _key(product_key)
    user, pool = await _user_and_pool(deps, org_id, user_id, key)
    licences = deps.store.licences
    if await licences.get_assignment(org_id, key, user_id) is not None:
        return user
    if not await _reserve_or_held(deps, org_id, key, user_id):
        if await licences.get_assignment(org_id, key, user_id) is not None:
            return user
        latest = await licences.get_pool(org_id, key)
        raise LicenceLimitReached(latest or pool)
    record = AssignmentRecord(
        org_id=org_id, product_key=key, user_id=user_id, assigned_at=deps.clock()
    )
    try:
        inserted = await licences.insert_assignment(record)
    except BaseException:
        await licences.release(org_id, key)
        raise
    if not inserted:  # a concurrent request assigned it first: one seat, one assignment
        await licences.release(org_id, key)
        return user
    # A deletion that ran since the first read has released what it saw, but not this
    # assignment: undo it (whichever of the two removes it frees the seat, once).
    if await deps.store.users.get(org_id, user_id) is None:
        if await licences.delete_assignment(org_id, key, user_id):
            await licences.release(org_id, key)
        raise NotFound("User", ("input", "userId"))
    await _record_change(deps, caller, org_id, key, user_id, ASSIGNED)
    return user


async def revoke_licence(
    deps: Dependencies, caller: Caller, user_id: str, product_key: str
) -> UserRecord:
    """Idempotent: revoking a licence the user does not hold changes nothing."""
    org_id = caller.require(USERS_WRITE)
    key = _key(product_key)
    user, _ = await _user_and_pool(deps, org_id, user_id, key)
    if await deps.store.licences.delete_assignment(org_id, key, user_id):
        await deps.store.licences.release(org_id, key)
        await _record_change(deps, caller, org_id, key, user_id, REVOKED)
    return user


async def release_user_licences(deps: Dependencies, caller: Caller, user_id: str) -> None:
    """Frees every licence of a user being deleted (each a revocation, with its events)."""
    org_id = caller.org_id
    licences = deps.store.licences
    for held in await licences.assignments_of_users(org_id, [user_id]):
        # Only the call that removes an assignment frees its seat, whatever races it.
        if await licences.delete_assignment(org_id, held.product_key, user_id):
            await licences.release(org_id, held.product_key)
            await _record_change(deps, caller, org_id, held.product_key, user_id, REVOKED)


async def licences_of_users(
    deps: Dependencies, caller: Caller, user_ids: list[str]
) -> dict[str, list[HeldLicence]]:
    """Each user's licences, by product key: an admin sees anyone's, a member their own.

    Two queries whatever the number of users: their assignments, and the pools' names.
    """
    org_id = caller.require_signed_in()
    user_ids = caller.readable_users(user_ids)
    found: dict[str, list[HeldLicence]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return found
    assignments = await deps.store.licences.assignments_of_users(org_id, user_ids)
    if not assignments:
        return found
    names = {p.product_key: p.name for p in await deps.store.licences.list_pools(org_id)}
    for a in sorted(assignments, key=lambda a: a.product_key):
        if a.user_id in found:
            found[a.user_id].append(
                HeldLicence(
                    product_key=a.product_key,
                    name=names.get(a.product_key, a.product_key),
                    assigned_at=a.assigned_at,
                )
            )
    return found


@dataclass(frozen=True)
class Holders:
    users: list[UserRecord]
    has_next: bool
    total: int


async def pool_holders(
    deps: Dependencies, caller: Caller, product_key: str, first: int, after_user_id: str | None
) -> Holders:
    """Who holds the pool's licences, a page at a time (users:read)."""
    org_id = caller.require(USERS_READ)
    first = max(1, min(first, MAX_PAGE))
    assignments = await deps.store.licences.holders(
        org_id, _key(product_key), after_user_id, first + 1
    )
    page = assignments[:first]
    found = await deps.store.users.get_many(org_id, [a.user_id for a in page])
    return Holders(
        users=[found[a.user_id] for a in page if a.user_id in found],
        has_next=len(assignments) > first,
        total=await deps.store.licences.count_holders(org_id, _key(product_key)),
    )
