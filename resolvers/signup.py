from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning.invitations.invitations import SIGNUP
from provisioning.organizations import get_organization
from provisioning.signup import links as signup_links
from provisioning.signup import settings as signup_settings
from provisioning.signup import signup
from provisioning.users.write import KEEP
from resolvers.edge import payload_on_domain_error
from resolvers.invitations import accept_link, client_address
from schema.context import Context, context_of
from schema.payloads import SessionPayload
from schema.signup import (
    CreateSignupLinkInput,
    RevokeSignupLinkInput,
    SignUpInput,
    SignupLink,
    SignupLinkPayload,
    SignupOptions,
    SignupSettings,
    SignupSettingsInput,
    SignupSettingsPayload,
    VerifySignUpInput,
    link_of,
)


def _kept(value: object) -> object:
    return KEEP if value is strawberry.UNSET else value


def _kept_id(value: object) -> object:
    return KEEP if value is strawberry.UNSET else (None if value is None else str(value))


async def _slug(context: Context) -> str:
    return (await get_organization(context.deps, context.caller)).slug


@strawberry.type
class SignupQuery:
    @strawberry.field(description="Public. What the organization's sign-up page should offer.")
    async def signup_options(
        self,
        info: strawberry.Info,
        organization: Annotated[str, strawberry.argument(description="The organization's slug.")],
        link: Annotated[
            str | None,
            strawberry.argument(description="The token of the sign-up link followed; null: none."),
        ] = None,
    ) -> SignupOptions:
        context = context_of(info)
        return SignupOptions.of(await signup.signup_options(context.deps, organization, link))

    @strawberry.field(description="Admins. Every sign-up link, revoked ones included.")
    async def signup_links(self, info: strawberry.Info) -> list[SignupLink]:
        context = context_of(info)
        records = await signup_links.list_signup_links(context.deps, context.caller)
        slug = await _slug(context)
        return [link_of(r, context.settings.public_url, slug) for r in records]


@strawberry.type
class SignupMutation:
    @strawberry.mutation(
        description="Public, where the organization allows it. Sends a confirmation link; the"
        " answer is the same whether or not the email already has an account."
    )
    @payload_on_domain_error
    async def sign_up(
        self,
        info: strawberry.Info,
        input: Annotated[
            SignUpInput,
            strawberry.argument(description="The organization and the person's details."),
        ],
    ) -> SessionPayload:
        context = context_of(info)
        await signup.sign_up(
            context.deps,
            signup.SignupRequest(
                organization=input.organization,
                first_name=input.first_name,
                last_name=input.last_name,
                email=input.email,
                username=input.username,
                phone=input.phone,
                language=input.language,
                department_id=str(input.department_id) if input.department_id else None,
                signup_link=input.signup_link,
            ),
            client_address=client_address(context),
            public_url=context.settings.public_url,
            request_id=context.request_id,
        )
        return SessionPayload()

    @strawberry.mutation(
        description="Public. Confirms a sign-up from its link, sets the password and signs in."
    )
    async def verify_sign_up(
        self,
        info: strawberry.Info,
        input: Annotated[
            VerifySignUpInput, strawberry.argument(description="The verification link's token.")
        ],
    ) -> SessionPayload:
        return await accept_link(context_of(info), input.token, input.password, SIGNUP)

    @strawberry.mutation(description="Admins.")
    @payload_on_domain_error
    async def update_signup_settings(
        self,
        info: strawberry.Info,
        input: Annotated[
            SignupSettingsInput, strawberry.argument(description="The settings to change.")
        ],
    ) -> SignupSettingsPayload:
        context = context_of(info)
        changes = signup_settings.SignupSettingsChanges(
            enabled=_kept(input.enabled),
            pick_department=_kept(input.pick_department),
            email_domains=_kept(input.email_domains),
            username_with_phone=_kept(input.username_with_phone),
            default_department_id=_kept_id(input.default_department_id),
            default_job_profile_id=_kept_id(input.default_job_profile_id),
            default_permission_type_id=_kept_id(input.default_permission_type_id),
        )
        record = await signup_settings.update_signup_settings(context.deps, context.caller, changes)
        return SignupSettingsPayload(signup_settings=SignupSettings.of(record))

    @strawberry.mutation(description="Admins. A sign-up URL and QR code for a department.")
    @payload_on_domain_error
    async def create_signup_link(
        self,
        info: strawberry.Info,
        input: Annotated[
            CreateSignupLinkInput,
            strawberry.argument(description="The link's settings (the department it preselects)."),
        ],
    ) -> SignupLinkPayload:
        context = context_of(info)
        department_id = str(input.department_id) if input.department_id else None
        record = await signup_links.create_signup_link(context.deps, context.caller, department_id)
        slug = await _slug(context)
        return SignupLinkPayload(signup_link=link_of(record, context.settings.public_url, slug))

    @strawberry.mutation(description="Admins. The link is refused from now on.")
    @payload_on_domain_error
    async def revoke_signup_link(
        self,
        info: strawberry.Info,
        input: Annotated[
            RevokeSignupLinkInput, strawberry.argument(description="The sign-up link to revoke.")
        ],
    ) -> SignupLinkPayload:
        context = context_of(info)
        record = await signup_links.revoke_signup_link(context.deps, context.caller, str(input.id))
        slug = await _slug(context)
        return SignupLinkPayload(signup_link=link_of(record, context.settings.public_url, slug))
