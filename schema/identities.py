"""A user's login identities (User.identities) and the mutations that manage them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.context import context_of
from schema.errors import USER_ERRORS, UserError
from store.identities import IdentityRecord


@strawberry.type(description="The identity provider an identity signs in at.")
class IdentityProviderRef:
    id: strawberry.ID = strawberry.field(description="The identity provider's id.")
    name: str = strawberry.field(description="Its display name.")


@strawberry.type(
    description="A way a user signs in through an identity provider: the provider's subject"
    " (its stable user id) at its issuer, unique in the organization."
)
class Identity:
    issuer: str = strawberry.field(description="the provider's issuer when the link was made")
    subject: str = strawberry.field(description="the provider's id of the person (`sub`)")
    email: str | None = strawberry.field(
        description="the email the provider gave (or the admin entered) when it was linked"
    )
    linked_at: datetime = strawberry.field(description="when the identity was linked")
    last_used_at: datetime | None = strawberry.field(
        description="the last sign-in with it; null if never used since it was linked"
    )
    provider_id: strawberry.Private[str]

    @classmethod
    def of(cls, record: IdentityRecord) -> Identity:
        return cls(
            issuer=record.issuer,
            subject=record.subject,
            email=record.email,
            linked_at=record.created_at,
            last_used_at=record.last_used_at,
            provider_id=record.provider_id,
        )

    @strawberry.field(description="the provider; null if it was removed since")
    async def provider(self, info: strawberry.Info) -> IdentityProviderRef | None:
        found = await context_of(info).loaders.identity_providers.load(self.provider_id)
        return IdentityProviderRef(id=strawberry.ID(found.id), name=found.name) if found else None


async def identities_of(info: strawberry.Info, user_id: str) -> list[Identity]:
    records = await context_of(info).loaders.identities.load(user_id)
    return [Identity.of(record) for record in records]


@strawberry.input(description="An identity to link to a user (admins).")
class LinkIdentityInput:
    user_id: strawberry.ID = strawberry.field(description="the user who signs in with it")
    provider_id: strawberry.ID = strawberry.field(description="one of identityProviders")
    subject: str = strawberry.field(description="the provider's id of the person (`sub`)")
    email: str | None = strawberry.field(
        default=None, description="the person's email at the provider, for the record"
    )


@strawberry.input(description="An identity to remove from a user (admins).")
class UnlinkIdentityInput:
    user_id: strawberry.ID = strawberry.field(description="the user who holds it")
    issuer: str = strawberry.field(description="Identity.issuer")
    subject: str = strawberry.field(description="Identity.subject")


@strawberry.type(description="linkIdentity and unlinkIdentity: the identity linked or unlinked.")
class IdentityPayload:
    identity: Identity | None = strawberry.field(
        default=None,
        description="The identity linked or unlinked; null when userErrors says why not.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
