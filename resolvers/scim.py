from __future__ import annotations

from typing import Annotated, Any

import strawberry

from provisioning.errors import Problem, ValidationFailed
from provisioning.scim.settings import update_scim_settings
from provisioning.users.write import KEEP
from resolvers.edge import payload_on_domain_error
from schema.context import context_of
from schema.scim import ScimSettings, ScimSettingsPayload, UpdateScimSettingsInput


def _given(value: Any) -> Any:
    """strawberry.UNSET (left out of the input) becomes KEEP; anything else is a change."""
    return KEEP if value is strawberry.UNSET else value


@strawberry.type
class ScimMutation:
    @strawberry.mutation(description="Admins: the organization's SCIM settings.")
    @payload_on_domain_error
    async def update_scim_settings(
        self,
        info: strawberry.Info,
        input: Annotated[
            UpdateScimSettingsInput, strawberry.argument(description="The settings to change.")
        ],
    ) -> ScimSettingsPayload:
        context = context_of(info)
        deprovision = _given(input.deprovision)
        adopt = _given(input.adopt_existing_users)
        create_companies = _given(input.create_companies)
        for field, value in (
            ("deprovision", deprovision),
            ("adoptExistingUsers", adopt),
            ("createCompanies", create_companies),
        ):
            if value is None:
                raise ValidationFailed(
                    Problem("REQUIRED", f"{field} cannot be null.", ("input", field))
                )
        record = await update_scim_settings(
            context.deps,
            context.caller,
            deprovision=deprovision if deprovision is KEEP else deprovision.value,
            adopt_existing_users=adopt,
            create_companies=create_companies,
        )
        return ScimSettingsPayload(scim_settings=ScimSettings.of(record))
