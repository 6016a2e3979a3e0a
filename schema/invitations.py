from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from provisioning.invitations.preview import Preview
from schema.enums import MessageChannel, MessageStatus
from schema.errors import USER_ERRORS, UserError
from schema.types import User
from store.outbox import OutboxMessage as OutboxRecord


@strawberry.input(description="A user to invite (admins and clients with users:write).")
class InviteUserInput:
    user_id: strawberry.ID = strawberry.field(description="The user, PENDING or INVITED.")
    channel: str | None = strawberry.field(
        default=None, description='"email" (the default); "sms" comes later'
    )


@strawberry.input(description="Public: the acceptance of an invitation, from its link.")
class AcceptInvitationInput:
    token: str = strawberry.field(description="from the link's #token= fragment")
    password: str | None = strawberry.field(
        default=None,
        description="The password the user chooses (at least 12 characters, not the email or"
        " username); null where the organization signs the email's domain in with"
        " SSO (the answer's ssoLoginUrl then says where to continue).",
    )
    first_name: str | None = strawberry.field(
        default=None,
        description="The person's own; where the organization lets members set names"
        " (FORBIDDEN otherwise, MANAGED_EXTERNALLY if a directory owns them). Null: unchanged.",
    )
    last_name: str | None = strawberry.field(
        default=None, description="As firstName; validated as in createUser."
    )
    phone: str | None = strawberry.field(
        default=None, description="International form (+44...); where the organization lets them."
    )
    language: str | None = strawberry.field(
        default=None, description="A BCP 47 tag; where the organization lets them."
    )


@strawberry.enum(description="Whether an invitation link can still be accepted.")
class InvitationState(Enum):
    VALID = strawberry.enum_value("VALID", description="acceptInvitation will take it")
    EXPIRED = strawberry.enum_value(
        "EXPIRED", description="too old: an administrator can send a new one"
    )
    USED_OR_UNKNOWN = strawberry.enum_value(
        "USED_OR_UNKNOWN",
        description="used, replaced by a newer link, or never issued (these answer alike)",
    )


@strawberry.type(description="The identity provider an invitation continues to (SSO).")
class InvitationProvider:
    id: strawberry.ID = strawberry.field(description="the identity provider's id")
    name: str = strawberry.field(description="its name, to show on the page")


@strawberry.type(
    description="Whose invitation a token is, read without using it up. Only state is set"
    " for USED_OR_UNKNOWN."
)
class InvitationPreview:
    state: InvitationState = strawberry.field(description="whether the link can be accepted")
    organization_name: str | None = strawberry.field(
        default=None, description="the inviting organization's name"
    )
    email: str | None = strawberry.field(default=None, description="the invitee's email")
    first_name: str | None = strawberry.field(
        default=None, description="the invitee's first name, as the organization has it"
    )
    last_name: str | None = strawberry.field(
        default=None, description="the invitee's last name, as the organization has it"
    )
    sso_provider: InvitationProvider | None = strawberry.field(
        default=None,
        description="set when accepting continues with this provider's sign-in (no password)",
    )

    @classmethod
    def of(cls, preview: Preview) -> InvitationPreview:
        provider = preview.provider
        return cls(
            state=InvitationState(preview.state),
            organization_name=preview.organization_name,
            email=preview.email,
            first_name=preview.first_name,
            last_name=preview.last_name,
            sso_provider=InvitationProvider(id=strawberry.ID(provider.id), name=provider.name)
            if provider
            else None,
        )


@strawberry.input(
    description="Public: ask for a password reset link. The answer is the same whether or not the"
    " login exists."
)
class RequestPasswordResetInput:
    organization: str = strawberry.field(description="the organization's slug")
    login: str = strawberry.field(description="an email or a username")


@strawberry.input(description="Public: a new password, from a reset link.")
class ResetPasswordInput:
    token: str = strawberry.field(description="from the link's #token= fragment")
    password: str = strawberry.field(
        description="The new password: at least 12 characters, not the email or username."
    )


@strawberry.input(description="A one-time password for a user (admins).")
class SetOneTimePasswordInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    password: str = strawberry.field(
        description="given to the user out of band; they must choose their own at first sign-in"
    )


@strawberry.input(
    description="Public: change a password, as sign-in asks after a one-time password "
    "(PASSWORD_CHANGE_REQUIRED)."
)
class ChangePasswordInput:
    organization: str = strawberry.field(description="the organization's slug")
    login: str = strawberry.field(description="an email or a username")
    current_password: str = strawberry.field(description="the current or one-time password")
    new_password: str = strawberry.field(
        description="The new password: at least 12 characters, not the email or username."
    )


@strawberry.type(description="The result of sending an invitation.")
class InvitationPayload:
    user: User | None = strawberry.field(
        default=None, description="The user, now INVITED; null when userErrors says why not."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="A message Roster sent or is still trying to send.")
class OutboxMessage:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the message.")
    channel: MessageChannel = strawberry.field(description="How the message is sent.")
    recipient: str = strawberry.field(description="The email address or phone number it goes to.")
    template: str = strawberry.field(
        description=("Which message it is (invitation, password reset, sign-up verification ...).")
    )
    subject: str = strawberry.field(description="The email's subject line; empty for a text.")
    status: MessageStatus = strawberry.field(description="Where its delivery stands.")
    attempts: int = strawberry.field(description="How many times sending was tried.")
    last_error: str | None = strawberry.field(
        description="Why the last attempt failed; null if none did."
    )
    created_at: datetime = strawberry.field(description="When the message was queued (UTC).")
    next_attempt_at: datetime | None = strawberry.field(
        description="When sending is tried again (UTC); null when no retry is due."
    )
    sent_at: datetime | None = strawberry.field(
        description=("When it was handed to the mail server or SMS gateway (UTC); null until then.")
    )

    @classmethod
    def of(cls, record: OutboxRecord) -> OutboxMessage:
        return cls(
            id=strawberry.ID(record.id),
            channel=MessageChannel(record.channel),
            recipient=record.recipient,
            template=record.template,
            subject=record.subject,
            status=MessageStatus(record.status),
            attempts=record.attempts,
            last_error=record.last_error,
            created_at=record.created_at,
            next_attempt_at=record.next_attempt_at,
            sent_at=record.sent_at,
        )
