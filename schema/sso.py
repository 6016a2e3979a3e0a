"""Identity providers and login options."""

from __future__ import annotations

from urllib.parse import quote

import strawberry

from schema.catalog import (
    Department,
    JobProfile,
    PermissionType,
    load_department,
    load_job_profile,
    load_permission_type,
)
from schema.enums import Seat
from schema.errors import USER_ERRORS, UserError
from store.identity_providers import IdentityProviderRecord


@strawberry.type(description="Which ID-token claims carry a user's profile.")
class ClaimMapping:
    email: str = strawberry.field(description="The claim holding the email address.")
    first_name: str = strawberry.field(description="The claim holding the given name.")
    last_name: str = strawberry.field(description="The claim holding the family name.")
    username: str | None = strawberry.field(
        description="The claim holding the username; null: usernames"
        " are not taken from the provider."
    )
    department: str | None = strawberry.field(
        description="a claim naming the department (a groups claim: its first entry)"
    )


@strawberry.type(
    description="An OpenID Connect provider the organization signs in with (admins read it)."
)
class IdentityProvider:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the provider.")
    name: str = strawberry.field(description="Display name, shown on the sign-in button.")
    issuer: str = strawberry.field(
        description="The provider's issuer URL (its discovery document is at /.well-"
        "known/openid-configuration under it)."
    )
    client_id: str = strawberry.field(description="the client secret is never readable")
    scopes: list[str] = strawberry.field(
        description="The scopes asked for at sign-in (always openid)."
    )
    email_domains: list[str] = strawberry.field(
        description="Email domains this provider signs in: home-realm"
        " discovery sends those emails to it."
    )
    jit: bool = strawberry.field(
        description="Just-in-time: a first sign-in of an unknown person creates their user."
    )
    link_by_verified_email: bool = strawberry.field(
        description="A first sign-in whose email the provider verified links to the existing "
        "user with that email."
    )
    owns_profile: bool = strawberry.field(
        description="names and department are refreshed from the provider at every sign-in"
    )
    claim_mapping: ClaimMapping = strawberry.field(
        description="Which claims carry the user's profile."
    )
    default_seat: Seat = strawberry.field(description="The seat of users created at first sign-in.")
    default_language: str | None = strawberry.field(
        description="The language of users created at first sign-in;"
        " null: the organization's default."
    )
    login_url: str = strawberry.field(
        description="Where a browser starts signing in with this provider."
    )
    default_department_id: strawberry.Private[str | None]
    default_job_profile_id: strawberry.Private[str | None]
    default_permission_type_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, record: IdentityProviderRecord, slug: str, public_url: str) -> IdentityProvider:
        claims = record.claims
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            issuer=record.issuer,
            client_id=record.client_id,
            scopes=list(record.scopes),
            email_domains=list(record.email_domains),
            jit=record.jit,
            link_by_verified_email=record.link_by_verified_email,
            owns_profile=record.owns_profile,
            claim_mapping=ClaimMapping(
                email=claims.email,
                first_name=claims.first_name,
                last_name=claims.last_name,
                username=claims.username,
                department=claims.department,
            ),
            default_seat=Seat(record.default_seat),
            default_language=record.default_language,
            login_url=f"{public_url}/auth/{quote(slug)}/login?provider={record.id}",
            default_department_id=record.default_department_id,
            default_job_profile_id=record.default_job_profile_id,
            default_permission_type_id=record.default_permission_type_id,
        )

    @strawberry.field(
        description="The department of users created at first sign-in, unless a claim names one; "
        "null: the organization's default."
    )
    async def default_department(self, info: strawberry.Info) -> Department | None:
        return await load_department(info, self.default_department_id)

    @strawberry.field(
        description="The job profile of users created at first sign-in;"
        " null: the organization's default."
    )
    async def default_job_profile(self, info: strawberry.Info) -> JobProfile | None:
        return await load_job_profile(info, self.default_job_profile_id)

    @strawberry.field(
        description="The permission type of users created at first sign-in; null: the "
        "organization's default."
    )
    async def default_permission_type(self, info: strawberry.Info) -> PermissionType | None:
        return await load_permission_type(info, self.default_permission_type_id)


