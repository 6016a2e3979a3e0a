"""Integration root fields: integrations, their accounts, suggestions, links and backfills."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from provisioning.errors import DomainError
from provisioning.integrations import accounts as integration_accounts
from provisioning.integrations import backfill, integrations, linking, matching, names
from provisioning.users.write import KEEP
from resolvers.edge import payload_on_domain_error
from schema.connections import connection_preview_of
from schema.context import context_of
from schema.errors import user_errors
from schema.integration_inputs import (
    BackfillPayload,
    CompleteBackfillInput,
    CreateIntegrationInput,
    CreateUserFromIntegrationAccountInput,
    IntegrationPayload,
    LinkIntegrationAccountInput,
    RecordActivityPayload,
    RecordIntegrationActivityInput,
    RequestBackfillInput,
    UnlinkIntegrationAccountInput,
    UpdateIntegrationInput,
)
from schema.integrations import (
    AccountSuggestion,
    BackfillRequest,
    BackfillRequestConnection,
    BackfillRequestEdge,
    BackfillStatus,
    Integration,
    IntegrationAccount,
    IntegrationLinkStatus,
    NameGuess,
)
from schema.pages import After, First, PageInfo, decode_cursor, encode_cursor
from schema.payloads import UserPayload
from schema.types import User


def _given(value: Any) -> Any:
    """strawberry.UNSET (left out of the input) becomes KEEP; anything else is a change."""
    return KEEP if value is strawberry.UNSET else value


@strawberry.type
class IntegrationQuery:
    @strawberry.field(
        description="Admins, or a token with users:read or integrations:write. Null if the"
        " organization has no such integration."
    )
    async def integration(
        self,
        info: strawberry.Info,
        key: Annotated[str, strawberry.argument(description="The integration's key (bullhorn).")],
    ) -> Integration | None:
        context = context_of(info)
        record = await integrations.get_integration_by_key(context.deps, context.caller, key)
        return Integration.of(record) if record else None

    @strawberry.field(
        description="Admins, or a token with users:read. Null if there is none in the organization."
    )
    async def integration_account(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The account's id.")],
    ) -> IntegrationAccount | None:
        context = context_of(info)
        record = await context.loaders.integration_accounts.load(str(id))
        return IntegrationAccount.of(record) if record else None

    @strawberry.field(
        description="Admins, or a token with integrations:write. The unlinked accounts"
        " most likely to be this person's,"
        " ranked; names not given are guessed from the email. While typing, `email` may be"
        " a partial email or name (3 characters or more): the accounts it starts, ranked"
        " the same way."
    )
    async def suggest_integration_accounts(
        self,
        info: strawberry.Info,
        email: Annotated[str, strawberry.argument(description="The email typed for the new user.")],
        first_name: Annotated[
            str | None, strawberry.argument(description="The first name typed; null: not yet.")
        ] = None,
        last_name: Annotated[
            str | None, strawberry.argument(description="The last name typed; null: not yet.")
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="How many suggestions to return, best first.")
        ] = 10,
    ) -> list[AccountSuggestion]:
        context = context_of(info)
        found = await matching.suggest(
            context.deps, context.caller, email, first_name, last_name, first
        )
        return [AccountSuggestion.of(s) for s in found]

    @strawberry.field(
        description="Admins, or a token with integrations:write. The create-user modal's"
        " connection status: one row per integration in use in the organization, linked"
        " where one of these selected accounts (at most 50) is of it."
    )
    async def connection_status_preview(
        self,
        info: strawberry.Info,
        account_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(description="the integration accounts selected in the modal"),
        ],
    ) -> list[IntegrationLinkStatus]:
        return await connection_preview_of(info, [str(i) for i in account_ids])

    @strawberry.field(
        description="First and last name from an email (first.last@, first_last@,"
        " first-last@); null where the address does not say."
    )
    def guess_name(
        self,
        info: strawberry.Info,
        email: Annotated[str, strawberry.argument(description="The email address.")],
    ) -> NameGuess:
        context_of(info).caller.require_signed_in()
        guess = names.guess_name(email)
        return NameGuess(first_name=guess.first_name, last_name=guess.last_name)

    @strawberry.field(description="Oldest first: the order a partner tool works them in.")
    async def backfill_requests(
        self,
        info: strawberry.Info,
        integration_key: Annotated[str, strawberry.argument(description="The integration's key.")],
        status: Annotated[
            BackfillStatus | None,
            strawberry.argument(description="Only requests with this status; null: any."),
        ] = BackfillStatus.PENDING,
        first: First = 50,
        after: After = None,
    ) -> BackfillRequestConnection:
        context = context_of(info)
        page = await backfill.list_backfills(
            context.deps,
            context.caller,
            integration_key,
            status=status.value if status else None,
            first=first,
            after_id=decode_cursor(after),
        )
        edges = [
            BackfillRequestEdge(cursor=encode_cursor(r.id), node=BackfillRequest.of(r))
            for r in page.requests
        ]
        return BackfillRequestConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], page.has_next, after),
            total_count=page.total,
        )


@strawberry.type
class IntegrationMutation:
    @strawberry.mutation(description="Admins. Adds an integration.")
    @payload_on_domain_error
    async def create_integration(
        self,
        info: strawberry.Info,
        input: Annotated[
            CreateIntegrationInput, strawberry.argument(description="The integration to add.")
        ],
    ) -> IntegrationPayload:
        context = context_of(info)
        record = await integrations.create_integration(
            context.deps, context.caller, input.key, input.name, input.kind, input.connected
        )
        return IntegrationPayload(integration=Integration.of(record))

    @strawberry.mutation(description="Rename, or connect and disconnect an integration.")
    @payload_on_domain_error
    async def update_integration(
        self,
        info: strawberry.Info,
        input: Annotated[
            UpdateIntegrationInput,
            strawberry.argument(description="The integration and its new settings."),
        ],
    ) -> IntegrationPayload:
        context = context_of(info)
        record = await integrations.update_integration(
            context.deps,
            context.caller,
            str(input.id),
            name=_given(input.name),
            connected=_given(input.connected),
        )
        return IntegrationPayload(integration=Integration.of(record))

    @strawberry.mutation(
        description="Partner tools. Upserts up to 1,000 accounts by external id; idempotent."
        " A bad entry is a userError naming it, and the others still apply."
    )
    @payload_on_domain_error
    async def record_integration_activity(
        self,
        info: strawberry.Info,
        input: Annotated[
            RecordIntegrationActivityInput,
            strawberry.argument(description="The integration and the account activity it saw."),
        ],
    ) -> RecordActivityPayload:
        context = context_of(info)
        entries = [
            integration_accounts.ActivityEntry(
                external_id=a.external_id,
                occurred_at=a.occurred_at,
                email=a.email,
                display_name=a.display_name,
                first_name=a.first_name,
                last_name=a.last_name,
            )
            for a in input.accounts
        ]
        outcome = await integration_accounts.record_activity(
            context.deps, context.caller, input.integration_key, entries
        )
        return RecordActivityPayload(
            recorded=outcome.recorded,
            created=outcome.created,
            user_errors=user_errors(DomainError(*outcome.problems)) if outcome.problems else [],
        )

    @strawberry.mutation(description="Two admins linking one account at once: one wins.")
    @payload_on_domain_error
    async def link_integration_account(
        self,
        info: strawberry.Info,
        input: Annotated[
            LinkIntegrationAccountInput,
            strawberry.argument(
                description="The user and the integration account to link to them."
            ),
        ],
    ) -> UserPayload:
        context = context_of(info)
        _, user = await linking.link_account(
            context.deps, context.caller, str(input.user_id), str(input.account_id)
        )
        return UserPayload(user=User.of(user))

    @strawberry.mutation(description="Returns the user the account was linked to.")
    @payload_on_domain_error
    async def unlink_integration_account(
        self,
        info: strawberry.Info,
        input: Annotated[
            UnlinkIntegrationAccountInput,
            strawberry.argument(description="The integration account to unlink."),
        ],
    ) -> UserPayload:
        context = context_of(info)
        _, user = await linking.unlink_account(context.deps, context.caller, str(input.account_id))
        return UserPayload(user=User.of(user) if user else None)

    @strawberry.mutation(
        description='"Link/Create": a user from the account\'s email and name, linked to it.'
    )
    @payload_on_domain_error
    async def create_user_from_integration_account(
        self,
        info: strawberry.Info,
        input: Annotated[
            CreateUserFromIntegrationAccountInput,
            strawberry.argument(description="The integration account and the new user's details."),
        ],
    ) -> UserPayload:
        context = context_of(info)
        record = await integration_accounts.create_user_from_account(
            context.deps,
            context.caller,
            str(input.account_id),
            first_name=input.first_name,
            last_name=input.last_name,
            seat=input.seat.value,
        )
        return UserPayload(user=User.of(record))

    @strawberry.mutation(
        description="Asks the integration to send the user's account data again from `since`."
    )
    @payload_on_domain_error
    async def request_backfill(
        self,
        info: strawberry.Info,
        input: Annotated[
            RequestBackfillInput,
            strawberry.argument(
                description="The user, the integration and the date to backfill from."
            ),
        ],
    ) -> BackfillPayload:
        context = context_of(info)
        record = await backfill.request_backfill(
            context.deps,
            context.caller,
            str(input.user_id),
            str(input.integration_id),
            input.since,
        )
        return BackfillPayload(backfill_request=BackfillRequest.of(record))

    @strawberry.mutation(description="Partner tools. Marks a pending backfill DONE or FAILED.")
    @payload_on_domain_error
    async def complete_backfill(
        self,
        info: strawberry.Info,
        input: Annotated[
            CompleteBackfillInput,
            strawberry.argument(description="The backfill request that is done."),
        ],
    ) -> BackfillPayload:
        context = context_of(info)
        record = await backfill.complete_backfill(
            context.deps, context.caller, str(input.id), input.status.value, input.message
        )
        return BackfillPayload(backfill_request=BackfillRequest.of(record))
