"""Who holds which licences: each user's, and a pool's holders a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from provisioning.access.principal import USERS_READ
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from store.users import UserRecord

MAX_PAGE = 100


@dataclass(frozen=True)
class HeldLicence:
    product_key: str
    name: str
    assigned_at: datetime


def product_key_of(product_key: str | None) -> str:
    return (product_key or "").strip().lower()


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
        org_id, product_key_of(product_key), after_user_id, first + 1
    )
    page = assignments[:first]
    found = await deps.store.users.get_many(org_id, [a.user_id for a in page])
    return Holders(
        users=[found[a.user_id] for a in page if a.user_id in found],
        has_next=len(assignments) > first,
        total=await deps.store.licences.count_holders(org_id, product_key_of(product_key)),
    )
