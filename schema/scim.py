"""The SCIM service provider's settings of an organization."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.errors import UserError
from store.scim import ScimSettingsRecord


@strawberry.enum(description="What DELETE /scim/v2/Users/{id} does to the user.")
class ScimDeprovision(Enum):
    DISABLE = "DISABLE"
    DELETE = "DELETE"


@strawberry.type
class ScimSettings:
    deprovision: ScimDeprovision
    adopt_existing_users: bool = strawberry.field(
        description="A SCIM POST whose email matches an existing user who did not come from"
        " SCIM takes that user over (their source stays) instead of answering 409."
    )
    create_companies: bool = strawberry.field(
        description="A SCIM user whose enterprise `organization` names no company of the"
        " organization creates it as a partner company (true, the default); false refuses"
        " the request (400 invalidValue)."
    )

    @classmethod
    def of(cls, record: ScimSettingsRecord) -> ScimSettings:
        return cls(
            deprovision=ScimDeprovision(record.deprovision),
            adopt_existing_users=record.adopt_existing_users,
            create_companies=record.create_companies,
        )


@strawberry.input
class UpdateScimSettingsInput:
    deprovision: ScimDeprovision | None = strawberry.UNSET
    adopt_existing_users: bool | None = strawberry.UNSET
    create_companies: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether an unknown enterprise `organization` creates a partner company"
        " (true) or is refused (false). Left out: unchanged.",
    )


@strawberry.type
class ScimSettingsPayload:
    scim_settings: ScimSettings | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
