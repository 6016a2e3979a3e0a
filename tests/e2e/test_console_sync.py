"""The sync screen (/admin/integrations/:key/sync) in a real browser, against a real scim2-server
app (seed 004): a run stops on REMOTE_EMAIL_EXISTS, shown with its user; the admin adopts the
app's account and the error is resolved; Last updated refused too far ahead (typed, at its
field), then backdated by the keyboard alone and the integration run again. axe-core on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.console_stack import assert_accessible, console_stack
from tests.e2e.scim_peers import TOKEN, scim_server
from tests.e2e.sync_graphql import CONFIGURE, CREATE_INTEGRATION
from tests.e2e.test_console_admin import SIGN_IN_STEPS

pytestmark = pytest.mark.e2e

OLGA = "olga@acme.example"
POOL = """mutation($input: ConfigureLicencePoolInput!) { configureLicencePool(input: $input) {
  userErrors { code message } } }"""
CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  user { id } userErrors { code message } } }"""
ASSIGN = """mutation($input: AssignLicenceInput!) { assignLicence(input: $input) {
  userErrors { code message } } }"""
NAMES = """query($search: String) {
  users(search: $search) { edges { node { firstName status } } } }"""
STATE = """query { integration(key: "upvise") { cursor
  syncRuns(first: 10) { totalCount edges { node { status cursorFrom } } }
  syncErrors { edges { node { code resolvedAt } } } } }"""


def test_an_admin_adopts_an_app_account_and_backdates_last_updated(tmp_path: Path) -> None:
    with (
        scim_server(tmp_path / "scim.log") as scim,
        console_stack(tmp_path) as stack,
    ):
        app = scim.tenant()
        app.add_person("olga-there", email=OLGA)
        with stack.admin() as admin:
            pool = {"productKey": "upvise", "name": "Upvise", "seats": 9}
            assert (
                stack.gql(admin, POOL, {"input": pool})["configureLicencePool"]["userErrors"] == []
            )
            made = stack.gql(
                admin,
                CREATE_INTEGRATION,
                {"input": {"key": "upvise", "name": "Upvise", "kind": "PROVISIONING"}},
            )["createIntegration"]
            settings = {
                "integrationId": made["integration"]["id"],
                "baseUrl": app.base_url,
                "bearerToken": TOKEN,
                "productKey": "upvise",
            }
            assert (
                stack.gql(admin, CONFIGURE, {"input": settings})["configureSync"]["userErrors"]
                == []
            )
            olga = stack.gql(
                admin,
                CREATE_USER,
                {"input": {"firstName": "Olga", "lastName": "Smith", "email": OLGA}},
            )["createUser"]["user"]["id"]
            assigned = stack.gql(admin, ASSIGN, {"input": {"userId": olga, "productKey": "upvise"}})
            assert assigned["assignLicence"]["userErrors"] == []
        ahead = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        back = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
        report = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"goto": "/admin/integrations/upvise/sync"},
                {"waitText": "Sync: Upvise"},
                {"check": "sync-first"},
                {"click": "Run now"},
                {"waitText": "REMOTE_EMAIL_EXISTS"},
                {"check": "sync-remote-email"},
                {"click": "Adopt account"},
                {"waitText": "The app account is adopted."},
                {"waitText": "No unresolved errors."},
                {"check": "sync-adopted"},
                {"fill": "Last updated", "value": ahead},
                {"click": "Save last updated"},
                {"waitText": "cannot be set in the future"},
                {"check": "sync-cursor-refused"},
                # The keyboard alone: the date in its field, Enter saves, Tab to Run now.
                {"fill": "Last updated", "value": back},
                {"press": "Enter"},
                {"waitText": "Last updated is saved."},
                {"click": "Run now"},
                {"waitText": "The run ended: see its counts below."},
                {"check": "sync-rerun"},
            ]
        )
        with stack.admin() as admin:
            state = stack.gql(admin, STATE, {})["integration"]
    assert_accessible(report)
    assert "REMOTE_EMAIL_EXISTS" in report["text"]["sync-remote-email"]
    assert OLGA in report["text"]["sync-remote-email"]
    assert "Adopt account" not in report["text"]["sync-adopted"]
    refused = report["text"]["sync-cursor-refused"]
    assert "INVALID: The cursor cannot be set in the future" in refused
    assert [edge["node"]["resolvedAt"] is not None for edge in state["syncErrors"]["edges"]] == [
        True
    ]
    runs = [edge["node"] for edge in state["syncRuns"]["edges"]]
    assert runs[0]["cursorFrom"] is not None and runs[0]["cursorFrom"].startswith(back[:10])
    assert (
        "Run SUCCEEDED" in report["text"]["sync-rerun"]
        or "The run ended: see its counts below." in report["text"]["sync-rerun"]
    )


