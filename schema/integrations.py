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
from schema.enums import Seat
from schema.errors import UserError
from schema.pages import PageInfo, decode_cursor, encode_cursor
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

# The key of the one-per-request "integrations in use" load.


@strawberry.enum
class BackfillStatus(Enum):
    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"


@strawberry.type
class Integration:
    id: strawberry.ID
    key: str
    name: str
    kind: str = strawberry.field(
        description="ACTIVITY (CRM, telephony), DIRECTORY (source of truth),"
        " PROVISIONING (downstream app)"
    )
    connected: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: IntegrationRecord) -> Integration:
        return cls(
            id=strawberry.ID(record.id),
            key=record.key,
            name=record.name,
            kind=record.kind,
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
        search: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> IntegrationAccountConnection:
        return await self._accounts(info, search, first, after, linked=False)

    @strawberry.field(
        description="The Linked tab: accounts linked to a user (`linkedUser`), searched and"
        " paged as unlinkedAccounts, for the same callers."
    )
    async def linked_accounts(
        self,
        info: strawberry.Info,
        search: str | None = None,
        first: int = 50,
        after: str | None = None,
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
        self, info: strawberry.Info, first: int = 20, after: str | None = None
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
        first: int = 50,
        after: str | None = None,
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
    id: strawberry.ID
    external_id: str
    email: str | None
    display_name: str | None
    first_name: str | None
    last_name: str | None
    first_seen_at: datetime = strawberry.field(description="when Roster first recorded it")
    last_activity_at: datetime = strawberry.field(description="the latest occurredAt received")
    activity_count: int = strawberry.field(
        description="events received, each later than the one before it"
    )
    linked_at: datetime | None
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

    @strawberry.field
    async def integration(self, info: strawberry.Info) -> Integration:
        return await _integration(info, self.integration_id)

    @strawberry.field(description="Unlinked rows: the organization's user with this email.")
    async def matching_user(self, info: strawberry.Info) -> User | None:
        if self.linked_user_id is not None or not self.email:
            return None
        found = await context_of(info).loaders.users_by_email.load(self.email.strip().lower())
        return User.of(found) if found else None

    @strawberry.field
    async def linked_user(self, info: strawberry.Info) -> User | None:
        if self.linked_user_id is None:
            return None
        record = await context_of(info).loaders.users.load(self.linked_user_id)
        return User.of(record) if record else None


@strawberry.type
class IntegrationAccountEdge:
    cursor: str
    node: IntegrationAccount


@strawberry.type
class IntegrationAccountConnection:
    edges: list[IntegrationAccountEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class AccountSuggestion:
    account: IntegrationAccount
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


@strawberry.type
class NameGuess:
    first_name: str | None
    last_name: str | None


@strawberry.type(
    description="An integration that users of the organization are linked to, and whether"
    " this user is."
)
class IntegrationConnection:
    integration: Integration
    linked: bool
    account: IntegrationAccount | None


@strawberry.type
class BackfillRequest:
    id: strawberry.ID
    since: datetime
    status: BackfillStatus
    requested_at: datetime
    completed_at: datetime | None
    message: str | None
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

    @strawberry.field
    async def integration(self, info: strawberry.Info) -> Integration:
        return await _integration(info, self.integration_id)

    @strawberry.field
    async def account(self, info: strawberry.Info) -> IntegrationAccount | None:
        record = await context_of(info).loaders.integration_accounts.load(self.account_id)
        return IntegrationAccount.of(record) if record else None

    @strawberry.field
    async def user(self, info: strawberry.Info) -> User | None:
        record = await context_of(info).loaders.users.load(self.user_id)
        return User.of(record) if record else None


@strawberry.type
class BackfillRequestEdge:
    cursor: str
    node: BackfillRequest


@strawberry.type
class BackfillRequestConnection:
    edges: list[BackfillRequestEdge]
    page_info: PageInfo
    total_count: int


async def linked_accounts_of(info: strawberry.Info, user_id: str) -> list[IntegrationAccount]:
    records = await context_of(info).loaders.linked_accounts.load(user_id)
    return [IntegrationAccount.of(r) for r in records]


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input
class CreateIntegrationInput:
    key: str = strawberry.field(description="lower-case, unique in the organization: bullhorn")
    name: str
    kind: str = strawberry.field(description="ACTIVITY, DIRECTORY or PROVISIONING")
    connected: bool = True


@strawberry.input(description="Fields left out are unchanged.")
class UpdateIntegrationInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    connected: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false refuses the integration's activity"
    )


@strawberry.input
class AccountActivityInput:
    external_id: str
    email: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    occurred_at: datetime


@strawberry.input
class RecordIntegrationActivityInput:
    integration_key: str
    accounts: list[AccountActivityInput] = strawberry.field(description="at most 1,000")


@strawberry.input
class LinkIntegrationAccountInput:
    user_id: strawberry.ID
    account_id: strawberry.ID


@strawberry.input
class UnlinkIntegrationAccountInput:
    account_id: strawberry.ID


@strawberry.input
class CreateUserFromIntegrationAccountInput:
    account_id: strawberry.ID
    first_name: str | None = strawberry.field(
        default=None, description="instead of the account's (or the one guessed from its email)"
    )
    last_name: str | None = None
    seat: Seat = Seat.OBSERVER


@strawberry.input
class RequestBackfillInput:
    user_id: strawberry.ID
    integration_id: strawberry.ID
    since: datetime


@strawberry.input
class CompleteBackfillInput:
    id: strawberry.ID
    status: BackfillStatus = strawberry.field(description="DONE or FAILED")
    message: str | None = strawberry.field(default=None, description="what went wrong, if so")


@strawberry.type
class IntegrationPayload:
    integration: Integration | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordActivityPayload:
    recorded: int = strawberry.field(default=0, description="entries applied")
    created: int = strawberry.field(default=0, description="accounts seen for the first time")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description='one per bad entry: field ["accounts", "3", "email"]'
    )


@strawberry.type
class BackfillPayload:
    backfill_request: BackfillRequest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
