"""Integration accounts: recording their activity, listing the unlinked, creating users from them.

Activity semantics, per account (upserted by integration and external id):
- firstSeenAt is when Roster first recorded the account, and never changes;
- lastActivityAt is the latest occurredAt received: a late event never moves it back;
- the activity count goes up by one for each event later than the latest received, so
  the same call twice, or a late or repeated event, changes nothing;
- an entry with any of email, displayName, firstName, lastName carries the account's
  profile as the other system knows it, and replaces the stored one only if it is the
  newest event; an entry with none of them records the activity alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from provisioning.access.principal import INTEGRATIONS_WRITE, USERS_READ, USERS_WRITE
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    AlreadyLinked,
    DomainError,
    EmailTaken,
    NotFound,
    Problem,
    ValidationFailed,
)
from provisioning.integrations.integrations import connected_integration, require_integration_writer
from provisioning.integrations.linking import link_account, link_to_user_with_email
from provisioning.integrations.names import account_names, match_keys
from provisioning.search import fold, search_prefix, user_search_terms
from provisioning.users.activation import activate
from provisioning.users.model import UserSource
from provisioning.users.rules import Checker
from provisioning.users.write import OBSERVER, UserDraft, create_user, delete_user
from store.integration_accounts import AccountProfile, AccountRecord, Activity, UnlinkedFilter
from store.users import UserRecord

MAX_ACCOUNTS_PER_CALL = 1000
MAX_EXTERNAL_ID_LENGTH = 256
MAX_DISPLAY_NAME_LENGTH = 200
# Events from a clock ahead of ours are accepted this far; beyond, they would pin
# lastActivityAt in the future.
CLOCK_SKEW = timedelta(minutes=5)
MAX_PAGE = 100


@dataclass(frozen=True)
class ActivityEntry:
    external_id: str
    occurred_at: datetime
    email: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True)
class RecordOutcome:
    recorded: int
    created: int
    problems: list[Problem]


@dataclass(frozen=True)
class AccountPage:
    accounts: list[AccountRecord]
    has_next: bool
    total: int


def _text(value: str | None) -> str | None:
    cleaned = " ".join((value or "").split())
    return cleaned or None


def _millis(moment: datetime) -> datetime:
    """UTC to the millisecond, what MongoDB keeps: a re-sent event must compare equal."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def profile_of(
    external_id: str,
    email: str | None,
    display_name: str | None,
    first_name: str | None,
    last_name: str | None,
) -> AccountProfile:
    first, last = account_names(first_name, last_name, display_name, email)
    terms = set(user_search_terms(first or "", last or "", email, None))
    if display_name:
        folded = fold(display_name)
        terms.update([folded, *folded.split()])
    terms.add(fold(external_id))
    return AccountProfile(
        email=email,
        display_name=display_name,
        first_name=first_name,
        last_name=last_name,
        match_keys=match_keys(email, first, last),
        search_terms=tuple(sorted(t for t in terms if t)),
    )


def check_entry(index: int, entry: ActivityEntry, now: datetime) -> Activity | list[Problem]:
    """One entry as an Activity, or its problems (fields ["accounts", index, field])."""
    check = Checker(prefix=("accounts", str(index)))
    external_id = (entry.external_id or "").strip()
    if not external_id:
        check.fail("externalId", "REQUIRED", "External id is required.")
    elif len(external_id) > MAX_EXTERNAL_ID_LENGTH:
        check.fail("externalId", "INVALID", f"External id is longer than {MAX_EXTERNAL_ID_LENGTH}.")
    email = check.email(entry.email)
    display_name = _text(entry.display_name)
    if display_name and len(display_name) > MAX_DISPLAY_NAME_LENGTH:
        check.fail(
            "displayName", "INVALID", f"Display name is longer than {MAX_DISPLAY_NAME_LENGTH}."
        )
    first_name, last_name = _text(entry.first_name), _text(entry.last_name)
    for field, value in (("firstName", first_name), ("lastName", last_name)):
        if value is not None:
            check.name(field, value)
    occurred_at = entry.occurred_at
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        check.fail("occurredAt", "INVALID", "occurredAt needs a time zone offset (Z or +hh:mm).")
    elif occurred_at > now + CLOCK_SKEW:
        check.fail("occurredAt", "INVALID", "occurredAt is in the future.")
    if check.problems:
        return check.problems
    has_profile = any(v is not None for v in (email, display_name, first_name, last_name))
    return Activity(
        external_id=external_id,
        occurred_at=_millis(occurred_at),
        profile=(
            profile_of(external_id, email, display_name, first_name, last_name)
            if has_profile
            else None
        ),
        external_terms=(fold(external_id),),
    )


async def record_activity(
    deps: Dependencies, caller: Caller, integration_key: str, entries: Sequence[ActivityEntry]
) -> RecordOutcome:
    """Upserts every good entry in one write; a bad entry is reported, the others apply."""
    org_id = require_integration_writer(caller)
    if len(entries) > MAX_ACCOUNTS_PER_CALL:
        raise ValidationFailed(
            Problem(
                "INVALID",
                f"At most {MAX_ACCOUNTS_PER_CALL} accounts per call; send the rest in"
                " another call.",
                ("accounts",),
            )
        )
    integration = await connected_integration(deps, org_id, integration_key, ("integrationKey",))
    now = deps.clock()
    activities: list[Activity] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        checked = check_entry(index, entry, now)
        if isinstance(checked, Activity):
            activities.append(checked)
        else:
            problems.extend(checked)
    created = 0
    if activities:
        created = await deps.store.integration_accounts.record(
            org_id, integration.id, activities, now
        )
        await record_event(
            deps,
            caller,
            "integration.activity_recorded",
            "Integration",
            integration.id,
            metadata={
                "recorded": len(activities),
                "created": created,
                "rejected": len(entries) - len(activities),
            },
        )
    return RecordOutcome(recorded=len(activities), created=created, problems=problems)


