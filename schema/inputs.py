from __future__ import annotations

import strawberry

from schema.enums import RequiredField, Seat


@strawberry.input(description="Who signs in, where, with what password.")
class SignInInput:
    organization: str = strawberry.field(description="the organization's slug")
    login: str = strawberry.field(description="an email or a username")
    password: str = strawberry.field(
        description="The user's password (or a one-time password an admin gave them)."
    )


@strawberry.input(description="A new user. Give an email, or a username together with a phone.")
class CreateUserInput:
    email: str | None = strawberry.field(
        default=None,
        description="Email address, unique in the organization; null"
        " when the user signs in by username.",
    )
    username: str | None = strawberry.field(
        default=None, description="Login name, unique in the organization; needs a phone."
    )
    phone: str | None = strawberry.field(
        default=None, description="Mobile number; stored in E.164 form."
    )
    first_name: str = strawberry.field(description="Given name.")
    last_name: str = strawberry.field(description="Family name.")
    language: str | None = strawberry.field(
        default=None,
        description="BCP 47 tag such as en-GB; null: the organization's default language.",
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=("A department of the organization; null: the organization's default, if any."),
    )
    job_profile_id: strawberry.ID | None = strawberry.field(
        default=None, description="A job profile of the organization; null: the default, if any."
    )
    permission_type_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A permission type of the organization; null: the default, if any.",
    )
    company_id: strawberry.ID | None = strawberry.field(
        default=None, description="A company of the organization; null: none."
    )
    roles: list[str] | None = strawberry.field(
        default=None, description="Names of organization roles to give the user; null: none."
    )
    seat: Seat = strawberry.field(
        default=Seat.OBSERVER,
        description="FULL (billable, counts against the seat limit)"
        " or OBSERVER (free, the default).",
    )
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
    user_id: strawberry.ID = strawberry.field(description="The user to change.")
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="New email address, unique in the organization."
    )
    username: str | None = strawberry.field(
        default=strawberry.UNSET, description="New login name, unique in the organization."
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET, description="New mobile number (stored in E.164 form)."
    )
    first_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="New given name (cannot be cleared)."
    )
    last_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="New family name (cannot be cleared)."
    )
    language: str | None = strawberry.field(
        default=strawberry.UNSET, description="New language, a BCP 47 tag."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New department; null clears it."
    )
    job_profile_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New job profile; null clears it."
    )
    permission_type_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New permission type; null clears it."
    )
    company_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New company; null clears it."
    )
    roles: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The user's roles, replacing the ones they hold; null or [] removes all.",
    )
    email_verified: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="admins only (FORBIDDEN otherwise; audited): true vouches for the email"
        " (also a new one given here), false withdraws that trust. Left out, a changed email"
        " is no longer verified",
    )


@strawberry.input(description="A user and the seat to give them.")
class SetUserSeatInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    seat: Seat = strawberry.field(
        description="FULL (billable; SEAT_LIMIT when none is free) or OBSERVER."
    )


@strawberry.input(description="The user to disable.")
class DisableUserInput:
    user_id: strawberry.ID = strawberry.field(description="The user's id.")


@strawberry.input(description="The user to enable.")
class EnableUserInput:
    user_id: strawberry.ID = strawberry.field(description="The user's id.")


@strawberry.input(description="The user to delete.")
class DeleteUserInput:
    user_id: strawberry.ID = strawberry.field(description="The user's id.")


@strawberry.input(description="Fields left out are unchanged.")
class OrganizationSettingsInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="New display name (cannot be cleared)."
    )
    default_language: str | None = strawberry.field(
        default=strawberry.UNSET, description="New default language for new users, a BCP 47 tag."
    )
    seat_limit: int | None = strawberry.field(
        default=strawberry.UNSET, description="null removes the limit"
    )
    required_fields: list[RequiredField] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The fields every new user must have, from its source or a default;"
        " a user that lacks one is refused with MISSING_DEFAULT_<FIELD>.",
    )
    default_department_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The department a new user gets when its source names none; null clears.",
    )
    default_job_profile_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The job profile a new user gets when its source names none; null clears.",
    )
    default_permission_type_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The permission type a new user gets when its source names none; null clears.",
    )
