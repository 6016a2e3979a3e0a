"""Creating users: one path for every source (GraphQL createUser, bulk import, directory
sync, SCIM, SSO at first sign-in, sign-up, integration Link/Create).

It owns what every new user gets alike, in batches (one insert_many per batch):
createUser's field rules (`check_new_user`; the import applies them to its rows in a thread
beforehand and hands in checked users), the record, its search terms, the FULL seats it
takes, whether its email is trusted, the `user.created` event (one shape for every source,
the source in its metadata) and activation: the organization's communication settings
(sendOnCreate, email and/or SMS) invite each new PENDING user, whatever the source.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provisioning.access.principal import USERS_WRITE
from provisioning.audit import Changes, diff, record_events
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    DomainError,
    EmailTaken,
    NotFound,
    SeatLimitReached,
    UsernameTaken,
    ValidationFailed,
)
from provisioning.search import user_search_terms
from provisioning.users.activation import activate
from provisioning.users.checks import CheckedUser, check_new_user, check_references
from provisioning.users.model import AUDITED_FIELDS, FULL, TRUSTED_EMAIL_SOURCES, UserDraft
from provisioning.users.required import with_defaults
from provisioning.users.rules import Checker
from store.audit import AuditRecord
from store.ids import new_id
from store.organizations import OrganizationRecord
from store.users import DuplicateValue, UserRecord


@dataclass(frozen=True)
class NewUser:
    """A draft that passed createUser's rules, ready to be written. `user_id`: a chosen
    id (the import derives it from the job and the row, so that a replayed batch finds
    its own users); `password_hash`: a one-time password, already hashed."""

    draft: UserDraft
    checked: CheckedUser
    user_id: str | None = None
    password_hash: str | None = None


@dataclass(frozen=True)
class Creation:
    """One draft's outcome: the user (created now, or by an earlier attempt of a replayed
    batch), or the error that refused it (ValidationFailed, EmailTaken, UsernameTaken,
    SeatLimitReached)."""

    user: UserRecord | None = None
    error: DomainError | None = None

    def result(self) -> UserRecord:
        """The user, or the error raised."""
        if self.user is None:
            raise self.error or NotFound("User")
        return self.user


@dataclass
class Created:
    """A batch's outcomes, in the order of the drafts; `events`: the `user.created`
    events, when the caller records them itself (`defer_events`)."""

    outcomes: list[Creation]
    events: list[AuditRecord] = field(default_factory=list)


def email_trusted(draft: UserDraft, email: str | None) -> bool:
    """DESIGN.md's Identity rules: an email is trusted when it came from the organization's
    own directory or identity provider, or when whoever creates the user vouches for it
    (an admin's emailVerified, an identity provider's email_verified). Links prove the
    others later (accepting an invitation)."""
    return email is not None and (draft.email_verified or draft.source in TRUSTED_EMAIL_SOURCES)


def build_record(org_id: str, new: NewUser, now: datetime) -> UserRecord:
    draft, checked = new.draft, new.checked
    password_hash = new.password_hash or draft.password_hash
    return UserRecord(
        id=new.user_id or new_id(),
        org_id=org_id,
        first_name=checked.first_name,
        last_name=checked.last_name,
        language=checked.language,
        status=draft.status,
        seat=draft.seat,
        source=draft.source,
        created_at=now,
        updated_at=now,
        email=checked.email,
        email_verified=email_trusted(draft, checked.email),
        username=checked.username,
        phone=checked.phone,
        department_id=draft.department_id,
        job_profile_id=draft.job_profile_id,
        permission_type_id=draft.permission_type_id,
        company_id=checked.company_id,
        roles=checked.roles,
        managed_by=draft.managed_by,
        password_hash=password_hash,
        must_change_password=draft.must_change_password and password_hash is not None,
        external_id=draft.external_id,
    )


def search_terms(record: UserRecord) -> list[str]:
    return user_search_terms(record.first_name, record.last_name, record.email, record.username)


def created_changes(record: UserRecord) -> Changes:
    """The `user.created` changes: every audited field, built without dataclasses.asdict's
    deep copies (every field is immutable), which cost more than the insert itself."""
    view: dict[str, Any] = {name: getattr(record, name) for name in AUDITED_FIELDS}
    view["roles"] = list(record.roles)
    return diff({}, view)


@dataclass(frozen=True)
class Actor:
    """Who the `user.created` events name: the caller, or the one who started an import."""

    actor_type: str
    actor_id: str | None
    request_id: str | None

    @classmethod
    def of(cls, caller: Caller) -> Actor:
        return cls(caller.actor_type, caller.actor_id, caller.request_id)


def created_event(
    record: UserRecord, actor: Actor, metadata: Mapping[str, Any] | None = None
) -> AuditRecord:
    """One event per created user (its id is the user's, so a replay never doubles it)."""
    return AuditRecord(
        id=record.id,
        org_id=record.org_id,
        actor_type=actor.actor_type,
        actor_id=actor.actor_id,
        action="user.created",
        target_type="User",
        target_id=record.id,
        changes=created_changes(record),
        at=record.created_at,
        request_id=actor.request_id,
        metadata={"source": record.source, **(metadata or {})},
    )


@dataclass(frozen=True)
class Prepared:
    """A user ready to insert: the record, its search terms, its `user.created` event.
    Built without the database, so a batch may be prepared in a thread (the import)."""

    record: UserRecord
    terms: list[str]
    event: AuditRecord


def prepare(
    org_id: str,
    new: NewUser,
    now: datetime,
    actor: Actor,
    metadata: Mapping[str, Any] | None = None,
) -> Prepared:
    record = build_record(org_id, new, now)
    return Prepared(record, search_terms(record), created_event(record, actor, metadata))


async def _reserve_seats(
    deps: Dependencies, org_id: str, wanted: int, seat_limit: int | None
) -> int:
    """As many FULL seats as the limit allows, up to `wanted` (`seat_limit`: the limit as
    the caller last read it, so that the first try usually fits)."""
    organizations = deps.store.organizations
    if wanted == 0 or await organizations.reserve_full_seats(org_id, wanted, seat_limit):
        return wanted
    granted = 0
    while granted < wanted and await organizations.reserve_full_seats(org_id, 1, seat_limit):
        granted += 1
    return granted


def _taken(error: DuplicateValue) -> EmailTaken | UsernameTaken:
    return UsernameTaken() if error.field == "username" else EmailTaken()


async def write_users(
    deps: Dependencies, org_id: str, prepared: Sequence[Prepared], seat_limit: int | None
) -> list[Creation]:
    """Seats, then one insert_many for the batch. A record whose id exists already was
    written by an earlier attempt of the same batch: it counts as created."""
    records = [p.record for p in prepared]
    full = [i for i, r in enumerate(records) if r.seat == FULL]
    granted = await _reserve_seats(deps, org_id, len(full), seat_limit)
    no_seat = set(full[granted:])
    kept = [i for i in range(len(records)) if i not in no_seat]
    try:
        refused_at = await deps.store.users.insert_many(
            org_id, [(records[i], prepared[i].terms) for i in kept]
        )
    except BaseException:
        if granted:
            await deps.store.organizations.release_full_seats(org_id, granted)
        raise
    refused = {kept[at]: error for at, error in refused_at.items()}
    if refused:
        # A refused user takes no seat; a replayed one holds the seat its first write took.
        unused = sum(1 for i in refused if records[i].seat == FULL)
        if unused:
            await deps.store.organizations.release_full_seats(org_id, unused)
        ours = await deps.store.users.existing_ids(org_id, [records[i].id for i in refused])
        refused = {i: e for i, e in refused.items() if records[i].id not in ours}
    outcomes: list[Creation] = []
    for index, record in enumerate(records):
        if index in no_seat:
            outcomes.append(Creation(error=SeatLimitReached(seat_limit)))
        elif index in refused:
            outcomes.append(Creation(error=_taken(refused[index])))
        else:
            outcomes.append(Creation(user=record))
    return outcomes


async def create_prepared(
    deps: Dependencies,
    caller: Caller,
    prepared: Sequence[Prepared],
    *,
    seat_limit: int | None = None,
    send_invitation: bool | None = None,
    defer_events: bool = False,
) -> Created:
    """Writes prepared users: seats, records and search terms (one insert_many), their
    events, then activation. `defer_events`: the events of the created users are returned
    rather than recorded (the import records them with its checkpoint).

    The use case checked the caller's right first: users:write (create_users), the
    import's at its start, the sync's sync:run (the directory, not the caller, decides who
    exists).

    Three writes, not one transaction: users, then events, then invitations. Stopped
    between them, the users exist without their events or invitations; a replay of the
    same batch (the import's, with its ids) finishes both, since a replayed user counts as
    created, its event has its id, and activation skips whoever is no longer PENDING."""
    org_id = caller.org_id
    outcomes = await write_users(deps, org_id, prepared, seat_limit)
    events = [p.event for p, o in zip(prepared, outcomes, strict=True) if o.user is not None]
    if not defer_events:
        await record_events(deps, events)
    created = [o.user for o in outcomes if o.user is not None]
    invited = await activate(deps, caller, created, send_invitation)
    if invited:
        outcomes = [
            Creation(user=invited.get(o.user.id, o.user)) if o.user is not None else o
            for o in outcomes
        ]
    return Created(outcomes, events if defer_events else [])


async def create_checked(
    deps: Dependencies,
    caller: Caller,
    new_users: Sequence[NewUser],
    *,
    seat_limit: int | None = None,
    send_invitation: bool | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> list[Creation]:
    """Creates users that passed the rules (the directory sync checks its people as it
    reads them); the right to, as for create_prepared, was checked by the use case."""
    org_id = caller.org_id
    now, actor = deps.clock(), Actor.of(caller)
    prepared = [prepare(org_id, new, now, actor, metadata) for new in new_users]
    created = await create_prepared(
        deps, caller, prepared, seat_limit=seat_limit, send_invitation=send_invitation
    )
    return created.outcomes


async def _organization(deps: Dependencies, org_id: str) -> OrganizationRecord:
    organization = await deps.store.organizations.get(org_id)
    if organization is None:
        raise NotFound("Organization")
    return organization


async def check_drafts(
    deps: Dependencies, caller: Caller, drafts: Sequence[UserDraft]
) -> tuple[OrganizationRecord, list[UserDraft], list[CheckedUser | ValidationFailed]]:
    """createUser's rules on each draft (given the organization's defaults first), its
    references included; the drafts as defaulted, and each one's outcome."""
    org_id = caller.require(USERS_WRITE)
    organization = await _organization(deps, org_id)
    drafts = [with_defaults(draft, organization) for draft in drafts]

    async def one(draft: UserDraft) -> CheckedUser | ValidationFailed:
        check = Checker()
        checked = check_new_user(check, draft, organization, caller.is_admin)
        await check_references(
            deps,
            org_id,
            check,
            {
                "department_id": draft.department_id,
                "job_profile_id": draft.job_profile_id,
                "permission_type_id": draft.permission_type_id,
                "company_id": draft.company_id,
            },
        )
        return ValidationFailed(*check.problems) if check.problems else checked

    return organization, drafts, list(await asyncio.gather(*(one(d) for d in drafts)))


async def create_users(
    deps: Dependencies,
    caller: Caller,
    drafts: Sequence[UserDraft],
    *,
    send_invitation: bool | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> list[Creation]:
    """Creates what passes the rules; one outcome per draft, in order."""
    organization, drafts, checks = await check_drafts(deps, caller, drafts)
    ready = [
        NewUser(draft, checked)
        for draft, checked in zip(drafts, checks, strict=True)
        if isinstance(checked, CheckedUser)
    ]
    created = iter(
        await create_checked(
            deps,
            caller,
            ready,
            seat_limit=organization.seat_limit,
            send_invitation=send_invitation,
            metadata=metadata,
        )
    )
    return [
        next(created) if isinstance(checked, CheckedUser) else Creation(error=checked)
        for checked in checks
    ]


async def create_user(
    deps: Dependencies,
    caller: Caller,
    draft: UserDraft,
    *,
    send_invitation: bool | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> UserRecord:
    """One user, or its error raised."""
    [outcome] = await create_users(
        deps, caller, [draft], send_invitation=send_invitation, metadata=metadata
    )
    return outcome.result()
