from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from provisioning.integrations.accounts import ActivityEntry, check_entry
from store.integration_accounts import Activity

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def problems(entry: ActivityEntry, index: int = 3) -> list[tuple[tuple[str, ...] | None, str]]:
    checked = check_entry(index, entry, NOW)
    assert not isinstance(checked, Activity)
    return [(p.field, p.code) for p in checked]


def test_a_good_entry_becomes_an_activity_in_utc_to_the_millisecond() -> None:
    at = datetime(2024, 6, 1, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    checked = check_entry(
        0,
        ActivityEntry(" ext-1 ", at, email="Jane.Doe@Acme.example", display_name=" Jane  Doe "),
        NOW,
    )
    assert isinstance(checked, Activity)
    assert checked.external_id == "ext-1"
    assert checked.occurred_at == datetime(2024, 6, 1, 11, 0, 0, 123000, tzinfo=UTC)
    assert checked.occurred_at.tzinfo == UTC
    profile = checked.profile
    assert profile is not None
    assert (profile.email, profile.display_name) == ("jane.doe@acme.example", "Jane Doe")
    assert (profile.first_name, profile.last_name) == (None, None)
    assert profile.match_keys == (  # names from the display name
        "email:jane.doe@acme.example",
        "local:jane.doe",
        "name:jane doe",
        "first:jane d",
        "last:doe j",
    )
    assert {"jane.doe@acme.example", "jane", "doe", "jane doe", "ext-1"} <= set(
        profile.search_terms
    )


def test_an_entry_without_profile_fields_records_activity_alone() -> None:
    checked = check_entry(0, ActivityEntry("ext-1", NOW), NOW)
    assert isinstance(checked, Activity)
    assert checked.profile is None
    assert checked.external_terms == ("ext-1",)


def test_problems_name_the_entry_and_the_field() -> None:
    assert problems(ActivityEntry("  ", NOW)) == [(("accounts", "3", "externalId"), "REQUIRED")]
    assert problems(ActivityEntry("x" * 257, NOW)) == [(("accounts", "3", "externalId"), "INVALID")]
    assert problems(ActivityEntry("e", NOW, email="not-an-email")) == [
        (("accounts", "3", "email"), "INVALID")
    ]
    assert problems(ActivityEntry("e", NOW, first_name="x" * 101)) == [
        (("accounts", "3", "firstName"), "INVALID")
    ]
    assert problems(ActivityEntry("e", NOW, display_name="x" * 201)) == [
        (("accounts", "3", "displayName"), "INVALID")
    ]


def test_occurred_at_needs_an_offset_and_must_not_be_in_the_future() -> None:
    naive = datetime(2024, 6, 1, 11, 0)
    assert problems(ActivityEntry("e", naive)) == [(("accounts", "3", "occurredAt"), "INVALID")]
    assert problems(ActivityEntry("e", NOW + timedelta(hours=1))) == [
        (("accounts", "3", "occurredAt"), "INVALID")
    ]
    assert isinstance(check_entry(0, ActivityEntry("e", NOW + timedelta(minutes=4)), NOW), Activity)
