"""Licences: pools of seats per product, assigned to users within their organization.

Every assignment and revocation is an audit event (licence.assigned, licence.revoked) and a
licence event (store/licences.py) that outbound provisioning will act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import datetime, timedelta
from enum import Enum

from provisioning.access.principal import USERS_WRITE
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError, NotFound, Problem, ValidationFailed
from provisioning.licence_holders import (
    HeldLicence,
    Holders,
    licences_of_users,
    pool_holders,
    product_key_of,
)
from provisioning.users.rules import Checker
from store.licences import ASSIGNED, PENDING, REVOKED, PoolRecord, SeatsBelowUse
from store.users import UserRecord

PRODUCT_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,38}[a-z0-9])?$")
MAX_SEATS = 1_000_000


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


def _pool_not_found(product_key: str) -> NotFound:
    return NotFound(f"Licence pool {product_key!r}", ("input", "productKey"))


async def configure_pool(
    deps: Dependencies, caller: Caller, product_key: str, name: str, seats: int
) -> PoolRecord:
    """Creates the product's pool, or renames or resizes it; never below its current use."""
    org_id = caller.require_admin()
    check = Checker()
    key = product_key_of(product_key)
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


# How duplicates are serialized and how a crash is survived (store/licences.py has the
# documents). An assignment is three steps:
#   1. claim:   insert the assignment PENDING with a new claim id; the unique index on
#               (org, product, user) makes every concurrent duplicate fail here, before any
#               seat is taken, and it answers from the claim it met (_answer_duplicate);
#   2. reserve: take a seat where used < seats, listing the claim in the pool's ``claims``
#               in the same update; refused: the claim is abandoned and SEAT_LIMIT answered;
#   3. confirm: PENDING to ASSIGNED, then unlist the claim (``keep_seat``).
# Invariant: ``used`` = listed claims + ASSIGNED assignments whose claim is not listed. Each
# step keeps it, and so does each way a claim ends: listed claim given back with one
# ``$pull`` + ``$inc: -1`` (only the call that pulls it decrements), unlisted by
# ``keep_seat`` only once its assignment is ASSIGNED, and a revocation unlists first, then
# deletes and decrements. A crash between steps leaves a PENDING claim and perhaps a
# listed seat; both are treated as absent once older than CLAIM_LEASE: the next assignment
# of that user abandons the claim and gives its seat back, and a refused reservation gives
# back the seats of every stale listed claim (_reclaim_stale) before answering.
CLAIM_LEASE = timedelta(seconds=30)
# At most this many claims per assignment, and reservations per claim: each further one
# follows a change seen in the data (a claim gone, a stale claim cleared, a seat seen
# free), never a timer.
_ATTEMPTS = 3
# How often a duplicate request looks again at a claim whose request has yet to settle.
_SETTLE_POLL_SECONDS = 0.02


class _Outcome(Enum):
    # The user holds it, or another request of the same assignment is making it (it holds
    # a seat, or one was free when this one looked).
    HELD = "held"
    RETRY = "retry"  # a claim went away: claim again


async def _reclaim_stale(deps: Dependencies, pool: PoolRecord, now: datetime) -> bool:
    """Settles the pool's listed claims older than the lease; True if any seat came back.

    A stale listed claim whose assignment is ASSIGNED only missed ``keep_seat``: it is
    unlisted, its seat kept. One that is PENDING is abandoned, then its seat given back;
    one with no assignment of its own was abandoned already. Several requests may settle
    the same claims at once: each step is conditional, so when this returns every stale
    claim it saw is settled, whoever did it, and True means seats came back.
    """
    licences = deps.store.licences
    org_id, key = pool.org_id, pool.product_key
    freed = False
    for listed in pool.claims:
        if listed.at > now - CLAIM_LEASE:
            continue
        held = await licences.get_claim(org_id, key, listed.user_id)
        if (
            held is not None
            and held.claim == listed.id
            and held.state == PENDING
            and not await licences.abandon(org_id, key, listed.user_id, listed.id)
        ):
            # Confirmed meanwhile, or abandoned by another request: which?
            held = await licences.get_claim(org_id, key, listed.user_id)
        if held is not None and held.claim == listed.id and held.state != PENDING:
            await licences.keep_seat(org_id, key, listed.id)
            continue
        await licences.release_claim(org_id, key, listed.id)
        freed = True
    return freed


