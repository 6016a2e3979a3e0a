from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning.sso import identities
from resolvers.edge import payload_on_domain_error
from schema.context import context_of
from schema.identities import (
    Identity,
    IdentityPayload,
    LinkIdentityInput,
    UnlinkIdentityInput,
)


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Links a provider's subject to a user, who may then sign in with it"
        " (admins; audited as identity.linked). IDENTITY_TAKEN if another user holds it."
    )
    @payload_on_domain_error
    async def link_identity(
        self,
        info: strawberry.Info,
        input: Annotated[
            LinkIdentityInput,
            strawberry.argument(description="The user and the provider subject to link."),
        ],
    ) -> IdentityPayload:
        context = context_of(info)
        record = await identities.link_identity(
            context.deps,
            context.caller,
            identities.LinkDraft(
                user_id=str(input.user_id),
                provider_id=str(input.provider_id),
                subject=input.subject,
                email=input.email,
            ),
        )
        return IdentityPayload(identity=Identity.of(record))

    @strawberry.mutation(
        description="Removes one of a user's identities (admins; audited as identity.unlinked)."
        " LAST_WAY_IN if the user has no password and no other identity."
    )
    @payload_on_domain_error
    async def unlink_identity(
        self,
        info: strawberry.Info,
        input: Annotated[
            UnlinkIdentityInput,
            strawberry.argument(description="The user and the identity to remove."),
        ],
    ) -> IdentityPayload:
        context = context_of(info)
        record = await identities.unlink_identity(
            context.deps, context.caller, str(input.user_id), input.issuer, input.subject
        )
        return IdentityPayload(identity=Identity.of(record))
