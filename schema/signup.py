"""Self sign-up: settings, the public sign-up, and department-specific sign-up links."""

from __future__ import annotations

from datetime import datetime

import strawberry

from provisioning.signup.links import qr_png_data_uri, qr_svg, signup_url
from provisioning.signup.settings import SignupSettings as SignupSettingsRecord
from provisioning.signup.settings import signup_settings
from provisioning.signup.signup import SignupOptions as SignupOptionsRecord
from schema.catalog import (
    Department,
    JobProfile,
    PermissionType,
    load_department,
    load_job_profile,
    load_permission_type,
)
from schema.context import context_of
from schema.errors import USER_ERRORS, UserError
from store.signup_links import SignupLinkRecord


@strawberry.type(description="Whether and how people may sign themselves up.")
class SignupSettings:
    enabled: bool = strawberry.field(description="Whether people may sign themselves up.")
    pick_department: bool = strawberry.field(
        description="the person picks their department (else the default, or a link's)"
    )
    email_domains: list[str] = strawberry.field(description="empty: any domain")
    username_with_phone: bool = strawberry.field(
        description="a username and a mobile number (confirmed by text) may replace an email"
    )
    default_department_id: strawberry.Private[str | None]
    default_job_profile_id: strawberry.Private[str | None]
    default_permission_type_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, record: SignupSettingsRecord) -> SignupSettings:
        return cls(
            enabled=record.enabled,
            pick_department=record.pick_department,
            email_domains=list(record.email_domains),
            username_with_phone=record.username_with_phone,
            default_department_id=record.default_department_id,
            default_job_profile_id=record.default_job_profile_id,
            default_permission_type_id=record.default_permission_type_id,
        )

    @strawberry.field(
        description="The department of people who sign up without picking one or using a link; "
        "null: the organization's default."
    )
    async def default_department(self, info: strawberry.Info) -> Department | None:
        return await load_department(info, self.default_department_id)

    @strawberry.field(
        description="The job profile of people who sign up; null: the organization's default."
    )
    async def default_job_profile(self, info: strawberry.Info) -> JobProfile | None:
        return await load_job_profile(info, self.default_job_profile_id)

    @strawberry.field(
        description="The permission type of people who sign up; null: the organization's default."
    )
    async def default_permission_type(self, info: strawberry.Info) -> PermissionType | None:
        return await load_permission_type(info, self.default_permission_type_id)


@strawberry.input(description="Fields left out are unchanged; null clears a default.")
class SignupSettingsInput:
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Let people sign themselves up."
    )
    pick_department: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Let the person pick their department."
    )
    email_domains: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only emails of these domains may sign up; []: any domain.",
    )
    username_with_phone: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Let a username and a mobile number (confirmed by text) replace an email.",
    )
    default_department_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Department of people who sign up; null clears it."
    )
    default_job_profile_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Job profile of people who sign up; null clears it."
    )
    default_permission_type_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Permission type of people who sign up; null clears it.",
    )


@strawberry.type(description="The result of a change to the sign-up settings.")
class SignupSettingsPayload:
    signup_settings: SignupSettings | None = strawberry.field(
        default=None,
        description="The settings as they now are; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.type(description="Public: what an organization's sign-up page should offer.")
class SignupOptions:
    enabled: bool = strawberry.field(
        description="Whether the organization takes sign-ups (false"
        " also for an unknown organization)."
    )
    username_with_phone: bool = strawberry.field(
        description="Whether a username and a mobile number may replace an email."
    )
    email_domains: list[str] = strawberry.field(
        description="Only emails of these domains may sign up; empty: any domain."
    )
    departments: list[Department] = strawberry.field(
        description="to pick from; empty unless the organization lets people pick"
    )
    link_department: Department | None = strawberry.field(
        description="the department the sign-up link preselects"
    )
    link_valid: bool | None = strawberry.field(
        description="whether the sign-up link is live; null when no link was given"
    )

    @classmethod
    def of(cls, record: SignupOptionsRecord) -> SignupOptions:
        return cls(
            enabled=record.enabled,
            username_with_phone=record.username_with_phone,
            email_domains=list(record.email_domains),
            departments=[Department.of(d) for d in record.departments],
            link_department=Department.of(record.link_department)
            if record.link_department
            else None,
            link_valid=record.link_valid,
        )


@strawberry.input(
    description="Public: a person signing themselves up. A link is sent to confirm the email (or "
    "a text to the phone)."
)
class SignUpInput:
    organization: str = strawberry.field(description="the organization's slug")
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    email: str | None = strawberry.field(
        default=None, description="Email address; null when signing up with a username and phone."
    )
    username: str | None = strawberry.field(
        default=None, description="with phone, where the organization allows it"
    )
    phone: str | None = strawberry.field(
        default=None, description="Mobile number (stored in E.164 form); needed with a username."
    )
    language: str | None = strawberry.field(
        default=None, description="BCP 47 tag such as en-GB; null: the organization's default."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="where the organization lets people pick"
    )
    signup_link: str | None = strawberry.field(
        default=None, description="the code of a sign-up link (its ?link= parameter)"
    )


@strawberry.input(description="Public: the confirmation of a sign-up, from its link.")
class VerifySignUpInput:
    token: str = strawberry.field(description="from the link's #token= fragment")
    password: str | None = strawberry.field(
        default=None,
        description="The password the person chooses; null where the organization signs the"
        " email's domain in with SSO (the answer's ssoLoginUrl then says where to continue).",
    )


@strawberry.type(description="A link (and QR code) to the sign-up page, preselecting a department.")
class SignupLink:
    id: strawberry.ID = strawberry.field(description="Stable opaque id of the link.")
    url: str = strawberry.field(
        description=("The sign-up page's URL with the link's token; share it or print its QR code.")
    )
    created_at: datetime = strawberry.field(description="When the link was created (UTC).")
    revoked_at: datetime | None = strawberry.field(
        description="When the link was revoked (UTC), after which it no longer preselects; "
        "null while valid."
    )
    department_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, record: SignupLinkRecord, url: str) -> SignupLink:
        return cls(
            id=strawberry.ID(record.id),
            url=url,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            department_id=record.department_id,
        )

    @strawberry.field(description="The department the link preselects; null: none.")
    async def department(self, info: strawberry.Info) -> Department | None:
        return await load_department(info, self.department_id)

    @strawberry.field(description="PNG as a data: URI, ready for an <img src>")
    def qr_code_png(self) -> str:
        return qr_png_data_uri(self.url)

    @strawberry.field(description="SVG markup, for print")
    def qr_code_svg(self) -> str:
        return qr_svg(self.url)


def link_of(record: SignupLinkRecord, public_url: str, organization_slug: str) -> SignupLink:
    return SignupLink.of(record, signup_url(public_url, organization_slug, record.code))


@strawberry.input(description="A new sign-up link (admins).")
class CreateSignupLinkInput:
    department_id: strawberry.ID | None = strawberry.field(
        default=None, description="The department the link preselects; null: none."
    )


@strawberry.input(description="A sign-up link to revoke (admins).")
class RevokeSignupLinkInput:
    id: strawberry.ID = strawberry.field(description="The link's id.")


@strawberry.type(description="The result of creating or revoking a sign-up link.")
class SignupLinkPayload:
    signup_link: SignupLink | None = strawberry.field(
        default=None,
        description="The link as it now is; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


async def signup_settings_of(info: strawberry.Info) -> SignupSettings:
    context = context_of(info)
    org_id = context.caller.require_admin()
    return SignupSettings.of(await signup_settings(context.deps, org_id))
