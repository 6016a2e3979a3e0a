from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning.invitations import invitations, messages, password_reset, preview
from provisioning.invitations.invitations import INVITE
from provisioning.sso.invitations import ContinueWithSso
from provisioning.users import one_time_passwords
from provisioning.users.profile import ProfileInput
from resolvers.edge import payload_on_domain_error
from resolvers.sessions import signed_in_payload
from schema.context import Context, context_of
from schema.invitations import (
    AcceptInvitationInput,
    ChangePasswordInput,
    InvitationPayload,
    InvitationPreview,
    InviteUserInput,
    OutboxMessage,
    RequestPasswordResetInput,
    ResetPasswordInput,
    SetOneTimePasswordInput,
)
from schema.payloads import OkPayload, SessionPayload, UserPayload
from schema.types import User


def client_address(context: Context) -> str:
    client = context.request.client
    return client.host if client else "unknown"


@payload_on_domain_error
async def accept_link(
    context: Context,
    token: str,
    password: str | None,
    purpose: str,
    details: ProfileInput | None = None,
) -> SessionPayload:
    """An invitation's or a sign-up's link: signed in, or on to SSO (ssoLoginUrl)."""
    accepted = await invitations.accept_invitation(
        context.deps,
        token,
        password,
        context.settings.public_url,
        request_id=context.request_id,
        replaces_token=context.session_token,
        purpose=purpose,
        details=details,
    )
    if isinstance(accepted, ContinueWithSso):
        return SessionPayload(sso_login_url=accepted.login_url)
    return signed_in_payload(context, accepted)


@strawberry.type
class InvitationQuery:
    @strawberry.field(description="The messages sent to a user, with their status and errors.")
    async def messages(
        self,
        info: strawberry.Info,
        user_id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
    ) -> list[OutboxMessage]:
        context = context_of(info)
        records = await messages.messages_for_user(context.deps, context.caller, str(user_id))
        return [OutboxMessage.of(r) for r in records]

    @strawberry.field(
        description="Public. Whose invitation a token is (organization, email, names) and"
        " whether it leads to SSO, without using it up; tokens longer than 128 characters"
        " answer USED_OR_UNKNOWN."
    )
    async def invitation(
        self,
        info: strawberry.Info,
        token: Annotated[str, strawberry.argument(description="from the link's #token= fragment")],
    ) -> InvitationPreview:
        context = context_of(info)
        return InvitationPreview.of(await preview.preview_invitation(context.deps, token))


@strawberry.type
class InvitationMutation:
    @strawberry.mutation(
        description="Sends (or resends) an invitation; earlier links stop working."
    )
    @payload_on_domain_error
    async def invite_user(
        self,
        info: strawberry.Info,
        input: Annotated[InviteUserInput, strawberry.argument(description="The user to invite.")],
    ) -> InvitationPayload:
        context = context_of(info)
        record = await invitations.invite_user(
            context.deps,
            context.caller,
            str(input.user_id),
            input.channel,
            context.settings.public_url,
        )
        return InvitationPayload(user=User.of(record))

    @strawberry.mutation(
        description="Public. Sets the password, activates and signs in; or, where the"
        " organization signs this email domain in with SSO, answers ssoLoginUrl instead."
    )
    async def accept_invitation(
        self,
        info: strawberry.Info,
        input: Annotated[
            AcceptInvitationInput,
            strawberry.argument(description="The invitation's token and the new password."),
        ],
    ) -> SessionPayload:
        details = ProfileInput(
            first_name=input.first_name,
            last_name=input.last_name,
            phone=input.phone,
            language=input.language,
        )
        return await accept_link(context_of(info), input.token, input.password, INVITE, details)

    @strawberry.mutation(description="Public. Always ok: never reveals whether the login exists.")
    @payload_on_domain_error
    async def request_password_reset(
        self,
        info: strawberry.Info,
        input: Annotated[
            RequestPasswordResetInput,
            strawberry.argument(
                description="The organization and the email or username to send a reset link to."
            ),
        ],
    ) -> OkPayload:
        context = context_of(info)
        await password_reset.request_password_reset(
            context.deps,
            input.organization,
            input.login,
            client_address=client_address(context),
            public_url=context.settings.public_url,
            request_id=context.request_id,
        )
        return OkPayload(ok=True)

    @strawberry.mutation(description="Public. Sets a new password and ends every other session.")
    @payload_on_domain_error
    async def reset_password(
        self,
        info: strawberry.Info,
        input: Annotated[
            ResetPasswordInput,
            strawberry.argument(description="The reset link's token and the new password."),
        ],
    ) -> SessionPayload:
        context = context_of(info)
        signed_in = await password_reset.reset_password(
            context.deps, input.token, input.password, request_id=context.request_id
        )
        return signed_in_payload(context, signed_in)

    @strawberry.mutation(
        description="Admins. A password for one sign-in: the user must then choose their own."
    )
    @payload_on_domain_error
    async def set_one_time_password(
        self,
        info: strawberry.Info,
        input: Annotated[
            SetOneTimePasswordInput,
            strawberry.argument(description="The user and their one-time password."),
        ],
    ) -> UserPayload:
        context = context_of(info)
        record = await one_time_passwords.set_one_time_password(
            context.deps, context.caller, str(input.user_id), input.password
        )
        return UserPayload(user=User.of(record))

    @strawberry.mutation(
        description="Public. Proves the current (or one-time) password, sets a new one and"
        " signs in; every other session ends."
    )
    @payload_on_domain_error
    async def change_password(
        self,
        info: strawberry.Info,
        input: Annotated[
            ChangePasswordInput,
            strawberry.argument(description="The current password and the new one."),
        ],
    ) -> SessionPayload:
        context = context_of(info)
        signed_in = await one_time_passwords.change_password(
            context.deps,
            input.organization,
            input.login,
            input.current_password,
            input.new_password,
            client_address=client_address(context),
            request_id=context.request_id,
            replaces_token=context.session_token,
        )
        return signed_in_payload(context, signed_in)
