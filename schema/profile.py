from __future__ import annotations

import strawberry

from provisioning.users.profile import ProfileSettings as ProfileRecord
from schema.errors import UserError


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
    names: bool | None = None
    phone: bool | None = None
    language: bool | None = None


@strawberry.type
class ProfileSettingsPayload:
    profile_settings: ProfileSettings | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="The signed-in person's own fields; left out or null: unchanged. FORBIDDEN"
    " for a field the organization keeps from members, MANAGED_EXTERNALLY for one a directory"
    " owns; validated as in createUser."
)
class UpdateMeInput:
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = strawberry.field(
        default=None, description="international form (+44...); an empty string removes it"
    )
    language: str | None = strawberry.field(
        default=None, description="a BCP 47 tag; an empty string: the organization's default"
    )
