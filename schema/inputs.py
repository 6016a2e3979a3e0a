from __future__ import annotations

import strawberry

from schema.enums import RequiredField, Seat


@strawberry.input
class SignInInput:
    organization: str = strawberry.field(description="the organization's slug")
    login: str = strawberry.field(description="an email or a username")
    password: str


@strawberry.input
class CreateUserInput:
    email: str | None = None
    username: str | None = None
    phone: str | None = None
    first_name: str
    last_name: str
    language: str | None = None
    department_id: strawberry.ID | None = None
    job_profile_id: strawberry.ID | None = None
    permission_type_id: strawberry.ID | None = None
    company_id: strawberry.ID | None = None
    roles: list[str] | None = None
    seat: Seat = Seat.OBSERVER
    link_account_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="integration accounts to link in the same step"
    )
    send_invitation: bool | None = strawberry.field(
        default=None,
        description="invite once the user exists; null: as the organization's communication"
        " settings say (sendOnCreate)",
    )
    email_verified: bool = strawberry.field(
        default=False,
        description="admins only (FORBIDDEN otherwise; audited): vouch for the email, so that"
        " it is trusted as if a link had proved it (SSO linkByVerifiedEmail)",
    )


@strawberry.input(description="Fields left out are unchanged; null clears an optional field.")
class UpdateUserInput:
    user_id: strawberry.ID
    email: str | None = strawberry.UNSET
    username: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    department_id: strawberry.ID | None = strawberry.UNSET
    job_profile_id: strawberry.ID | None = strawberry.UNSET
    permission_type_id: strawberry.ID | None = strawberry.UNSET
    company_id: strawberry.ID | None = strawberry.UNSET
    roles: list[str] | None = strawberry.UNSET
    email_verified: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="admins only (FORBIDDEN otherwise; audited): true vouches for the email"
        " (also a new one given here), false withdraws that trust. Left out, a changed email"
        " is no longer verified",
    )


@strawberry.input
class SetUserSeatInput:
    user_id: strawberry.ID
    seat: Seat


@strawberry.input
class DisableUserInput:
    user_id: strawberry.ID


@strawberry.input
class EnableUserInput:
    user_id: strawberry.ID


@strawberry.input
class DeleteUserInput:
    user_id: strawberry.ID


@strawberry.input(description="Fields left out are unchanged.")
class OrganizationSettingsInput:
    name: str | None = strawberry.UNSET
    default_language: str | None = strawberry.UNSET
    seat_limit: int | None = strawberry.field(
        default=strawberry.UNSET, description="null removes the limit"
    )
    required_fields: list[RequiredField] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The fields every new user must have, from its source or a default;"
        " a user that lacks one is refused with MISSING_DEFAULT_<FIELD>.",
    )
