"""Connection status: which integrations the organization uses, and whether a user, or
the accounts selected for a user not created yet, covers each."""

from __future__ import annotations

import strawberry

from provisioning.integrations.linking import selected_accounts
from schema.context import context_of
from schema.integrations import Integration, IntegrationAccount, IntegrationLinkStatus
from store.integration_accounts import AccountRecord

IN_USE = "in-use"


async def _connections(
    info: strawberry.Info, accounts: list[AccountRecord]
) -> list[IntegrationLinkStatus]:
    in_use = await context_of(info).loaders.integrations_in_use.load(IN_USE)
    mine: dict[str, AccountRecord] = {}
    for account in accounts:
        mine.setdefault(account.integration_id, account)
    return [
        IntegrationLinkStatus(
            integration=Integration.of(integration),
            linked=integration.id in mine,
            account=IntegrationAccount.of(mine[integration.id]) if integration.id in mine else None,
        )
        for integration in in_use
    ]


async def connection_status_of(info: strawberry.Info, user_id: str) -> list[IntegrationLinkStatus]:
    return await _connections(info, await context_of(info).loaders.linked_accounts.load(user_id))


async def connection_preview_of(
    info: strawberry.Info, account_ids: list[str]
) -> list[IntegrationLinkStatus]:
    """As a user's connection status, for the accounts selected before the user exists."""
    context = context_of(info)
    accounts = await selected_accounts(context.deps, context.caller, account_ids)
    return await _connections(info, accounts)
