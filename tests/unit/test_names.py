from __future__ import annotations

import pytest

from provisioning.integrations.names import (
    NameGuess,
    account_names,
    guess_name,
    is_role_address,
    local_part,
    match_keys,
    name_fold,
    split_display_name,
)


@pytest.mark.parametrize(
    ("email", "first", "last"),
    [
        ("john.smith@acme.example", "John", "Smith"),
        ("john_smith@acme.example", "John", "Smith"),
        ("john-smith@acme.example", "John", "Smith"),
        ("smith.john@acme.example", "Smith", "John"),  # the address's order, not a guess
        ("mary-jane.o'neil@acme.example", "Mary-Jane", "O'Neil"),
        ("mary-jane_o'neil@acme.example", "Mary-Jane", "O'Neil"),
        ("JOHN.SMITH@ACME.EXAMPLE", "John", "Smith"),
        ("john.smith2@acme.example", "John", "Smith"),
        ("john2.smith99@acme.example", "John", "Smith"),
        ("john.smith+crm@acme.example", "John", "Smith"),
        ("john.q.public@acme.example", "John", "Public"),
        ("zoë.ångström@acme.example", "Zoë", "Ångström"),
    ],
)
def test_two_names_in_the_address_are_guessed_in_its_order(
    email: str, first: str, last: str
) -> None:
    assert guess_name(email) == NameGuess(first, last)


@pytest.mark.parametrize(
    "email",
    [
        "jsmith@acme.example",
        "johnsmith@acme.example",
        "info@acme.example",
        "sales@acme.example",
        "support@acme.example",
        "admin@acme.example",
        "sales2@acme.example",
        "Support+eu@acme.example",
        "12345@acme.example",
        "mary-jane-smith@acme.example",  # three names and no dot: which is the last?
        "jean.claude.van.damme@acme.example",
        "a.b@acme.example",
        "not-an-email",
        "",
        "john.sm!th@acme.example",
    ],
)
def test_no_guess_rather_than_a_wrong_one(email: str) -> None:
    assert guess_name(email) == NameGuess(None, None)


def test_an_initial_is_not_a_name() -> None:
    assert guess_name("j.smith@acme.example") == NameGuess(None, "Smith")
    assert guess_name("john.s@acme.example") == NameGuess("John", None)


def test_local_part_and_role_addresses() -> None:
    assert local_part("Jane.Doe+crm@Acme.example") == "jane.doe"
    assert local_part("no-at-sign") == ""
    assert is_role_address("info@acme.example")
    assert is_role_address("Sales1@acme.example")
    assert not is_role_address("infosec.jane@acme.example")


def test_name_fold_drops_case_accents_and_punctuation() -> None:
    assert name_fold("O'Néil-Smith") == "oneilsmith"
    assert name_fold("  ZOË  ") == "zoe"
    assert name_fold(None) == ""


def test_display_names_split_into_first_and_last() -> None:
    assert split_display_name("Jane Q. Doe") == ("Jane", "Doe")
    assert split_display_name("Doe, Jane") == ("Jane", "Doe")
    assert split_display_name("Cher") == (None, None)
    assert split_display_name(None) == (None, None)


def test_match_keys() -> None:
    assert match_keys("Mary@acme.example".lower(), "Mary-Jane", "O'Néil") == (
        "email:mary@acme.example",
        "local:mary",
        "name:maryjane oneil",
        "first:maryjane o",
        "last:oneil m",
    )
    assert match_keys("info@acme.example", None, "Smith") == ("email:info@acme.example",)
    assert match_keys(None, None, None) == ()


def test_account_names_prefer_own_then_display_then_email() -> None:
    assert account_names("Ann", "Lee", "Someone Else", "x.y@a.example") == ("Ann", "Lee")
    assert account_names(None, None, "Ann Lee", "x.y@a.example") == ("Ann", "Lee")
    assert account_names(None, None, "Ann", "ann.lee@a.example") == ("Ann", "Lee")
    assert account_names(None, None, None, None) == (None, None)
