from __future__ import annotations

import pytest

from provisioning.search import fold, user_search_terms
from provisioning.users.rules import Checker


def codes(check: Checker) -> list[tuple[str, str]]:
    return [(p.field[-1] if p.field else "", p.code) for p in check.problems]


def test_email_is_normalised_to_lower_case() -> None:
    check = Checker()
    assert check.email("  Grace.Hopper@Example.COM ") == "grace.hopper@example.com"
    assert check.problems == []


@pytest.mark.parametrize("bad", ["not-an-email", "a@", "@b.com", "a b@c.com"])
def test_bad_email_is_invalid_on_the_email_field(bad: str) -> None:
    check = Checker()
    assert check.email(bad) is None
    assert codes(check) == [("email", "INVALID")]


def test_phone_is_stored_as_e164() -> None:
    check = Checker()
    assert check.phone("+44 20 7946 0958") == "+442079460958"
    assert check.phone("+1 (415) 555-2671") == "+14155552671"
    assert check.problems == []


@pytest.mark.parametrize("bad", ["12345", "+44 1", "phone", "020 7946 0958"])
def test_bad_phone_is_invalid(bad: str) -> None:
    check = Checker()
    assert check.phone(bad) is None
    assert codes(check) == [("phone", "INVALID")]


def test_language_is_a_standardised_bcp47_tag() -> None:
    check = Checker()
    assert check.language("en-gb", "en") == "en-GB"
    assert check.language("pt-BR", "en") == "pt-BR"
    assert check.language(None, "fr") == "fr"
    assert check.problems == []


def test_bad_language_is_invalid() -> None:
    check = Checker()
    check.language("english!!", "en")
    assert codes(check) == [("language", "INVALID")]


def test_names_are_required_and_squeezed() -> None:
    check = Checker()
    assert check.name("firstName", "  Mary   Jane ") == "Mary Jane"
    check.name("lastName", "   ")
    assert codes(check) == [("lastName", "REQUIRED")]


@pytest.mark.parametrize(
    ("email", "username", "phone", "expected"),
    [
        (None, None, None, [("email", "REQUIRED")]),
        (None, "gracie", None, [("phone", "REQUIRED")]),
        (None, None, "+442079460958", [("username", "REQUIRED")]),
        (None, "gracie", "+442079460958", []),
        ("g@x.com", None, None, []),
    ],
)
def test_contact_is_an_email_or_a_username_and_phone(
    email: str | None, username: str | None, phone: str | None, expected: list[tuple[str, str]]
) -> None:
    check = Checker()
    check.contact(email, username, phone)
    assert codes(check) == expected


@pytest.mark.parametrize("bad", ["ab", "has space", "a@b", "-lead", "x" * 65])
def test_bad_usernames_are_invalid(bad: str) -> None:
    check = Checker()
    assert check.username(bad) is None
    assert codes(check) == [("username", "INVALID")]


def test_search_terms_fold_case_and_accents_and_include_each_word() -> None:
    assert fold("  Zoë   ÅSTRÖM ") == "zoe astrom"
    terms = user_search_terms("Zoë", "van der Berg", "Zoe@Example.com", "ZVDB")
    assert "zoe" in terms
    assert "berg" in terms
    assert "zoe van der berg" in terms
    assert "van der berg zoe" in terms
    assert "zoe@example.com" in terms
    assert "zvdb" in terms
