from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import UserError
from schema.types import User
from store.outbox import OutboxMessage as OutboxRecord


@strawberry.input
class InviteUserInput:
    user_id: strawberry.ID
    channel: str | None = strawberry.field(
        default=None, description='"email" (the default); "sms" comes later'
    )


@strawberry.input
class AcceptInvitationInput:
    token: str = strawberry.field(description="from the link's #token= fragment")
    password: str | None = None


@strawberry.input
class RequestPasswordResetInput:
    organization: str = strawberry.field(description="the organization's slug")
    login: str = strawberry.field(description="an email or a username")


@strawberry.input
class ResetPasswordInput:
    token: str = strawberry.field(description="from the link's #token= fragment")
    password: str


@strawberry.input
class SetOneTimePasswordInput:
    user_id: strawberry.ID
    password: str = strawberry.field(
        description="given to the user out of band; they must choose their own at first sign-in"
    )


@strawberry.input
class ChangePasswordInput:
    organization: str = strawberry.field(description="the organization's slug")
    login: str = strawberry.field(description="an email or a username")
    current_password: str = strawberry.field(description="the current or one-time password")
    new_password: str


@strawberry.type
class InvitationPayload:
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A message Roster sent or is still trying to send.")
class OutboxMessage:
    id: strawberry.ID
    channel: str
    recipient: str
    template: str
    subject: str
    status: str = strawberry.field(description="queued, sending, sent, failed or logged")
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @classmethod
    def of(cls, record: OutboxRecord) -> OutboxMessage:
        return cls(
            id=strawberry.ID(record.id),
            channel=record.channel,
            recipient=record.recipient,
            template=record.template,
            subject=record.subject,
            status=record.status,
            attempts=record.attempts,
            last_error=record.last_error,
            created_at=record.created_at,
            next_attempt_at=record.next_attempt_at,
            sent_at=record.sent_at,
        )
