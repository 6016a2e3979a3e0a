"""Activation on creation: the organization's communication settings (sendOnCreate, email
and/or SMS) invite every new user still PENDING, whatever made them."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError
from provisioning.invitations.communication import communication_settings
from provisioning.invitations.invitations import invite_user
from provisioning.users.model import PENDING
from store.users import UserRecord

log = logging.getLogger("roster.users")


async def activate(
    deps: Dependencies, caller: Caller, users: Sequence[UserRecord], send: bool | None = None
) -> dict[str, UserRecord]:
    """Invites new users still PENDING: when asked (`send`), or, when not said, when the
    organization sends activation messages on creation (its channels, email and/or SMS).
    Safe to repeat: a user an earlier attempt invited is not invited again. Asked for
    explicitly, a failure is the caller's error and the invitation the caller's act;
    otherwise the organization's setting acts (a failure is logged and skipped). No public
    URL in `deps` (links would lead nowhere): nothing is sent. The invited users, by id."""
    pending = [u for u in users if u.status == PENDING]
    if send is False or deps.public_url is None or not pending:
        return {}  # (an SSO sign-in's user is ACTIVE: no read of the settings)
    org_id = pending[0].org_id
    if send is None:
        if not (await communication_settings(deps, org_id)).send_on_create:
            return {}
        caller = Caller(principal=None, request_id=caller.request_id, org_id_override=org_id)
    ids = [u.id for u in pending]
    still = await deps.store.users.get_many(org_id, ids) if ids else {}
    invited: dict[str, UserRecord] = {}
    for user_id in ids:
        if user_id not in still or still[user_id].status != PENDING:
            continue
        try:
            invited[user_id] = await invite_user(deps, caller, user_id, None, deps.public_url)
        except DomainError as error:
            if send:
                raise
            log.info("no activation message for new user %s: %s", user_id, error)
    return invited
