from __future__ import annotations

import strawberry

from provisioning.invitations.communication import CommunicationSettings as CommunicationRecord
from provisioning.invitations.communication import communication_settings
from schema.context import context_of
from schema.errors import USER_ERRORS, UserError


@strawberry.type(description="How the organization reaches its people with activation messages.")
class CommunicationSettings:
    send_on_create: bool = strawberry.field(
        description="invite new users as soon as they are created (unless createUser says not to)"
    )
    email: bool = strawberry.field(description="send activation messages by email")
    sms: bool = strawberry.field(
        description="send activation messages by SMS; with email on too, a user with both"
        " an email and a phone gets both"
    )

    @classmethod
    def of(cls, record: CommunicationRecord) -> CommunicationSettings:
        return cls(send_on_create=record.send_on_create, email=record.email, sms=record.sms)


@strawberry.input(description="Fields left out are unchanged.")
class CommunicationSettingsInput:
    send_on_create: bool | None = strawberry.field(
        default=None, description="Invite new users as soon as they are created."
    )
    email: bool | None = strawberry.field(
        default=None, description="Send activation messages by email."
    )
    sms: bool | None = strawberry.field(
        default=None, description="Send activation messages by SMS."
    )


@strawberry.type(description="The result of a change to the communication settings.")
class CommunicationSettingsPayload:
    communication_settings: CommunicationSettings | None = strawberry.field(
        default=None,
        description="The settings as they now are; null when userErrors says why nothing changed.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


async def communication_settings_of(info: strawberry.Info) -> CommunicationSettings:
    context = context_of(info)
    org_id = context.caller.require_signed_in()
    return CommunicationSettings.of(await communication_settings(context.deps, org_id))
