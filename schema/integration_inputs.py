"""Integration inputs and payloads: adding and changing integrations, recording activity,
linking accounts, creating users from them, and backfills."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.enums import Seat
from schema.errors import USER_ERRORS, UserError
from schema.integrations import BackfillRequest, BackfillStatus, Integration


@strawberry.input(description="A new integration (admins).")
class CreateIntegrationInput:
    key: str = strawberry.field(description="lower-case, unique in the organization: bullhorn")
    name: str = strawberry.field(description="Display name.")
    kind: str = strawberry.field(description="ACTIVITY, DIRECTORY or PROVISIONING")
    connected: bool = strawberry.field(default=True, description="Whether it starts connected.")


@strawberry.input(description="Fields left out are unchanged.")
class UpdateIntegrationInput:
    id: strawberry.ID = strawberry.field(description="The integration's id.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New display name.")
    connected: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false refuses the integration's activity"
    )


@strawberry.input(description="One account's activity as an integration saw it.")
class AccountActivityInput:
    external_id: str = strawberry.field(description="The account's id in the other system.")
    email: str | None = strawberry.field(
        default=None, description="The account's email; null if it has none."
    )
    display_name: str | None = strawberry.field(
        default=None, description="The account's display name; null if none."
    )
    first_name: str | None = strawberry.field(
        default=None, description="Given name; null if not known."
    )
    last_name: str | None = strawberry.field(
        default=None, description="Family name; null if not known."
    )
    occurred_at: datetime = strawberry.field(
        description="When the activity happened (ISO 8601 with offset)."
    )


@strawberry.input(
    description="A batch of account activity from one integration"
    " (partner tools with integrations:write)."
)
class RecordIntegrationActivityInput:
    integration_key: str = strawberry.field(description="The integration's key.")
    accounts: list[AccountActivityInput] = strawberry.field(description="at most 1,000")


@strawberry.input(description="A user and an integration account to link to them.")
class LinkIntegrationAccountInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    account_id: strawberry.ID = strawberry.field(description="The unlinked integration account.")


@strawberry.input(description="An integration account to unlink from its user.")
class UnlinkIntegrationAccountInput:
    account_id: strawberry.ID = strawberry.field(description="The linked integration account.")


@strawberry.input(
    description="A new user made from an unlinked integration"
    " account, linked to it in the same step."
)
class CreateUserFromIntegrationAccountInput:
    account_id: strawberry.ID = strawberry.field(description="The unlinked integration account.")
    first_name: str | None = strawberry.field(
        default=None, description="instead of the account's (or the one guessed from its email)"
    )
    last_name: str | None = strawberry.field(
        default=None, description="Family name; null: the account's."
    )
    seat: Seat = strawberry.field(default=Seat.OBSERVER, description="The new user's seat.")


@strawberry.input(description="Ask an integration to send a linked account's past activity.")
class RequestBackfillInput:
    user_id: strawberry.ID = strawberry.field(
        description="The user whose linked account to backfill."
    )
    integration_id: strawberry.ID = strawberry.field(description="The integration to ask.")
    since: datetime = strawberry.field(
        description="Backfill from this moment (for instance the user's join date)."
    )


@strawberry.input(description="An integration's report that a backfill request is done.")
class CompleteBackfillInput:
    id: strawberry.ID = strawberry.field(description="The backfill request's id.")
    status: BackfillStatus = strawberry.field(description="DONE or FAILED")
    message: str | None = strawberry.field(default=None, description="what went wrong, if so")


@strawberry.type(description="The result of adding or changing an integration.")
class IntegrationPayload:
    integration: Integration | None = strawberry.field(
        default=None,
        description="The integration as it now is; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="The result of recording a batch of account activity.")
class RecordActivityPayload:
    recorded: int = strawberry.field(default=0, description="entries applied")
    created: int = strawberry.field(default=0, description="accounts seen for the first time")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description='one per bad entry: field ["accounts", "3", "email"]'
    )


@strawberry.type(description="The result of requesting or completing a backfill.")
class BackfillPayload:
    backfill_request: BackfillRequest | None = strawberry.field(
        default=None,
        description="The request as it now is; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
