"""Integration types: integrations, their accounts, suggestions, backfill requests."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from graphql import GraphQLError

from provisioning.integrations import accounts as integration_accounts
from provisioning.integrations.matching import Suggestion
from schema.context import context_of
from schema.enums import IntegrationKind, describe_values
from schema.pages import After, First, PageInfo, decode_cursor, encode_cursor
from schema.sync import (
    SyncErrorConnection,
    SyncRunConnection,
    SyncSettings,
    cursor_of,
    sync_errors_of,
    sync_runs_of,
    sync_settings_of,
)
from schema.types import User
from store.backfill_requests import BackfillRecord
from store.integration_accounts import AccountRecord
from store.integrations import IntegrationRecord


@strawberry.enum(description="Where a backfill request stands.")
class BackfillStatus(Enum):
    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"


describe_values(
    BackfillStatus,
    {
        "PENDING": "waiting for the integration",
        "DONE": "the integration sent the activity",
        "FAILED": "the integration could not (see message)",
    },
)


@strawberry.type(
    description="Another system whose accounts Roster links to the organization's users: an "
    "activity source, a directory Roster syncs from, or a system Roster provisions."
)
class Integration:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the integration.")
    key: str = strawberry.field(
        description="Short name, lower-case and unique in the organization (bullhorn), as "
        "partner tools and recordIntegrationActivity name it."
    )
    name: str = strawberry.field(description="Display name.")
    kind: IntegrationKind = strawberry.field(
        description="ACTIVITY (CRM, telephony), DIRECTORY (source of truth),"
        " PROVISIONING (downstream app)"
    )
    connected: bool = strawberry.field(
        description="Whether the integration is connected; a disconnected one takes no "
        "activity and runs no sync."
    )
    created_at: datetime = strawberry.field(description="When the integration was added (UTC).")
    updated_at: datetime = strawberry.field(description="When it was last changed (UTC).")

    @classmethod
    def of(cls, record: IntegrationRecord) -> Integration:
        return cls(
            id=strawberry.ID(record.id),
            key=record.key,
            name=record.name,
            kind=IntegrationKind(record.kind),
            connected=record.connected,
            created_at=record.created_at,
            updated_at=record.updated_at,
        )

    @strawberry.field(
        description="Admins, or a token with integrations:write. Search is a case- and"
        " accent-insensitive prefix of an email, a name or an external id."
    )
    async def unlinked_accounts(
        self,
        info: strawberry.Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Prefix of an email, a name or an external id; null: every account."
            ),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> IntegrationAccountConnection:
        return await self._accounts(info, search, first, after, linked=False)

    @strawberry.field(
        description="The Linked tab: accounts linked to a user (`linkedUser`), searched and"
        " paged as unlinkedAccounts, for the same callers."
    )
    async def linked_accounts(
        self,
        info: strawberry.Info,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Prefix of an email, a name or an external id; null: every account."
            ),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> IntegrationAccountConnection:
        return await self._accounts(info, search, first, after, linked=True)

    async def _accounts(
        self, info: strawberry.Info, search: str | None, first: int, after: str | None, linked: bool
    ) -> IntegrationAccountConnection:
        context = context_of(info)
        page = await integration_accounts.list_unlinked(
            context.deps,
            context.caller,
            str(self.id),
            search=search,
            first=first,
            after_id=decode_cursor(after),
            linked=linked,
        )
        edges = [
            IntegrationAccountEdge(cursor=encode_cursor(a.id), node=IntegrationAccount.of(a))
            for a in page.accounts
        ]
        return IntegrationAccountConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
            total_count=page.total,
        )

    @strawberry.field(description="DIRECTORY and PROVISIONING: runs, newest first")
    async def sync_runs(
        self, info: strawberry.Info, first: First = 20, after: After = None
    ) -> SyncRunConnection:
        return await sync_runs_of(info, str(self.id), first, after)

    @strawberry.field(
        description="DIRECTORY and PROVISIONING: the sync errors of every run, newest first"
    )
    async def sync_errors(
        self,
        info: strawberry.Info,
        unresolved: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only those not resolved; false: only resolved; null: all"
            ),
        ] = None,
        first: First = 50,
        after: After = None,
    ) -> SyncErrorConnection:
        return await sync_errors_of(info, str(self.id), unresolved, first, after)

    @strawberry.field(description='"last updated" watermark of incremental sync')
    async def cursor(self, info: strawberry.Info) -> datetime | None:
        return await cursor_of(info, str(self.id))

    @strawberry.field(description="Admins only. The SCIM connection; null until configured.")
    async def sync_settings(self, info: strawberry.Info) -> SyncSettings | None:
        return await sync_settings_of(info, str(self.id))


async def _integration(info: strawberry.Info, integration_id: str) -> Integration:
    record = await context_of(info).loaders.integrations.load(integration_id)
    if record is None:
        # Every account and request belongs to an integration of its organization.
        raise GraphQLError("Integration not found.", extensions={"code": "NOT_FOUND"})
    return Integration.of(record)


@strawberry.type(
    description="An account of a person in another system. It exists here only once that"
    " system has sent data for it."
)
class IntegrationAccount:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the account.")
    external_id: str = strawberry.field(description="The account's id in the other system.")
    email: str | None = strawberry.field(
        description="The account's email in the other system; null if it has none."
    )
    display_name: str | None = strawberry.field(
        description="The account's display name in the other system; null if none."
    )
    first_name: str | None = strawberry.field(
        description="Given name in the other system; null if not known."
    )
    last_name: str | None = strawberry.field(
        description="Family name in the other system; null if not known."
    )
    first_seen_at: datetime = strawberry.field(description="when Roster first recorded it")
    last_activity_at: datetime = strawberry.field(description="the latest occurredAt received")
    activity_count: int = strawberry.field(
        description="events received, each later than the one before it"
    )
    linked_at: datetime | None = strawberry.field(
        description="When the account was linked to its user (UTC); null while unlinked."
    )
    integration_id: strawberry.Private[str]
    linked_user_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, record: AccountRecord) -> IntegrationAccount:
        return cls(
            id=strawberry.ID(record.id),
            external_id=record.external_id,
            email=record.email,
            display_name=record.display_name,
            first_name=record.first_name,
            last_name=record.last_name,
            first_seen_at=record.first_seen_at,
            last_activity_at=record.last_activity_at,
            activity_count=record.activity_count,
            linked_at=record.linked_at,
            integration_id=record.integration_id,
            linked_user_id=record.linked_user_id,
        )

    @strawberry.field(description="The integration the account belongs to.")
    async def integration(self, info: strawberry.Info) -> Integration:
        return await _integration(info, self.integration_id)

    @strawberry.field(description="Unlinked rows: the organization's user with this email.")
    async def matching_user(self, info: strawberry.Info) -> User | None:
        if self.linked_user_id is not None or not self.email:
            return None
        found = await context_of(info).loaders.users_by_email.load(self.email.strip().lower())
        return User.of(found) if found else None

    @strawberry.field(description="The user the account is linked to; null while unlinked.")
    async def linked_user(self, info: strawberry.Info) -> User | None:
        if self.linked_user_id is None:
            return None
        record = await context_of(info).loaders.users.load(self.linked_user_id)
        return User.of(record) if record else None


@strawberry.type(description="One account in a page of integration accounts.")
class IntegrationAccountEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` to read the accounts after this one."
    )
    node: IntegrationAccount = strawberry.field(description="The integration account.")


@strawberry.type(description="A page of integration accounts (Relay connection shape).")
class IntegrationAccountConnection:
    edges: list[IntegrationAccountEdge] = strawberry.field(
        description="The accounts of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether there are more pages, and the cursors to read them."
    )
    total_count: int = strawberry.field(description="How many accounts match in all pages.")


@strawberry.type(
    description="An unlinked integration account that may be the person being created, with how "
    "well it matches."
)
class AccountSuggestion:
    account: IntegrationAccount = strawberry.field(description="The suggested account.")
    score: float = strawberry.field(description="0..1")
    reasons: list[str] = strawberry.field(
        description='e.g. "email matches exactly", "same local part at another domain"'
    )
    best: bool = strawberry.field(
        description="the most likely account of its integration: at most one per integration"
    )

    @classmethod
    def of(cls, suggestion: Suggestion) -> AccountSuggestion:
        return cls(
            account=IntegrationAccount.of(suggestion.account),
            score=suggestion.score,
            reasons=list(suggestion.reasons),
            best=suggestion.best,
        )


@strawberry.type(
    description="A first and last name guessed from an email address"
    " (ada.lovelace@ -> Ada Lovelace)."
)
class NameGuess:
    first_name: str | None = strawberry.field(
        description="The guessed given name; null when none could be guessed."
    )
    last_name: str | None = strawberry.field(
        description="The guessed family name; null when none could be guessed."
    )


@strawberry.type(
    description="An integration that users of the organization are linked to, and whether"
    " this user is."
)
class IntegrationLinkStatus:
    integration: Integration = strawberry.field(description="The integration.")
    linked: bool = strawberry.field(
        description="Whether the user (or the selection) has an account of this integration."
    )
    account: IntegrationAccount | None = strawberry.field(
        description="That account; null when not linked."
    )


@strawberry.type(
    description="A request that an integration send a linked account's past activity from a date "
    "(it is done by the integration, which reports back with completeBackfill)."
)
class BackfillRequest:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the request.")
    since: datetime = strawberry.field(description="Backfill the activity from this moment (UTC).")
    status: BackfillStatus = strawberry.field(
        description="PENDING until the integration reports DONE or FAILED."
    )
    requested_at: datetime = strawberry.field(description="When the backfill was requested (UTC).")
    completed_at: datetime | None = strawberry.field(
        description="When the integration reported back (UTC); null while PENDING."
    )
    message: str | None = strawberry.field(
        description="What went wrong, for FAILED; null otherwise."
    )
    integration_id: strawberry.Private[str]
    account_id: strawberry.Private[str]
    user_id: strawberry.Private[str]

    @classmethod
    def of(cls, record: BackfillRecord) -> BackfillRequest:
        return cls(
            id=strawberry.ID(record.id),
            since=record.since,
            status=BackfillStatus(record.status),
            requested_at=record.requested_at,
            completed_at=record.completed_at,
            message=record.message,
            integration_id=record.integration_id,
            account_id=record.account_id,
            user_id=record.user_id,
        )

    @strawberry.field(description="The integration asked to backfill.")
    async def integration(self, info: strawberry.Info) -> Integration:
        return await _integration(info, self.integration_id)

    @strawberry.field(description="The linked account to backfill; null if it was deleted since.")
    async def account(self, info: strawberry.Info) -> IntegrationAccount | None:
        record = await context_of(info).loaders.integration_accounts.load(self.account_id)
        return IntegrationAccount.of(record) if record else None

    @strawberry.field(description="The user the account is linked to; null if deleted since.")
    async def user(self, info: strawberry.Info) -> User | None:
        record = await context_of(info).loaders.users.load(self.user_id)
        return User.of(record) if record else None


@strawberry.type(description="One request in a page of backfill requests.")
class BackfillRequestEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` to read the requests after this one."
    )
    node: BackfillRequest = strawberry.field(description="The backfill request.")


@strawberry.type(description="A page of backfill requests (Relay connection shape).")
class BackfillRequestConnection:
    edges: list[BackfillRequestEdge] = strawberry.field(
        description="The requests of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether there are more pages, and the cursors to read them."
    )
    total_count: int = strawberry.field(description="How many requests match in all pages.")


async def linked_accounts_of(info: strawberry.Info, user_id: str) -> list[IntegrationAccount]:
    records = await context_of(info).loaders.linked_accounts.load(user_id)
    return [IntegrationAccount.of(r) for r in records]
