"""An organization's SCIM settings: what deprovisioning does, adopting existing users, and
creating the companies users are sent with."""

from __future__ import annotations

import dataclasses
from typing import Any

from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.users.write import KEEP
from store.scim import DEPROVISION_MODES, ScimSettingsRecord


async def get_scim_settings(deps: Dependencies, caller: Caller) -> ScimSettingsRecord:
    org_id = caller.require_signed_in()
    return await deps.store.scim.settings(org_id)


async def update_scim_settings(
    deps: Dependencies,
    caller: Caller,
    *,
    deprovision: Any = KEEP,
    adopt_existing_users: Any = KEEP,
    create_companies: Any = KEEP,
) -> ScimSettingsRecord:
    org_id = caller.require_admin()
    problems = []
    if deprovision is not KEEP and deprovision not in DEPROVISION_MODES:
        problems.append(
            Problem(
                "INVALID",
                f"deprovision must be one of {list(DEPROVISION_MODES)}.",
                ("input", "deprovision"),
            )
        )
    for field, value in (
        ("adoptExistingUsers", adopt_existing_users),
        ("createCompanies", create_companies),
    ):
        if value is not KEEP and not isinstance(value, bool):
            problems.append(Problem("INVALID", f"{field} is true or false.", ("input", field)))
    if problems:
        raise ValidationFailed(*problems)
    current = await deps.store.scim.settings(org_id)
    changes = {
        name: value
        for name, value in (
            ("deprovision", deprovision),
            ("adopt_existing_users", adopt_existing_users),
            ("create_companies", create_companies),
        )
        if value is not KEEP
    }
    wanted = dataclasses.replace(current, **changes)
    if wanted == current:
        return current
    result = await deps.store.scim.set_settings(org_id, wanted)
    if result is None:
        raise NotFound("Organization")
    before, after = result
    await record_event(
        deps,
        caller,
        "organization.scim_settings_updated",
        "Organization",
        org_id,
        diff(dataclasses.asdict(before), dataclasses.asdict(after)),
    )
    return after
