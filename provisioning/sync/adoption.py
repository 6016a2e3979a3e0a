"""Adopting the app's existing account that a REMOTE_EMAIL_EXISTS sync error names.

Before creating a user in the app, an outbound run asks the app for the email; an account
Roster did not create is REMOTE_EMAIL_EXISTS with its remote id. Rather than removing it
there and retrying, an admin may adopt it: the account is linked to the Roster user (as if
the run had created it), the error is resolved, and the user is pushed at once, so that
the app's account is brought up to date from Roster. Audited (user.remote_account_adopted).
"""

from __future__ import annotations

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import AlreadyLinked, NotFound
from provisioning.sync import outbound
from provisioning.sync.configuration import configured, invalid
from provisioning.sync.mapping import REMOTE_EMAIL_EXISTS
from provisioning.sync.runs import one_record_run
from provisioning.sync.state import Outcome, RunState
from store.integration_accounts import UserAlreadyHasAccount
from store.sync_runs import SUCCEEDED, SyncErrorRecord
from store.users import UserRecord

FIELD = ("input", "errorId")


async def adopt_remote_account(
    deps: Dependencies, caller: Caller, error_id: str
) -> SyncErrorRecord:
    org_id = caller.require_admin()
    error = await deps.store.sync_runs.get_error(org_id, error_id)
    if error is None:
        raise NotFound("Sync error", FIELD)
    if error.code != REMOTE_EMAIL_EXISTS or not error.remote_id or error.user_id is None:
        raise invalid(
            "Only a REMOTE_EMAIL_EXISTS error names an account of the app to adopt.", FIELD
        )
    if error.resolved_at is not None:
        return error
    integration, config = await configured(deps, org_id, error.integration_id)
    user = await deps.store.users.get(org_id, error.user_id)
    if user is None:
        raise NotFound("User", FIELD)
    await _link(deps, caller, error, user)

    async def body(state: RunState) -> Outcome:
        await outbound.push_users(state, [user.id], force=True)
        return Outcome(SUCCEEDED, None)

    finished = await one_record_run(deps, caller, integration, config, body)
    now = deps.clock()
    # The account is adopted whatever the push did; a push the app refused is an error
    # of its own on the run (finished).
    updated = await deps.store.sync_runs.update_error(
        org_id, error.id, {"resolved_at": now, "retried_at": now, "retry_run_id": finished.id}
    )
    if updated is None:
        raise NotFound("Sync error", FIELD)
    return updated


async def _link(
    deps: Dependencies, caller: Caller, error: SyncErrorRecord, user: UserRecord
) -> None:
    """Links the app's account to the user, unless either is linked to another already."""
    org_id, integration_id, remote_id = user.org_id, error.integration_id, str(error.remote_id)
    accounts = deps.store.integration_accounts
    held = await accounts.linked_in_integration(org_id, integration_id, user.id)
    if held is not None:
        if held.external_id == remote_id:
            return  # adopted already (say, by a request that failed after linking)
        raise AlreadyLinked(
            f"This user is already linked to the app's account {held.external_id}.", FIELD
        )
    now = deps.clock()
    await outbound.record_remote_account(deps, integration_id, user, remote_id, now)
    account = (await accounts.get_by_external_ids(org_id, integration_id, [remote_id]))[remote_id]
    try:
        linked = await accounts.link(org_id, account.id, user.id, now)
    except UserAlreadyHasAccount as taken:
        raise AlreadyLinked(
            "This user was linked to another account of the app meanwhile.", FIELD
        ) from taken
    if linked is None:
        raise AlreadyLinked(
            f"The app's account {remote_id} is linked to another user"
            f" ({account.linked_user_id or 'meanwhile'}).",
            FIELD,
        )
    await record_event(
        deps,
        caller,
        "user.remote_account_adopted",
        "User",
        user.id,
        {"remote_id": {"before": None, "after": remote_id}},
        metadata={"integration_id": integration_id, "sync_error_id": error.id},
    )