async def _answer_duplicate(
    deps: Dependencies, org_id: str, key: str, user_id: str
) -> _Outcome | PoolRecord:
    """The user and pool had an assignment document: HELD, RETRY or the full pool.

    An ASSIGNED one is HELD. A PENDING claim of another request is answered without
    touching the counter: HELD once it holds a seat, SEAT_LIMIT if the pool is full. For
    that the pool is read before the claim is read again: a claim is unlisted only once it
    is confirmed, so a claim still PENDING after a pool read that does not list it had no
    seat at that read. While such a claim may still take one of the free seats, its request
    is waited for (it may lose the seat to a rival, and this answer must not say it won). A
    claim gone meanwhile (its request found the pool full) leaves a full pool SEAT_LIMIT
    too; otherwise claim again.
    """
    licences = deps.store.licences
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + CLAIM_LEASE.total_seconds()  # its request is crashed by then
    while True:
        now = deps.clock()
        held = await licences.get_claim(org_id, key, user_id)
        if held is not None and held.state != PENDING:
            return _Outcome.HELD
        pool = await licences.get_pool(org_id, key)
        if pool is None:  # pools are never deleted; here only if one was removed by hand
            raise _pool_not_found(key)
        held = await licences.get_claim(org_id, key, user_id)
        if held is not None and held.state != PENDING:
            return _Outcome.HELD
        if held is not None and held.claim is not None:
            if held.claimed_at is None or held.claimed_at <= now - CLAIM_LEASE:
                # A crashed request's claim: treated as absent, its seat (if any) given back.
                if await licences.abandon(org_id, key, user_id, held.claim):
                    await licences.release_claim(org_id, key, held.claim)
                return _Outcome.RETRY
            if any(c.id == held.claim for c in pool.claims):
                return _Outcome.HELD
        if not (pool.used < pool.seats or await _reclaim_stale(deps, pool, now)):
            return pool
        if held is None or loop.time() >= give_up_at:
            return _Outcome.RETRY
        await asyncio.sleep(_SETTLE_POLL_SECONDS)


async def _reserve(
    deps: Dependencies, org_id: str, key: str, user_id: str, claim: str, now: datetime
) -> PoolRecord | None:
    """Takes a seat for the claim (None), or answers the full pool.

    A refused reservation reads the pool: if the seats of crashed claims came back, or a
    seat was freed since the refusal, it tries again; it answers SEAT_LIMIT as soon as a
    reservation is refused and the pool read after it is full of live claims and
    assignments. Another try follows a seat seen free, never a timer. A reservation is made
    against the pool's size as read, so a pool resized meanwhile refuses it too, and the
    pool read after it tells which.
    """
    licences = deps.store.licences
    pool = await licences.get_pool(org_id, key)
    for _attempt in range(_ATTEMPTS):
        if pool is None:  # pools are never deleted; here only if one was removed by hand
            raise _pool_not_found(key)
        if await licences.reserve(pool, user_id, claim, now):
            return None
        pool = await licences.get_pool(org_id, key)
        if pool is None:
            raise _pool_not_found(key)
        freed = await _reclaim_stale(deps, pool, now)
        if not freed and pool.used >= pool.seats:
            return pool
    return pool


