"""Suggestions: the unlinked integration accounts most likely to belong to a person.

Candidates come only from index lookups of match keys (names.match_keys: exact email,
local part, whole name, first name with last initial, last name with first initial);
the scoring and ranking below are pure.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from dataclasses import dataclass

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import ValidationFailed
from provisioning.integrations.integrations import require_integration_writer
from provisioning.integrations.names import (
    account_names,
    guess_name,
    is_role_address,
    local_part,
    match_keys,
    name_fold,
)
from provisioning.search import MAX_SEARCH_LENGTH, fold
from provisioning.users.rules import Checker
from store.integration_accounts import AccountRecord, UnlinkedFilter

# Each lookup is bounded, so that a common name costs the same in any size of integration.
CANDIDATES_PER_LOOKUP = 50
MAX_SUGGESTIONS = 50
# A best candidate must be at least this likely, and ahead of the next in its integration.
BEST_THRESHOLD = 0.5

EXACT_EMAIL = "email matches exactly"
SAME_LOCAL_PART = "same local part at another domain"
SAME_NAME = "first and last name match"
SWAPPED_NAME = "first and last name match, swapped"
FIRST_INITIAL = "close name: first initial matches"
FIRST_TYPO = "close name: first name differs by a typo"
FIRST_SHORT = "close name: first name is a short form"
LAST_INITIAL = "close name: last initial matches"
LAST_TYPO = "close name: last name differs by a typo"
EMAIL_PREFIX = "email starts with the text typed"
NAME_PREFIX = "name starts with the text typed"
# A partial email or name: shorter matches too much to rank.
MIN_PARTIAL = 3

WEIGHTS = {
    EXACT_EMAIL: 0.9,
    SAME_LOCAL_PART: 0.5,
    SAME_NAME: 0.6,
    SWAPPED_NAME: 0.45,
    FIRST_INITIAL: 0.4,
    FIRST_TYPO: 0.4,
    FIRST_SHORT: 0.35,
    LAST_INITIAL: 0.3,
    LAST_TYPO: 0.4,
    EMAIL_PREFIX: 0.5,
    NAME_PREFIX: 0.4,
}


@dataclass(frozen=True)
class Person:
    """Who the suggestions are for: an email, and a folded first and last name if known."""

    email: str
    local: str
    domain: str
    first: str
    last: str

    @classmethod
    def of(cls, email: str, first_name: str | None, last_name: str | None) -> Person:
        if not (first_name or last_name):
            guess = guess_name(email)
            first_name, last_name = guess.first_name, guess.last_name
        return cls(
            email=email,
            local=local_part(email),
            domain=email.rpartition("@")[2],
            first=name_fold(first_name),
            last=name_fold(last_name),
        )


@dataclass(frozen=True)
class Suggestion:
    account: AccountRecord
    score: float
    reasons: tuple[str, ...]
    best: bool = False


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def is_typo(a: str, b: str) -> bool:
    """One slip in a short name, two in a long one; never for a name of two letters."""
    if a == b or min(len(a), len(b)) < 3:
        return False
    allowed = 1 if max(len(a), len(b)) <= 5 else 2
    return edit_distance(a, b) <= allowed


def _initial_of(a: str, b: str) -> bool:
    return len(a) != len(b) and min(len(a), len(b)) == 1 and a[0] == b[0]


def _name_reasons(person: Person, first: str, last: str) -> list[str]:
    pf, pl = person.first, person.last
    if not (pf and pl and first and last):
        return []
    if (pf, pl) == (first, last):
        return [SAME_NAME]
    if (pf, pl) == (last, first):
        return [SWAPPED_NAME]
    if pl == last:
        if _initial_of(pf, first):
            return [FIRST_INITIAL]
        if is_typo(pf, first):
            return [FIRST_TYPO]
        if min(len(pf), len(first)) >= 3 and (pf.startswith(first) or first.startswith(pf)):
            return [FIRST_SHORT]
    if pf == first:
        if _initial_of(pl, last):
            return [LAST_INITIAL]
        if is_typo(pl, last):
            return [LAST_TYPO]
    return []


def score(person: Person, account: AccountRecord) -> Suggestion | None:
    """How likely the account is the person's, with the reasons; None if not at all."""
    reasons: list[str] = []
    if account.email:
        if account.email == person.email:
            reasons.append(EXACT_EMAIL)
        elif (
            person.local
            and local_part(account.email) == person.local
            and account.email.rpartition("@")[2] != person.domain
            and not is_role_address(person.email)
        ):
            reasons.append(SAME_LOCAL_PART)
    first, last = account_names(
        account.first_name, account.last_name, account.display_name, account.email
    )
    reasons += _name_reasons(person, name_fold(first), name_fold(last))
    if not reasons:
        return None
    # Independent pieces of evidence: each removes a share of the remaining doubt.
    doubt = math.prod(1 - WEIGHTS[reason] for reason in reasons)
    return Suggestion(account=account, score=round(1 - doubt, 4), reasons=tuple(reasons))


