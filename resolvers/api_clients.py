from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning import api_clients
from resolvers.edge import payload_on_domain_error
from schema.api_clients import (
    ApiClient,
    ApiClientPayload,
    CreateApiClientInput,
    RevokeApiClientInput,
    RotateApiClientSecretInput,
)
from schema.context import context_of
from schema.payloads import OkPayload


@strawberry.type
class ApiClientQuery:
    @strawberry.field(description="Partner tools' clients (admins); secrets never appear.")
    async def api_clients(self, info: strawberry.Info) -> list[ApiClient]:
        context = context_of(info)
        records = await api_clients.list_api_clients(context.deps, context.caller)
        return [ApiClient.of(r) for r in records]


@strawberry.type
class ApiClientMutation:
    @strawberry.mutation(description="The secret is in this payload once, never again.")
    @payload_on_domain_error
    async def create_api_client(
        self,
        info: strawberry.Info,
        input: Annotated[
            CreateApiClientInput, strawberry.argument(description="The client's name and scopes.")
        ],
    ) -> ApiClientPayload:
        context = context_of(info)
        created = await api_clients.create_api_client(
            context.deps, context.caller, input.name, input.scopes
        )
        return ApiClientPayload(
            api_client=ApiClient.of(created.client), client_secret=created.secret
        )

    @strawberry.mutation(description="Its tokens stop working at once.")
    @payload_on_domain_error
    async def revoke_api_client(
        self,
        info: strawberry.Info,
        input: Annotated[
            RevokeApiClientInput, strawberry.argument(description="The API client to revoke.")
        ],
    ) -> OkPayload:
        context = context_of(info)
        await api_clients.revoke_api_client(context.deps, context.caller, str(input.id))
        return OkPayload(ok=True)

    @strawberry.mutation(
        description="Admins: a new secret for an active client, in this payload once; the old"
        " secret gets no more tokens (those it got work until they expire). NOT_FOUND for an"
        " unknown or revoked client."
    )
    @payload_on_domain_error
    async def rotate_api_client_secret(
        self,
        info: strawberry.Info,
        input: Annotated[
            RotateApiClientSecretInput,
            strawberry.argument(description="The API client whose secret to replace."),
        ],
    ) -> ApiClientPayload:
        context = context_of(info)
        rotated = await api_clients.rotate_api_client_secret(
            context.deps, context.caller, str(input.id)
        )
        return ApiClientPayload(
            api_client=ApiClient.of(rotated.client), client_secret=rotated.secret
        )
