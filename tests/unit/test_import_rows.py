"""Reading import files and mapping rows to drafts: pure logic, no database."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook

from config.settings import Settings, SettingsError
from provisioning.audit import diff
from provisioning.errors import ValidationFailed
from provisioning.imports.reader import (
    MAX_SHARED_STRINGS_BYTES,
    MAX_SHEET_ROWS,
    SheetReader,
    cell_text,
    inspect,
    map_header,
)
from provisioning.imports.rows import PreparedRow, ReferenceNames, RowProblem, prepare_row
from provisioning.users.create import created_changes
from provisioning.users.write import audit_view
from server.runtime import limits_from
from store.organizations import OrganizationRecord
from store.users import UserRecord
from tests.import_files import HEADER, csv_bytes, person, xlsx_bytes

ORGANIZATION = OrganizationRecord(
    id="0" * 24,
    slug="acme",
    name="Acme",
    default_language="en-GB",
    own_company_id="c" * 24,
    seat_limit=None,
    full_seats_used=0,
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
)
NAMES = ReferenceNames(
    departments={"sales": "d1", "research and development": "d2"},
    job_profiles={"engineer": "j1"},
    permission_types={"standard": "p1"},
    companies={"partner co": "c1"},
)


def rows_of(data: bytes) -> list[tuple[int, dict[str, str | None]]]:
    with SheetReader(io.BytesIO(data)) as reader:
        keys = reader.info.keys
        return [(row.number, row.cells(keys)) for row in reader.rows()]


def prepared(**cells: str | None) -> PreparedRow | list[RowProblem]:
    values: dict[str, str | None] = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
    }
    values.update(cells)
    return prepare_row(2, values, NAMES, ORGANIZATION, True)


def problems(**cells: str | None) -> list[tuple[str | None, str]]:
    result = prepared(**cells)
    assert isinstance(result, list), result
    return [(p.field, p.code) for p in result]


def test_cells_read_as_a_person_typed_them() -> None:
    assert cell_text(447700900123.0) == "447700900123"
    assert cell_text(1.5) == "1.5"
    assert cell_text(True) == "TRUE"
    assert cell_text(date(2026, 3, 1)) == "2026-03-01"
    assert cell_text("   ") is None
    assert cell_text("'+44 20 7946 0000") == "+44 20 7946 0000"  # errors.xlsx's quoting
    assert cell_text("'quoted") == "'quoted"


def test_headers_match_the_template_labels_or_field_names_in_any_case() -> None:
    header, keys = map_header(["E-mail Address", "FIRST NAME", "lastName", None, "Error"])
    assert keys == ("email", "firstName", "lastName", None, None)
    assert header == ("E-mail Address", "FIRST NAME", "lastName", "", "Error")
    with pytest.raises(ValidationFailed, match="appear more than once"):
        map_header(["Email", "email", "First name", "Last name"])
    with pytest.raises(ValidationFailed, match="first row must be the header"):
        map_header(["ada@example.com", "Ada"])


def test_blank_rows_are_left_out_and_row_numbers_are_the_spreadsheets() -> None:
    data = xlsx_bytes([person(1), [None] * len(HEADER), person(3)])
    assert [number for number, _ in rows_of(data)] == [2, 4]


def test_a_formula_is_read_as_its_text_and_never_evaluated() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(HEADER))
    sheet.append(["a@example.com", None, None, "=1+1", "=A2"])
    out = io.BytesIO()
    workbook.save(out)
    ((number, cells),) = rows_of(out.getvalue())
    assert (cells["firstName"], cells["lastName"]) == ("=1+1", "=A2")
    result = prepare_row(number, cells, NAMES, ORGANIZATION, True)
    assert isinstance(result, list)
    assert {(p.field, p.code) for p in result} == {
        ("firstName", "INVALID"),
        ("lastName", "INVALID"),
    }


def test_csv_with_semicolons_quoted_line_breaks_a_bom_and_crlf() -> None:
    text = (
        "\ufeffEmail;First name;Last name\r\n"
        'a@example.com;Ada;"Love\r\nlace"\r\n'
        "\r\n"
        "b@example.com;Bo;Smith\r\n"
    )
    assert rows_of(text.encode()) == [
        (2, {"email": "a@example.com", "firstName": "Ada", "lastName": "Love\r\nlace"}),
        (4, {"email": "b@example.com", "firstName": "Bo", "lastName": "Smith"}),
    ]


def test_a_csv_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="not a spreadsheet"):
        SheetReader(io.BytesIO("Email,First name,Last name\nä,b,c\n".encode("utf-16")))
    latin = "Email,First name,Last name\n" + "x@example.com,Ren\xe9,D\n" * 2
    with pytest.raises(ValidationFailed, match="not a spreadsheet"):
        SheetReader(io.BytesIO(latin.encode("latin-1")))


def test_inspect_counts_csv_rows_and_stops_past_the_limit() -> None:
    data = csv_bytes([person(i) for i in range(7)])
    assert inspect(io.BytesIO(data), 7).estimated_rows == 7
    with pytest.raises(ValidationFailed, match="more than 6 rows"):
        inspect(io.BytesIO(data), 6)


def test_a_valid_row_resolves_names_case_insensitively() -> None:
    result = prepared(
        department="Research  AND development",
        jobProfile="ENGINEER",
        permissionType="Standard",
        company="partner co",
        seat="full",
        roles="admin; member",
        language="fr-ca",
    )
    assert isinstance(result, PreparedRow)
    draft = result.draft
    assert (draft.department_id, draft.job_profile_id, draft.permission_type_id) == (
        "d2",
        "j1",
        "p1",
    )
    assert result.checked.company_id == "c1"
    assert draft.seat == "FULL" and result.checked.roles == ("ADMIN", "MEMBER")
    assert result.checked.language == "fr-CA" and draft.source == "IMPORT"


def test_defaults_come_from_the_organization() -> None:
    result = prepared()
    assert isinstance(result, PreparedRow)
    assert result.checked.language == "en-GB"
    assert result.checked.company_id == ORGANIZATION.own_company_id
    assert result.draft.seat == "OBSERVER" and result.password is None


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"firstName": None}, [("firstName", "REQUIRED")]),
        ({"lastName": "x" * 101}, [("lastName", "INVALID")]),
        ({"email": "nope"}, [("email", "INVALID")]),
        ({"email": None}, [("email", "REQUIRED")]),
        ({"email": None, "phone": "+44 20 7946 0000"}, [("username", "REQUIRED")]),
        ({"email": None, "username": "ada.l"}, [("phone", "REQUIRED")]),
        ({"username": "-bad-"}, [("username", "INVALID")]),
        ({"phone": "12345"}, [("phone", "INVALID")]),
        ({"language": "not a tag"}, [("language", "INVALID")]),
        ({"department": "Marketing"}, [("department", "NOT_FOUND")]),
        ({"jobProfile": "Pilot"}, [("jobProfile", "NOT_FOUND")]),
        ({"permissionType": "Root"}, [("permissionType", "NOT_FOUND")]),
        ({"company": "Nowhere"}, [("company", "NOT_FOUND")]),
        ({"roles": "OWNER"}, [("roles", "INVALID")]),
        ({"seat": "GOLD"}, [("seat", "INVALID")]),
        ({"oneTimePassword": "short"}, [("oneTimePassword", "INVALID")]),
        ({"oneTimePassword": "password1234"}, [("oneTimePassword", "INVALID")]),
        ({"email": "=cmd|' /C calc'!A0"}, [("email", "INVALID")]),
        (
            {"email": "nope", "department": "Marketing"},
            [("department", "NOT_FOUND"), ("email", "INVALID")],
        ),
    ],
)
def test_every_kind_of_bad_row(
    cells: dict[str, str | None], expected: list[tuple[str | None, str]]
) -> None:
    assert problems(**cells) == expected


def test_a_one_time_password_is_carried_to_be_hashed() -> None:
    result = prepared(oneTimePassword="Tr0ub4dor&3-long-enough")
    assert isinstance(result, PreparedRow)
    assert result.password == "Tr0ub4dor&3-long-enough" and result.draft.must_change_password


def test_a_workbook_that_expands_to_too_much_is_refused_before_parsing() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(xlsx_bytes([person(1)]))) as original:
            for item in original.infolist():
                archive.writestr(item.filename, original.read(item.filename))
        archive.writestr("xl/sharedStrings.xml", b" " * (MAX_SHARED_STRINGS_BYTES + 1))
    assert len(out.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationFailed, match="expands to more data than"):
        SheetReader(out)


def test_the_users_sheet_is_read_wherever_it_is() -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Notes"
    first.append(["not the header"])
    users = workbook.create_sheet("Users")
    users.append(["Email", "First name", "Last name"])
    users.append(["a@example.com", "Ada", "L"])
    out = io.BytesIO()
    workbook.save(out)
    assert rows_of(out.getvalue()) == [
        (2, {"email": "a@example.com", "firstName": "Ada", "lastName": "L"})
    ]


def test_the_import_limits_are_settings() -> None:
    settings = Settings.from_env(
        {"ROSTER_IMPORT_MAX_BYTES": "5000", "ROSTER_IMPORT_MAX_ROWS": "10"}
    )
    assert (settings.import_max_bytes, settings.import_max_rows) == (5000, 10)
    limits = limits_from(settings)
    assert (limits.import_max_bytes, limits.import_max_rows) == (5000, 10)
    with pytest.raises(SettingsError, match="ROSTER_IMPORT_MAX_BYTES must be at least 1024"):
        Settings.from_env({"ROSTER_IMPORT_MAX_BYTES": "12"})


def test_the_created_event_of_an_import_is_the_one_create_user_records() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    record = UserRecord(
        id="1" * 24,
        org_id="0" * 24,
        first_name="Ada",
        last_name="Lovelace",
        language="en-GB",
        status="ACTIVE",
        seat="FULL",
        source="IMPORT",
        created_at=now,
        updated_at=now,
        email="ada@example.com",
        username="ada.l",
        phone="+442079460000",
        department_id="d1",
        company_id="c1",
        roles=("ADMIN",),
        password_hash="$argon2id$secret",
        must_change_password=True,
    )
    assert created_changes(record) == diff({}, audit_view(record))
    assert "password_hash" not in created_changes(record)


def streamed_workbook(rows: list[list[str]], blank_rows: int = 0) -> bytes:
    """A workbook as openpyxl's write-only mode saves it: no recorded size."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append(["Email", "First name", "Last name"])
    for row in rows:
        sheet.append(row)
    for _ in range(blank_rows):
        sheet.append([None, None, None])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_inspect_bounds_a_workbook_without_a_recorded_size_by_its_rows() -> None:
    data = streamed_workbook([[f"p{i}@example.com", "Ada", "L"] for i in range(7)])
    assert inspect(io.BytesIO(data), 7).estimated_rows == 7
    with pytest.raises(ValidationFailed, match="more than 6 rows"):
        inspect(io.BytesIO(data), 6)


def test_blank_rows_past_the_limit_are_counted_out_not_refused() -> None:
    data = streamed_workbook([[f"p{i}@example.com", "Ada", "L"] for i in range(3)], 10)
    assert inspect(io.BytesIO(data), 5).estimated_rows == 3


def test_a_csv_whose_rows_go_past_a_spreadsheets_last_row_is_refused() -> None:
    # Blank lines are left out of the rows, but each is walked: the count is bounded.
    first, last = csv_bytes([person(1)]), csv_bytes([person(2)]).split(b"\n", 1)[1]

    def ending_at(row: int) -> bytes:  # the header is row 1 and person 1 row 2
        return first + b"\n" * (row - 3) + last

    with pytest.raises(ValidationFailed, match="past row 1,048,576"):
        inspect(io.BytesIO(ending_at(MAX_SHEET_ROWS + 1)), 100)
    assert inspect(io.BytesIO(ending_at(MAX_SHEET_ROWS)), 100).estimated_rows == 2