def rank(suggestions: Iterable[Suggestion], limit: int) -> list[Suggestion]:
    """Most likely first (then most recently active); the best of each integration marked.

    An integration's best is its top suggestion when that is likely enough and ahead of
    the integration's next one: with a tie, neither is marked.
    """
    ordered = sorted(
        suggestions,
        key=lambda s: (-s.score, -s.account.last_activity_at.timestamp(), s.account.id),
    )
    best_ids: set[str] = set()
    by_integration: dict[str, list[Suggestion]] = {}
    for suggestion in ordered:
        by_integration.setdefault(suggestion.account.integration_id, []).append(suggestion)
    for group in by_integration.values():
        top = group[0]
        if top.score >= BEST_THRESHOLD and (len(group) == 1 or group[1].score < top.score):
            best_ids.add(top.account.id)
    return [
        Suggestion(s.account, s.score, s.reasons, best=s.account.id in best_ids)
        for s in ordered[:limit]
    ]


def _is_email(text: str) -> bool:
    """An address whole enough to be checked as one (the partial path takes the rest)."""
    local, at, domain = text.strip().rpartition("@")
    return bool(at and local and "." in domain and not domain.endswith("."))


def candidate_lookups(person: Person) -> list[str]:
    """The match keys to look up, each answered by the index: the person's own, and the
    whole name swapped."""
    lookups = list(match_keys(person.email, person.first, person.last))
    if person.first and person.last:
        lookups.append(f"name:{person.last} {person.first}")
    return lookups


def _partial_person(text: str) -> Person:
    """Who a partial email or name is: a whole name's words give the first and last name."""
    words = [] if "@" in text else text.split()
    first, last = (words[0], " ".join(words[1:])) if len(words) > 1 else ("", "")
    return Person(email="", local="", domain="", first=first, last=last)


def score_partial(text: str, person: Person, account: AccountRecord) -> Suggestion | None:
    """As score(), for a partial email or name (folded): prefix reasons, then name ones."""
    reasons: list[str] = []
    if account.email and account.email.lower().startswith(text):
        reasons.append(EMAIL_PREFIX)
    first, last = account_names(
        account.first_name, account.last_name, account.display_name, account.email
    )
    names = (fold(f"{first or ''} {last or ''}"), fold(account.display_name or ""))
    if any(name and name.startswith(text) for name in names):
        reasons.append(NAME_PREFIX)
    reasons += _name_reasons(person, name_fold(first), name_fold(last))
    if not reasons:
        return None
    doubt = math.prod(1 - WEIGHTS[reason] for reason in reasons)
    return Suggestion(account=account, score=round(1 - doubt, 4), reasons=tuple(reasons))


async def suggest_partial(
    deps: Dependencies, org_id: str, text: str, first: int
) -> list[Suggestion]:
    """Unlinked accounts a partial email or name starts, by each integration's search
    index, and by the name lookups a whole first and last name allow; ranked as suggest."""
    person = _partial_person(text)
    accounts = deps.store.integration_accounts
    integrations = await deps.store.integrations.list(org_id)
    lookups = [
        accounts.page_unlinked(
            org_id,
            UnlinkedFilter(integration_id=i.id, search_prefix=text),
            None,
            CANDIDATES_PER_LOOKUP,
        )
        for i in integrations
    ]
    if person.first and person.last:
        keys = [f"name:{person.first} {person.last}", f"name:{person.last} {person.first}"]
        keys += list(match_keys(None, person.first, person.last))
        lookups += [accounts.unlinked_where(org_id, k, CANDIDATES_PER_LOOKUP) for k in keys]
    found = await asyncio.gather(*lookups)
    candidates = {account.id: account for batch in found for account in batch}
    scored = (score_partial(text, person, account) for account in candidates.values())
    return rank((s for s in scored if s is not None), first)


async def suggest(
    deps: Dependencies,
    caller: Caller,
    email: str,
    first_name: str | None = None,
    last_name: str | None = None,
    first: int = 10,
) -> list[Suggestion]:
    # Suggestions show unlinked accounts: for whoever may list them (list_unlinked).
    org_id = require_integration_writer(caller)
    check = Checker(prefix=())
    if not 0 <= first <= MAX_SUGGESTIONS:
        check.fail("first", "INVALID", f"first must be between 0 and {MAX_SUGGESTIONS}.")
    text = fold(email) if len(email) <= MAX_SEARCH_LENGTH else ""
    if not check.problems and len(text) >= MIN_PARTIAL and not _is_email(email):
        return await suggest_partial(deps, org_id, text, first)
    normalised = check.email(email)
    if normalised is None and not check.problems:
        check.fail("email", "REQUIRED", "Email is required.")
    if check.problems or normalised is None:
        raise ValidationFailed(*check.problems)
    person = Person.of(normalised, first_name, last_name)
    accounts = deps.store.integration_accounts
    found = await asyncio.gather(
        *(
            accounts.unlinked_where(org_id, key, CANDIDATES_PER_LOOKUP)
            for key in candidate_lookups(person)
        )
    )
    candidates = {account.id: account for batch in found for account in batch}
    scored = (score(person, account) for account in candidates.values())
    return rank((s for s in scored if s is not None), first)
