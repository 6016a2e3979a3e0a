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
from schema.errors import UserError
from store.identity_providers import IdentityProviderRecord


@strawberry.type
class ClaimMapping:
    email: str
    first_name: str
    last_name: str
    username: str | None
    department: str | None = strawberry.field(
        description="a claim naming the department (a groups claim: its first entry)"
    )


@strawberry.type
class IdentityProvider:
    id: strawberry.ID
    name: str
    issuer: str
    client_id: str = strawberry.field(description="the client secret is never readable")
    scopes: list[str]
    email_domains: list[str]
    jit: bool
    link_by_verified_email: bool
    owns_profile: bool = strawberry.field(
        description="names and department are refreshed from the provider at every sign-in"
    )
    claim_mapping: ClaimMapping
    default_seat: Seat
    default_language: str | None
    login_url: str
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

    @strawberry.field
    async def default_department(self, info: strawberry.Info) -> Department | None:
        return await load_department(info, self.default_department_id)

    @strawberry.field
    async def default_job_profile(self, info: strawberry.Info) -> JobProfile | None:
        return await load_job_profile(info, self.default_job_profile_id)

    @strawberry.field
    async def default_permission_type(self, info: strawberry.Info) -> PermissionType | None:
        return await load_permission_type(info, self.default_permission_type_id)


@strawberry.type(description="Public: one button of an organization's sign-in page.")
class SignInProvider:
    id: strawberry.ID
    name: str
    login_url: str = strawberry.field(description="where the button goes (this organization)")


@strawberry.type(description="Public: what an organization's sign-in page offers.")
class SignInOptions:
    providers: list[SignInProvider] = strawberry.field(
        description="every identity provider of the organization; empty for an unknown one"
    )


@strawberry.type
class LoginOption:
    provider: SignInProvider | None = strawberry.field(
        description="the provider to use for this email, if its domain has one (its button"
        " only: a public answer never carries a provider's configuration)"
    )
    password: bool


@strawberry.input
class ClaimMappingInput:
    email: str = "email"
    first_name: str = "given_name"
    last_name: str = "family_name"
    username: str | None = None
    department: str | None = None


@strawberry.input
class IdentityProviderInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="absent: add a provider; present: change it"
    )
    name: str
    issuer: str
    client_id: str
    client_secret: str | None = strawberry.field(
        default=None, description="required when adding; absent when changing keeps it"
    )
    scopes: list[str] | None = None
    email_domains: list[str] | None = None
    jit: bool = True
    link_by_verified_email: bool = False
    owns_profile: bool = False
    claim_mapping: ClaimMappingInput | None = None
    default_department_id: strawberry.ID | None = None
    default_job_profile_id: strawberry.ID | None = None
    default_permission_type_id: strawberry.ID | None = None
    default_seat: Seat = Seat.OBSERVER
    default_language: str | None = None


@strawberry.input
class RemoveIdentityProviderInput:
    id: strawberry.ID


@strawberry.type
class IdentityProviderPayload:
    identity_provider: IdentityProvider | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
