"""Outbound provisioning: the holders of a product's licence, pushed to the app over SCIM.

A PROVISIONING integration names a product key. A run looks at every user whose state the
app may not have yet: those of the unprocessed licence events of that product (assigned,
revoked; store/licences.py) and the licence holders updated since the cursor. For each it
makes the app agree with Roster:

- holds the licence and is not disabled: created there (POST /Users) if the user has no
  remote account yet, else brought up to date (PATCH), active; what it sends: userName,
  name, emails, phoneNumbers and the enterprise extension's department (by name), a phone
  or department the user no longer has being removed there (provisioning/sync/mapping.py);
- otherwise (revoked, disabled, deleted): deactivated there (PATCH active false).

The remote id is kept as an integration account of the PROVISIONING integration, linked
to the user. Before a create, the app is asked whether it has the email already: if it
does under an account Roster does not know, that is REMOTE_EMAIL_EXISTS with the remote
id (an orphan an admin resolves there, or adopts: provisioning/sync/adoption.py), never a
second account. A refusal
by the app is REMOTE_REJECTED with the app's own message.

The events are marked processed and the cursor moves to the latest updatedAt pushed only
when the run completes; an app that fails mid-run fails the run, and the next run pushes
again (every push is idempotent).
"""

from __future__ import annotations

from datetime import datetime

from provisioning.audit import record_event
from provisioning.dependencies import Dependencies
from provisioning.integrations.accounts import profile_of
from provisioning.sync.mapping import (
    MISSING_EMAIL,
    REMOTE_EMAIL_EXISTS,
    REMOTE_REJECTED,
    outbound_patch,
    outbound_resource,
)
from provisioning.sync.peer import PeerRejected
from provisioning.sync.scim import quoted
from provisioning.sync.state import Outcome, RunState
from provisioning.users.model import DISABLED
from store.integration_accounts import Activity
from store.sync_runs import SUCCEEDED
from store.users import UserRecord

EVENT_BATCH = 5000


async def run_outbound(state: RunState) -> Outcome:
    deps, org_id = state.deps, state.org_id
    product_key = state.config.product_key or ""
    events = await deps.store.directory.pending_licence_events(org_id, product_key, EVENT_BATCH)
    holders = await deps.store.directory.licence_holders(org_id, product_key)
    since = state.run.cursor_from
    users = await _users(state, holders)
    changed = [u for u in users.values() if since is None or u.updated_at > since]
    wanted = list(dict.fromkeys([user_id for _, user_id in events] + [u.id for u in changed]))
    await state.heartbeat(f"{len(events)} licence events, {len(changed)} holders updated")
    await push_users(state, wanted, holders=set(holders))
    if not state.dry_run:
        await deps.store.directory.mark_events_processed([i for i, _ in events], deps.clock())
    latest = max((u.updated_at for u in changed), default=since)
    return Outcome(SUCCEEDED, latest)


async def _users(state: RunState, user_ids: list[str]) -> dict[str, UserRecord]:
    found: dict[str, UserRecord] = {}
    for start in range(0, len(user_ids), 1000):
        chunk = user_ids[start : start + 1000]
        found.update(await state.deps.store.users.get_many(state.org_id, chunk))
    return found


