"""Reading users: one, several by id (in key order), and a filtered page."""

from __future__ import annotations

from provisioning.access.principal import USERS_READ
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    Problem,
    ValidationFailed,
)
from provisioning.search import search_prefix
from provisioning.users.model import MAX_PAGE, UserPage
from store.users import UserFilter, UserRecord


async def get_user(deps: Dependencies, caller: Caller, user_id: str) -> UserRecord | None:
    """An admin reads anyone in the organization; a member only themselves."""
    org_id = caller.require_signed_in()
    if not caller.may(USERS_READ) and user_id != caller.user_id:
        return None
    return await deps.store.users.get(org_id, user_id)


async def get_users(
    deps: Dependencies, caller: Caller, user_ids: list[str]
) -> dict[str, UserRecord]:
    org_id = caller.require_signed_in()
    user_ids = caller.readable_users(user_ids)
    return await deps.store.users.get_many(org_id, user_ids)


async def get_users_by_email(
    deps: Dependencies, caller: Caller, emails: list[str]
) -> dict[str, UserRecord]:
    """Users by (normalised) email, for a caller who may read users; nobody otherwise."""
    org_id = caller.require_signed_in()
    if not caller.may(USERS_READ) or not emails:
        return {}
    return await deps.store.users.get_many_by_email(org_id, emails)


async def list_users(
    deps: Dependencies,
    caller: Caller,
    *,
    search: str | None = None,
    status: str | None = None,
    seat: str | None = None,
    first: int = 50,
    after_id: str | None = None,
) -> UserPage:
    org_id = caller.require(USERS_READ)
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(
            Problem("INVALID", f"first must be between 0 and {MAX_PAGE}.", ("first",))
        )
    where = UserFilter(search_prefix=search_prefix(search), status=status, seat=seat)
    users = await deps.store.users.page(org_id, where, after_id, first + 1)
    return UserPage(users=users[:first], has_next=len(users) > first)


async def count_users(
    deps: Dependencies,
    caller: Caller,
    *,
    search: str | None = None,
    status: str | None = None,
    seat: str | None = None,
) -> int:
    """How many users list_users' filter matches in all pages: asked for apart from the page
    because a count reads every matching index entry."""
    org_id = caller.require(USERS_READ)
    where = UserFilter(search_prefix=search_prefix(search), status=status, seat=seat)
    return await deps.store.users.count(org_id, where)
