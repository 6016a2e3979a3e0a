"""Reading a directory's SCIM users, and writing Roster's users as SCIM: pure mapping."""

from __future__ import annotations

from datetime import UTC, datetime

from provisioning.sync.mapping import attribute, outbound_patch, outbound_resource, read_person
from provisioning.sync.scim import ENTERPRISE_SCHEMA, quoted, scim_time
from store.users import UserRecord


def _resource(**values: object) -> dict[str, object]:
    resource: dict[str, object] = {
        "id": "x1",
        "userName": "jdoe",
        "meta": {"lastModified": "2026-01-02T03:04:05.123456Z"},
    }
    resource.update(values)
    return resource


def test_a_complete_person_is_read_with_its_company_and_time() -> None:
    person, problem = read_person(
        _resource(
            name={"givenName": " Jane ", "familyName": "Doe"},
            emails=[{"value": "other@x.example"}, {"value": "Jane@X.example", "primary": True}],
            **{ENTERPRISE_SCHEMA: {"organization": "Bidder Ltd"}},
        ),
        None,
    )
    assert problem is None and person is not None
    assert (person.first_name, person.last_name, person.email) == ("Jane", "Doe", "jane@x.example")
    assert person.company == "Bidder Ltd" and person.active
    assert person.last_modified == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


def test_missing_email_and_missing_company_are_problems_not_skips() -> None:
    _, no_email = read_person(_resource(**{ENTERPRISE_SCHEMA: {"organization": "A"}}), None)
    assert no_email is not None and no_email.code == "MISSING_EMAIL"
    _, no_company = read_person(_resource(emails=[{"value": "a@b.example"}]), None)
    assert no_company is not None and no_company.code == "MISSING_COMPANY"
    # A deactivation needs neither.
    person, problem = read_person(_resource(active=False), None)
    assert problem is None and person is not None and not person.active


def test_a_configured_company_attribute_and_names_from_the_email() -> None:
    person, problem = read_person(
        _resource(userName="john.smith@corp.example", title="Acme"), "title"
    )
    assert problem is None and person is not None
    assert (person.first_name, person.last_name, person.company) == ("John", "Smith", "Acme")
    assert attribute({"name": {"givenName": "A"}}, "NAME.givenname") == "A"


def test_outbound_user_and_patch() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    user = UserRecord(
        id="u1",
        org_id="o",
        first_name="Ann",
        last_name="Lee",
        language="en",
        status="ACTIVE",
        seat="FULL",
        source="MANUAL",
        created_at=now,
        updated_at=now,
        email="ann@acme.example",
    )
    resource = outbound_resource(user, True)
    assert resource["userName"] == "ann@acme.example" and resource["externalId"] == "u1"
    patch = {op["path"]: op["value"] for op in outbound_patch(user, False)}
    assert patch["active"] is False and patch["name"]["givenName"] == "Ann"
    assert quoted('a"b\\c') == '"a\\"b\\\\c"'
    assert scim_time(now) == "2026-01-01T00:00:00Z"
