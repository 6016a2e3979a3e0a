"""updateMe: a signed-in person edits their own profile fields (profile.py says which)."""

from __future__ import annotations

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import ChangedMeanwhile, NotFound, Problem, ValidationFailed
from provisioning.users.profile import ProfileInput, checked_profile
from provisioning.users.update import write_changes
from store.users import UserRecord


async def update_me(deps: Dependencies, caller: Caller, given: ProfileInput) -> UserRecord:
    """A signed-in person edits their own profile fields, through the one update path
    (audited as user.updated, the person as actor). Not for API clients: no one is 'me'."""
    org_id = caller.require_signed_in()
    if caller.user_id is None:
        raise ValidationFailed(Problem("FORBIDDEN", "Only a signed-in person has a profile."))
    current = await deps.store.users.get(org_id, caller.user_id)
    if current is None:
        raise NotFound("User")
    changes = await checked_profile(deps, current, given)
    # Only from the record checked: a change made meanwhile (a sync, an admin) wins.
    result = await write_changes(
        deps, caller, current, changes, only_if={"updated_at": current.updated_at}
    )
    if result is None:
        raise ChangedMeanwhile()
    return result[1]