@strawberry.type(description="Public: one button of an organization's sign-in page.")
class SignInProvider:
    id: strawberry.ID = strawberry.field(description="The provider's id.")
    name: str = strawberry.field(description="The provider's display name, the button's label.")
    login_url: str = strawberry.field(description="where the button goes (this organization)")


@strawberry.type(description="Public: what an organization's sign-in page offers.")
class SignInOptions:
    providers: list[SignInProvider] = strawberry.field(
        description="every identity provider of the organization; empty for an unknown one"
    )


@strawberry.type(description="Public: how one email signs in to an organization.")
class LoginOption:
    provider: SignInProvider | None = strawberry.field(
        description="the provider to use for this email, if its domain has one (its button"
        " only: a public answer never carries a provider's configuration)"
    )
    password: bool = strawberry.field(
        description="Whether a password sign-in is offered for this email."
    )


@strawberry.input(
    description="Which ID-token claims carry a user's profile; the"
    " defaults are the standard OpenID claims."
)
class ClaimMappingInput:
    email: str = strawberry.field(
        default="email", description="The claim holding the email address."
    )
    first_name: str = strawberry.field(
        default="given_name", description="The claim holding the given name."
    )
    last_name: str = strawberry.field(
        default="family_name", description="The claim holding the family name."
    )
    username: str | None = strawberry.field(
        default=None, description="The claim holding the username; null: none."
    )
    department: str | None = strawberry.field(
        default=None,
        description="A claim naming the department (a groups claim: its first entry); null: none.",
    )


@strawberry.input(description="An identity provider to add (no id) or change (with its id).")
class IdentityProviderInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="absent: add a provider; present: change it"
    )
    name: str = strawberry.field(description="Display name, the sign-in button's label.")
    issuer: str = strawberry.field(description="The provider's issuer URL (https).")
    client_id: str = strawberry.field(description="Roster's client id at the provider.")
    client_secret: str | None = strawberry.field(
        default=None, description="required when adding; absent when changing keeps it"
    )
    scopes: list[str] | None = strawberry.field(
        default=None,
        description="Scopes to ask for; must include openid; null: openid, email, profile.",
    )
    email_domains: list[str] | None = strawberry.field(
        default=None,
        description="Email domains this provider signs in (home-realm discovery); null: none.",
    )
    jit: bool = strawberry.field(
        default=True, description="Create the user at an unknown person's first sign-in."
    )
    link_by_verified_email: bool = strawberry.field(
        default=False,
        description="Link a first sign-in to the existing user with"
        " the email the provider verified.",
    )
    owns_profile: bool = strawberry.field(
        default=False,
        description="Refresh names and department from the provider at every sign-in.",
    )
    claim_mapping: ClaimMappingInput | None = strawberry.field(
        default=None, description="Which claims carry the profile; null: the standard claims."
    )
    default_department_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Department of users created at first sign-in;"
        " null: the organization's default.",
    )
    default_job_profile_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Job profile of users created at first sign-in;"
        " null: the organization's default.",
    )
    default_permission_type_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Permission type of users created at first sign-in;"
        " null: the organization's default.",
    )
    default_seat: Seat = strawberry.field(
        default=Seat.OBSERVER, description="Seat of users created at first sign-in."
    )
    default_language: str | None = strawberry.field(
        default=None,
        description="Language of users created at first sign-in; null: the organization's default.",
    )


@strawberry.input(description="The identity provider to remove.")
class RemoveIdentityProviderInput:
    id: strawberry.ID = strawberry.field(description="The provider's id.")


@strawberry.type(description="The result of configuring an identity provider.")
class IdentityProviderPayload:
    identity_provider: IdentityProvider | None = strawberry.field(
        default=None, description="The provider as saved; null when userErrors says why not."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
