"""The key a department's name is unique on: case, spacing and Unicode forms aside."""

from __future__ import annotations

import pytest

from store.reference import name_key


@pytest.mark.parametrize(
    "name", ["Sales", "sales", "SALES", " Sales ", "sAlEs", "\uff33\uff41\uff4c\uff45\uff53"]
)
def test_one_name_in_any_case_or_width_is_one_key(name: str) -> None:
    assert name_key(name) == "sales"


def test_spacing_inside_is_collapsed_and_composed_letters_match() -> None:
    assert name_key("Research  and\tDevelopment") == "research and development"
    assert name_key("Cafe\u0301") == name_key("Café") == "café"
    assert name_key("STRASSE") == name_key("Straße") == "strasse"


def test_different_names_stay_different() -> None:
    assert len({name_key(n) for n in ("Sales", "Sale", "Café", "Cafe", "R&D", "RD")}) == 6
