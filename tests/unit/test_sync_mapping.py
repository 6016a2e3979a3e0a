"""Reading a directory's SCIM users, and writing Roster's users as SCIM: pure mapping."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from provisioning.sync.mapping import (
    DEPARTMENT_ATTRIBUTE,
    FieldMap,
    attribute,
    outbound_patch,
    outbound_resource,
    read_person,
)
from provisioning.sync.scim import ENTERPRISE_SCHEMA, quoted, scim_time
from store.users import UserRecord

NAMES_ONLY = FieldMap()
PHONE = FieldMap(sync_phone=True)
DEPARTMENT = FieldMap(department_attribute=DEPARTMENT_ATTRIBUTE)


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
        NAMES_ONLY,
    )
    assert problem is None and person is not None
    assert (person.first_name, person.last_name, person.email) == ("Jane", "Doe", "jane@x.example")
    assert person.company == "Bidder Ltd" and person.active
    assert person.last_modified == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)


def test_missing_email_and_missing_company_are_problems_not_skips() -> None:
    _, no_email = read_person(_resource(**{ENTERPRISE_SCHEMA: {"organization": "A"}}), NAMES_ONLY)
    assert no_email is not None and no_email.code == "MISSING_EMAIL"
    _, no_company = read_person(_resource(emails=[{"value": "a@b.example"}]), NAMES_ONLY)
    assert no_company is not None and no_company.code == "MISSING_COMPANY"
    # A deactivation needs neither.
    person, problem = read_person(_resource(active=False), NAMES_ONLY)
    assert problem is None and person is not None and not person.active


def test_a_configured_company_attribute_and_names_from_the_email() -> None:
    person, problem = read_person(
        _resource(userName="john.smith@corp.example", title="Acme"), FieldMap("title")
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
    assert "phoneNumbers" not in resource and ENTERPRISE_SCHEMA not in resource
    patch = _by_path(outbound_patch(user, False))
    assert patch["active"] == ("replace", False) and patch["name"][1]["givenName"] == "Ann"
    # What Roster no longer has is removed there too.
    assert patch["phoneNumbers"] == ("remove", None)
    assert patch[f"{ENTERPRISE_SCHEMA}:department"] == ("remove", None)
    assert quoted('a"b\\c') == '"a\\"b\\\\c"'
    assert scim_time(now) == "2026-01-01T00:00:00Z"


def test_the_phone_is_the_primary_then_work_then_mobile_number_in_e164() -> None:
    def phone_of(*numbers: dict[str, Any]) -> str | None:
        person, problem = read_person(_company(phoneNumbers=list(numbers)), PHONE)
        assert problem is None and person is not None
        return person.phone

    mobile = {"value": "+44 7911 123456", "type": "mobile"}
    work = {"value": "tel:+44-20-7946-0958", "type": "Work"}
    primary = {"value": "+1 (201) 555-0123", "type": "home", "primary": True}
    assert phone_of(mobile, work, primary) == "+12015550123"
    assert phone_of(mobile, work) == "+442079460958"
    assert phone_of({"value": "+33 1 42 68 53 00", "type": "fax"}, mobile) == "+447911123456"
    assert phone_of({"value": "+33 1 42 68 53 00", "type": "fax"}) == "+33142685300"
    assert phone_of() is None
    assert phone_of({"value": "  ", "primary": True}) is None


def test_an_invalid_phone_is_a_problem_of_the_whole_record() -> None:
    # The preferred number counts: a valid one further down is not picked instead.
    numbers = [{"value": "020 7946 0958", "primary": True}, {"value": "+447911123456"}]
    person, problem = read_person(_company(phoneNumbers=numbers), PHONE)
    assert problem is not None and problem.code == "PHONE_INVALID"
    assert "020 7946 0958" in problem.message
    assert person is not None and person.phone is None
    # A deactivation needs no valid phone.
    _, none = read_person(_company(phoneNumbers=numbers, active=False), PHONE)
    assert none is None


def test_the_department_is_the_enterprise_extensions() -> None:
    person, problem = read_person(_company(department="  Field   Ops "), DEPARTMENT)
    assert problem is None and person is not None
    assert person.department == "Field Ops"
    person, _ = read_person(_company(), DEPARTMENT)
    assert person is not None and person.department is None


def test_phone_and_department_are_not_read_unless_the_config_maps_them() -> None:
    numbers = [{"value": "020 7946 0958", "primary": True}]  # invalid: no country
    resource = _company(department="Sales", phoneNumbers=numbers, title="Field Ops")
    person, problem = read_person(resource, NAMES_ONLY)
    assert problem is None  # a phone that is not synced cannot be PHONE_INVALID
    assert person is not None and (person.phone, person.department) == (None, None)
    # A custom attribute for the department: a core one, by name or by its schema's URN.
    for path in ("title", "urn:ietf:params:scim:schemas:core:2.0:User:title"):
        person, _ = read_person(resource, FieldMap(department_attribute=path))
        assert person is not None and person.department == "Field Ops"


def test_the_owned_fields_follow_the_config() -> None:
    always = ("first_name", "last_name", "email", "company_id")
    assert NAMES_ONLY.owned == always
    assert FieldMap.of(None) == NAMES_ONLY
    assert PHONE.owned == (*always, "phone")
    assert DEPARTMENT.owned == (*always, "department_id")
    both = FieldMap("title", True, "title")
    assert both.owned == (*always, "phone", "department_id")
    assert FieldMap(department_attribute="").owned == always


def test_outbound_sends_the_phone_and_the_department() -> None:
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
        phone="+442079460958",
    )
    resource = outbound_resource(user, True, "Sales")
    assert resource["phoneNumbers"][0]["value"] == "+442079460958"
    assert resource[ENTERPRISE_SCHEMA] == {"department": "Sales"}
    assert ENTERPRISE_SCHEMA in resource["schemas"]
    patch = _by_path(outbound_patch(user, True, "Sales"))
    assert patch["phoneNumbers"][0] == "replace"
    assert patch["phoneNumbers"][1][0]["value"] == "+442079460958"
    assert patch[f"{ENTERPRISE_SCHEMA}:department"] == ("replace", "Sales")
    bare = outbound_patch(replace(user, phone=None), True, None)
    assert {"op": "remove", "path": "phoneNumbers"} in bare


def _company(department: str | None = None, **values: object) -> dict[str, object]:
    enterprise: dict[str, object] = {"organization": "Bidder Ltd"}
    if department is not None:
        enterprise["department"] = department
    return _resource(emails=[{"value": "a@b.example"}], **{ENTERPRISE_SCHEMA: enterprise}, **values)


def _by_path(operations: list[dict[str, Any]]) -> dict[str, tuple[str, Any]]:
    return {op["path"]: (op["op"], op.get("value")) for op in operations}
