"""Seed 001 in a real browser: a partner tool records activity for an integration through the
API (its own OAuth client), the admin opens Integrations, configures a directory, opens the
activity integration, pages and searches its Unlinked accounts, meets ALREADY_LINKED on screen,
makes a user from an account with Link/Create (by keyboard), asks for a backfill from a join
date, links and unlinks an account of an existing user on the Linked tab, finds the new user
on the Users page and invites them; the invitation is accepted from the real email link, and
the admin makes the person a full user. Checked through GraphQL at the end; axe-core on each
screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.console_stack import (
    CREATE_USER,
    ConsoleStack,
    assert_accessible,
    console_stack,
)
from tests.e2e.test_console_admin import SIGN_IN_STEPS

pytestmark = pytest.mark.e2e

CARA = "cara@acme.example"
FINN = "finn@acme.example"
OLGA = "olga@acme.example"
NEW_PASSWORD = "a fresh and long passphrase"
FILLER = 30  # accounts besides the story's: more than one page of 25
KEY_LABEL = "Key (how partner tools and commands name it)"
PROVISIONING_KIND = "Provisioning (users sent out over SCIM)"

CREATE_INTEGRATION = """
mutation ($input: CreateIntegrationInput!) {
  createIntegration(input: $input) { integration { id } userErrors { code message } }
}
"""
CREATE_API_CLIENT = """
mutation ($input: CreateApiClientInput!) {
  createApiClient(input: $input) { apiClient { clientId } clientSecret userErrors { code } }
}
"""
RECORD = """
mutation ($input: RecordIntegrationActivityInput!) {
  recordIntegrationActivity(input: $input) { recorded created userErrors { code message } }
}
"""
LINK = """
mutation ($input: LinkIntegrationAccountInput!) {
  linkIntegrationAccount(input: $input) { userErrors { code message } }
}
"""
ACCOUNTS = """
query ($search: String) {
  integration(key: "bullhorn") {
    unlinkedAccounts(search: $search) { edges { node { id externalId } } }
  }
}
"""
AFTER = """
query {
  users(search: "cara") {
    edges { node { status seat linkedAccounts { externalId integration { key } } } }
  }
  backfillRequests(integrationKey: "bullhorn") { edges { node { since user { email } } } }
  finn: integration(key: "bullhorn") { unlinkedAccounts(search: "finn") { totalCount } }
  directory: integration(key: "people") { name syncSettings { baseUrl } }
  added: integration(key: "zendesk-sell") { name kind }
}
"""


def _set_up(stack: ConsoleStack) -> None:
    """Integrations, users, and the activity a partner tool sends with its own token."""
    with stack.admin() as admin:
        for key, name, kind in (
            ("bullhorn", "Bullhorn", "ACTIVITY"),
            ("people", "People directory", "DIRECTORY"),
        ):
            made = stack.gql(
                admin, CREATE_INTEGRATION, {"input": {"key": key, "name": name, "kind": kind}}
            )["createIntegration"]
            assert made["userErrors"] == [], made
        for first, email in (("Finn", FINN), ("Olga", OLGA)):
            created = stack.gql(
                admin,
                CREATE_USER,
                {"input": {"firstName": first, "lastName": "Example", "email": email}},
            )["createUser"]
            assert created["userErrors"] == [], created
        olga_id = created["user"]["id"]
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
        when = datetime.now(UTC) - timedelta(days=1)
        story = [
            {"externalId": "cara-1", "email": CARA, "firstName": "Cara", "lastName": "Newman"},
            {"externalId": "finn-1", "email": FINN, "displayName": "Finn Example"},
            {"externalId": "olga-1", "email": OLGA, "displayName": "Olga Example"},
            {"externalId": "olga-2", "email": OLGA, "displayName": "Olga (second)"},
        ]
        filler = [
            {"externalId": f"lead-{n:02d}", "email": f"lead{n:02d}@prospects.example"}
            for n in range(FILLER)
        ]
        recorded = stack.gql(
            partner,
            RECORD,
            {
                "input": {
                    "integrationKey": "bullhorn",
                    "accounts": [
                        {**account, "occurredAt": when.isoformat()} for account in story + filler
                    ],
                }
            },
        )["recordIntegrationActivity"]
        assert recorded == {"recorded": 34, "created": 34, "userErrors": []}, recorded
    with stack.admin() as admin:
        accounts = stack.gql(admin, ACCOUNTS, {"search": "olga-1"})
        [olga_account] = accounts["integration"]["unlinkedAccounts"]["edges"]
        linked = stack.gql(
            admin, LINK, {"input": {"userId": olga_id, "accountId": olga_account["node"]["id"]}}
        )["linkIntegrationAccount"]
        assert linked["userErrors"] == [], linked


def test_seed_001_from_unlinked_account_to_full_user(tmp_path: Path) -> None:
    join_date = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    with console_stack(tmp_path) as stack:
        _set_up(stack)
        admin_story = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"goto": "/admin/integrations/nope"},
                {"waitText": "No such integration"},
                {"check": "no-such-integration"},
                {"click": "Integrations", "role": "link"},
                {"waitUrl": "/admin/integrations"},
                {"waitText": "People directory"},
                {"check": "integrations"},
                # Added on the screen: the key follows the name until typed.
                {"fill": "Integration name", "value": "Zendesk Sell"},
                {"waitValue": KEY_LABEL, "value": "zendesk-sell"},
                {"select": "Kind", "option": PROVISIONING_KIND},
                {"click": "Add integration"},
                {"waitText": "Zendesk Sell is added."},
                {"fill": "Integration name", "value": "Another CRM"},
                {"fill": KEY_LABEL, "value": "bullhorn"},
                {"click": "Add integration"},
                {"waitText": "An integration with key 'bullhorn' exists."},
                {"waitGone": "Zendesk Sell is added."},
                {"check": "add-integration-refused"},
                {"click": "Configure People directory"},
                {"waitText": "SCIM 2.0 directory"},
                # Escape closes the dialog, focus is back on its button, Enter opens it again.
                {"press": "Escape"},
                {"waitFocus": "Configure People directory"},
                {"press": "Enter"},
                {"waitText": "SCIM 2.0 directory"},
                {"fill": "Base URL", "value": "https://dir.example/scim/v2"},
                {"fill": "Name", "value": "People"},
                {"check": "configure"},
                {"click": "Save"},
                {"waitText": "A bearer token is required."},
                {"fill": "Bearer token", "value": "directory-token"},
                {"click": "Save"},
                {"waitText": "People is saved."},
                {"click": "Bullhorn", "role": "link"},
                {"waitUrl": "/admin/integrations/bullhorn"},
                {"waitText": "33 unlinked accounts"},
                {"check": "unlinked"},
                {"click": "Next"},
                {"waitText": "Page 2"},
                {"click": "Previous"},
                {"waitText": "Page 1"},
                {"fill": "Search accounts", "value": "olga"},
                {"waitGone": "lead00@prospects.example"},
                {"waitText": "olga-2"},
                {"click": f"Link {OLGA} to Olga Example"},
                {"waitText": "Already linked:"},
                {"check": "already-linked"},
                # Link/Create by keyboard: search, Tab to the row's button, Enter.
                {"fill": "Search accounts", "value": "cara"},
                {"waitGone": "lead00@prospects.example"},
                {"waitText": "cara-1"},
                {"press": "Tab"},
                {"waitFocus": f"Create user from {CARA}"},
                {"press": "Enter"},
                {"waitText": f"Cara Newman is created as an observer and linked to {CARA}."},
                {"check": "created"},
                {"click": "Backfill from a join date"},
                {"waitText": "Ask Bullhorn to send"},
                {"fill": "Join date", "value": join_date},
                {"check": "backfill"},
                {"click": "Request backfill"},
                {"waitText": f"Bullhorn is asked to send Cara Newman's activity since {join_date}"},
                {"fill": "Search accounts", "value": "finn"},
                {"click": f"Link {FINN} to Finn Example"},
                {"waitText": f"{FINN} is linked to Finn Example."},
                # Back on the integration's page (its search empty), as from the list.
                {"goto": "/admin/integrations/bullhorn"},
                {"click": "Linked (3)", "role": "tab"},
                {"waitText": "3 linked accounts"},
                {"check": "linked"},
                {"click": f"Unlink {FINN}"},
                {"waitText": "The account goes back to Unlinked"},
                {"check": "unlink"},
                {"click": "Unlink"},
                {"waitText": f"{FINN} is unlinked from Finn Example."},
                {"waitText": "2 linked accounts"},
                {"click": "Cara Newman", "role": "link"},
                {"waitUrl": "/admin/users"},
                {"waitText": CARA},
                {"check": "users-pending"},
                {"click": f"Manage {CARA}"},
                {"click": "Invite"},
                {"waitText": "An invitation is on its way to Cara Newman."},
            ]
        )
        link = stack.mail_link(CARA, "/accept-invitation")
        accepted = stack.browse(
            [
                {"goto": link},
                {"check": "accept-invitation"},
                {"fill": "Password", "value": NEW_PASSWORD},
                {"click": "Set password and sign in"},
                {"waitText": "Signed in as Cara Newman"},
                {"goto": "/"},
                *SIGN_IN_STEPS,
                {"click": "Observers", "role": "tab"},
                {"waitText": CARA},
                {"check": "users-observers"},
                {"click": f"Manage {CARA}"},
                {"click": "Make full user"},
                {"waitText": "A full seat is billable"},
                {"click": "Make full user"},
                {"waitText": "Cara Newman is now a full user."},
            ]
        )
        with stack.admin() as admin:
            after: dict[str, Any] = stack.gql(admin, AFTER, {})
    assert [edge["node"] for edge in after["users"]["edges"]] == [
        {
            "status": "ACTIVE",
            "seat": "FULL",
            "linkedAccounts": [{"externalId": "cara-1", "integration": {"key": "bullhorn"}}],
        }
    ]
    assert [
        (edge["node"]["user"]["email"], edge["node"]["since"][:10])
        for edge in after["backfillRequests"]["edges"]
    ] == [(CARA, join_date)]
    assert after["finn"]["unlinkedAccounts"]["totalCount"] == 1  # linked, then unlinked
    assert after["added"] == {"name": "Zendesk Sell", "kind": "PROVISIONING"}
    assert after["directory"] == {
        "name": "People",
        "syncSettings": {"baseUrl": "https://dir.example/scim/v2"},
    }
    links = admin_story["links"]["integrations"]
    assert links["Sync"].endswith("/admin/integrations/people/sync")
    assert links["Bullhorn"].endswith("/admin/integrations/bullhorn")
    assert (
        "This organization has no integration “nope”" in admin_story["text"]["no-such-integration"]
    )
    assert "Already linked:" in admin_story["text"]["already-linked"]
    assert "Olga Example" in admin_story["text"]["already-linked"]
    assert "Cara Newman" in admin_story["text"]["users-pending"]
    assert "observer" in admin_story["text"]["users-pending"]
    assert_accessible(admin_story)
    assert_accessible(accepted)
