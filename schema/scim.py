"""The SCIM service provider's settings of an organization."""

from __future__ import annotations

from enum import Enum

import strawberry

from schema.context import context_of
from schema.enums import describe_values
from schema.errors import USER_ERRORS, UserError
from store.scim import ScimSettingsRecord


@strawberry.enum(description="What DELETE /scim/v2/Users/{id} does to the user.")
class ScimDeprovision(Enum):
    DISABLE = "DISABLE"
    DELETE = "DELETE"


describe_values(
    ScimDeprovision,
    {
        "DISABLE": "the user is disabled (cannot sign in; data and links kept)",
        "DELETE": "the user and their personal data are deleted (the audit trail stays)",
    },
)


@strawberry.type(
    description="How SCIM provisioning (/scim/v2, used by the organization's identity provider) "
    "acts on the organization. Admins read it."
)
class ScimSettings:
    deprovision: ScimDeprovision = strawberry.field(
        description="What a SCIM DELETE of a user does."
    )
    adopt_existing_users: bool = strawberry.field(
        description="A SCIM POST whose email matches an existing user who did not come from"
        " SCIM takes that user over (their source stays) instead of answering 409."
    )
    create_companies: bool = strawberry.field(
        description="A SCIM user whose enterprise `organization` names no company of the"
        " organization creates it as a partner company (true, the default); false refuses"
        " the request (400 invalidValue)."
    )

    @strawberry.field(
        description="The SCIM 2.0 base URL to give the identity provider"
        " (ROSTER_PUBLIC_URL/scim/v2);"
        " it authenticates with the bearer token of an API client that has the scim scope."
    )
    def endpoint_url(self, info: strawberry.Info) -> str:
        return f"{context_of(info).settings.public_url}/scim/v2"

    @strawberry.field(
        description="The OAuth 2.0 token endpoint where such an API client gets its bearer tokens"
        " (client credentials)."
    )
    def token_url(self, info: strawberry.Info) -> str:
        return f"{context_of(info).settings.public_url}/oauth/token"

    @classmethod
    def of(cls, record: ScimSettingsRecord) -> ScimSettings:
        return cls(
            deprovision=ScimDeprovision(record.deprovision),
            adopt_existing_users=record.adopt_existing_users,
            create_companies=record.create_companies,
        )


@strawberry.input(description="SCIM settings to change (admins); fields left out are unchanged.")
class UpdateScimSettingsInput:
    deprovision: ScimDeprovision | None = strawberry.field(
        default=strawberry.UNSET, description="What a SCIM DELETE of a user does."
    )
    adopt_existing_users: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Let a SCIM POST take over the existing user with its email (see "
        "ScimSettings.adoptExistingUsers).",
    )
    create_companies: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whether an unknown enterprise `organization` creates a partner company"
        " (true) or is refused (false). Left out: unchanged.",
    )


@strawberry.type(description="The result of a change to the SCIM settings.")
class ScimSettingsPayload:
    scim_settings: ScimSettings | None = strawberry.field(
        default=None,
        description="The settings as they now are; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