async def _try_assign(
    deps: Dependencies, org_id: str, key: str, user_id: str
) -> str | _Outcome | PoolRecord:
    """One attempt at the three steps: the claim of the assignment this call made, another
    outcome, or the full pool (SEAT_LIMIT)."""
    licences = deps.store.licences
    now = deps.clock()
    claim = await licences.claim(org_id, key, user_id, now)
    if claim is None:
        return await _answer_duplicate(deps, org_id, key, user_id)
    try:
        full = await _reserve(deps, org_id, key, user_id, claim, now)
        if full is not None:
            await licences.abandon(org_id, key, user_id, claim)
            return full
        if not await licences.confirm(org_id, key, user_id, claim, deps.clock()):
            # This request outlived the lease and its claim was abandoned: give its seat
            # back (unless the cleaner did) and claim again.
            await licences.release_claim(org_id, key, claim)
            return _Outcome.RETRY
    except BaseException:
        with contextlib.suppress(Exception):
            if await licences.abandon(org_id, key, user_id, claim):
                await licences.release_claim(org_id, key, claim)
        raise
    await licences.keep_seat(org_id, key, claim)
    return claim


async def _remove_assignment(
    deps: Dependencies, org_id: str, key: str, user_id: str, claim: str | None
) -> bool:
    """Deletes the confirmed assignment made by `claim` and frees its seat; True for the one
    call that did. The claim is unlisted first (confirmed, so its seat is the assignment's)
    so that no stale-claim cleaner can take that seat back a second time."""
    licences = deps.store.licences
    if claim is not None:
        await licences.keep_seat(org_id, key, claim)
    if not await licences.delete_assignment(org_id, key, user_id, claim):
        return False
    await licences.release(org_id, key)
    return True


async def assign_licence(
    deps: Dependencies, caller: Caller, user_id: str, product_key: str
) -> UserRecord:
    """Idempotent: assigning a licence the user holds changes nothing and is no error."""
    org_id = caller.require(USERS_WRITE)
    key = product_key_of(product_key)
    user, _ = await _user_and_pool(deps, org_id, user_id, key)
    for _attempt in range(_ATTEMPTS):
        outcome = await _try_assign(deps, org_id, key, user_id)
        if isinstance(outcome, PoolRecord):
            raise LicenceLimitReached(outcome)
        if outcome is _Outcome.HELD:
            return user
        if isinstance(outcome, str):
            claim = outcome
            break
    else:
        raise RuntimeError(f"Assigning {key!r} lost its claim {_ATTEMPTS} times")
    # A deletion that ran since the first read has released what it saw, but not this
    # assignment: undo it (whichever of the two removes it frees the seat, once).
    if await deps.store.users.get(org_id, user_id) is None:
        await _remove_assignment(deps, org_id, key, user_id, claim)
        raise NotFound("User", ("input", "userId"))
    await _record_change(deps, caller, org_id, key, user_id, ASSIGNED)
    return user


async def revoke_licence(
    deps: Dependencies, caller: Caller, user_id: str, product_key: str
) -> UserRecord:
    """Idempotent: revoking a licence the user does not hold changes nothing."""
    org_id = caller.require(USERS_WRITE)
    key = product_key_of(product_key)
    user, _ = await _user_and_pool(deps, org_id, user_id, key)
    held = await deps.store.licences.get_claim(org_id, key, user_id)
    if held is None or held.state == PENDING:  # a PENDING claim is not held yet
        return user
    if await _remove_assignment(deps, org_id, key, user_id, held.claim):
        await _record_change(deps, caller, org_id, key, user_id, REVOKED)
    return user


async def release_user_licences(deps: Dependencies, caller: Caller, user_id: str) -> None:
    """Frees every licence of a user being deleted (each a revocation, with its events)."""
    org_id = caller.org_id
    licences = deps.store.licences
    for held in await licences.assignments_of_users(org_id, [user_id]):
        # Only the call that removes an assignment frees its seat, whatever races it.
        if await _remove_assignment(deps, org_id, held.product_key, user_id, held.claim):
            await _record_change(deps, caller, org_id, held.product_key, user_id, REVOKED)


__all__ = [
    "CLAIM_LEASE",
    "MAX_SEATS",
    "PRODUCT_KEY",
    "HeldLicence",
    "Holders",
    "LicenceLimitReached",
    "assign_licence",
    "configure_pool",
    "licences_of_users",
    "list_pools",
    "pool_holders",
    "release_user_licences",
    "revoke_licence",
]
