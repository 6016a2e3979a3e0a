from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.types import User


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


@strawberry.type
class InvitationPayload:
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
