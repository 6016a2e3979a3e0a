from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning.users import me, profile
from resolvers.edge import payload_on_domain_error
from schema.context import context_of
from schema.payloads import UserPayload
from schema.profile import (
    ProfileSettings,
    ProfileSettingsInput,
    ProfileSettingsPayload,
    UpdateMeInput,
)
from schema.types import User


@strawberry.type
class ProfileQuery:
    @strawberry.field(description="Which of their own fields members may edit (signed in).")
    async def profile_settings(self, info: strawberry.Info) -> ProfileSettings:
        context = context_of(info)
        org_id = context.caller.require_signed_in()
        return ProfileSettings.of(await profile.profile_settings(context.deps, org_id))


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(description="Admins. Which of their own fields members may edit.")
    @payload_on_domain_error
    async def update_profile_settings(
        self,
        info: strawberry.Info,
        input: Annotated[
            ProfileSettingsInput,
            strawberry.argument(description="Which profile fields members may edit."),
        ],
    ) -> ProfileSettingsPayload:
        context = context_of(info)
        record = await profile.update_profile_settings(
            context.deps,
            context.caller,
            names=input.names,
            phone=input.phone,
            language=input.language,
        )
        return ProfileSettingsPayload(profile_settings=ProfileSettings.of(record))

    @strawberry.mutation(
        description="The signed-in person edits their own profile (audited as user.updated)."
        " Not roles, not the email."
    )
    @payload_on_domain_error
    async def update_me(
        self,
        info: strawberry.Info,
        input: Annotated[
            UpdateMeInput, strawberry.argument(description="The fields to change; others stay.")
        ],
    ) -> UserPayload:
        context = context_of(info)
        record = await me.update_me(
            context.deps,
            context.caller,
            profile.ProfileInput(
                first_name=input.first_name,
                last_name=input.last_name,
                phone=input.phone,
                language=input.language,
            ),
        )
        return UserPayload(user=User.of(record))
