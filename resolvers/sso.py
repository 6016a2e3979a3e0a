from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning.organizations import get_organization
from provisioning.sso import providers as identity_providers
from provisioning.sso.providers import ClaimMapping
from resolvers.edge import payload_on_domain_error
from schema.context import context_of
from schema.payloads import OkPayload
from schema.sso import (
    IdentityProvider,
    IdentityProviderInput,
    IdentityProviderPayload,
    LoginOption,
    RemoveIdentityProviderInput,
    SignInOptions,
    SignInProvider,
)


@strawberry.type
class SsoQuery:
    @strawberry.field(description="The organization's identity providers (admins).")
    async def identity_providers(self, info: strawberry.Info) -> list[IdentityProvider]:
        context = context_of(info)
        records = await identity_providers.list_providers(context.deps, context.caller)
        organization = await get_organization(context.deps, context.caller)
        public_url = context.settings.public_url
        return [IdentityProvider.of(r, organization.slug, public_url) for r in records]

    @strawberry.field(description="Public: the identity providers an organization signs in with.")
    async def sign_in_options(
        self,
        info: strawberry.Info,
        organization: Annotated[str, strawberry.argument(description="The organization's slug.")],
    ) -> SignInOptions:
        context = context_of(info)
        slug, records = await identity_providers.sign_in_providers(context.deps, organization)
        public_url = context.settings.public_url
        return SignInOptions(
            providers=[
                SignInProvider(
                    id=strawberry.ID(r.id),
                    name=r.name,
                    login_url=IdentityProvider.of(r, slug, public_url).login_url,
                )
                for r in records
            ]
        )

    @strawberry.field(description="Public: which way an email signs in (home-realm discovery).")
    async def login_options(
        self,
        info: strawberry.Info,
        organization: Annotated[str, strawberry.argument(description="The organization's slug.")],
        email: Annotated[
            str, strawberry.argument(description="The email typed on the sign-in page.")
        ],
    ) -> LoginOption:
        context = context_of(info)
        options = await identity_providers.login_options(context.deps, organization, email)
        record, slug = options.provider, organization.strip().lower()
        provider = (
            SignInProvider(
                id=strawberry.ID(record.id),
                name=record.name,
                login_url=IdentityProvider.of(record, slug, context.settings.public_url).login_url,
            )
            if record
            else None
        )
        return LoginOption(provider=provider, password=options.password)


@strawberry.type
class SsoMutation:
    @strawberry.mutation(description="Adds a provider (no id) or changes one (admins).")
    @payload_on_domain_error
    async def configure_identity_provider(
        self,
        info: strawberry.Info,
        input: Annotated[
            IdentityProviderInput, strawberry.argument(description="The provider's settings.")
        ],
    ) -> IdentityProviderPayload:
        context = context_of(info)
        mapping = input.claim_mapping
        draft = identity_providers.ProviderDraft(
            name=input.name,
            issuer=input.issuer,
            client_id=input.client_id,
            client_secret=input.client_secret,
            scopes=tuple(input.scopes) if input.scopes is not None else None,
            email_domains=tuple(input.email_domains) if input.email_domains is not None else None,
            jit=input.jit,
            link_by_verified_email=input.link_by_verified_email,
            owns_profile=input.owns_profile,
            default_department_id=_id(input.default_department_id),
            default_job_profile_id=_id(input.default_job_profile_id),
            default_permission_type_id=_id(input.default_permission_type_id),
            default_seat=input.default_seat.value,
            default_language=input.default_language,
            claims=ClaimMapping(
                email=mapping.email,
                first_name=mapping.first_name,
                last_name=mapping.last_name,
                username=mapping.username,
                department=mapping.department,
            )
            if mapping
            else ClaimMapping(),
        )
        record = await identity_providers.configure_provider(
            context.deps, context.caller, draft, _id(input.id)
        )
        organization = await get_organization(context.deps, context.caller)
        return IdentityProviderPayload(
            identity_provider=IdentityProvider.of(
                record, organization.slug, context.settings.public_url
            )
        )

    @strawberry.mutation(description="Removes a provider; its users stay (admins).")
    @payload_on_domain_error
    async def remove_identity_provider(
        self,
        info: strawberry.Info,
        input: Annotated[
            RemoveIdentityProviderInput, strawberry.argument(description="The provider to remove.")
        ],
    ) -> OkPayload:
        context = context_of(info)
        await identity_providers.remove_provider(context.deps, context.caller, str(input.id))
        return OkPayload(ok=True)


def _id(value: strawberry.ID | None) -> str | None:
    return str(value) if value is not None else None
