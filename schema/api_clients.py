from __future__ import annotations

from datetime import datetime

import strawberry

from schema.errors import UserError
from store.api_clients import ApiClientRecord


@strawberry.type
class ApiClient:
    id: strawberry.ID
    client_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, record: ApiClientRecord) -> ApiClient:
        return cls(
            id=strawberry.ID(record.id),
            client_id=record.client_id,
            name=record.name,
            scopes=list(record.scopes),
            created_at=record.created_at,
            revoked_at=record.revoked_at,
        )


@strawberry.type
class ApiClientPayload:
    api_client: ApiClient | None = None
    client_secret: str | None = strawberry.field(
        default=None, description="shown here once, never again"
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateApiClientInput:
    name: str
    scopes: list[str]


@strawberry.input
class RevokeApiClientInput:
    id: strawberry.ID = strawberry.field(description="ApiClient.id")
