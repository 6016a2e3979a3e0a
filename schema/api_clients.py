from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import USER_ERRORS, UserError
from store.api_clients import ApiClientRecord


@strawberry.type(
    description="A partner tool's OAuth client (client credentials) acting on the organization's "
    "behalf within its scopes. Admins read them."
)
class ApiClient:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the API client.")
    client_id: str = strawberry.field(
        description=("The OAuth client id the tool presents with its secret at the token endpoint.")
    )
    name: str = strawberry.field(description="Display name, saying which tool this is.")
    scopes: list[str] = strawberry.field(
        description="What the client's tokens may do: users:read, users:write, "
        "integrations:write, imports:write, sync:run, scim, admin (admin includes"
        " every other)."
    )
    created_at: datetime = strawberry.field(description="When the client was created (UTC).")
    revoked_at: datetime | None = strawberry.field(
        description="When the client was revoked (UTC), after which its tokens are refused; "
        "null while it is active."
    )
    last_token_at: datetime | None = strawberry.field(
        description="When the client last got an access token (UTC); null if it never has."
    )

    @classmethod
    def of(cls, record: ApiClientRecord) -> ApiClient:
        return cls(
            id=strawberry.ID(record.id),
            client_id=record.client_id,
            name=record.name,
            scopes=list(record.scopes),
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            last_token_at=record.last_token_at,
        )


@strawberry.type(description="The result of creating, revoking or rotating an API client.")
class ApiClientPayload:
    api_client: ApiClient | None = strawberry.field(
        default=None,
        description="The client as it now is; null when userErrors says why nothing changed.",
    )
    client_secret: str | None = strawberry.field(
        default=None, description="shown here once, never again"
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="A new API client (admins).")
class CreateApiClientInput:
    name: str = strawberry.field(description="Display name, saying which tool this is.")
    scopes: list[str] = strawberry.field(
        description="What its tokens may do (see ApiClient.scopes)."
    )


@strawberry.input(description="The API client to revoke (admins).")
class RevokeApiClientInput:
    id: strawberry.ID = strawberry.field(description="ApiClient.id")


@strawberry.input(description="The API client whose secret to replace (admins).")
class RotateApiClientSecretInput:
    id: strawberry.ID = strawberry.field(description="ApiClient.id of an active client")
