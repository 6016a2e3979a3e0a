"""Seed 000 in a real browser: "Create users ▾ From unlinked integration accounts". A partner
tool records activity for two integrations (its own OAuth client); the admin types a partial
email, sees the suggestions, selects one account per integration (selecting another of the same
integration replaces the first), sees the connection panel say linked, uses "Create and add
another" (focus back on the email), meets EMAIL_TAKEN at the email field, selects an account
and opens the modal by keyboard, and creates. GraphQL then shows each user linked to exactly
the accounts chosen. axe-core on every screen. With ROSTER_DOCS_SCREENSHOTS=1 the modal's
screenshot is saved into docs/ for README."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.console_stack import ConsoleStack, assert_accessible, console_stack
from tests.e2e.test_console_admin import SIGN_IN_STEPS
from tests.e2e.test_console_integrations import CREATE_API_CLIENT, CREATE_INTEGRATION, RECORD

pytestmark = pytest.mark.e2e

DANA = "dana.reyes@acme.example"
ELI = "eli.stone@acme.example"
DOCS = Path(__file__).resolve().parents[2] / "docs"
ACTIVITY = {
    "bullhorn": [
        {"externalId": "dana-1", "email": DANA, "displayName": "Dana Reyes"},
        {"externalId": "dana-2", "email": "dana.r@oldmail.example", "displayName": "Dana R (old)"},
        {"externalId": "olga-b", "email": "olga@acme.example", "displayName": "Olga Example"},
    ],
    "slack": [
        {"externalId": "U-dana", "email": DANA, "displayName": "Dana Reyes"},
        {"externalId": "U-eli", "email": ELI, "displayName": "Eli Stone"},
        {"externalId": "U-olga", "email": "olga@acme.example", "displayName": "Olga Example"},
    ],
}
ACCOUNT_IDS = """
query ($key: String!, $search: String) {
  integration(key: $key) { unlinkedAccounts(search: $search) { edges { node { id } } } }
}
"""
CREATE_LINKED = """
mutation ($input: CreateUserInput!) {
  createUser(input: $input) { userErrors { code message } }
}
"""
USERS = """
query ($search: String) {
  users(search: $search) {
    edges { node { firstName lastName email linkedAccounts { externalId integration { key } } } }
  }
}
"""


def _set_up(stack: ConsoleStack) -> None:
    """Two activity integrations with the partner's accounts; Olga (an existing user) linked to
    one account of each, so both integrations are in use in the organization."""
    with stack.admin() as admin:
        for key in ACTIVITY:
            made = stack.gql(
                admin,
                CREATE_INTEGRATION,
                {"input": {"key": key, "name": key.capitalize(), "kind": "ACTIVITY"}},
            )["createIntegration"]
            assert made["userErrors"] == [], made
        client = stack.gql(
            admin, CREATE_API_CLIENT, {"input": {"name": "CRM", "scopes": ["integrations:write"]}}
        )["createApiClient"]
        assert client["userErrors"] == [], client
    with httpx.Client(base_url=stack.roster.base_url, timeout=30.0) as partner:
        grant = partner.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["apiClient"]["clientId"], client["clientSecret"]),
        )
        assert grant.status_code == 200, grant.text
        partner.headers["Authorization"] = f"Bearer {grant.json()['access_token']}"
        when = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        for key, accounts in ACTIVITY.items():
            recorded = stack.gql(
                partner,
                RECORD,
                {
                    "input": {
                        "integrationKey": key,
                        "accounts": [{**account, "occurredAt": when} for account in accounts],
                    }
                },
            )["recordIntegrationActivity"]
            assert recorded["userErrors"] == [] and recorded["created"] == 3, recorded
    with stack.admin() as admin:
        olga = [
            stack.gql(admin, ACCOUNT_IDS, {"key": key, "search": "olga"})["integration"][
                "unlinkedAccounts"
            ]["edges"][0]["node"]["id"]
            for key in ACTIVITY
        ]
        made = stack.gql(
            admin,
            CREATE_LINKED,
            {
                "input": {
                    "firstName": "Olga",
                    "lastName": "Example",
                    "email": "olga@acme.example",
                    "linkAccountIds": olga,
                }
            },
        )["createUser"]
        assert made["userErrors"] == [], made


def _linked(stack: ConsoleStack, search: str) -> list[dict[str, Any]]:
    with stack.admin() as admin:
        return [
            edge["node"] for edge in stack.gql(admin, USERS, {"search": search})["users"]["edges"]
        ]


def test_seed_000_create_users_from_unlinked_accounts(tmp_path: Path) -> None:
    with console_stack(tmp_path) as stack:
        _set_up(stack)
        report = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"click": "Create users"},
                {"click": "From unlinked integration accounts"},
                {"waitText": "Create a user from integration accounts"},
                {"waitFocus": "Email"},
                {"check": "from-accounts-empty"},
                {"type": "dana"},  # a partial email: suggestions while typing
                {"waitText": "Dana R (old)"},
                {"click": "Select Dana R (old) in Bullhorn"},
                {"waitText": "Bullhorn: linked (dana-2)"},
                # Another account of the same integration replaces the first.
                {"click": "Select Dana Reyes in Bullhorn"},
                {"waitText": "Bullhorn: linked (dana-1)"},
                {"click": "Select Dana Reyes in Slack"},
                {"waitText": "Slack: linked (U-dana)"},
                {"fill": "Email", "value": DANA},
                {"waitValue": "First name", "value": "Dana"},
                {"waitValue": "Last name", "value": "Reyes"},
                {"check": "from-accounts"},
                {"click": "Create and add another"},
                {"waitText": "Dana Reyes is created. Add another user."},
                {"waitFocus": "Email"},
                {"check": "from-accounts-another"},
                {"type": ELI},
                {"waitValue": "First name", "value": "Eli"},
                {"waitText": "Eli Stone"},
                # One Select by keyboard: the first field after the names is the first row's.
                {"press": "Tab"},
                {"press": "Tab"},
                {"press": "Tab"},
                {"waitFocus": "Select Eli Stone in Slack"},
                {"press": "Enter"},
                {"waitText": "Slack: linked (U-eli)"},
                {"fill": "Last name", "value": "Stone"},  # typed: no longer guessed
                {"fill": "First name", "value": "Eli"},
                {"fill": "Email", "value": DANA},
                {"click": "Create"},
                {"waitText": "Another user in this organization has that email."},
                {"check": "from-accounts-taken"},
                {"fill": "Email", "value": ELI},
                {"click": "Create"},
                {"waitText": "Eli Stone is created."},
                {"waitFocus": "Create users ▾"},
                {"check": "users-after"},
                # The menu by keyboard, into this modal and out.
                {"press": "Enter"},
                {"press": "Tab"},
                {"press": "Tab"},
                {"waitFocus": "From unlinked integration accounts"},
                {"press": "Enter"},
                {"waitFocus": "Email"},
                {"press": "Escape"},
                {"waitGone": "Create a user from integration accounts"},
                {"waitFocus": "Create users ▾"},
            ]
        )
        dana = _linked(stack, "dana")
        eli = _linked(stack, "eli")
    assert_accessible(report)
    if os.environ.get("ROSTER_DOCS_SCREENSHOTS") == "1":
        shutil.copy(stack.shots / "from-accounts.png", DOCS / "console-create-from-accounts.png")
        shutil.copy(stack.shots / "users-after.png", DOCS / "console-users.png")
    shown = report["text"]["from-accounts"]
    for text in ("Bullhorn", "Slack", "Score", "email matches exactly", "Selected"):
        assert text in shown, text
    assert [(user["firstName"], user["lastName"], user["email"]) for user in dana] == [
        ("Dana", "Reyes", DANA)
    ]
    assert sorted(
        (account["integration"]["key"], account["externalId"])
        for account in dana[0]["linkedAccounts"]
    ) == [("bullhorn", "dana-1"), ("slack", "U-dana")]
    assert [(user["firstName"], user["email"]) for user in eli] == [("Eli", ELI)]
    assert [
        (account["integration"]["key"], account["externalId"])
        for account in eli[0]["linkedAccounts"]
    ] == [("slack", "U-eli")]
    # The form was cleared for Eli: the notice shown, no name or selection of Dana's left.
    cleared = report["text"]["from-accounts-another"]
    assert "Dana Reyes is created. Add another user." in cleared
    assert "linked (" not in cleared
    taken = report["text"]["from-accounts-taken"].replace("\n\n", "\n")
    assert "Email\nAnother user in this organization has that email." in taken
    listed = report["text"]["users-after"]
    assert DANA in listed and ELI in listed