async def push_users(
    state: RunState, user_ids: list[str], *, holders: set[str] | None = None, force: bool = False
) -> None:
    """Brings the app in line with Roster for each of these users."""
    deps, org_id = state.deps, state.org_id
    if holders is None:
        product_key = state.config.product_key or ""
        holders = set(await deps.store.directory.licence_holders(org_id, product_key))
    users = await _users(state, user_ids)
    department_ids = sorted({u.department_id for u in users.values() if u.department_id})
    departments = await deps.store.departments.get_many(org_id, department_ids)
    linked = await deps.store.directory.linked_accounts(org_id, state.integration.id)
    remote_of = {user_id: remote_id for remote_id, user_id in linked.items()}
    state.counts.read = len(user_ids)
    for done, user_id in enumerate(user_ids, 1):
        user = users.get(user_id)
        active = user is not None and user_id in holders and user.status != DISABLED
        remote_id = remote_of.get(user_id)
        department = departments.get(user.department_id or "") if user else None
        name = department.name if department else None
        try:
            if remote_id is None:
                if active and user is not None:
                    await _create(state, user, name)
                else:
                    state.counts.skipped += 1
            else:
                await _patch(state, user, remote_id, active, name)
        except PeerRejected as error:
            await state.error(
                remote_id or "",
                REMOTE_REJECTED,
                f"{state.integration.name} refused the user: {error.detail}",
                remote_id=remote_id,
                user_id=user_id,
            )
        if done % 100 == 0:
            await state.heartbeat(f"pushed {done} of {len(user_ids)}")


async def _create(state: RunState, user: UserRecord, department: str | None) -> None:
    deps, peer = state.deps, state.peer
    if not user.email and state.config.requires_email:
        await state.error(
            "",
            MISSING_EMAIL,
            f"{state.integration.name} requires an email and {user.id} has none: add one,"
            " then retry.",
            user_id=user.id,
        )
        return
    if user.email:
        clash = await peer.find_users(
            f"emails.value eq {quoted(user.email)} or userName eq {quoted(user.email)}"
        )
        if clash:
            remote_id = str(clash[0].get("id"))
            await state.error(
                remote_id,
                REMOTE_EMAIL_EXISTS,
                f"{state.integration.name} already has {user.email} under its account"
                f" {remote_id}, which Roster did not create: remove or merge it there,"
                " then retry.",
                remote_id=remote_id,
                user_id=user.id,
            )
            return
    if state.dry_run:
        state.counts.created += 1
        return
    created = await peer.create_user(outbound_resource(user, True, department))
    remote_id = str(created.get("id") or "")
    if not remote_id:
        raise PeerRejected(201, "the app created the user but sent no id back")
    now = deps.clock()
    await _link(state, user, remote_id, now)
    state.counts.created += 1
    await record_event(
        deps,
        state.caller,
        "user.provisioned",
        "User",
        user.id,
        {"remote_id": {"before": None, "after": remote_id}},
        metadata={"integration_id": state.integration.id, "run_id": state.run.id},
    )


async def record_remote_account(
    deps: Dependencies, integration_id: str, user: UserRecord, remote_id: str, now: datetime
) -> None:
    """The app's account `remote_id` as an (unlinked, if new) account of the integration."""
    display = f"{user.first_name} {user.last_name}"
    profile = profile_of(remote_id, user.email, display, user.first_name, user.last_name)
    activity = Activity(external_id=remote_id, occurred_at=now, profile=profile, external_terms=())
    await deps.store.integration_accounts.record(user.org_id, integration_id, [activity], now)


async def _link(state: RunState, user: UserRecord, remote_id: str, now: datetime) -> None:
    deps = state.deps
    await record_remote_account(deps, state.integration.id, user, remote_id, now)
    await deps.store.directory.link_accounts(
        state.org_id, state.integration.id, {remote_id: user.id}, now
    )


async def _patch(
    state: RunState,
    user: UserRecord | None,
    remote_id: str,
    active: bool,
    department: str | None,
) -> None:
    if state.dry_run:
        if active:
            state.counts.updated += 1
        else:
            state.counts.disabled += 1
        return
    if user is None:
        operations = [{"op": "replace", "path": "active", "value": False}]
    else:
        operations = outbound_patch(user, active, department)
    await state.peer.patch_user(remote_id, operations)
    if active:
        state.counts.updated += 1
    else:
        state.counts.disabled += 1
    await record_event(
        state.deps,
        state.caller,
        "user.provisioning_updated" if active else "user.deprovisioned",
        "User",
        user.id if user else None,
        {"active": {"before": None, "after": active}},
        metadata={
            "integration_id": state.integration.id,
            "run_id": state.run.id,
            "remote_id": remote_id,
        },
    )
