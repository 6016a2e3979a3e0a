"""Linking integration accounts to users: one account per integration per user.

A link is a conditional update (only where the account is unlinked) and the "one per
integration" rule is a unique index, so concurrent links are decided by the database.
"""

from __future__ import annotations

from provisioning.access.principal import INTEGRATIONS_WRITE, USERS_WRITE
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import AlreadyLinked, NotFound, Problem, ValidationFailed
from store.integration_accounts import AccountRecord, UserAlreadyHasAccount
from store.users import UserRecord

ACCOUNT_FIELD = ("input", "accountId")
# Accounts selected in the create-user modal: one per integration, so a few at most.
MAX_SELECTED = 50


def _linked_elsewhere(field: tuple[str, ...]) -> AlreadyLinked:
    return AlreadyLinked("The integration account is linked to another user.", field)


def _one_per_integration(field: tuple[str, ...]) -> AlreadyLinked:
    return AlreadyLinked(
        "The user is already linked to an account of this integration; unlink it first.", field
    )


async def link_account(
    deps: Dependencies,
    caller: Caller,
    user_id: str,
    account_id: str,
    field: tuple[str, ...] = ACCOUNT_FIELD,
) -> tuple[AccountRecord, UserRecord]:
    """Links the account to the user; linking it again to the same user changes nothing."""
    org_id = caller.require(INTEGRATIONS_WRITE)
    store = deps.store
    user = await store.users.get(org_id, user_id)
    if user is None:
        raise NotFound("User", ("input", "userId"))
    account = await store.integration_accounts.get(org_id, account_id)
    if account is None:
        raise NotFound("Integration account", field)
    if account.linked_user_id == user_id:
        return account, user
    if account.linked_user_id is not None:
        raise _linked_elsewhere(field)
    try:
        linked = await store.integration_accounts.link(org_id, account_id, user_id, deps.clock())
    except UserAlreadyHasAccount as error:
        raise _one_per_integration(field) from error
    if linked is None:
        # Someone linked it between our read and our write.
        latest = await store.integration_accounts.get(org_id, account_id)
        if latest is not None and latest.linked_user_id == user_id:
            return latest, user
        raise _linked_elsewhere(field)
    await record_event(
        deps,
        caller,
        "integration_account.linked",
        "IntegrationAccount",
        linked.id,
        {"linked_user_id": {"before": None, "after": user_id}},
        metadata={"integration_id": linked.integration_id, "external_id": linked.external_id},
    )
    return linked, user


async def link_to_user_with_email(
    deps: Dependencies, caller: Caller, account: AccountRecord, field: tuple[str, ...]
) -> UserRecord | None:
    """Link/Create when the person exists: links the account to the organization's user
    with its email and returns them; None if there is no such user (create one then)."""
    org_id = caller.require(INTEGRATIONS_WRITE)
    if not account.email:
        return None
    user = await deps.store.users.find_by_email(org_id, account.email.strip().lower())
    if user is None:
        return None
    held = await deps.store.integration_accounts.linked_in_integration(
        org_id, account.integration_id, user.id
    )
    if held is not None and held.id != account.id:
        name = f"{user.first_name} {user.last_name}".strip()
        raise AlreadyLinked(
            f"{name} <{user.email}> already holds an account of this integration"
            f" ({held.external_id}); unlink it first.",
            field,
        )
    _, linked_user = await link_account(deps, caller, user.id, account.id, field)
    return linked_user


async def selected_accounts(
    deps: Dependencies, caller: Caller, account_ids: list[str]
) -> list[AccountRecord]:
    """The accounts selected for a user not created yet, in the order given (for whoever
    may see unlinked accounts: admins and integrations:write tokens)."""
    org_id = caller.require(INTEGRATIONS_WRITE)
    if len(account_ids) > MAX_SELECTED:
        raise ValidationFailed(
            Problem("INVALID", f"At most {MAX_SELECTED} accounts.", ("accountIds",))
        )
    found = await deps.store.integration_accounts.get_many(org_id, account_ids)
    for index, account_id in enumerate(account_ids):
        if account_id not in found:
            raise NotFound("Integration account", ("accountIds", str(index)))
    return [found[account_id] for account_id in account_ids]


async def unlink_account(
    deps: Dependencies, caller: Caller, account_id: str
) -> tuple[AccountRecord, UserRecord | None]:
    """Unlinks the account; returns it as it was linked and the user it was linked to."""
    org_id = caller.require(INTEGRATIONS_WRITE)
    before = await deps.store.integration_accounts.unlink(org_id, account_id)
    if before is None:
        if await deps.store.integration_accounts.get(org_id, account_id) is None:
            raise NotFound("Integration account", ACCOUNT_FIELD)
        raise ValidationFailed(
            Problem("INVALID", "The integration account is not linked.", ACCOUNT_FIELD)
        )
    assert before.linked_user_id is not None
    await record_event(
        deps,
        caller,
        "integration_account.unlinked",
        "IntegrationAccount",
        before.id,
        {"linked_user_id": {"before": before.linked_user_id, "after": None}},
        metadata={"integration_id": before.integration_id, "external_id": before.external_id},
    )
    user = await deps.store.users.get(org_id, before.linked_user_id)
    return before, user


async def release_accounts(deps: Dependencies, caller: Caller, user_id: str) -> None:
    """A deleted user's accounts become unlinked again, to be linked to someone else."""
    org_id = caller.require(USERS_WRITE)
    for account in await deps.store.integration_accounts.unlink_user(org_id, user_id):
        await record_event(
            deps,
            caller,
            "integration_account.unlinked",
            "IntegrationAccount",
            account.id,
            {"linked_user_id": {"before": user_id, "after": None}},
            metadata={"integration_id": account.integration_id, "reason": "user deleted"},
        )


async def linked_accounts(
    deps: Dependencies, caller: Caller, user_ids: list[str]
) -> dict[str, list[AccountRecord]]:
    """The linked accounts of each user the caller may read (see Caller.readable_users)."""
    org_id = caller.require_signed_in()
    user_ids = caller.readable_users(user_ids)
    found: dict[str, list[AccountRecord]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        for account in await deps.store.integration_accounts.linked_to_users(org_id, user_ids):
            if account.linked_user_id in found:
                found[account.linked_user_id].append(account)
    return found
