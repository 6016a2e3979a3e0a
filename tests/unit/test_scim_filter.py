"""SCIM filters to MongoDB queries: what each supported form becomes, and what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bson import ObjectId

from provisioning.scim.filter import InvalidFilter, InvalidSort, users_query, users_sort


def test_equality_uses_the_indexed_fields() -> None:
    assert users_query('userName eq "Bjensen@Example.com"') == {
        "email": "bjensen@example.com",
        "username_key": None,
    }
    assert users_query('userName eq "BJensen"') == {"username_key": "bjensen"}
    assert users_query('emails.value eq "A@B.example"') == {"email": "a@b.example"}
    assert users_query('emails eq "a@b.example"') == {"email": "a@b.example"}
    assert users_query('externalId eq "AbC"') == {"external_id": "AbC"}
    oid = ObjectId()
    assert users_query(f'id eq "{oid}"') == {"_id": oid}
    assert users_query("") == {} and users_query(None) == {}


def test_prefixes_are_ranges_and_contains_is_a_regex() -> None:
    assert users_query('emails.value sw "Ann"') == {
        "email": {"$gte": "ann", "$lt": "ann\U0010ffff"}
    }
    assert users_query('emails co "a.b"') == {"email": {"$regex": r"a\.b", "$options": "i"}}
    assert users_query('externalId ew "x*"') == {"external_id": {"$regex": r"x\*$"}}
    assert users_query('name.givenName eq "Ann"') == {
        "first_name": {"$regex": "^Ann$", "$options": "i"}
    }


def test_presence_logic_and_value_paths() -> None:
    assert users_query("externalId pr") == {"external_id": {"$type": "string"}}
    assert users_query("userName pr") == {}
    assert users_query("externalId pr and (active eq true or active eq false)") == {
        "$and": [
            {"external_id": {"$type": "string"}},
            {"$or": [{"status": {"$ne": "DISABLED"}}, {"status": "DISABLED"}]},
        ]
    }
    assert users_query('not (emails.type eq "work")') == {"$nor": [{"email": {"$type": "string"}}]}
    assert users_query('emails[type eq "home"]') == {"_id": {"$exists": False}}
    # One plain document, so that an index answers (no $and for the planner to skip).
    assert users_query('emails[type eq "work"].value eq "x@y.example"') == {"email": "x@y.example"}
    assert users_query('userName eq "a@b.example" and externalId eq "X"') == {
        "email": "a@b.example",
        "username_key": None,
        "external_id": "X",
    }
    assert users_query('emails eq "a@b.example" and emails eq "c@d.example"') == {
        "$and": [{"email": "a@b.example"}, {"email": "c@d.example"}]
    }
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert users_query('meta.lastModified gt "2026-01-02T03:04:05Z"') == {
        "updated_at": {"$gt": moment}
    }
    assert users_query('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"') == {
        "username_key": "x"
    }


@pytest.mark.parametrize(
    "text",
    [
        'title eq "x"',  # not stored
        'addresses[type eq "work"]',
        'userName gt "a"',
        'active eq "yes"',
        "externalId eq 3",
        'emails[display eq "x"]',
        "userName eq",  # not a filter at all
        'meta.created gt "yesterday"',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"',
        "x" * 3000,
    ],
)
def test_what_cannot_be_filtered_is_an_invalid_filter(text: str) -> None:
    with pytest.raises(InvalidFilter):
        users_query(text)


def test_sorting() -> None:
    assert users_sort("userName", None) == [("username_key", 1), ("email", 1)]
    assert users_sort("name.familyName", "descending") == [("last_name", -1)]
    assert users_sort(None, "descending") == []
    with pytest.raises(InvalidSort):
        users_sort("title", None)
    with pytest.raises(InvalidSort):
        users_sort("userName", "sideways")
