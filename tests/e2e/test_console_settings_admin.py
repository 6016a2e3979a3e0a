"""Settings, part 2, in a real browser. An API client created with its secret shown once: the
secret gets a client-credentials token over HTTP, a reload no longer shows it, and once revoked
on the page the token endpoint refuses it. A role created and renamed by the keyboard (the
rename field takes the focus), refused as a duplicate, retired. A department added, renamed,
and one still in use refused (IN_USE with the count) then retired with a replacement that moves
its user. The events on the audit page, filtered by action with the keyboard. Licences: a
holder given and taken back, the number changed (below those held refused), a new product.
axe-core on every screen."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.console_stack import ADMIN_EMAIL, assert_accessible, console_stack
from tests.e2e.test_console_admin import SIGN_IN_STEPS

pytestmark = pytest.mark.e2e

CREATE_ENTRY = """
mutation ($input: CreateCatalogEntryInput!) {
  createCatalogEntry(input: $input) { entry { id } userErrors { code message } }
}
"""
CREATE_USER = """
mutation ($input: CreateUserInput!) {
  createUser(input: $input) { user { id } userErrors { code message } }
}
"""
POOL = """
mutation ($input: ConfigureLicencePoolInput!) {
  configureLicencePool(input: $input) { licencePool { used } userErrors { code message } }
}
"""
ASSIGN = """
mutation ($input: AssignLicenceInput!) {
  assignLicence(input: $input) { userErrors { code message } }
}
"""
STATE = """
query ($id: ID!) {
  user(id: $id) { department { name } }
  organization { roles { name retired } departments { name retired } }
}
"""
ME = "query { users(first: 1) { totalCount } }"
GRANT = {"grant_type": "client_credentials"}


def test_settings_api_clients_roles_catalog_audit(tmp_path: Path) -> None:
    with console_stack(tmp_path) as stack:
        with stack.admin() as admin:
            made = {}
            for name in ("Recruiting", "Talent"):
                entry = stack.gql(
                    admin, CREATE_ENTRY, {"input": {"catalog": "DEPARTMENT", "name": name}}
                )
                assert entry["createCatalogEntry"]["userErrors"] == [], entry
                made[name] = entry["createCatalogEntry"]["entry"]["id"]
            user = stack.gql(
                admin,
                CREATE_USER,
                {"input": {"firstName": "Ines", "lastName": "Moreau", "email": "ines@acme.example",
                           "departmentId": made["Recruiting"]}},
            )["createUser"]  # fmt: skip
            assert user["userErrors"] == [], user
            ines = user["user"]["id"]
            pool = stack.gql(
                admin, POOL, {"input": {"productKey": "crm", "name": "CRM", "seats": 5}}
            )
            assert pool["configureLicencePool"]["userErrors"] == [], pool
            given = stack.gql(admin, ASSIGN, {"input": {"userId": ines, "productKey": "crm"}})
            assert given["assignLicence"]["userErrors"] == [], given
        created = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"goto": "/admin/settings/api-clients"},
                {"waitText": "New API client"},
                {"check": "api-clients-empty"},
                {"fill": "Name", "value": "Payroll sync"},
                {"click": "users:read", "role": "checkbox"},
                {"click": "Create API client"},
                {"waitText": "Payroll sync is created"},
                {"check": "api-client-secret"},
            ]
        )
        shown = created["text"]["api-client-secret"]
        client_id = re.search(r"Client id: (\S+)", shown)
        secret = re.search(r"Client secret\s+(\S+)", shown)
        assert client_id and secret, shown
        credentials = (client_id.group(1), secret.group(1))
        with httpx.Client(base_url=stack.roster.base_url, timeout=30.0) as http:
            grant = http.post("/oauth/token", data=GRANT, auth=credentials)
            assert grant.status_code == 200, grant.text
            bearer = {"Authorization": f"Bearer {grant.json()['access_token']}"}
            read = http.post("/graphql", json={"query": ME}, headers=bearer).json()
        report = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"goto": "/admin/settings/api-clients"},
                {"waitText": "Payroll sync"},
                {"check": "api-clients-reloaded"},
                {"click": "New secret for Payroll sync"},
                {"click": "Replace secret"},
                {"waitText": "Payroll sync has a new secret"},
                {"check": "api-client-rotated"},
                {"click": "Revoke Payroll sync"},
                {"click": "Keep"},
                {"click": "Revoke Payroll sync"},
                {"click": "Revoke now"},
                {"waitText": "Revoked"},
                {"check": "api-client-revoked"},
                # Roles: created by the keyboard alone (Enter in the field submits).
                {"goto": "/admin/settings/roles"},
                {"waitText": "New role"},
                {"fill": "Role name", "value": "Field lead"},
                {"press": "Enter"},
                {"waitText": "Field lead is created."},
                {"fill": "Role name", "value": "field  LEAD"},
                {"press": "Enter"},
                {"waitText": "There is already a role"},
                {"check": "role-taken"},
                {"click": "Rename Field lead"},
                {"waitFocus": "New name for Field lead"},
                {"press": "ControlOrMeta+a"},
                {"type": "Site lead"},
                {"press": "Enter"},
                {"waitText": "Field lead is now Site lead."},
                {"click": "Retire Site lead"},
                {"waitText": "Site lead is retired."},
                {"check": "roles"},
                # Catalog: IN_USE refused, then retired with a replacement.
                {"goto": "/admin/settings/catalog"},
                {"waitText": "Talent"},
                {"fill": "New department", "value": "Payroll"},
                {"click": "Add department"},
                {"waitText": "Payroll is created."},
                {"click": "Rename Payroll"},
                {"fill": "New name for Payroll", "value": "Payroll Office"},
                {"click": "Save name"},
                {"waitText": "Payroll is now Payroll Office."},
                {"click": "Retire Recruiting"},
                {"waitText": "Retire and move users"},
                {"check": "catalog-in-use"},
                {"select": "Move its users to", "option": "Talent"},
                {"click": "Retire and move users"},
                {"waitText": "Recruiting is retired."},
                {"check": "catalog-retired"},
                {"goto": "/admin/settings/audit"},
                {"waitText": "department.retired"},
                {"check": "audit"},
                # Filtered by the keyboard: type the action, Enter; the focus stays in the field.
                {"fill": "Action", "value": "role.renamed"},
                {"press": "Enter"},
                {"waitText": "(action role.renamed)"},
                {"waitFocus": "Action"},
                {"check": "audit-filtered"},
                {"goto": "/admin/settings/licences"},
                {"waitText": "1 of 5 licences in use"},
                {"check": "licences"},
                {"fill": "Give CRM to (email)", "value": ADMIN_EMAIL},
                {"click": "Give licence"},
                {"waitText": "2 of 5 licences in use"},
                {"click": "Take back CRM from Ines Moreau"},
                {"waitText": "Ines Moreau no longer holds CRM."},
                {"waitText": "1 of 5 licences in use"},
                {"fill": "Licences of CRM", "value": "0"},
                {"click": "Change the number"},
                {"waitText": "Seats cannot be fewer than the 1 licences"},
                {"fill": "Licences of CRM", "value": "3"},
                {"click": "Change the number"},
                {"waitText": "1 of 3 licences in use"},
                {"fill": "Product key", "value": "payroll"},
                {"fill": "Product name", "value": "Payroll"},
                {"fill": "Licences", "value": "2"},
                {"click": "Add product"},
                {"waitText": "0 of 2 licences in use"},
                {"check": "licences-changed"},
            ]
        )
        with stack.admin() as admin:
            state = stack.gql(admin, STATE, {"id": ines})
        with httpx.Client(base_url=stack.roster.base_url, timeout=30.0) as http:
            refused = http.post("/oauth/token", data=GRANT, auth=credentials)
    assert_accessible(created)
    assert_accessible(report)
    assert read["data"]["users"]["totalCount"] >= 2, read
    assert refused.status_code in (400, 401), refused.text  # revoked on the page
    assert "it will not be shown again" in shown
    reloaded = report["text"]["api-clients-reloaded"]
    assert secret.group(1) not in reloaded and "Payroll sync" in reloaded
    assert "users:read" in reloaded
    rotated = re.search(r"Client secret\s+(\S+)", report["text"]["api-client-rotated"])
    assert rotated and rotated.group(1) != secret.group(1)
    assert "Never" not in reloaded  # the token got before the reload is its last use
    assert "Never" in created["text"]["api-client-secret"]
    assert "field  LEAD" not in report["text"]["roles"]
    assert {"name": "Site lead", "retired": True} in state["organization"]["roles"]
    in_use = report["text"]["catalog-in-use"]
    assert "1 users are in 'Recruiting'" in in_use and "Retire and move users" in in_use
    assert state["user"]["department"] == {"name": "Talent"}
    assert {"name": "Recruiting", "retired": True} in state["organization"]["departments"]
    assert {"name": "Payroll Office", "retired": False} in state["organization"]["departments"]
    audit = report["text"]["audit"]
    for action in ("api_client.created", "role.created", "role.renamed", "role.retired",
                   "department.created", "department.renamed", "department.retired",
                   "user.updated"):  # fmt: skip
        assert action in audit, action
    assert "Field lead → Site lead" in audit  # before → after, readable
    assert "Ada Admin" in audit  # the actor by name, not by id
    narrowed = report["text"]["audit-filtered"]
    assert "1 event (action role.renamed)" in narrowed and "role.created" not in narrowed
    assert "Ines Moreau" in report["text"]["licences"]
    changed = report["text"]["licences-changed"]
    assert ADMIN_EMAIL in changed and "ines@acme.example" not in changed
    assert "Give Payroll to (email)" in changed and "No one holds Payroll yet." in changed
