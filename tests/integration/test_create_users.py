"""The one create path in batches: one outcome per draft, in order, each draft judged on its
own (its rules, its uniqueness, the seats left), with one insert and one audit write for
the batch."""

from __future__ import annotations

import dataclasses

from pymongo import AsyncMongoClient, monitoring

from config.settings import Settings
from provisioning.admins import create_admin
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import EmailTaken, SeatLimitReached, ValidationFailed
from provisioning.organizations import update_settings
from provisioning.users.create import create_users
from provisioning.users.model import FULL, UserDraft, UserSource
from store.database import Store
from store.types import Document


class Inserts(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "insert":
            self.seen.append((event.command_name, str(event.command.get("insert"))))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_a_batch_has_one_outcome_per_draft(deps: Dependencies) -> None:
    created = await create_admin(deps, "acme", "admin@acme.example", "correct horse battery")
    org_id = created.organization.id
    caller = Caller.system(org_id)
    await update_settings(deps, caller, seat_limit=2)  # the admin holds one
    drafts = [
        UserDraft("Ann", "One", email="ann@acme.example", source=UserSource.SCIM),
        UserDraft("", "Nameless", email="nameless@acme.example"),
        UserDraft("Ada", "Again", email="admin@acme.example"),
        UserDraft("Fay", "Full", email="fay@acme.example", seat=FULL),
        UserDraft("Flo", "Full", email="flo@acme.example", seat=FULL),
    ]
    outcomes = await create_users(deps, caller, drafts, metadata={"note": "batch"})

    assert [type(o.error) if o.error else None for o in outcomes] == [
        None,
        ValidationFailed,
        EmailTaken,
        None,
        SeatLimitReached,
    ]
    ann, fay = outcomes[0].user, outcomes[3].user
    assert ann is not None and fay is not None
    assert (ann.email_verified, fay.email_verified) == (True, False)  # SCIM's is trusted
    organization = await deps.store.organizations.get(org_id)
    assert organization is not None and organization.full_seats_used == 2
    events = deps.store.db["audit_events"].find({"org_id": org_id, "action": "user.created"})
    by_user = {e["target_id"]: e["metadata"] async for e in events}
    assert by_user[ann.id] == {"source": "SCIM", "note": "batch"}
    assert by_user[fay.id] == {"source": "MANUAL", "note": "batch"}
    assert len(by_user) == 3  # the admin, ann and fay


async def test_a_batch_is_one_insert_of_users_and_one_of_events(
    deps: Dependencies, mongodb_uri: str, settings: Settings
) -> None:
    created = await create_admin(deps, "acme", "admin@acme.example", "correct horse battery")
    caller = Caller.system(created.organization.id)
    listener = Inserts()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongodb_uri, tz_aware=True, event_listeners=[listener]
    )
    try:
        counted = dataclasses.replace(deps, store=Store.on(client[settings.database_name]))
        drafts = [UserDraft(f"P{i}", "Person", email=f"p{i}@acme.example") for i in range(20)]
        outcomes = await create_users(counted, caller, drafts)
    finally:
        await client.close()
    assert all(o.user is not None for o in outcomes)
    assert sorted(listener.seen) == [("insert", "audit_events"), ("insert", "users")]
