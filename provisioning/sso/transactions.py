"""The single-use login transaction between /auth/{org}/login and its callback, and the
invitation binding a login may carry."""

from __future__ import annotations

from provisioning.dependencies import Dependencies
from provisioning.sso.invitations import SSO_BIND
from store.identity_providers import IdentityProviderRecord
from store.login_transactions import LoginTransaction


async def begin_login(deps: Dependencies, transaction: LoginTransaction) -> None:
    await deps.store.login_transactions.insert(transaction)


async def take_login(deps: Dependencies, org_id: str, state_hash: str) -> LoginTransaction | None:
    """The transaction with this state, removed so that it cannot be used twice."""
    return await deps.store.login_transactions.take(org_id, state_hash, deps.clock())


async def binding_is_live(deps: Dependencies, org_id: str, hashed: str) -> bool:
    """Whether an SSO invitation binding (its token's hash) is unused, unexpired and this
    organization's."""
    live = await deps.store.invitation_tokens.find_live(hashed, SSO_BIND, deps.clock())
    return live is not None and live.org_id == org_id


__all__ = [
    "IdentityProviderRecord",
    "LoginTransaction",
    "begin_login",
    "binding_is_live",
    "take_login",
]
