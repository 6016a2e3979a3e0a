from __future__ import annotations

import strawberry

from provisioning.users.profile import ProfileSettings as ProfileRecord
from schema.errors import USER_ERRORS, UserError


@strawberry.type(
    description="Which of their own fields members may set (on accepting an invitation and"
    " with updateMe). Never roles or the email, nor a field a directory manages."
)
class ProfileSettings:
    names: bool = strawberry.field(description="first and last name (default true)")
    phone: bool = strawberry.field(description="phone (default true)")
    language: bool = strawberry.field(description="language (default true)")

    @classmethod
    def of(cls, record: ProfileRecord) -> ProfileSettings:
        return cls(names=record.names, phone=record.phone, language=record.language)


@strawberry.input(description="Fields left out are unchanged.")
class ProfileSettingsInput:
    names: bool | None = strawberry.field(default=None, description="first and last name")
    phone: bool | None = strawberry.field(default=None, description="phone")
    language: bool | None = strawberry.field(default=None, description="language")


@strawberry.type(description="updateProfileSettings: the settings now, or why not.")
class ProfileSettingsPayload:
    profile_settings: ProfileSettings | None = strawberry.field(
        default=None, description="The settings as they now are; null when userErrors says why."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(
    description="The signed-in person's own fields; left out or null: unchanged. FORBIDDEN"
    " for a field the organization keeps from members, MANAGED_EXTERNALLY for one a directory"
    " owns; validated as in createUser."
)
class UpdateMeInput:
    first_name: str | None = strawberry.field(default=None, description="up to 100 characters")
    last_name: str | None = strawberry.field(default=None, description="up to 100 characters")
    phone: str | None = strawberry.field(
        default=None, description="international form (+44...); an empty string removes it"
    )
    language: str | None = strawberry.field(
        default=None, description="a BCP 47 tag; an empty string: the organization's default"
    )
