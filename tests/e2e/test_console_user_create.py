"""Create users ▾ Manually in a real browser, as an admin would: a taken email refused at its
field, a user with a department, job profile and permission type from the organization's
catalogs made with "Create and add another" (the form cleared, focus back on the first field),
a username-and-phone user made with "Create" (the dialog closed, the list showing both), and
the whole menu and dialog worked with the keyboard alone (waitFocus steps: the story fails
when the focus never gets there; a button's focus label is its text, ▾ included). axe-core on
every screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.console_stack import ADMIN_EMAIL, assert_accessible, console_stack
from tests.e2e.test_console_admin import SIGN_IN_STEPS

pytestmark = pytest.mark.e2e

GINA = "gina@acme.example"
PHONE = "+44 20 7946 0001"
CREATE_ENTRY = """
mutation ($input: CreateCatalogEntryInput!) {
  createCatalogEntry(input: $input) { entry { id } userErrors { code message } }
}
"""
USERS = """
query ($search: String) {
  users(search: $search) {
    edges { node { firstName email username phone status department { name } jobProfile { name }
                   permissionType { name } } }
  }
}
"""
CATALOG = {
    "DEPARTMENT": "Field Sales",
    "JOB_PROFILE": "Senior Consultant",
    "PERMISSION_TYPE": "Standard access",
}


def test_an_admin_creates_users_manually(tmp_path: Path) -> None:
    with console_stack(tmp_path) as stack:
        with stack.admin() as admin:
            for kind, name in CATALOG.items():
                made = stack.gql(admin, CREATE_ENTRY, {"input": {"catalog": kind, "name": name}})
                assert made["createCatalogEntry"]["userErrors"] == [], made
        report = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"click": "Create users"},
                {"click": "Manually"},
                {"waitText": "Create a user"},
                {"check": "create-empty"},
                {"fill": "First name", "value": "Gina"},
                {"fill": "Last name", "value": "Example"},
                {"fill": "Email", "value": ADMIN_EMAIL},
                {"click": "Create"},
                {"waitText": "Another user in this organization has that email."},
                {"check": "create-field-error"},
                {"fill": "Email", "value": GINA},
                {"select": "Department", "option": "Field Sales"},
                {"select": "Job profile", "option": "Senior Consultant"},
                {"select": "Permission type", "option": "Standard access"},
                {"click": "Create and add another"},
                {"waitText": "Gina Example is created. Add another user."},
                {"waitFocus": "First name"},
                {"check": "create-another"},
                {"type": "Hugo"},
                {"fill": "Last name", "value": "Example"},
                {"fill": "Username", "value": "hugo"},
                {"fill": "Phone", "value": PHONE},
                {"click": "Create"},
                {"waitText": "Hugo Example is created."},
                {"waitText": GINA},
                {"waitFocus": "Create users ▾"},
                {"check": "after-create"},
                # The keyboard alone: open the menu, reach Manually, open and close the dialog.
                {"press": "Enter"},
                {"press": "Tab"},
                {"waitFocus": "Manually"},
                {"press": "Enter"},
                {"waitText": "Create a user"},
                {"waitFocus": "First name"},
                {"press": "Escape"},
                {"waitGone": "Create a user"},
                {"waitFocus": "Create users ▾"},  # back on the button (by its text)
                {"press": "Enter"},
                {"waitText": "Manually"},
                {"press": "Escape"},
                {"waitGone": "Manually"},
                {"waitFocus": "Create users ▾"},
            ]
        )
        with stack.admin() as admin:
            gina = stack.gql(admin, USERS, {"search": "gina"})["users"]["edges"]
            hugo = stack.gql(admin, USERS, {"search": "hugo"})["users"]["edges"]
    assert_accessible(report)
    assert [edge["node"]["department"] for edge in gina] == [{"name": "Field Sales"}]
    assert gina[0]["node"]["jobProfile"] == {"name": "Senior Consultant"}
    assert gina[0]["node"]["permissionType"] == {"name": "Standard access"}
    assert [(edge["node"]["username"], edge["node"]["phone"]) for edge in hugo] == [
        ("hugo", PHONE.replace(" ", ""))
    ]
    errored = report["text"]["create-field-error"].replace("\n\n", "\n")
    assert "Email\nAnother user in this organization has that email." in errored
    # The form was cleared for the next user: Hugo has no email of Gina's, nor her first name.
    assert [(edge["node"]["firstName"], edge["node"]["email"]) for edge in hugo] == [("Hugo", None)]
    listed = report["text"]["after-create"]
    assert "Hugo Example is created." in listed and GINA in listed and "hugo" in listed
    assert "Create a user" not in listed  # the dialog closed