RUN = """mutation($input: RunSyncInput!) { runSync(input: $input) {
  syncRun { status created } userErrors { code message } } }"""


def test_an_admin_resyncs_one_directory_company(
    tmp_path: Path,
) -> None:
    """Seed 003: a directory's run made Alice; the admin resyncs her company from the sync
    screen; the run is listed with its company and counts. Editing her first name, which the
    directory owns, is refused on screen (MANAGED_EXTERNALLY) and changes nothing."""
    alice = "alice@partners.example"
    with (
        scim_server(tmp_path / "scim.log") as scim,
        console_stack(tmp_path) as stack,
    ):
        directory = scim.tenant()
        alice_there = directory.add_person(
            "alice", email=alice, first="Alice", company="Acme Partners"
        )
        with stack.admin() as admin:
            made = stack.gql(
                admin,
                CREATE_INTEGRATION,
                {"input": {"key": "connex", "name": "ConneX", "kind": "DIRECTORY"}},
            )["createIntegration"]
            integration_id = made["integration"]["id"]
            settings = {"integrationId": integration_id, "baseUrl": directory.base_url}
            configured = stack.gql(admin, CONFIGURE, {"input": {**settings, "bearerToken": TOKEN}})
            assert configured["configureSync"]["userErrors"] == []
            ran = stack.gql(admin, RUN, {"input": {"integrationId": integration_id}})["runSync"]
            assert ran["syncRun"] == {"status": "SUCCEEDED", "created": 1}, ran
        report = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"goto": "/admin/integrations/connex/sync"},
                {"waitText": "Sync: ConneX"},
                {"select": "Company", "option": "Acme Partners"},
                {"click": "Resync company"},
                {"waitText": "The company is resynced."},
                {"check": "sync-company"},
                # A local edit of a field the directory owns is refused, and said so.
                {"goto": "/admin/users?tab=pending"},
                {"click": f"Manage {alice}"},
                {"click": "Edit"},
                {"waitText": 'The directory integration "connex" manages this user'},
                {"fill": "First name", "value": "Alicia"},
                {"click": "Save"},
                {"waitText": "This user is managed by the directory ConneX: change it there."},
                {"check": "directory-user-edit"},
            ]
        )
        with stack.admin() as admin:
            found = stack.gql(admin, NAMES, {"search": alice})["users"]["edges"]
            assert [edge["node"]["firstName"] for edge in found] == ["Alice"]
            # The directory deactivates her: 1 of its 1 users, above the threshold, so the
            # run is held for an admin, who confirms it on the sync screen.
            directory.patch(alice_there, "active", False)
            held = stack.gql(admin, RUN, {"input": {"integrationId": integration_id}})["runSync"]
            assert held["syncRun"]["status"] == "AWAITING_CONFIRMATION", held
        confirmed = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"goto": "/admin/integrations/connex/sync"},
                {"waitText": "Held runs"},
                {"check": "sync-held"},
                {"click": "Confirm"},
                {"waitText": "The held run is applied."},
                {"waitGone": "Held runs"},
            ]
        )
        with stack.admin() as admin:
            found = stack.gql(admin, NAMES, {"search": alice})["users"]["edges"]
            assert [edge["node"]["status"] for edge in found] == ["DISABLED"]
    assert_accessible(report)
    assert_accessible(confirmed)
    assert "company\tAcme Partners" in report["text"]["sync-company"].replace(
        "company: ", "company\t"
    )
