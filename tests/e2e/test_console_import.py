"""The Import screen in a real browser: the template downloads, a workbook with good and bad
rows is uploaded as a dry run (its row errors on screen with their codes, no user written),
then imported for real from the same screen; the errors workbook names the failing rows."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.console_stack import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    CREATE_USER,
    ORG,
    assert_accessible,
    console_stack,
)
from tests.import_files import person, xlsx_bytes

pytestmark = pytest.mark.e2e

FILE_LABEL = "Spreadsheet (.xlsx or .csv)"
USERS = "query($search: String) { users(search: $search, first: 10) { totalCount } }"
JOBS = "{ importJobs(first: 5) { id dryRun status created skippedExisting failed } }"


def test_an_admin_dry_runs_then_imports_a_workbook(tmp_path: Path) -> None:
    rows = [person(i) for i in range(3)]
    rows.append(person(3, email="not an email"))
    rows.append(person(4, first=None))
    rows.append(person(5, email="taken@acme.example"))  # an existing user: left alone
    workbook = tmp_path / "people.xlsx"
    workbook.write_bytes(xlsx_bytes(rows))
    with console_stack(tmp_path) as stack:
        with stack.admin() as admin:
            existing = stack.gql(
                admin,
                CREATE_USER,
                {
                    "input": {
                        "firstName": "Taken",
                        "lastName": "Already",
                        "email": "taken@acme.example",
                        "sendInvitation": False,
                    }
                },
            )["createUser"]
            assert existing["userErrors"] == [], existing
            template = admin.get("/import/template.xlsx")
            assert template.status_code == 200
            assert load_workbook(io.BytesIO(template.content)).sheetnames[0] == "Users"

        dry_run = stack.browse(
            [
                {"goto": f"/login/{ORG}"},
                {"fill": "Email or username", "value": ADMIN_EMAIL},
                {"fill": "Password", "value": ADMIN_PASSWORD},
                {"click": "Sign in"},
                {"waitUrl": "/admin/users"},
                {"click": "Import", "role": "link"},
                {"waitUrl": "/admin/import"},
                {"check": "import"},
                {"upload": FILE_LABEL, "file": str(workbook)},
                {"click": "Upload"},
                {"waitText": "Dry run finished"},
                {"waitText": "Row errors"},
                {"check": "import-dry-run"},
                # The real run of the same file, from the keyboard.
                {"press": "Tab"},
                {"waitFocus": "Import for real"},
                {"press": "Enter"},
                {"waitText": "Import finished"},
                {"check": "import-done"},
            ]
        )
        assert_accessible(dry_run)
        shown = dry_run["text"]["import-dry-run"]
        assert "INVALID" in shown and "REQUIRED" in shown, shown
        assert dry_run["links"]["import"]["Download the template (.xlsx)"].endswith(
            "/import/template.xlsx"
        )
        with stack.admin() as admin:
            jobs = stack.gql(admin, JOBS, {})["importJobs"]
            real, dry = jobs[0], jobs[1]
            assert dry["dryRun"] and not real["dryRun"]
            assert (dry["created"], dry["skippedExisting"], dry["failed"]) == (3, 1, 2)
            assert (real["status"], real["created"], real["failed"]) == ("DONE", 3, 2)
            found = stack.gql(admin, USERS, {"search": "person"})["users"]
            assert found["totalCount"] == 3  # the dry run wrote none: only the real run's
            errors = admin.get(f"/import/{real['id']}/errors.xlsx")
            assert errors.status_code == 200
            sheet = load_workbook(io.BytesIO(errors.content)).active
            assert sheet is not None
            text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
            assert "Row 5: email:" in text and "Row 6: firstName:" in text, text
        assert dry_run["links"]["import-done"]["Download the errors workbook"].endswith(
            f"/import/{real['id']}/errors.xlsx"
        )
