from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provisioning.integrations import matching
from provisioning.integrations.matching import (
    Person,
    Suggestion,
    edit_distance,
    is_typo,
    rank,
    score,
)
from store.integration_accounts import AccountRecord

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def account(
    account_id: str = "a1",
    *,
    integration: str = "crm",
    email: str | None = None,
    first: str | None = None,
    last: str | None = None,
    display: str | None = None,
    active: datetime = T0,
) -> AccountRecord:
    return AccountRecord(
        id=account_id,
        org_id="org",
        integration_id=integration,
        external_id=account_id,
        first_seen_at=T0,
        last_activity_at=active,
        email=email,
        first_name=first,
        last_name=last,
        display_name=display,
    )


JOHN = Person.of("john.smith@acme.example", "John", "Smith")


def reasons(person: Person, candidate: AccountRecord) -> tuple[str, ...]:
    found = score(person, candidate)
    return found.reasons if found else ()


def test_edit_distance_counts_swaps_as_one() -> None:
    assert edit_distance("smith", "smith") == 0
    assert edit_distance("smith", "smyth") == 1
    assert edit_distance("smith", "msith") == 1
    assert edit_distance("jon", "john") == 1
    assert edit_distance("", "abc") == 3


def test_typos_are_bounded_by_length() -> None:
    assert is_typo("smith", "smyth")
    assert not is_typo("smith", "snyth")  # two edits in a five-letter name
    assert is_typo("johnson", "jonsen")
    assert not is_typo("li", "lu")
    assert not is_typo("smith", "smith")


def test_each_reason() -> None:
    assert reasons(JOHN, account(email="john.smith@acme.example")) == (
        matching.EXACT_EMAIL,
        matching.SAME_NAME,  # guessed from the account's email
    )
    assert reasons(JOHN, account(email="john.smith@gmail.example", first="X", last="Y")) == (
        matching.SAME_LOCAL_PART,
    )
    assert reasons(JOHN, account(first="JOHN", last="Smith")) == (matching.SAME_NAME,)
    assert reasons(JOHN, account(first="Jöhn", last="SMITH")) == (matching.SAME_NAME,)
    assert reasons(JOHN, account(first="Smith", last="John")) == (matching.SWAPPED_NAME,)
    assert reasons(JOHN, account(first="J.", last="Smith")) == (matching.FIRST_INITIAL,)
    assert reasons(JOHN, account(first="Jon", last="Smith")) == (matching.FIRST_TYPO,)
    assert reasons(JOHN, account(first="Johnathan", last="Smith")) == (matching.FIRST_SHORT,)
    assert reasons(JOHN, account(first="John", last="Smyth")) == (matching.LAST_TYPO,)
    assert reasons(JOHN, account(first="John", last="S")) == (matching.LAST_INITIAL,)
    assert reasons(JOHN, account(display="John Smith")) == (matching.SAME_NAME,)
    assert score(JOHN, account(first="Mary", last="Jones", email="mj@x.example")) is None


def test_role_addresses_do_not_match_by_local_part() -> None:
    info = Person.of("info@acme.example", None, None)
    assert score(info, account(email="info@other.example")) is None
    assert matching.candidate_lookups(info) == ["email:info@acme.example"]


def test_evidence_adds_up_and_stays_below_one() -> None:
    email_only = score(JOHN, account(email="john.smith@acme.example", first="X", last="Y"))
    both = score(JOHN, account(email="john.smith@acme.example", first="John", last="Smith"))
    name_only = score(JOHN, account(first="John", last="Smith"))
    close = score(JOHN, account(first="Jon", last="Smith"))
    assert email_only and both and name_only and close
    assert 0 < close.score < name_only.score < email_only.score < both.score < 1


def test_names_are_guessed_from_the_email_when_not_given() -> None:
    person = Person.of("mary-jane.o'neil@acme.example", None, None)
    assert (person.first, person.last) == ("maryjane", "oneil")
    assert matching.candidate_lookups(person) == [
        "email:mary-jane.o'neil@acme.example",
        "local:mary-jane.o'neil",
        "name:maryjane oneil",
        "first:maryjane o",
        "last:oneil m",
        "name:oneil maryjane",
    ]


def suggestion(account_id: str, value: float, integration: str = "crm") -> Suggestion:
    return Suggestion(account(account_id, integration=integration), value, ("x",))


def test_rank_orders_by_score_and_marks_one_best_per_integration() -> None:
    ranked = rank(
        [
            suggestion("c1", 0.6),
            suggestion("c2", 0.9),
            suggestion("t1", 0.7, "tel"),
            suggestion("t2", 0.4, "tel"),
        ],
        limit=10,
    )
    assert [s.account.id for s in ranked] == ["c2", "t1", "c1", "t2"]
    assert [s.account.id for s in ranked if s.best] == ["c2", "t1"]


def test_no_best_on_a_tie_or_below_the_threshold() -> None:
    tied = rank([suggestion("a", 0.6), suggestion("b", 0.6)], limit=10)
    assert not any(s.best for s in tied)
    weak = rank([suggestion("a", 0.4)], limit=10)
    assert not weak[0].best


def test_rank_breaks_ties_by_recent_activity_and_limits() -> None:
    old = Suggestion(account("old", active=T0), 0.6, ("x",))
    new = Suggestion(account("new", active=T0 + timedelta(days=1)), 0.6, ("x",))
    ranked = rank([old, new], limit=1)
    assert [s.account.id for s in ranked] == ["new"]


@pytest.mark.parametrize("limit", [0, 1])
def test_rank_respects_the_limit(limit: int) -> None:
    assert len(rank([suggestion("a", 0.9), suggestion("b", 0.5)], limit=limit)) == limit
