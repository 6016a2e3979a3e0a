"""The Users page's per-user actions in a real browser, clicked as an admin would: a full seat
asked for with a billable confirmation showing the seats in use, the SEAT_LIMIT refusal shown,
an invitation sent (and received by the SMTP server), disable / enable, a one-time password the
console makes itself (and which then signs in, to a forced change), and a confirmed delete.
axe-core on every screen, the dialog opened and closed with the keyboard."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.console_stack import (
    ORG,
    SIGN_IN,
    assert_accessible,
    console_stack,
)
from tests.e2e.test_console_admin import SIGN_IN_STEPS

pytestmark = pytest.mark.e2e

FINN = "finn@acme.example"
OLGA = "olga@acme.example"
PHONE = "+44 20 7946 0000"
SEATS = "query { organization { seats { full limit } } }"
SET_LIMIT = """
mutation ($input: OrganizationSettingsInput!) {
  updateOrganizationSettings(input: $input) { userErrors { code message } }
}
"""
USERS = """
query ($search: String) {
  users(search: $search) { edges { node { email phone seat status department { name } } } }
}
"""


def test_an_admin_manages_a_user_from_the_users_list(tmp_path: Path) -> None:
    with console_stack(tmp_path) as stack:
        with stack.admin() as admin:
            for first, email in (("Finn", FINN), ("Olga", OLGA)):
                stack.create_user(admin, first, email)
            full = stack.gql(admin, SEATS, {})["organization"]["seats"]["full"]
            # Room for one more full user: Finn takes it, Olga is refused.
            limited = stack.gql(admin, SET_LIMIT, {"input": {"seatLimit": full + 1}})
            assert limited["updateOrganizationSettings"]["userErrors"] == []
        report = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"click": "Pending", "role": "tab"},
                {"waitText": FINN},
                {"click": f"Manage {FINN}"},
                {"waitText": "Set one-time password"},
                {"focused": "dialog-open"},
                {"click": "Make full user"},
                {"waitText": "A full seat is billable"},
                {"check": "seat-confirmation"},
                {"click": "Make full user"},
                {"waitText": "Finn Example is now a full user."},
                {"check": "seat-changed"},
                {"click": "Set one-time password"},
                {"waitText": "It is shown only once"},
                {"check": "one-time-password-shown"},
                {"click": "Edit"},
                {"fill": "Email", "value": OLGA},
                {"fill": "Phone", "value": PHONE},
                {"select": "Department", "option": "Support"},
                {"click": "Save"},
                {"waitText": "Another user in this organization has that email."},
                {"check": "edit-field-error"},
                {"fill": "Email", "value": FINN},
                {"click": "Save"},
                {"waitText": "Finn Example's details are saved."},
                {"press": "Escape"},
                # Focus goes back to the row's button; Finn, now active, then leaves the
                # Pending list, and the focus goes to its tab (never to nowhere).
                {"waitGone": FINN},
                {"waitFocus": "Pending"},
                {"click": f"Manage {OLGA}"},
                {"click": "Make full user"},
                {"waitText": "A full seat is billable"},
                {"click": "Make full user"},
                {"waitText": "No full seat left"},
                {"check": "seat-limit"},
                {"click": "Invite"},
                {"waitText": "An invitation is on its way to Olga Example."},
                {"click": "Disable"},
                {"waitText": "Olga Example is disabled."},
                {"click": "Enable"},
                {"waitText": "Olga Example is enabled."},
                {"click": "Delete"},
                {"waitText": "This cannot be undone."},
                {"check": "delete-confirmation"},
                {"click": "Delete user"},
                {"waitText": "Olga Example is deleted."},
                {"waitText": "0 users"},
                {"check": "after-delete"},
            ]
        )
        shown = report["text"]["one-time-password-shown"]
        password = re.search(r"only once[^\n]*\n+\s*(\S{20})\s*\n", shown)
        assert password, shown
        with httpx.Client(base_url=stack.roster.base_url, timeout=30.0) as anonymous:
            signed = stack.gql(
                anonymous,
                SIGN_IN,
                {"input": {"organization": ORG, "login": FINN, "password": password.group(1)}},
            )["signIn"]
        assert [error["code"] for error in signed["userErrors"]] == ["PASSWORD_CHANGE_REQUIRED"], (
            signed
        )
        with stack.admin() as admin:
            finn = stack.gql(admin, USERS, {"search": "finn"})["users"]["edges"]
            assert [
                (edge["node"]["seat"], edge["node"]["phone"], edge["node"]["department"])
                for edge in finn
            ] == [
                ("FULL", PHONE.replace(" ", ""), {"name": "Support"})  # Roster stores E.164
            ]
            assert stack.gql(admin, USERS, {"search": "olga"})["users"]["edges"] == []
        assert "/accept-invitation?organization=acme#token=" in stack.mail_link(
            OLGA, "/accept-invitation"
        )
    assert_accessible(report)
    confirmation = report["text"]["seat-confirmation"]
    assert f"{full} of your full seats are in use (a limit of {full + 1})" in confirmation
    assert report["focus"]["dialog-open"] == "Make full user"
    after = report["text"]["after-delete"]
    assert "Olga Example is deleted." in after and OLGA not in after
    edited = report["text"]["edit-field-error"]
    assert "Email\nAnother user in this organization has that email." in edited.replace(
        "\n\n", "\n"
    )
    assert re.fullmatch(r"[A-Za-z2-9]{20}", password.group(1))