async def list_unlinked(
    deps: Dependencies,
    caller: Caller,
    integration_id: str,
    *,
    search: str | None = None,
    first: int = 50,
    after_id: str | None = None,
    linked: bool = False,
) -> AccountPage:
    """Search is a case- and accent-insensitive prefix of an email, a name or an external id.
    Unlinked accounts (and, with `linked`, the linked ones: the Linked tab) are for whoever
    links them: admins and integrations:write tokens."""
    org_id = require_integration_writer(caller)
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(
            Problem("INVALID", f"first must be between 0 and {MAX_PAGE}.", ("first",))
        )
    prefix = search_prefix(search)
    where = UnlinkedFilter(integration_id=integration_id, search_prefix=prefix, linked=linked)
    accounts = await deps.store.integration_accounts.page_unlinked(
        org_id, where, after_id, first + 1
    )
    total = await deps.store.integration_accounts.count_unlinked(org_id, where)
    return AccountPage(accounts=accounts[:first], has_next=len(accounts) > first, total=total)


async def get_accounts(
    deps: Dependencies, caller: Caller, ids: list[str]
) -> dict[str, AccountRecord]:
    org_id = caller.require(USERS_READ)
    return await deps.store.integration_accounts.get_many(org_id, ids)


FieldOf = Callable[[int], tuple[str, ...]]


def _link_field(index: int) -> tuple[str, ...]:
    return ("input", "linkAccountIds", str(index))


async def _check_links(
    deps: Dependencies, org_id: str, account_ids: Sequence[str], field_of: FieldOf
) -> None:
    """Every account exists here, is unlinked, and no two are of one integration."""
    found = await deps.store.integration_accounts.get_many(org_id, list(account_ids))
    problems: list[Problem] = []
    integrations: set[str] = set()
    seen: set[str] = set()
    for index, account_id in enumerate(account_ids):
        account = found.get(account_id)
        field = field_of(index)
        if account is None:
            problems.append(Problem("NOT_FOUND", "Integration account not found.", field))
        elif account.linked_user_id is not None:
            problems.append(
                Problem(
                    "ALREADY_LINKED", "The integration account is linked to another user.", field
                )
            )
        elif account_id in seen:
            problems.append(Problem("INVALID", "The same account is listed twice.", field))
        elif account.integration_id in integrations:
            problems.append(
                Problem("INVALID", "Only one account per integration can be linked.", field)
            )
        else:
            integrations.add(account.integration_id)
        seen.add(account_id)
    if problems:
        raise ValidationFailed(*problems)


async def create_user_with_links(
    deps: Dependencies,
    caller: Caller,
    draft: UserDraft,
    account_ids: Sequence[str],
    field_of: FieldOf = _link_field,
    send_invitation: bool | None = None,
) -> UserRecord:
    """Creates the user and links the accounts, or, if any link fails, leaves no user.

    The links are checked first; one can still be lost to a concurrent link after the
    user exists, and then the user is deleted again and the error names that account.
    Activation (`send_invitation`, else the organization's sendOnCreate) follows the links,
    so that no invitation goes to a user this call then deletes.
    """
    org_id = caller.require(USERS_WRITE)
    if not account_ids:
        return await create_user(deps, caller, draft, send_invitation=send_invitation)
    caller.require(INTEGRATIONS_WRITE)  # before anything is written
    await _check_links(deps, org_id, account_ids, field_of)
    user = await create_user(deps, caller, draft, send_invitation=False)
    for index, account_id in enumerate(account_ids):
        try:
            await link_account(deps, caller, user.id, account_id, field_of(index))
        except DomainError:
            # Deleting the user also unlinks the accounts this call had linked.
            await delete_user(deps, caller, user.id)
            raise
    invited = await activate(deps, caller, [user], send_invitation)
    return invited.get(user.id, user)


async def create_user_from_account(
    deps: Dependencies,
    caller: Caller,
    account_id: str,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    seat: str = OBSERVER,
) -> UserRecord:
    """ "Link/Create": a user made from the account's email and name, linked to it."""
    org_id = caller.require(USERS_WRITE)
    caller.require(INTEGRATIONS_WRITE)
    account = await deps.store.integration_accounts.get(org_id, account_id)
    field = ("input", "accountId")
    if account is None:
        raise NotFound("Integration account", field)
    if account.linked_user_id is not None:
        raise AlreadyLinked("The integration account is linked to another user.", field)
    existing = await link_to_user_with_email(deps, caller, account, field)
    if existing is not None:
        return existing
    guessed_first, guessed_last = account_names(
        account.first_name, account.last_name, account.display_name, account.email
    )
    draft = UserDraft(
        first_name=first_name or guessed_first or "",
        last_name=last_name or guessed_last or "",
        email=account.email,
        seat=seat,
        source=UserSource.INTEGRATION,
    )
    check = Checker()
    if not draft.first_name.strip():
        check.fail("firstName", "REQUIRED", "The account has no first name: give one.")
    if not draft.last_name.strip():
        check.fail("lastName", "REQUIRED", "The account has no last name: give one.")
    if check.problems:
        raise ValidationFailed(*check.problems)
    try:
        return await create_user_with_links(deps, caller, draft, [account_id], lambda _: field)
    except EmailTaken as error:
        raise EmailTaken(field) from error
