"""A user's roles, sign-in identities and licences, from their Manage dialog in a real browser:
a role given, a licence given and the pool's last one refused to the next user, the only way in
refused unlinking (LAST_WAY_IN), an identity linked by hand and then the other one unlinked.
Each change checked through GraphQL; axe-core on the panel; Escape gives focus back to the row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.console_stack import (
    CONFIGURE_PROVIDER,
    assert_accessible,
    console_stack,
)
from tests.e2e.test_console_admin import SIGN_IN_STEPS

pytestmark = pytest.mark.e2e

GRACE = "grace@acme.example"
LINUS = "linus@acme.example"
PANEL = "Roles, identities and licences"
CREATE_ROLE = """mutation ($input: CreateRoleInput!) {
  createRole(input: $input) { userErrors { code message } } }"""
POOL = """mutation ($input: ConfigureLicencePoolInput!) {
  configureLicencePool(input: $input) { userErrors { code message } } }"""
LINK = """mutation ($input: LinkIdentityInput!) {
  linkIdentity(input: $input) { userErrors { code message } } }"""
ACCESS = """query ($search: String) { users(search: $search) { edges { node {
  roles licences { productKey } identities { subject } } } } }"""


def _access(stack: Any, admin: Any, email: str) -> dict[str, Any]:
    edges = stack.gql(admin, ACCESS, {"search": email})["users"]["edges"]
    assert len(edges) == 1, edges
    node: dict[str, Any] = edges[0]["node"]
    return node


def test_an_admin_changes_a_users_roles_identities_and_licences(tmp_path: Path) -> None:
    with console_stack(tmp_path) as stack:
        with stack.admin() as admin:
            grace_id = stack.create_user(admin, "Grace", GRACE)
            stack.create_user(admin, "Linus", LINUS)
            provider = stack.gql(
                admin,
                CONFIGURE_PROVIDER,
                {
                    "input": {
                        "name": "Corp SSO",
                        "issuer": "http://127.0.0.1:9/corp",
                        "clientId": "roster",
                        "clientSecret": "not used here",
                        "emailDomains": ["corp.example"],
                    }
                },
            )["configureIdentityProvider"]
            assert provider["userErrors"] == [], provider
            provider_id = provider["identityProvider"]["id"]
            linked = stack.gql(
                admin,
                LINK,
                {"input": {"userId": grace_id, "providerId": provider_id, "subject": "grace-1"}},
            )["linkIdentity"]
            assert linked["userErrors"] == [], linked
            role = stack.gql(admin, CREATE_ROLE, {"input": {"name": "Sales lead"}})["createRole"]
            assert role["userErrors"] == [], role
            pool = stack.gql(
                admin, POOL, {"input": {"productKey": "crm", "name": "CRM", "seats": 1}}
            )["configureLicencePool"]
            assert pool["userErrors"] == [], pool
        report = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"click": "Pending", "role": "tab"},
                {"click": f"Manage {GRACE}"},
                {"click": PANEL},
                {"waitText": "Sign-in identities"},
                {"click": "Sales lead", "role": "checkbox"},
                {"click": "Save roles"},
                {"waitText": "Grace Example's roles are saved."},
                {"click": "Give CRM"},
                {"waitText": "Grace Example now holds CRM."},
                # Grace has no password and one identity: unlinking it is refused.
                {"click": "Unlink Corp SSO (grace-1)"},
                {"click": "Unlink Corp SSO"},
                {"waitText": "This is the user's only way to sign in"},
                {"check": "user-access-last-way-in"},
                {"select": "Provider", "option": "Corp SSO"},
                {"fill": "Subject (the provider's id of the person)", "value": "grace-2"},
                {"click": "Link identity"},
                {"waitText": "Grace Example can now sign in with that identity."},
                {"click": "Unlink Corp SSO (grace-1)"},
                {"click": "Unlink Corp SSO"},
                {"waitText": "Grace Example no longer signs in with Corp SSO."},
                {"check": "user-access"},
                {"press": "Escape"},
                {"waitFocus": f"Manage {GRACE}"},
            ]
        )
        assert_accessible(report)
        with stack.admin() as admin:
            grace = _access(stack, admin, GRACE)
            assert "Sales lead" in grace["roles"]
            assert grace["licences"] == [{"productKey": "crm"}]
            assert grace["identities"] == [{"subject": "grace-2"}]
        refused = stack.browse(
            [
                *SIGN_IN_STEPS,
                {"click": "Pending", "role": "tab"},
                {"click": f"Manage {LINUS}"},
                {"click": PANEL},
                {"click": "Give CRM"},
                {"waitText": "No CRM licence left"},
                {"check": "user-access-refused"},
            ]
        )
        assert_accessible(refused)
        with stack.admin() as admin:
            assert _access(stack, admin, LINUS)["licences"] == []
