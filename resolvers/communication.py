from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning.invitations import communication
from resolvers.edge import payload_on_domain_error
from schema.communication import (
    CommunicationSettings,
    CommunicationSettingsInput,
    CommunicationSettingsPayload,
)
from schema.context import context_of


@strawberry.type
class CommunicationMutation:
    @strawberry.mutation(description="Admins. Channels and automatic activation messages.")
    @payload_on_domain_error
    async def update_communication_settings(
        self,
        info: strawberry.Info,
        input: Annotated[
            CommunicationSettingsInput, strawberry.argument(description="The settings to change.")
        ],
    ) -> CommunicationSettingsPayload:
        context = context_of(info)
        record = await communication.update_communication_settings(
            context.deps,
            context.caller,
            send_on_create=input.send_on_create,
            email=input.email,
            sms=input.sms,
        )
        return CommunicationSettingsPayload(communication_settings=CommunicationSettings.of(record))
