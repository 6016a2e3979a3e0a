from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import UserError
from schema.organization import Organization
from schema.types import User


@strawberry.type
class UserPayload:
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SessionPayload:
    user: User | None = None
    expires_at: datetime | None = None
    sso_login_url: str | None = strawberry.field(
        default=None,
        description="acceptInvitation: continue at this URL (redirect the browser); signing in"
        " there binds the identity provider's account to the invited user",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OkPayload:
    ok: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrganizationPayload:
    organization: Organization | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
