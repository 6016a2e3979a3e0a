from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import USER_ERRORS, UserError
from schema.organization import Organization
from schema.types import User


@strawberry.type(
    description="The result of a mutation on one user: the user as it now is, or userErrors."
)
class UserPayload:
    user: User | None = strawberry.field(
        default=None,
        description="The user after the change; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the input was refused (empty on success), each with a code and the "
        "input field at fault.",
        default_factory=list,
    )


@strawberry.type(description="The result of a delete: the deleted object's id, or userErrors.")
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(
        default=None, description="The id of the object deleted; null when userErrors says why not."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the delete was refused (empty on success).", default_factory=list
    )


@strawberry.type(
    description="The result of signing in (or of a step that signs in): the signed-in user and "
    "the session's expiry. The session itself is an HttpOnly cookie set on the "
    "response."
)
class SessionPayload:
    user: User | None = strawberry.field(
        default=None,
        description="The signed-in user; null when userErrors says why not, or when "
        "ssoLoginUrl says where to continue.",
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="When the session ends unless renewed (UTC); null when no session was made.",
    )
    sso_login_url: str | None = strawberry.field(
        default=None,
        description="acceptInvitation: continue at this URL (redirect the browser); signing in"
        " there binds the identity provider's account to the invited user",
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the step was refused (empty on success).", default_factory=list
    )


@strawberry.type(description="The result of a mutation with nothing to return but success.")
class OkPayload:
    ok: bool = strawberry.field(
        default=False, description="True when the mutation did what it was asked."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was refused (empty on success).", default_factory=list
    )


@strawberry.type(description="The result of a change to the organization's settings.")
class OrganizationPayload:
    organization: Organization | None = strawberry.field(
        default=None,
        description="The organization after the change; null when"
        " userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
